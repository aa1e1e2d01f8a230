// Package pipeline is the background work of quizgen, run by the generate
// and export functions for each SQS message. This package holds what every
// job shares (stage ownership, leases, recording failures, the owner's
// Canvas token) and the export to Canvas; pipeline/generation holds the
// extraction and question writing, kept apart so that the export function
// does not link the LLM client.
//
// Every job is idempotent. The API stamps a job id on the stage it queues
// and puts the same id in the message; a job works on a stage only while
// the stage carries its id, takes it from pending to processing under the
// row lock (one of several concurrent deliveries wins), and may take it
// again only after the lease ran out (a crashed or timed-out run). Work is
// saved as it goes (extracted content, question batches, the Canvas quiz
// id, each Canvas item id), so a redelivered message continues where the
// previous run stopped.
//
// A handler returns nil when the job reached a final state (done, or a
// failure recorded on the quiz with a reason) and an error when SQS should
// deliver the message again (a temporary failure); on the last delivery a
// temporary failure is recorded too, so no quiz is left processing.
package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"quizgen/internal/canvas"
	"quizgen/internal/canvastoken"
	"quizgen/internal/db"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
)

// Store is the persistence the jobs need; internal/db implements it.
type Store interface {
	Quiz(ctx context.Context, id quiz.ID) (quiz.Quiz, error)
	User(ctx context.Context, id quiz.ID) (quiz.User, error)
	SetCanvasTokens(ctx context.Context, id quiz.ID, access, refresh string, expiresAt *time.Time) error
	TakeStage(ctx context.Context, id quiz.ID, stage quiz.Stage, jobID quiz.ID, lease time.Duration) (quiz.Quiz, quiz.Take, error)
	CompleteStage(ctx context.Context, id quiz.ID, stage quiz.Stage, jobID quiz.ID) error
	FailStage(ctx context.Context, id quiz.ID, stage quiz.Stage, jobID quiz.ID, reason string) error
	FinishExtraction(ctx context.Context, id, jobID quiz.ID, content json.RawMessage, generateLease time.Duration) (bool, error)
	ApprovedQuestions(ctx context.Context, id quiz.ID) ([]quiz.Question, error)
	SetCanvasQuizID(ctx context.Context, id, jobID quiz.ID, canvasQuizID string) error
	SetCanvasItemID(ctx context.Context, id, jobID, questionID quiz.ID, itemID string) error
	RefuseQuestion(ctx context.Context, id, jobID, questionID quiz.ID, reason, feedback string) error
	ExportRefusals(ctx context.Context, id quiz.ID, reasons []string) ([]db.ExportRefusal, error)
}

// Exporter creates New Quizzes in Canvas and lists what exists, so that a
// redelivered export finds what an earlier run created; canvas.Client
// implements it.
type Exporter interface {
	CreateQuiz(ctx context.Context, token string, courseID int64, q canvas.NewQuiz) (string, error)
	CreateItem(ctx context.Context, token string, courseID int64, quizID string, item canvas.NewItem) (string, error)
	ListQuizzes(ctx context.Context, token string, courseID int64) ([]canvas.ListedQuiz, error)
	ListItems(ctx context.Context, token string, courseID int64, quizID string) ([]canvas.ListedItem, error)
}

// Pipeline runs the jobs.
type Pipeline struct {
	Store  Store
	Tokens canvastoken.Source
	Canvas Exporter
	Log    *slog.Logger
}

// ErrBusy: another delivery of the same job holds the stage under a live
// lease; this one is retried later and will find it done (or dead).
var ErrBusy = fmt.Errorf("another delivery of this job is working on it: %w", quiz.ErrTemporary)

// HandleExport runs one message of the export queue (the queue.Handler of
// the export function). It does not reach the generation code, so the
// export binary does not link the LLM client.
func (p *Pipeline) HandleExport(ctx context.Context, j queue.Job) error {
	r := p.NewRun(j)
	if j.Message.Kind != queue.KindExport {
		r.Log.ErrorContext(ctx, "dropping a job that does not belong on the export queue")
		return nil
	}
	return p.export(ctx, r)
}

// Run is one delivery of a job: what each of its steps needs besides the
// context, built once from the queue.Job by the Handle functions.
type Run struct {
	// Log carries the quiz id, the job kind and the attempt (and the
	// batch id of a batch job).
	Log    *slog.Logger
	QuizID quiz.ID
	// JobID is the id the job's stage (or batch) must carry.
	JobID quiz.ID
	// BatchID is the generation batch of a batch job; zero otherwise.
	BatchID quiz.ID
	// Stage is the stage the job works on (an extraction job moves on to
	// the generation).
	Stage quiz.Stage
	// Final is set on the last delivery: a temporary failure is recorded
	// rather than left for another delivery.
	Final bool
}

// NewRun is the Run of job j, on the stage of its kind (none for an
// unknown kind).
func (p *Pipeline) NewRun(j queue.Job) Run {
	m := j.Message
	r := Run{Log: p.Log.With("quiz_id", m.QuizID, "job", m.Kind, "attempt", j.Attempt),
		QuizID: m.QuizID, JobID: m.JobID, BatchID: m.BatchID, Final: j.Final}
	switch m.Kind {
	case queue.KindExtract:
		r.Stage = quiz.StageExtraction
	case queue.KindGenerate:
		r.Stage = quiz.StageGeneration
	case queue.KindGenerateBatch:
		r.Stage = quiz.StageGeneration
		r.Log = r.Log.With("batch_id", m.BatchID)
	case queue.KindExport:
		r.Stage = quiz.StageExport
	}
	return r
}

