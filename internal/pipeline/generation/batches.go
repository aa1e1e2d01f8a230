package generation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"quizgen/internal/db"
	"quizgen/internal/llm"
	"quizgen/internal/pipeline"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
)

// Generation fans out (README, Background jobs): the generation job of a quiz
// stores one batch per (module x batch) and publishes one generate_batch
// message per batch; each batch job writes its questions and saves them
// with its batch's completion in one transaction, and the last batch of
// the run to settle decides the stage.

// RunStore is the persistence of a generation that fans out;
// internal/db implements it.
type RunStore interface {
	FanOutGeneration(ctx context.Context, id, jobID quiz.ID, lease time.Duration) (quiz.Quiz, quiz.Take, []quiz.GenerationBatch, error)
	TakeBatch(ctx context.Context, id, batchID, jobID quiz.ID, lease time.Duration) (quiz.Quiz, quiz.GenerationBatch, quiz.Take, error)
	SaveBatch(ctx context.Context, id, batchID, jobID quiz.ID, qs []quiz.NewQuestion, check db.DuplicateCheck) (bool, error)
	FailBatch(ctx context.Context, id, batchID, jobID quiz.ID, reason string) (bool, error)
	ReleaseBatch(ctx context.Context, id, batchID, jobID quiz.ID) error
	QuestionData(ctx context.Context, id quiz.ID) ([]db.StoredQuestion, error)
}

var _ RunStore = (*db.Store)(nil)

// BatchWriter writes one typed batch; llm.BatchWriter implements it.
type BatchWriter interface {
	Write(ctx context.Context, r llm.BatchRequest) ([]json.RawMessage, error)
}

// DefaultBatchContentChars bounds the module text one batch's prompt
// carries (Generator.BatchContentChars).
const DefaultBatchContentChars = 30_000

// SaveTries is how often a batch job saves its batch at most: a save that
// finds some of the batch's questions duplicating questions other batches
// saved meanwhile stores nothing, and the job writes as many replacements
// and saves again; after SaveTries such saves the batch fails as a short
// batch does.
const SaveTries = 3

// fanOut runs the generation job r: it stores the run's batches (or
// finds them, on a redelivery) and publishes every batch still pending. A
// failed publish is retried by redelivery, which publishes what is still
// pending.
func (g *Generator) fanOut(ctx context.Context, r pipeline.Run) error {
	q, take, batches, err := g.Runs.FanOutGeneration(ctx, r.QuizID, r.JobID, quiz.GenerateLease)
	switch {
	case errors.Is(err, quiz.ErrNotFound):
		r.Log.InfoContext(ctx, "quiz deleted; nothing to do")
		return nil
	case err != nil:
		return pipeline.Retry(fmt.Errorf("fan out generation: %w", err), "Question generation failed: "+pipeline.DatabaseReason)
	}
	switch take {
	case quiz.TakeStale:
		r.Log.InfoContext(ctx, "stale job: the generation belongs to a newer request")
		return nil
	case quiz.TakeDone:
		r.Log.InfoContext(ctx, "job already done", "status", q.LLMGenerationStatus)
		return nil
	}
	r.Log.InfoContext(ctx, "generation fanned out", "take", take, "publish", len(batches))
	return g.dispatch(ctx, r, batches)
}

