// Package pipeline is the background work of quizgen, run by the generate
// and export functions for each SQS message: extract a quiz's course
// content, write its questions with the LLM, export the approved ones to
// Canvas.
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
	"quizgen/internal/content"
	"quizgen/internal/db"
	"quizgen/internal/llm"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
)

// Store is the persistence the jobs need; internal/db implements it.
type Store interface {
	Quiz(ctx context.Context, id quiz.ID) (quiz.Quiz, error)
	User(ctx context.Context, id quiz.ID) (quiz.User, error)
	SetCanvasTokens(ctx context.Context, id quiz.ID, access, refresh string, expiresAt *time.Time) error
	TakeStage(ctx context.Context, id quiz.ID, stage quiz.Stage, jobID quiz.ID, lease time.Duration) (quiz.Quiz, db.Take, error)
	CompleteStage(ctx context.Context, id quiz.ID, stage quiz.Stage, jobID quiz.ID) error
	FailStage(ctx context.Context, id quiz.ID, stage quiz.Stage, jobID quiz.ID, reason string) error
	FinishExtraction(ctx context.Context, id, jobID quiz.ID, content json.RawMessage, generateLease time.Duration) (bool, error)
	GenerationProgress(ctx context.Context, id, jobID quiz.ID) (saved int, texts []string, err error)
	SaveGenerated(ctx context.Context, id, jobID quiz.ID, qs []quiz.NewQuestion) error
	ApprovedQuestions(ctx context.Context, id quiz.ID) ([]quiz.Question, error)
	SetCanvasQuizID(ctx context.Context, id, jobID quiz.ID, canvasQuizID string) error
	SetCanvasItemID(ctx context.Context, questionID quiz.ID, itemID string) error
}

// Extractor extracts course content; content.Extractor implements it.
type Extractor interface {
	Extract(ctx context.Context, token string, courseID int64, moduleIDs []int64) (content.Result, error)
}

// Writer writes questions with the LLM; llm.Writer implements it.
type Writer interface {
	Write(ctx context.Context, job llm.Job, save func(ctx context.Context, qs []llm.Question) error) (llm.Result, error)
}

// Exporter creates New Quizzes in Canvas; canvas.Client implements it.
type Exporter interface {
	CreateQuiz(ctx context.Context, token string, courseID int64, q canvas.NewQuiz) (string, error)
	CreateItem(ctx context.Context, token string, courseID int64, quizID string, item canvas.NewItem) (string, error)
}

// Pipeline runs the jobs.
type Pipeline struct {
	Store     Store
	Tokens    canvastoken.Source
	Extractor Extractor
	Writer    Writer
	Canvas    Exporter
	Log       *slog.Logger
	// ChunkSize is the largest piece of content one LLM call sees.
	ChunkSize int
	// Now is the clock of Canvas timestamps (time.Now when nil).
	Now func() time.Time
}

// errBusy: another delivery of the same job holds the stage under a live
// lease; this one is retried later and will find it done (or dead).
var errBusy = fmt.Errorf("another delivery of this job is working on it: %w", quiz.ErrTemporary)

// Handle runs one job message of any kind.
func (p *Pipeline) Handle(ctx context.Context, j queue.Job) error {
	if j.Message.Kind == queue.KindExport {
		return p.HandleExport(ctx, j)
	}
	return p.HandleGenerate(ctx, j)
}

// HandleGenerate runs one message of the generate queue (the
// queue.Handler of the generate function).
func (p *Pipeline) HandleGenerate(ctx context.Context, j queue.Job) error {
	m := j.Message
	log := p.Log.With("quiz_id", m.QuizID, "job", m.Kind, "attempt", j.Attempt)
	switch m.Kind {
	case queue.KindExtract:
		return p.extract(ctx, log, m.QuizID, m.JobID, j.Final)
	case queue.KindGenerate:
		return p.generate(ctx, log, m.QuizID, m.JobID, j.Final)
	}
	log.ErrorContext(ctx, "dropping a job that does not belong on the generate queue")
	return nil
}

