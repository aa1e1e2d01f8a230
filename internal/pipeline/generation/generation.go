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
	r := g.NewRun(j)
	switch j.Message.Kind {
	case queue.KindExtract:
		return g.extract(ctx, r)
	case queue.KindGenerate:
		return g.generate(ctx, r)
	case queue.KindGenerateBatch:
		return g.batch(ctx, r)
	}
	r.Log.ErrorContext(ctx, "dropping a job that does not belong on the generate queue")
	return nil
}

// extract runs an extraction job and then the generation it hands to the
// same job; each stage's errors go through Settle.
func (g *Generator) extract(ctx context.Context, r pipeline.Run) error {
	chained, err := g.runExtract(ctx, r)
	if err != nil {
		return g.Settle(ctx, r, err)
	}
	if !chained {
		return nil
	}
	r.Stage = quiz.StageGeneration
	return g.generate(ctx, r)
}

// runExtract extracts and stores the content, and reports whether the
// generation is this job's to run next.
func (g *Generator) runExtract(ctx context.Context, r pipeline.Run) (bool, error) {
	q, goOn, err := g.Take(ctx, r)
	if err != nil {
		return false, err
	}
	if !goOn {
		// A redelivery after the extraction completed resumes the
		// generation it handed to the same job.
		return q.ContentExtractionStatus == quiz.StatusCompleted && q.LLMGenerationJobID != nil && *q.LLMGenerationJobID == r.JobID, nil
	}
	start := time.Now()
	doc, sum, err := g.extractModules(ctx, q)
	if err != nil {
		return false, err
	}
	chained, err := g.Store.FinishExtraction(ctx, r.QuizID, r.JobID, doc, quiz.GenerateLease)
	if errors.Is(err, quiz.ErrConflict) {
		r.Log.InfoContext(ctx, "extraction was taken over meanwhile; dropping this result")
		return false, nil
	}
	if err != nil {
		return false, pipeline.Retry(fmt.Errorf("store extracted content: %w", err), "Content extraction failed: "+pipeline.DatabaseReason)
	}
	r.Log.InfoContext(ctx, "content extracted", "summary", sum, "ms", time.Since(start).Milliseconds())
	if !chained {
		r.Log.InfoContext(ctx, "a generation is already running; not starting another")
	}
	return chained, nil
}

// generate runs a generation job (its batches, README, Background jobs); its errors
// go through Settle.
func (g *Generator) generate(ctx context.Context, r pipeline.Run) error {
	return g.Settle(ctx, r, g.fanOut(ctx, r))
}
