// Package generation is the generate function's half of the pipeline:
// extract a quiz's course content, then write its questions with the LLM.
// It builds on internal/pipeline (stage ownership, leases, failure
// recording) and is kept apart from it so that the export function does not
// link the LLM client and the content extractors.
package generation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"quizgen/internal/content"
	"quizgen/internal/pipeline"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
)

// Extractor extracts course content; content.Extractor implements it.
type Extractor interface {
	Extract(ctx context.Context, token string, courseID int64, moduleIDs []int64) (content.Result, error)
}

// Generator runs the generate queue's jobs.
type Generator struct {
	*pipeline.Pipeline
	Extractor Extractor
	// Runs stores the generation runs and their batches.
	Runs RunStore
	// Batches writes each batch's questions with the LLM.
	Batches BatchWriter
	// Jobs publishes one generate_batch message per batch of a run; nil
	// runs the batches in the generation job itself, one after another
	// (tests and single-process runs).
	Jobs quiz.Publisher
	// BatchContentChars bounds the module text of one batch's prompt
	// (DefaultBatchContentChars when 0).
	BatchContentChars int
}

// Handle runs one job message of any kind (tests and single-process runs).
func (g *Generator) Handle(ctx context.Context, j queue.Job) error {
	if j.Message.Kind == queue.KindExport {
		return g.HandleExport(ctx, j)
	}
	return g.HandleGenerate(ctx, j)
}

// HandleGenerate runs one message of the generate queue (the
// queue.Handler of the generate function).
func (g *Generator) HandleGenerate(ctx context.Context, j queue.Job) error {
	m := j.Message
	log := g.Log.With("quiz_id", m.QuizID, "job", m.Kind, "attempt", j.Attempt)
	switch m.Kind {
	case queue.KindExtract:
		return g.extract(ctx, log, m.QuizID, m.JobID, j.Final)
	case queue.KindGenerate:
		return g.generate(ctx, log, m.QuizID, m.JobID, j.Final)
	case queue.KindGenerateBatch:
		return g.batch(ctx, log.With("batch_id", m.BatchID), m.QuizID, m.BatchID, m.JobID, j.Final)
	}
	log.ErrorContext(ctx, "dropping a job that does not belong on the generate queue")
	return nil
}

// extract runs an extraction job and then the generation it hands to the
// same job; each stage's errors go through Settle.
func (g *Generator) extract(ctx context.Context, log *slog.Logger, id, jobID quiz.ID, final bool) error {
	chained, err := g.runExtract(ctx, log, id, jobID)
	if err != nil {
		return g.Settle(ctx, log, id, quiz.StageExtraction, jobID, final, err)
	}
	if !chained {
		return nil
	}
	return g.generate(ctx, log, id, jobID, final)
}

// runExtract extracts and stores the content, and reports whether the
// generation is this job's to run next.
func (g *Generator) runExtract(ctx context.Context, log *slog.Logger, id, jobID quiz.ID) (bool, error) {
	q, goOn, err := g.Take(ctx, log, id, quiz.StageExtraction, jobID)
	if err != nil {
		return false, err
	}
	if !goOn {
		// A redelivery after the extraction completed resumes the
		// generation it handed to the same job.
		return q.ContentExtractionStatus == quiz.StatusCompleted && q.LLMGenerationJobID != nil && *q.LLMGenerationJobID == jobID, nil
	}
	start := time.Now()
	doc, sum, err := g.extractModules(ctx, q)
	if err != nil {
		return false, err
	}
	chained, err := g.Store.FinishExtraction(ctx, id, jobID, doc, quiz.GenerateLease)
	if errors.Is(err, quiz.ErrConflict) {
		log.InfoContext(ctx, "extraction was taken over meanwhile; dropping this result")
		return false, nil
	}
	if err != nil {
		return false, pipeline.Retry(fmt.Errorf("store extracted content: %w", err), "Content extraction failed: "+pipeline.DatabaseReason)
	}
	log.InfoContext(ctx, "content extracted", "summary", sum, "ms", time.Since(start).Milliseconds())
	if !chained {
		log.InfoContext(ctx, "a generation is already running; not starting another")
	}
	return chained, nil
}

// generate runs a generation job (its batches, README "Jobs"); its errors
// go through Settle.
func (g *Generator) generate(ctx context.Context, log *slog.Logger, id, jobID quiz.ID, final bool) error {
	return g.Settle(ctx, log, id, quiz.StageGeneration, jobID, final, g.fanOut(ctx, log, id, jobID, final))
}
