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

	"quizgen/internal/canvas"
	"quizgen/internal/content"
	"quizgen/internal/llm"
	"quizgen/internal/pipeline"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
)

// Extractor extracts course content; content.Extractor implements it.
type Extractor interface {
	Extract(ctx context.Context, token string, courseID int64, moduleIDs []int64) (content.Result, error)
}

// Writer writes questions with the LLM; llm.Writer implements it.
type Writer interface {
	Write(ctx context.Context, job llm.Job, save func(ctx context.Context, qs []llm.Question) error) (llm.Result, error)
}

// Generator runs the generate queue's jobs.
type Generator struct {
	*pipeline.Pipeline
	Extractor Extractor
	Writer    Writer
	// ChunkSize is the largest piece of content one LLM call sees.
	ChunkSize int
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
	tok, err := g.Token(ctx, q)
	if err != nil {
		return false, pipeline.Fail(err, pipeline.TokenReason(err))
	}
	mods := make([]int64, len(q.SelectedModules))
	for i, m := range q.SelectedModules {
		mods[i] = m.ID
	}
	res, err := g.Extractor.Extract(ctx, tok, q.CanvasCourseID, mods)
	if err != nil {
		reason := "Content extraction failed: " + pipeline.SafeReason(err)
		if errors.Is(err, canvas.ErrUnauthorized) {
			reason = "Canvas refused the access token. Please sign in again and retry."
		}
		return false, pipeline.Fail(err, reason)
	}
	doc, err := res.JSON()
	if err != nil {
		return false, pipeline.Permanent(err, "Content extraction failed.")
	}
	chained, err := g.Store.FinishExtraction(ctx, id, jobID, doc, quiz.GenerateLease)
	if errors.Is(err, quiz.ErrConflict) {
		log.InfoContext(ctx, "extraction was taken over meanwhile; dropping this result")
		return false, nil
	}
	if err != nil {
		return false, pipeline.Retry(fmt.Errorf("store extracted content: %w", err), "Content extraction failed: "+pipeline.DatabaseReason)
	}
	log.InfoContext(ctx, "content extracted", "summary", res.Summary(), "skipped", len(res.Skipped), "ms", time.Since(start).Milliseconds())
	if !chained {
		log.InfoContext(ctx, "a generation is already running; not starting another")
	}
	return chained, nil
}

// generate runs a generation job; its errors go through Settle.
func (g *Generator) generate(ctx context.Context, log *slog.Logger, id, jobID quiz.ID, final bool) error {
	return g.Settle(ctx, log, id, quiz.StageGeneration, jobID, final, g.runGenerate(ctx, log, id, jobID))
}

func (g *Generator) runGenerate(ctx context.Context, log *slog.Logger, id, jobID quiz.ID) error {
	q, goOn, err := g.Take(ctx, log, id, quiz.StageGeneration, jobID)
	if err != nil || !goOn {
		return err
	}
	start := time.Now()
	size := g.ChunkSize
	if size <= 0 {
		size = 6000
	}
	chunks := llm.Chunks(q.ExtractedContent, size)
	if len(chunks) == 0 {
		return pipeline.Permanent(errors.New("no content"), "No course content long enough to write questions from.")
	}
	saved, texts, err := g.Store.GenerationProgress(ctx, id, jobID)
	if err != nil {
		return pipeline.Retry(fmt.Errorf("read generation progress: %w", err), "Question generation failed: "+pipeline.DatabaseReason)
	}
	missing := q.QuestionCount - saved
	if missing > 0 {
		res, werr := g.Writer.Write(ctx, llm.Job{
			Model: q.LLMModel, Temperature: q.LLMTemperature, Title: q.Title, Chunks: chunks,
			Target: len(texts) + missing, Existing: texts,
		}, func(ctx context.Context, qs []llm.Question) error {
			return g.Store.SaveGenerated(ctx, id, jobID, newQuestions(qs))
		})
		log.InfoContext(ctx, "questions written", "saved", res.Saved, "before", saved, "target", q.QuestionCount,
			"calls", res.Calls, "retries", res.Retries, "duplicates", res.Duplicates, "short", res.Short,
			"ms", time.Since(start).Milliseconds())
		switch {
		case errors.Is(werr, quiz.ErrConflict):
			log.InfoContext(ctx, "generation was taken over meanwhile; stopping")
			return nil
		case errors.Is(werr, llm.ErrCritical):
			return pipeline.Permanent(werr, "Question generation failed: "+pipeline.SafeReason(werr))
		case werr != nil:
			return pipeline.Fail(werr, "Question generation failed: "+pipeline.SafeReason(werr))
		}
	}
	err = g.Store.CompleteStage(ctx, id, quiz.StageGeneration, jobID)
	switch {
	case errors.Is(err, quiz.ErrConflict):
		return nil
	case err != nil:
		return pipeline.Retry(fmt.Errorf("complete generation: %w", err), "Question generation failed: "+pipeline.DatabaseReason)
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