// HandleExport runs one message of the export queue (the queue.Handler of
// the export function). It does not reach the generation code, so the
// export binary does not link the LLM client.
func (p *Pipeline) HandleExport(ctx context.Context, j queue.Job) error {
	m := j.Message
	log := p.Log.With("quiz_id", m.QuizID, "job", m.Kind, "attempt", j.Attempt)
	if m.Kind != queue.KindExport {
		log.ErrorContext(ctx, "dropping a job that does not belong on the export queue")
		return nil
	}
	return p.export(ctx, log, m.QuizID, m.JobID, j.Final)
}

// take starts stage for jobID and says whether to go on.
func (p *Pipeline) take(ctx context.Context, log *slog.Logger, id quiz.ID, stage quiz.Stage, jobID quiz.ID) (quiz.Quiz, bool, error) {
	q, take, err := p.Store.TakeStage(ctx, id, stage, jobID, quiz.Lease(stage))
	switch {
	case errors.Is(err, quiz.ErrNotFound):
		log.InfoContext(ctx, "quiz deleted; nothing to do")
		return q, false, nil
	case err != nil:
		return q, false, fmt.Errorf("take %s: %w", stage, err)
	}
	switch take {
	case db.TakeStale:
		log.InfoContext(ctx, "stale job: the stage belongs to a newer request", "stage", stage)
		return q, false, nil
	case db.TakeDone:
		log.InfoContext(ctx, "job already done", "stage", stage, "status", q.Status(stage))
		return q, false, nil
	case db.TakeBusy:
		return q, false, errBusy
	case db.TakeResumed:
		log.WarnContext(ctx, "lease ran out: taking the stage over", "stage", stage)
	}
	return q, true, nil
}

// settle turns a job error into the job's outcome: a temporary error is
// retried (returned), unless this is the last delivery; anything else, or
// the last delivery, is recorded on the quiz as a failure with a reason.
func (p *Pipeline) settle(ctx context.Context, log *slog.Logger, id quiz.ID, stage quiz.Stage, jobID quiz.ID, final bool, err error, reason string) error {
	if err == nil {
		return nil
	}
	temporary := errors.Is(err, quiz.ErrTemporary) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled) // the run was stopped: the next delivery resumes it
	if temporary && !final {
		log.WarnContext(ctx, "temporary failure; SQS will deliver the job again", "stage", stage, "err", err)
		return err
	}
	if temporary {
		reason += " (gave up after repeated temporary failures)"
	}
	log.ErrorContext(ctx, "job failed", "stage", stage, "reason", reason, "err", err)
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if ferr := p.Store.FailStage(fctx, id, stage, jobID, reason); ferr != nil && !errors.Is(ferr, quiz.ErrConflict) {
		return fmt.Errorf("record failure of %s: %w", stage, errors.Join(ferr, err))
	}
	return nil
}

// token returns the quiz owner's Canvas token.
func (p *Pipeline) token(ctx context.Context, q quiz.Quiz) (string, error) {
	u, err := p.Store.User(ctx, q.OwnerID)
	if err != nil {
		return "", err
	}
	return p.Tokens.Token(ctx, u)
}

func tokenReason(err error) string {
	if errors.Is(err, canvastoken.ErrExpired) {
		return "Canvas session expired. Please sign in again and retry."
	}
	return "Canvas is unavailable."
}