// dispatch publishes one message per batch, or, without a publisher
// (tests, single-process runs), runs each batch here, one after another,
// through the same code a batch job runs, as a Run of r's quiz (its
// logger and Final) with the batch's ids.
func (g *Generator) dispatch(ctx context.Context, r pipeline.Run, batches []quiz.GenerationBatch) error {
	var errs []error
	for _, b := range batches {
		var err error
		if g.Jobs == nil {
			br := r
			br.Log, br.BatchID, br.JobID = r.Log.With("batch_id", b.ID), b.ID, b.JobID
			err = g.batch(ctx, br)
		} else {
			err = g.Jobs.PublishJob(ctx, quiz.Job{Kind: queue.KindGenerateBatch, QuizID: r.QuizID, ID: b.JobID, BatchID: b.ID})
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return pipeline.Retry(fmt.Errorf("dispatch %d of %d batches: %w", len(errs), len(batches), err),
			"Question generation failed: background jobs are unavailable.")
	}
	return nil
}

// batch runs batch job r (r.BatchID, r.JobID) and settles its outcome:
// nil when the batch reached a final state, an error for SQS to deliver
// the message again (the batch back to pending for it) unless r.Final, when
// the failure is recorded on the batch.
func (g *Generator) batch(ctx context.Context, r pipeline.Run) error {
	err := g.runBatch(ctx, r)
	if err == nil || errors.Is(err, pipeline.ErrBusy) {
		return err
	}
	reason, temporary := pipeline.Classify(r.Stage, err)
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if temporary && !r.Final {
		r.Log.WarnContext(ctx, "temporary failure; SQS will deliver the batch again", "err", err)
		if rerr := g.Runs.ReleaseBatch(fctx, r.QuizID, r.BatchID, r.JobID); rerr != nil && !errors.Is(rerr, quiz.ErrConflict) {
			r.Log.WarnContext(ctx, "could not release the batch; its lease will", "err", rerr)
		}
		return err
	}
	if temporary {
		reason += " (gave up after repeated temporary failures)"
	}
	r.Log.ErrorContext(ctx, "batch failed", "reason", reason, "err", err)
	decided, ferr := g.Runs.FailBatch(fctx, r.QuizID, r.BatchID, r.JobID, reason)
	if ferr != nil && !errors.Is(ferr, quiz.ErrConflict) {
		return fmt.Errorf("record failure of batch %s: %w", r.BatchID, errors.Join(ferr, err))
	}
	if decided {
		r.Log.InfoContext(ctx, "generation run decided by the last batch")
	}
	return nil
}

func (g *Generator) runBatch(ctx context.Context, r pipeline.Run) error {
	q, b, take, err := g.Runs.TakeBatch(ctx, r.QuizID, r.BatchID, r.JobID, quiz.GenerateLease)
	switch {
	case errors.Is(err, quiz.ErrNotFound):
		r.Log.InfoContext(ctx, "quiz or batch deleted; nothing to do")
		return nil
	case err != nil:
		return pipeline.Retry(fmt.Errorf("take batch: %w", err), "Question generation failed: "+pipeline.DatabaseReason)
	}
	switch take {
	case quiz.TakeStale:
		r.Log.InfoContext(ctx, "stale batch job: the batch or its run belongs to a newer request")
		return nil
	case quiz.TakeDone:
		r.Log.InfoContext(ctx, "batch already done", "status", b.Status)
		return nil
	case quiz.TakeBusy:
		return pipeline.ErrBusy
	case quiz.TakeResumed:
		r.Log.WarnContext(ctx, "batch lease ran out: taking it over")
	}
	start := time.Now()
	mod, _ := q.Modules.Find(b.ModuleID)
	text := g.moduleContent(q, mod)
	if text == "" {
		return pipeline.Permanent(errors.New("no content"), "No course content in this module to write questions from.")
	}
	stored, err := g.Runs.QuestionData(ctx, r.QuizID)
	if err != nil {
		return pipeline.Retry(fmt.Errorf("read existing questions: %w", err), "Question generation failed: "+pipeline.DatabaseReason)
	}
	req := llm.BatchRequest{
		Type: b.Type, Count: b.Count, Difficulty: b.Difficulty, Language: q.Language, Tone: string(q.Tone),
		CustomInstructions: q.CustomInstructions, ModuleName: mod.Name, Content: text, Existing: keysOf(stored),
		Model: q.LLMModel, Temperature: q.LLMTemperature,
	}
	data, err := g.write(ctx, req)
	if err != nil {
		return err
	}
	// The save is the point of truth: other batches of the quiz may have
	// saved questions since stored was read (batches run at the same
	// time), so the save checks the batch against the quiz's questions
	// under its row lock; what duplicates them is written again, up to
	// SaveTries saves.
	var decided bool
	for try := 1; ; try++ {
		keys := make([]string, len(data))
		qs := make([]quiz.NewQuestion, len(data))
		for i, d := range data {
			keys[i] = llm.QuestionKey(b.Type, d)
			qs[i] = quiz.NewQuestion{Type: b.Type, Data: d, Difficulty: b.Difficulty, ModuleID: b.ModuleID}
		}
		check := func(existing []db.StoredQuestion) []int { return llm.NearDuplicates(keysOf(existing), keys) }
		err = pipeline.Save(ctx, r, "save batch", func(ctx context.Context) (err error) {
			decided, err = g.Runs.SaveBatch(ctx, r.QuizID, r.BatchID, r.JobID, qs, check)
			return err
		})
		var dup *db.DuplicatesError
		switch {
		case errors.As(err, &dup):
		case errors.Is(err, quiz.ErrConflict):
			r.Log.InfoContext(ctx, "batch was taken over or ended meanwhile; dropping this result")
			return nil
		case err != nil:
			return pipeline.Retry(fmt.Errorf("save batch: %w", err), "Question generation failed: "+pipeline.DatabaseReason)
		default:
			r.Log.InfoContext(ctx, "batch written", "type", b.Type, "count", len(qs), "module_id", b.ModuleID,
				"decided", decided, "saves", try, "ms", time.Since(start).Milliseconds())
			return nil
		}
		data = without(data, dup.Index)
		if try >= SaveTries {
			err := fmt.Errorf("%d of %d %s questions still duplicated questions other batches saved meanwhile after %d saves",
				b.Count-len(data), b.Count, b.Type, try)
			return pipeline.Permanent(err, "Question generation failed: "+pipeline.SafeReason(err))
		}
		r.Log.InfoContext(ctx, "questions saved meanwhile duplicate some of the batch; writing replacements",
			"duplicates", len(dup.Index), "save", try)
		req.Count = b.Count - len(data)
		req.Existing = append(keysOf(dup.Existing), without(keys, dup.Index)...)
		more, err := g.write(ctx, req)
		if err != nil {
			return err
		}
		data = append(data, more...)
	}
}

// write asks the batch writer for r's questions and classifies its
// error: a critical one, or a batch the model cannot complete (asking
// again gives the same answer), is permanent.
func (g *Generator) write(ctx context.Context, r llm.BatchRequest) ([]json.RawMessage, error) {
	data, err := g.Batches.Write(ctx, r)
	var short *llm.ShortBatchError
	switch {
	case errors.Is(err, llm.ErrCritical), errors.As(err, &short):
		return nil, pipeline.Permanent(err, "Question generation failed: "+pipeline.SafeReason(err))
	case err != nil:
		return nil, pipeline.Fail(err, "Question generation failed: "+pipeline.SafeReason(err))
	}
	return data, nil
}

// keysOf returns the QuestionKey of each stored question.
func keysOf(stored []db.StoredQuestion) []string {
	out := make([]string, len(stored))
	for i, s := range stored {
		out[i] = llm.QuestionKey(s.Type, s.Data)
	}
	return out
}

// without returns s without the items at the indexes drop (ascending).
func without[T any](s []T, drop []int) []T {
	out := make([]T, 0, len(s))
	for i, d := range s {
		if len(drop) > 0 && drop[0] == i {
			drop = drop[1:]
			continue
		}
		out = append(out, d)
	}
	return out
}

// moduleContent is the text a batch of module m is written from: what
// the extraction stored under the module's id, for a Canvas module its
// pages and files, for a manual module its text (extractModules), so
// both are bounded by the extraction's limits. A v1 quiz asks its
// question_count of all its content (a module may ask for more questions
// than its own content holds), so its batches are written from the
// module's content followed by the other modules'.
func (g *Generator) moduleContent(q quiz.Quiz, m quiz.ModuleSpec) string {
	limit := g.BatchContentChars
	if limit <= 0 {
		limit = DefaultBatchContentChars
	}
	chunks := llm.Chunks(q.ExtractedContent, limit)
	if q.V1 {
		var own, rest []llm.Chunk
		for _, c := range chunks {
			if c.ModuleID == m.ID {
				own = append(own, c)
			} else {
				rest = append(rest, c)
			}
		}
		return joinChunks(append(own, rest...), "", limit)
	}
	return joinChunks(chunks, m.ID, limit)
}

// joinChunks joins the chunks of module (every chunk when "") with their
// titles, up to limit characters.
func joinChunks(chunks []llm.Chunk, module string, limit int) string {
	var sb strings.Builder
	n := 0
	for _, c := range chunks {
		if module != "" && c.ModuleID != module {
			continue
		}
		part := "## " + c.Title + "\n\n" + c.Content + "\n\n"
		if k := utf8.RuneCountInString(part); n+k > limit {
			if n == 0 {
				sb.WriteString(truncate(part, limit))
			}
			break
		} else {
			n += k
		}
		sb.WriteString(part)
	}
	return strings.TrimSpace(sb.String())
}

// truncate keeps the first limit characters of s.
func truncate(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return string([]rune(s)[:limit])
}
