package quiz

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"quizgen/internal/quiz/qtype"
)

// Leases: how long a stage may stay "processing" before a redelivered job
// may take it again, or a user may start it again. Each is longer than the
// timeout of the function that runs the stage (template.yaml), so a live
// run is never taken over.
const (
	// GenerateLease covers extraction and generation (generate function, 900 s).
	GenerateLease = 16 * time.Minute
	// ExportLease covers the export (export function, 600 s).
	ExportLease = 11 * time.Minute
	// PendingWindow: a stage queued (pending with a job id) for longer than
	// this without a job taking it no longer counts against
	// LIMIT_PROCESSING_QUIZZES. SQS retries a message for about half an
	// hour (README, Background jobs), so such a job is lost, and its quiz
	// must not hold the teacher's place for ever (README, Limits).
	PendingWindow = time.Hour
)

// Lease returns the lease of stage s.
func Lease(s Stage) time.Duration {
	if s == StageExport {
		return ExportLease
	}
	return GenerateLease
}

// JobKind names a background job.
type JobKind string

// The background jobs. Extract and Generate run in the generate function,
// Export in the export function.
const (
	// JobExtract extracts the content of the quiz's modules, then generates
	// its questions.
	JobExtract JobKind = "extract_content"
	// JobGenerate generates questions from already extracted content.
	JobGenerate JobKind = "generate_questions"
	// JobExport exports the approved questions to Canvas.
	JobExport JobKind = "export_quiz"
	// JobGenerateBatch writes one batch of a generation run (README,
	// Jobs): its Job carries the batch's id.
	JobGenerateBatch JobKind = "generate_batch"
)

// Job is a request for background work on one quiz.
type Job struct {
	Kind   JobKind
	QuizID ID
	// ID is stamped on the quiz's stage when the job is queued; only the
	// message carrying it may work on the stage.
	ID ID
	// RequestID is the API request that asked for it, for tracing.
	RequestID string
	// BatchID is the generation batch of a JobGenerateBatch (zero for
	// the other kinds); ID is then the batch's own job id.
	BatchID ID
}

// ErrUnavailable means a job could not be queued; nothing was changed.
var ErrUnavailable = errors.New("background jobs are unavailable")

// RuleKind says which rule of the status machine refused a request.
type RuleKind int

// Conflict is a job already running or done (HTTP 409); Precondition is a
// quiz that is not ready for the request (HTTP 400).
const (
	Conflict RuleKind = iota + 1
	Precondition
)

// RuleError is a request the status machine refuses. Msg is safe to show.
type RuleError struct {
	Kind RuleKind
	Msg  string
}

func (e *RuleError) Error() string { return e.Msg }

// JobStore is the persistence Service needs; internal/db implements it.
type JobStore interface {
	// CreateQuiz stores a new quiz with every status pending.
	CreateQuiz(ctx context.Context, n NewQuiz) (Quiz, error)
	// Quiz returns the quiz with id, or ErrNotFound.
	Quiz(ctx context.Context, id ID) (Quiz, error)
	// DeleteQuiz deletes owner's quiz, or returns ErrNotFound.
	DeleteQuiz(ctx context.Context, owner, id ID) error
	// UpdateStatus locks the quiz, asks decide and writes its decision for
	// stage; it returns the quiz as written, decide's error, or ErrNotFound.
	UpdateStatus(ctx context.Context, id ID, stage Stage, decide Decide) (Quiz, error)
	// ApprovedQuestionCount counts the questions an export of the quiz
	// would send: approved and not deleted, of every type.
	ApprovedQuestionCount(ctx context.Context, id ID) (int, error)
	// CreateQuizCharged is CreateQuiz if lim allows the quiz's first
	// generation run, which it charges to the owner in the same
	// transaction; it returns a *LimitError when refused.
	CreateQuizCharged(ctx context.Context, n NewQuiz, lim Limits) (Quiz, Charge, error)
	// UpdateStatusCharged is UpdateStatus for a move that starts a
	// generation run of owner's quiz: decide first, then lim over the
	// owner's usage, and the run is charged in the same transaction.
	UpdateStatusCharged(ctx context.Context, owner, id ID, stage Stage, lim Limits, decide Decide) (Quiz, Charge, error)
	// Refund takes back a charge whose run could not be queued.
	Refund(ctx context.Context, owner, id ID, ch Charge) error
}

// Publisher queues background jobs; internal/queue implements it.
type Publisher interface {
	// PublishJob queues j. An error means it was not queued.
	PublishJob(ctx context.Context, j Job) error
}

// Service starts the background work of quizzes: it moves a status under a
// row lock, then queues the job, and undoes the move if queueing fails, so
// no quiz is left waiting for a job that does not exist.
type Service struct {
	store   JobStore
	batches BatchStore
	jobs    Publisher
	log     *slog.Logger
	limits  Limits
}