// Take starts r's stage for its job and says whether to go on.
func (p *Pipeline) Take(ctx context.Context, r Run) (quiz.Quiz, bool, error) {
	q, take, err := p.Store.TakeStage(ctx, r.QuizID, r.Stage, r.JobID, quiz.Lease(r.Stage))
	switch {
	case errors.Is(err, quiz.ErrNotFound):
		r.Log.InfoContext(ctx, "quiz deleted; nothing to do")
		return q, false, nil
	case err != nil:
		return q, false, Retry(fmt.Errorf("take %s: %w", r.Stage, err), stageFailed(r.Stage)+": "+DatabaseReason)
	}
	switch take {
	case quiz.TakeStale:
		r.Log.InfoContext(ctx, "stale job: the stage belongs to a newer request", "stage", r.Stage)
		return q, false, nil
	case quiz.TakeDone:
		r.Log.InfoContext(ctx, "job already done", "stage", r.Stage, "status", q.Status(r.Stage))
		return q, false, nil
	case quiz.TakeBusy:
		return q, false, ErrBusy
	case quiz.TakeResumed:
		r.Log.WarnContext(ctx, "lease ran out: taking the stage over", "stage", r.Stage)
	}
	return q, true, nil
}

// Failure is a job error with the reason recorded on the quiz if the job
// fails for good. Build it with Fail, Retry or Permanent.
type Failure struct {
	// Reason is what the quiz's failure_reason says (no secrets).
	Reason string
	// retry: worth another delivery whatever Err is (a local write or read
	// that failed); permanent: not worth one whatever Err is.
	retry, permanent bool
	Err              error
}

func (f *Failure) Error() string { return f.Err.Error() }
func (f *Failure) Unwrap() error { return f.Err }

// Fail gives err the reason recorded if the job fails for good; whether
// it is retried first depends on err (quiz.ErrTemporary, a deadline).
func Fail(err error, reason string) error { return &Failure{Reason: reason, Err: err} }

// Retry is Fail for an error worth another delivery whatever it is, such
// as a failed read or write of the job's own bookkeeping.
func Retry(err error, reason string) error { return &Failure{Reason: reason, retry: true, Err: err} }

// Permanent is Fail for an error no delivery can fix: it is recorded now.
func Permanent(err error, reason string) error {
	return &Failure{Reason: reason, permanent: true, Err: err}
}

// Settle is the one place where a job's error becomes its outcome: nil
// stays nil; ErrBusy is returned as it is (another delivery holds the
// stage and will finish it); a temporary error is returned for SQS to
// deliver the job again, unless this is the last delivery; anything else,
// or the last delivery, is recorded on the quiz as a failure with the
// reason of err's Failure (the stage's generic reason when it has none).
func (p *Pipeline) Settle(ctx context.Context, r Run, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrBusy) {
		return err
	}
	reason, temporary := Classify(r.Stage, err)
	if temporary && !r.Final {
		r.Log.WarnContext(ctx, "temporary failure; SQS will deliver the job again", "stage", r.Stage, "err", err)
		return err
	}
	if temporary {
		reason += " (gave up after repeated temporary failures)"
	}
	r.Log.ErrorContext(ctx, "job failed", "stage", r.Stage, "reason", reason, "err", err)
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if ferr := p.Store.FailStage(fctx, r.QuizID, r.Stage, r.JobID, reason); ferr != nil && !errors.Is(ferr, quiz.ErrConflict) {
		return fmt.Errorf("record failure of %s: %w", r.Stage, errors.Join(ferr, err))
	}
	return nil
}

// stageFailed is the start of a stage's generic failure reason.
func stageFailed(stage quiz.Stage) string {
	switch stage {
	case quiz.StageExtraction:
		return "Content extraction failed"
	case quiz.StageGeneration:
		return "Question generation failed"
	case quiz.StageExport:
		return "Export to Canvas failed"
	}
	return string(stage) + " failed"
}

// DatabaseReason is the failure reason of a job whose database reads or
// writes kept failing.
const DatabaseReason = "the database was unavailable."

// Write attempts of the job's own bookkeeping (writeAttempts tries, the
// pause doubling from writePause): a write lost to a connection reset at
// the pooler is tried again at once rather than after a redelivery.
const (
	writeAttempts = 4
	writePause    = 100 * time.Millisecond
)

// Save runs an idempotent write of the job's progress (the export's and
// pipeline/generation's), trying again a few times after a short pause
// unless it reports quiz.ErrConflict (the job lost the stage) or
// quiz.ErrNotFound.
func Save(ctx context.Context, r Run, what string, f func(context.Context) error) error {
	pause := writePause
	for attempt := 1; ; attempt++ {
		err := f(ctx)
		if err == nil || errors.Is(err, quiz.ErrConflict) || errors.Is(err, quiz.ErrNotFound) || attempt >= writeAttempts {
			return err
		}
		r.Log.WarnContext(ctx, "write failed; trying again", "what", what, "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
		pause *= 2
	}
}

// Token returns the quiz owner's Canvas token.
func (p *Pipeline) Token(ctx context.Context, q quiz.Quiz) (string, error) {
	u, err := p.Store.User(ctx, q.OwnerID)
	if err != nil {
		return "", err
	}
	return p.Tokens.Token(ctx, u)
}

// TokenReason is the failure reason of a Canvas token error.
func TokenReason(err error) string {
	if errors.Is(err, canvastoken.ErrExpired) {
		return "Canvas session expired. Please sign in again and retry."
	}
	return "Canvas is unavailable."
}

// SafeReason shortens an error for the quiz's failure reason. Errors of
// this code base carry no secrets (canvas and llm scrub theirs).
func SafeReason(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