func (p *Pipeline) extract(ctx context.Context, log *slog.Logger, id, jobID quiz.ID, final bool) error {
	q, goOn, err := p.take(ctx, log, id, quiz.StageExtraction, jobID)
	if err != nil {
		return err
	}
	if !goOn {
		// A redelivery after the extraction completed resumes the
		// generation it handed to the same job.
		if q.ContentExtractionStatus == quiz.StatusCompleted && q.LLMGenerationJobID != nil && *q.LLMGenerationJobID == jobID {
			return p.generate(ctx, log, id, jobID, final)
		}
		return nil
	}
	start := time.Now()
	tok, err := p.token(ctx, q)
	if err != nil {
		return p.settle(ctx, log, id, quiz.StageExtraction, jobID, final, err, tokenReason(err))
	}
	mods := make([]int64, len(q.SelectedModules))
	for i, m := range q.SelectedModules {
		mods[i] = m.ID
	}
	res, err := p.Extractor.Extract(ctx, tok, q.CanvasCourseID, mods)
	if err != nil {
		reason := "Content extraction failed: " + safeReason(err)
		if errors.Is(err, canvas.ErrUnauthorized) {
			reason = "Canvas refused the access token. Please sign in again and retry."
		}
		return p.settle(ctx, log, id, quiz.StageExtraction, jobID, final, err, reason)
	}
	doc, err := res.JSON()
	if err != nil {
		return p.settle(ctx, log, id, quiz.StageExtraction, jobID, final, err, "Content extraction failed.")
	}
	chained, err := p.Store.FinishExtraction(ctx, id, jobID, doc, quiz.GenerateLease)
	if errors.Is(err, quiz.ErrConflict) {
		log.InfoContext(ctx, "extraction was taken over meanwhile; dropping this result")
		return nil
	}
	if err != nil {
		return fmt.Errorf("store extracted content: %w", err)
	}
	log.InfoContext(ctx, "content extracted", "summary", res.Summary(), "skipped", len(res.Skipped), "ms", time.Since(start).Milliseconds())
	if !chained {
		log.InfoContext(ctx, "a generation is already running; not starting another")
		return nil
	}
	return p.generate(ctx, log, id, jobID, final)
}

func (p *Pipeline) generate(ctx context.Context, log *slog.Logger, id, jobID quiz.ID, final bool) error {
	q, goOn, err := p.take(ctx, log, id, quiz.StageGeneration, jobID)
	if err != nil || !goOn {
		return err
	}
	start := time.Now()
	size := p.ChunkSize
	if size <= 0 {
		size = 6000
	}
	chunks := llm.Chunks(q.ExtractedContent, size)
	if len(chunks) == 0 {
		return p.settle(ctx, log, id, quiz.StageGeneration, jobID, final,
			errors.New("no content"), "No course content long enough to write questions from.")
	}
	saved, texts, err := p.Store.GenerationProgress(ctx, id, jobID)
	if err != nil {
		return fmt.Errorf("read generation progress: %w", err)
	}
	missing := q.QuestionCount - saved
	if missing > 0 {
		res, werr := p.Writer.Write(ctx, llm.Job{
			Model: q.LLMModel, Temperature: q.LLMTemperature, Title: q.Title, Chunks: chunks,
			Target: len(texts) + missing, Existing: texts,
		}, func(ctx context.Context, qs []llm.Question) error {
			return p.Store.SaveGenerated(ctx, id, jobID, newQuestions(qs))
		})
		log.InfoContext(ctx, "questions written", "saved", res.Saved, "before", saved, "target", q.QuestionCount,
			"calls", res.Calls, "retries", res.Retries, "duplicates", res.Duplicates, "short", res.Short,
			"ms", time.Since(start).Milliseconds())
		switch {
		case errors.Is(werr, quiz.ErrConflict):
			log.InfoContext(ctx, "generation was taken over meanwhile; stopping")
			return nil
		case errors.Is(werr, llm.ErrCritical):
			return p.settle(ctx, log, id, quiz.StageGeneration, jobID, true, werr, "Question generation failed: "+safeReason(werr))
		case werr != nil:
			return p.settle(ctx, log, id, quiz.StageGeneration, jobID, final, werr, "Question generation failed: "+safeReason(werr))
		}
	}
	if err := p.Store.CompleteStage(ctx, id, quiz.StageGeneration, jobID); err != nil && !errors.Is(err, quiz.ErrConflict) {
		return fmt.Errorf("complete generation: %w", err)
	}
	return nil
}

func newQuestions(qs []llm.Question) []quiz.NewQuestion {
	out := make([]quiz.NewQuestion, len(qs))
	for i, q := range qs {
		out[i] = quiz.NewQuestion{QuestionText: q.QuestionText, OptionA: q.OptionA, OptionB: q.OptionB,
			OptionC: q.OptionC, OptionD: q.OptionD, CorrectAnswer: q.CorrectAnswer}
	}
	return out
}

// safeReason shortens an error for the quiz's failure reason. Errors of
// this code base carry no secrets (canvas and llm scrub theirs).
func safeReason(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
