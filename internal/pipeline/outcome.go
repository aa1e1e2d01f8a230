package pipeline

import (
	"context"
	"errors"

	"quizgen/internal/quiz"
)

// Classify reads a job's error for Settle and for jobs that record their
// outcome somewhere else than a stage (a generation batch): the reason to
// record if the job fails for good (err's Failure's, else stage's generic
// reason with err), and whether another delivery may succeed
// (quiz.ErrTemporary, a deadline, a cancellation (the run was stopped: the
// next delivery resumes it), a Retry; never a Permanent).
func Classify(stage quiz.Stage, err error) (reason string, temporary bool) {
	temporary = errors.Is(err, quiz.ErrTemporary) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled)
	var f *Failure
	if errors.As(err, &f) {
		return f.Reason, (temporary || f.retry) && !f.permanent
	}
	return stageFailed(stage) + ": " + SafeReason(err), temporary
}