// NewService returns a Service without usage limits (see WithLimits).
// When store is also a BatchStore (internal/db's is), the Service can
// re-run part of a finished generation (RetryFailedBatches,
// RegenerateBatch); otherwise those are unavailable.
func NewService(store JobStore, jobs Publisher, log *slog.Logger) *Service {
	s := &Service{store: store, jobs: jobs, log: log}
	s.batches, _ = store.(BatchStore)
	return s
}

// WithLimits makes s refuse work beyond l (README, Limits) and returns s.
// Call it while wiring, before s serves.
func (s *Service) WithLimits(l Limits) *Service {
	s.limits = l
	return s
}

// CreateQuiz stores a new quiz for n.OwnerID and queues the extraction of
// its content, which goes on to generate the questions: the quiz's first
// generation run, refused with a *LimitError beyond the limits (a typed
// quiz's run counts Modules.Total() questions). If the job
// cannot be queued the quiz is deleted again, the run refunded, and the
// error wraps ErrUnavailable.
func (s *Service) CreateQuiz(ctx context.Context, n NewQuiz, requestID string) (Quiz, error) {
	jobID := uuid.New()
	n.ExtractionJobID = &jobID
	modules := len(n.SelectedModules)
	if n.Typed() {
		n.SelectedModules, n.QuestionCount, modules = nil, n.Modules.Total(), len(n.Modules)
	}
	q, ch, err := s.store.CreateQuizCharged(ctx, n, s.limits)
	if err != nil {
		return Quiz{}, err
	}
	if err := s.jobs.PublishJob(ctx, Job{Kind: JobExtract, QuizID: q.ID, ID: jobID, RequestID: requestID}); err != nil {
		undoCtx := context.WithoutCancel(ctx)
		undoErr := errors.Join(s.store.DeleteQuiz(undoCtx, n.OwnerID, q.ID), s.store.Refund(undoCtx, n.OwnerID, q.ID, ch))
		return Quiz{}, s.unavailable(ctx, q.ID, JobExtract, err, undoErr)
	}
	s.log.InfoContext(ctx, "quiz created", "quiz_id", q.ID, "course_id", n.CanvasCourseID, "modules", modules, "typed", n.Typed())
	return q, nil
}

// live reports whether stage s of q is processing under a lease that has
// not run out: a job is working on it.
func live(q Quiz, s Stage, now time.Time) bool {
	return q.Status(s) == StatusProcessing && !q.LeaseExpired(s, Lease(s), now)
}

// StartExtraction makes owner's quiz extract its content again (docs/compatibility.md,
// Routes and errors): 409 while an extraction runs, else the extraction goes back to
// pending with no content and the job is queued. The extraction goes on
// to generate questions: a generation run, refused with a *LimitError
// beyond the limits.
func (s *Service) StartExtraction(ctx context.Context, owner, id ID, requestID string) error {
	job := Job{Kind: JobExtract, QuizID: id, ID: uuid.New(), RequestID: requestID}
	prev, ch, err := s.moveCharged(ctx, owner, id, StageExtraction, func(q Quiz, now time.Time) (Decision, error) {
		if live(q, StageExtraction, now) {
			return Decision{}, &RuleError{Conflict, "Content extraction is already in progress"}
		}
		return Decision{To: StatusPending, SetContent: true, SetJobID: true, JobID: &job.ID}, nil
	})
	if err != nil {
		return err
	}
	return s.publishOrUndo(ctx, prev, StageExtraction, job, &ch)
}

// StartGeneration makes owner's quiz generate questions (docs/compatibility.md, Routes and errors): 400
// until the content is extracted, 409 while a generation runs, and a
// *LimitError beyond the limits.
func (s *Service) StartGeneration(ctx context.Context, owner, id ID, requestID string) error {
	job := Job{Kind: JobGenerate, QuizID: id, ID: uuid.New(), RequestID: requestID}
	prev, ch, err := s.moveCharged(ctx, owner, id, StageGeneration, func(q Quiz, now time.Time) (Decision, error) {
		if q.ContentExtractionStatus != StatusCompleted {
			return Decision{}, &RuleError{Precondition, "Content extraction must be completed before generating questions"}
		}
		if live(q, StageGeneration, now) {
			return Decision{}, &RuleError{Conflict, "Question generation is already in progress"}
		}
		return Decision{To: StatusPending, SetJobID: true, JobID: &job.ID}, nil
	})
	if err != nil {
		return err
	}
	return s.publishOrUndo(ctx, prev, StageGeneration, job, &ch)
}

// StartExport exports owner's quiz to Canvas (docs/compatibility.md, Routes and errors): 409 when it was
// exported or an export runs, 400 without approved questions (of any
// type: the export sends every type). A failed export may be started
// again; it finishes only what is missing.
func (s *Service) StartExport(ctx context.Context, owner, id ID, requestID string) error {
	job := Job{Kind: JobExport, QuizID: id, ID: uuid.New(), RequestID: requestID}
	q, err := s.store.Quiz(ctx, id)
	if err != nil || q.OwnerID != owner {
		return notFound(err)
	}
	approved, err := s.store.ApprovedQuestionCount(ctx, id)
	if err != nil {
		return err
	}
	prev, err := s.move(ctx, owner, id, StageExport, func(q Quiz, now time.Time) (Decision, error) {
		if q.ExportStatus == StatusCompleted && q.CanvasQuizID != nil && *q.CanvasQuizID != "" {
			return Decision{}, &RuleError{Conflict, "Quiz has already been exported to Canvas"}
		}
		if live(q, StageExport, now) {
			return Decision{}, &RuleError{Conflict, "Quiz export is already in progress"}
		}
		if approved == 0 {
			return Decision{}, &RuleError{Precondition, "Quiz has no approved questions to export"}
		}
		return Decision{To: StatusPending, SetJobID: true, JobID: &job.ID}, nil
	})
	if err != nil {
		return err
	}
	return s.publishOrUndo(ctx, prev, StageExport, job, nil)
}

// move applies decide to owner's quiz and returns the quiz as it was
// before, for undo. Another user's quiz is ErrNotFound.
func (s *Service) move(ctx context.Context, owner, id ID, stage Stage, decide Decide) (Quiz, error) {
	var prev Quiz
	_, err := s.store.UpdateStatus(ctx, id, stage, func(q Quiz, now time.Time) (Decision, error) {
		if q.OwnerID != owner {
			return Decision{}, ErrNotFound
		}
		prev = q
		return decide(q, now)
	})
	if err != nil {
		return Quiz{}, notFound(err)
	}
	return prev, nil
}

// moveCharged is move for a move that starts a generation run: it also
// checks the limits and charges the run, and returns the charge.
func (s *Service) moveCharged(ctx context.Context, owner, id ID, stage Stage, decide Decide) (Quiz, Charge, error) {
	var prev Quiz
	_, ch, err := s.store.UpdateStatusCharged(ctx, owner, id, stage, s.limits, func(q Quiz, now time.Time) (Decision, error) {
		if q.OwnerID != owner {
			return Decision{}, ErrNotFound
		}
		prev = q
		return decide(q, now)
	})
	if err != nil {
		return Quiz{}, Charge{}, notFound(err)
	}
	return prev, ch, nil
}

// publishOrUndo queues j; if that fails it puts stage back as it was in
// prev (if nothing else moved it meanwhile), refunds charge ch (if not
// nil) and returns ErrUnavailable.
func (s *Service) publishOrUndo(ctx context.Context, prev Quiz, stage Stage, j Job, ch *Charge) error {
	err := s.jobs.PublishJob(ctx, j)
	if err == nil {
		s.log.InfoContext(ctx, "job queued", "quiz_id", j.QuizID, "job", j.Kind)
		return nil
	}
	_, undoErr := s.store.UpdateStatus(context.WithoutCancel(ctx), prev.ID, stage, func(q Quiz, _ time.Time) (Decision, error) {
		if q.Status(stage) != StatusPending {
			return Decision{}, fmt.Errorf("%s moved on to %s meanwhile: %w", stage, q.Status(stage), ErrConflict)
		}
		if id := q.JobID(stage); id == nil || *id != j.ID {
			return Decision{}, fmt.Errorf("%s belongs to another job meanwhile: %w", stage, ErrConflict)
		}
		d := Decision{To: prev.Status(stage), SetJobID: true, JobID: prev.JobID(stage)}
		if d.To == StatusProcessing { // a run whose lease ran out: it is dead
			d.To = StatusFailed
		}
		if stage == StageExtraction {
			d.SetContent, d.Content, d.ContentAt = true, prev.ExtractedContent, prev.ContentExtractedAt
		}
		return d, nil
	})
	if ch != nil {
		undoErr = errors.Join(undoErr, s.store.Refund(context.WithoutCancel(ctx), prev.OwnerID, prev.ID, *ch))
	}
	return s.unavailable(ctx, j.QuizID, j.Kind, err, undoErr)
}

func (s *Service) unavailable(ctx context.Context, id ID, kind JobKind, err, undoErr error) error {
	if undoErr != nil {
		s.log.ErrorContext(ctx, "job not queued and undo failed", "quiz_id", id, "job", kind, "err", err, "undo_err", undoErr)
	} else {
		s.log.ErrorContext(ctx, "job not queued; change undone", "quiz_id", id, "job", kind, "err", err)
	}
	return fmt.Errorf("queue %s for quiz %s: %w", kind, id, errors.Join(ErrUnavailable, err, undoErr))
}

// notFound keeps ErrNotFound as it is and passes other errors on.
func notFound(err error) error {
	if err == nil {
		return ErrNotFound
	}
	return err
}

// BatchStore is what Service needs to re-run part of a finished
// generation (README, Background jobs); internal/db implements it.
type BatchStore interface {
	// RetryFailedBatchesCharged moves the failed batches of owner's quiz
	// id back to pending as a run lim allows, charged; quiz.ErrConflict
	// when there is nothing to retry.
	RetryFailedBatchesCharged(ctx context.Context, owner, id ID, lim Limits) ([]GenerationBatch, Charge, error)
	// RegenerateBatchCharged adds batch sp to owner's completed quiz id as
	// a run lim allows, charged; quiz.ErrConflict unless completed.
	RegenerateBatchCharged(ctx context.Context, owner, id ID, sp BatchSpec, lim Limits) (GenerationBatch, Charge, error)
	// FailBatch records that batch batchID (held by jobID) failed, and
	// decides the run when it was the last.
	FailBatch(ctx context.Context, id, batchID, jobID ID, reason string) (bool, error)
}

// reasonUnqueued is the failure of a batch whose message could not be
// queued.
const reasonUnqueued = "Question generation failed: background jobs are unavailable."

// RetryFailedBatches re-runs only the failed batches of owner's quiz id
// (today's generate-questions from ready_for_review_partial): a
// generation run of their questions within the limits, one
// generate_batch message each. A quiz with nothing to retry is a
// Conflict; a batch that could not be queued fails again with the reason
// and the error wraps ErrUnavailable (the charge is refunded when none
// was queued).
func (s *Service) RetryFailedBatches(ctx context.Context, owner, id ID, requestID string) error {
	if s.batches == nil {
		return fmt.Errorf("retry failed batches: no batch store: %w", ErrUnavailable)
	}
	bs, ch, err := s.batches.RetryFailedBatchesCharged(ctx, owner, id, s.limits)
	if errors.Is(err, ErrConflict) {
		return &RuleError{Conflict, "Question generation has no failed batches to retry"}
	}
	if err != nil {
		return err
	}
	return s.publishBatches(ctx, owner, id, bs, ch, requestID)
}

// RegenerateBatch adds sp.Count questions of one batch of owner's quiz id
// (today's regenerate-batch): a generation run of sp.Count questions
// within the limits, one generate_batch message; the batch job shows the
// model the quiz's questions so that it writes others. It is a Conflict
// unless the generation completed, a Precondition when the quiz has no
// such batch, and wraps ErrUnavailable when the message could not be
// queued (the batch then fails and the charge is refunded).
func (s *Service) RegenerateBatch(ctx context.Context, owner, id ID, sp BatchSpec, requestID string) error {
	if s.batches == nil {
		return fmt.Errorf("regenerate a batch: no batch store: %w", ErrUnavailable)
	}
	b, ch, err := s.batches.RegenerateBatchCharged(ctx, owner, id, sp, s.limits)
	var ve *qtype.ValidationError
	switch {
	case errors.Is(err, ErrConflict):
		return &RuleError{Conflict, "Quiz must be in review state for batch regeneration"}
	case errors.As(err, &ve):
		return &RuleError{Precondition, "Specified batch not found in quiz configuration"}
	case err != nil:
		return err
	}
	return s.publishBatches(ctx, owner, id, []GenerationBatch{b}, ch, requestID)
}

// publishBatches queues one generate_batch message per batch of bs. The
// batches it could not queue fail (the run is decided as usual when they
// were the last), ch is refunded when none was queued, and the error
// wraps ErrUnavailable.
func (s *Service) publishBatches(ctx context.Context, owner, id ID, bs []GenerationBatch, ch Charge, requestID string) error {
	for i, b := range bs {
		err := s.jobs.PublishJob(ctx, Job{Kind: JobGenerateBatch, QuizID: id, ID: b.JobID, BatchID: b.ID, RequestID: requestID})
		if err == nil {
			continue
		}
		undoCtx := context.WithoutCancel(ctx)
		var undoErr error
		for _, left := range bs[i:] {
			if _, ferr := s.batches.FailBatch(undoCtx, id, left.ID, left.JobID, reasonUnqueued); ferr != nil && !errors.Is(ferr, ErrConflict) {
				undoErr = errors.Join(undoErr, ferr)
			}
		}
		if i == 0 {
			undoErr = errors.Join(undoErr, s.store.Refund(undoCtx, owner, id, ch))
		}
		return s.unavailable(ctx, id, JobGenerateBatch, err, undoErr)
	}
	s.log.InfoContext(ctx, "generation batches queued", "quiz_id", id, "batches", len(bs))
	return nil
}
