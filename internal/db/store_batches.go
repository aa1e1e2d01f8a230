package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"quizgen/internal/db/dbsqlc"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// This file stores a generation that fans out (README, Background jobs): a run of
// the llm_generation stage is one generation_batch row per (module x
// batch), each with its own job id and lease. Every statement that
// changes a batch locks the quiz row first, then the batch, so the last
// batch of a run to settle decides the stage exactly once.

func batchOf(r dbsqlc.GenerationBatch) quiz.GenerationBatch {
	b := quiz.GenerationBatch{
		ID: r.ID, QuizID: r.QuizID, RunID: r.RunID,
		BatchSpec: quiz.BatchSpec{ModuleID: r.ModuleID, Type: qtype.Name(r.QuestionType),
			Difficulty: qtype.Difficulty(r.Difficulty), Count: int(r.Count)},
		Round: int(r.Round), Regenerate: r.Regenerate, Status: quiz.Status(r.Status), JobID: r.JobID,
		StartedAt: r.StartedAt, CreatedAt: r.CreatedAt,
	}
	if r.FailureReason != nil {
		b.FailureReason = *r.FailureReason
	}
	return b
}

func batchesOf(rs []dbsqlc.GenerationBatch) []quiz.GenerationBatch {
	out := make([]quiz.GenerationBatch, len(rs))
	for i, r := range rs {
		out[i] = batchOf(r)
	}
	return out
}

// insertBatches stores a batch per spec for run, each pending under a
// fresh job id, rounds numbered on from the quiz's earlier batches.
func insertBatches(ctx context.Context, q txQueries, id, run quiz.ID, specs []quiz.BatchSpec, regenerate bool) error {
	for _, sp := range specs {
		if err := q.InsertBatch(ctx, dbsqlc.InsertBatchParams{
			ID: uuid.New(), QuizID: id, RunID: run, ModuleID: sp.ModuleID, QuestionType: string(sp.Type),
			Difficulty: string(sp.Difficulty), Count: int32(sp.Count), Regenerate: regenerate, JobID: uuid.New(),
		}); err != nil {
			return fmt.Errorf("insert batch: %w", err)
		}
	}
	return nil
}

// FanOutGeneration starts the generation run of job jobID on quiz id, in
// one transaction under the quiz's row lock: if the stage is pending for
// jobID, it stores one pending batch per quiz.PlanBatches (each with a
// fresh job id; unfinished batches of older runs fail as superseded) and
// moves the stage to processing. It returns the batches to publish: those
// of the run still pending, or processing under a lease that ran out, so
// a redelivered parent message (the stage already processing for jobID)
// publishes what a crashed run did not; a batch job checks its job id and
// status, so publishing one twice is harmless. Take says what was found
// (TakeStale and TakeDone: nothing to publish). A run without batches is
// completed at once.
func (s *Store) FanOutGeneration(ctx context.Context, id, jobID quiz.ID, lease time.Duration) (quiz.Quiz, Take, []quiz.GenerationBatch, error) {
	var (
		out     quiz.Quiz
		take    Take
		publish []quiz.GenerationBatch
	)
	err := s.inTx(ctx, func(q txQueries) error {
		publish = nil // an attempt cut before COMMIT runs again (inTx)
		row, err := q.GetQuizForUpdate(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return quiz.ErrNotFound
		}
		if err != nil {
			return err
		}
		if out, err = quizOf(row.Quiz); err != nil {
			return err
		}
		st := out.LLMGenerationStatus
		take = quiz.DecideTake(out.LLMGenerationJobID, jobID, st, out.LeaseExpired(quiz.StageGeneration, lease, row.DbNow))
		if take == TakeStale || take == TakeDone {
			return nil
		}
		existing, err := q.RunBatches(ctx, dbsqlc.RunBatchesParams{QuizID: id, RunID: jobID})
		if err != nil {
			return err
		}
		if take == TakeStarted || len(existing) == 0 {
			if err := q.SupersedeBatches(ctx, dbsqlc.SupersedeBatchesParams{QuizID: id, RunID: jobID}); err != nil {
				return err
			}
			if len(existing) == 0 {
				if err := insertBatches(ctx, q, id, jobID, quiz.PlanBatches(out), false); err != nil {
					return err
				}
			}
		}
		if take != TakeBusy {
			// Started, or resumed after the lease ran out: the run is live again.
			if err := q.RestartGeneration(ctx, dbsqlc.RestartGenerationParams{ID: id, Metadata: json.RawMessage("{}")}); err != nil {
				return err
			}
		}
		rs, err := q.RunBatches(ctx, dbsqlc.RunBatchesParams{QuizID: id, RunID: jobID})
		if err != nil {
			return err
		}
		bs := batchesOf(rs)
		for _, b := range bs {
			if b.Status == quiz.StatusPending || b.LeaseExpired(lease, row.DbNow) {
				publish = append(publish, b)
			}
		}
		cur, err := q.GetQuizForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if out, err = quizOf(cur.Quiz); err != nil {
			return err
		}
		if len(bs) == 0 {
			_, err = settleRunIn(ctx, q, out, jobID)
		}
		return err
	})
	if err != nil {
		return quiz.Quiz{}, 0, nil, fmt.Errorf("fan out generation of quiz %s: %w", id, err)
	}
	return out, take, publish, nil
}

// lockBatch locks quiz id and then its batch batchID.
func lockBatch(ctx context.Context, q txQueries, id, batchID quiz.ID) (quiz.Quiz, quiz.GenerationBatch, time.Time, error) {
	row, err := q.GetQuizForUpdate(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return quiz.Quiz{}, quiz.GenerationBatch{}, time.Time{}, quiz.ErrNotFound
	}
	if err != nil {
		return quiz.Quiz{}, quiz.GenerationBatch{}, time.Time{}, err
	}
	cur, err := quizOf(row.Quiz)
	if err != nil {
		return quiz.Quiz{}, quiz.GenerationBatch{}, time.Time{}, err
	}
	b, err := q.GetBatchForUpdate(ctx, dbsqlc.GetBatchForUpdateParams{ID: batchID, QuizID: id})
	if errors.Is(err, pgx.ErrNoRows) {
		return quiz.Quiz{}, quiz.GenerationBatch{}, time.Time{}, quiz.ErrNotFound
	}
	if err != nil {
		return quiz.Quiz{}, quiz.GenerationBatch{}, time.Time{}, err
	}
	return cur, batchOf(b.GenerationBatch), b.DbNow, nil
}

// runIsLive reports whether q's generation stage is processing run.
func runIsLive(q quiz.Quiz, run quiz.ID) bool {
	return q.LLMGenerationStatus == quiz.StatusProcessing && q.LLMGenerationJobID != nil && *q.LLMGenerationJobID == run
}

// TakeBatch lets batch job jobID start batch batchID of quiz id (pending
// to processing), or resume it after its lease ran out, under the quiz's
// and the batch's row locks: only one of several concurrent deliveries
// gets TakeStarted or TakeResumed. A batch whose run is no longer the
// stage's live run is failed and TakeStale. Taking a batch renews the
// stage's lease: a run of many batches may outlive one lease.
func (s *Store) TakeBatch(ctx context.Context, id, batchID, jobID quiz.ID, lease time.Duration) (quiz.Quiz, quiz.GenerationBatch, Take, error) {
	var (
		cur  quiz.Quiz
		b    quiz.GenerationBatch
		take Take
	)
	err := s.inTx(ctx, func(q txQueries) error {
		var now time.Time
		var err error
		if cur, b, now, err = lockBatch(ctx, q, id, batchID); err != nil {
			return err
		}
		take = quiz.DecideTake(&b.JobID, jobID, b.Status, b.LeaseExpired(lease, now))
		if take != TakeStarted && take != TakeResumed {
			return nil
		}
		if !runIsLive(cur, b.RunID) {
			take = TakeStale
			return q.SettleBatch(ctx, dbsqlc.SettleBatchParams{ID: batchID, Status: string(quiz.StatusFailed),
				Reason: new("the generation run ended before this batch ran")})
		}
		if err := q.StartBatch(ctx, batchID); err != nil {
			return err
		}
		b.Status = quiz.StatusProcessing
		return q.TouchGeneration(ctx, id)
	})
	if err != nil {
		return quiz.Quiz{}, quiz.GenerationBatch{}, 0, fmt.Errorf("take batch %s of quiz %s: %w", batchID, id, err)
	}
	return cur, b, take, nil
}

// heldBatch locks quiz id and batch batchID and checks that job jobID
// holds the batch (processing), else quiz.ErrConflict.
func heldBatch(ctx context.Context, q txQueries, id, batchID, jobID quiz.ID) (quiz.Quiz, quiz.GenerationBatch, error) {
	cur, b, _, err := lockBatch(ctx, q, id, batchID)
	if err != nil {
		return cur, b, err
	}
	if b.JobID != jobID || b.Status != quiz.StatusProcessing {
		return cur, b, fmt.Errorf("the job no longer holds batch %s: %w", batchID, quiz.ErrConflict)
	}
	return cur, b, nil
}

// DuplicateCheck is SaveBatch's check of a batch's questions against the
// quiz's: given the type and data of every question the quiz has (deleted
// ones too, as QuestionData returns them), read under the quiz's row lock,
// it returns the indexes of the batch's questions that duplicate one of
// them. What a near-duplicate is, the caller knows (the generation
// package compares llm.QuestionKeys).
type DuplicateCheck func(existing []StoredQuestion) (dup []int)

// DuplicatesError is SaveBatch's error when its DuplicateCheck found some
// of the batch's questions duplicating the quiz's (questions another
// batch saved since this one read them): nothing was saved and the job
// still holds the batch, so it may write replacements and save again.
// It wraps quiz.ErrConflict; match it with errors.As.
type DuplicatesError struct {
	// Index are the indexes of the batch's questions the check returned.
	Index []int
	// Existing are the quiz's questions the check was given.
	Existing []StoredQuestion
}

func (e *DuplicatesError) Error() string {
	return fmt.Sprintf("%d questions of the batch duplicate questions of the quiz", len(e.Index))
}

func (e *DuplicatesError) Unwrap() error { return quiz.ErrConflict }

// SaveBatch stores the questions batch job jobID wrote (each normalized
// by its type: an invalid one is a *qtype.ValidationError and nothing is
// stored) and completes the batch, in one transaction and only while the
// job holds the batch (else quiz.ErrConflict and nothing is stored): of
// several deliveries of the same batch one set of questions is kept.
// Under the quiz's row lock, which every batch's save takes first, check
// (unless nil) is given the quiz's questions: if it returns any index,
// nothing is stored and the error is a *DuplicatesError, so of batches
// saving at the same time none stores a duplicate of another's. If it
// was the run's last batch, the run is decided in the same transaction;
// decided reports that.
func (s *Store) SaveBatch(ctx context.Context, id, batchID, jobID quiz.ID, qs []quiz.NewQuestion, check DuplicateCheck) (decided bool, err error) {
	rows, err := insertParams(id, qs, &jobID)
	if err != nil {
		return false, fmt.Errorf("save batch %s of quiz %s: %w", batchID, id, err)
	}
	err = s.inTx(ctx, func(q txQueries) error {
		cur, b, err := heldBatch(ctx, q, id, batchID, jobID)
		if err != nil {
			return err
		}
		if check != nil {
			rs, err := q.BatchExistingQuestions(ctx, id)
			if err != nil {
				return err
			}
			existing := storedOf(rs)
			if dup := check(existing); len(dup) > 0 {
				return &DuplicatesError{Index: dup, Existing: existing}
			}
		}
		for _, p := range rows {
			if _, err := q.InsertQuestion(ctx, p); err != nil {
				return err
			}
		}
		if err := q.SettleBatch(ctx, dbsqlc.SettleBatchParams{ID: batchID, Status: string(quiz.StatusCompleted)}); err != nil {
			return err
		}
		decided, err = settleRunIn(ctx, q, cur, b.RunID)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("save batch %s of quiz %s: %w", batchID, id, err)
	}
	return decided, nil
}

// FailBatch records that batch batchID failed for reason, if job jobID
// still owns it (pending or processing; else quiz.ErrConflict), and
// decides the run if it was its last batch (decided).
func (s *Store) FailBatch(ctx context.Context, id, batchID, jobID quiz.ID, reason string) (decided bool, err error) {
	if len(reason) > 300 {
		reason = reason[:300] + "..."
	}
	err = s.inTx(ctx, func(q txQueries) error {
		cur, b, _, err := lockBatch(ctx, q, id, batchID)
		if err != nil {
			return err
		}
		if b.JobID != jobID || b.Terminal() {
			return fmt.Errorf("the job no longer owns batch %s: %w", batchID, quiz.ErrConflict)
		}
		if err := q.SettleBatch(ctx, dbsqlc.SettleBatchParams{ID: batchID, Status: string(quiz.StatusFailed), Reason: &reason}); err != nil {
			return err
		}
		decided, err = settleRunIn(ctx, q, cur, b.RunID)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("fail batch %s of quiz %s: %w", batchID, id, err)
	}
	return decided, nil
}

// settleRunIn decides run of the locked quiz cur once every batch of it is
// terminal (quiz.DecideRun), if it is still the stage's live run. It
// reports whether it decided.
func settleRunIn(ctx context.Context, q txQueries, cur quiz.Quiz, run quiz.ID) (bool, error) {
	if !runIsLive(cur, run) {
		return false, nil
	}
	rs, err := q.RunBatches(ctx, dbsqlc.RunBatchesParams{QuizID: cur.ID, RunID: run})
	if err != nil {
		return false, err
	}
	o := quiz.DecideRun(batchesOf(rs))
	if !o.Done {
		return false, nil
	}
	meta, err := json.Marshal(o.Metadata)
	if err != nil {
		return false, err
	}
	var reason *string
	if o.Reason != "" {
		reason = &o.Reason
	}
	return true, q.SetGenerationOutcome(ctx, dbsqlc.SetGenerationOutcomeParams{
		ID: cur.ID, Status: string(o.Status), Reason: reason, Metadata: meta,
	})
}

// RunBatches returns the batches of quiz id's run (its generation job id
// when it was fanned out), in plan order.
func (s *Store) RunBatches(ctx context.Context, id, run quiz.ID) ([]quiz.GenerationBatch, error) {
	var out []quiz.GenerationBatch
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) error {
		rs, err := q.RunBatches(ctx, dbsqlc.RunBatchesParams{QuizID: id, RunID: run})
		out = batchesOf(rs)
		return err
	})
	return out, err
}

// RetryFailedBatches is the retry of a partial (or failed) generation
// run: under the quiz's row lock, the run's failed batches are pending
// again under fresh job ids and the stage is processing again; the others
// keep their questions. It returns the batches to publish, or
// quiz.ErrConflict when the stage is not completed or failed or the run
// has no failed batch.
func (s *Store) RetryFailedBatches(ctx context.Context, id quiz.ID) ([]quiz.GenerationBatch, error) {
	var out []quiz.GenerationBatch
	err := s.inTx(ctx, func(q txQueries) (err error) {
		out, err = retryFailedIn(ctx, q, id, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("retry failed batches of quiz %s: %w", id, err)
	}
	return out, nil
}

// retryFailedIn is RetryFailedBatches inside the transaction q; with
// owner set, another owner's quiz is quiz.ErrNotFound.
func retryFailedIn(ctx context.Context, q txQueries, id quiz.ID, owner *quiz.ID) ([]quiz.GenerationBatch, error) {
	row, err := q.GetQuizForUpdate(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && owner != nil && row.Quiz.OwnerID != *owner) {
		return nil, quiz.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	st, run := quiz.Status(row.Quiz.LlmGenerationStatus), row.Quiz.LlmGenerationJobID
	if (st != quiz.StatusCompleted && st != quiz.StatusFailed) || run == nil {
		return nil, fmt.Errorf("generation is %s, not completed or failed: %w", st, quiz.ErrConflict)
	}
	rs, err := q.RequeueFailedBatches(ctx, dbsqlc.RequeueFailedBatchesParams{QuizID: id, RunID: *run})
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("the last generation run has no failed batch: %w", quiz.ErrConflict)
	}
	meta, err := json.Marshal(quiz.RestartMetadata{Restart: quiz.RestartRetry, CompletedBefore: st == quiz.StatusCompleted})
	if err != nil {
		return nil, err
	}
	return batchesOf(rs), q.RestartGeneration(ctx, dbsqlc.RestartGenerationParams{ID: id, Metadata: meta})
}

// RegenerateBatch adds a batch of sp.Count more questions of one of quiz
// id's (module, type, difficulty) to its last run (README "Background jobs": regenerating a batch), as the
// next round of that batch, and moves the stage back to processing; when
// it settles the run is decided again with the same outcome (a failed
// regeneration is only recorded). It returns the batch to publish,
// quiz.ErrConflict when the stage is not completed, or a
// *qtype.ValidationError when the quiz has no such batch or the count is
// out of bounds.
func (s *Store) RegenerateBatch(ctx context.Context, id quiz.ID, sp quiz.BatchSpec) (quiz.GenerationBatch, error) {
	var out quiz.GenerationBatch
	err := s.inTx(ctx, func(q txQueries) (err error) {
		out, err = regenerateIn(ctx, q, id, sp, nil)
		return err
	})
	if err != nil {
		return quiz.GenerationBatch{}, fmt.Errorf("regenerate a batch of quiz %s: %w", id, err)
	}
	return out, nil
}

// regenerateIn is RegenerateBatch inside the transaction q; with owner
// set, another owner's quiz is quiz.ErrNotFound. While the batch runs,
// generation_metadata keeps the outcome of the run it adds to under
// "previous" (quiz.RestartMetadata), so the quiz still reads as that
// outcome.
func regenerateIn(ctx context.Context, q txQueries, id quiz.ID, sp quiz.BatchSpec, owner *quiz.ID) (quiz.GenerationBatch, error) {
	if sp.Count < quiz.MinBatchCount || sp.Count > quiz.MaxBatchCount {
		return quiz.GenerationBatch{}, invalid(sp.Type, "count", fmt.Sprintf("must be %d to %d", quiz.MinBatchCount, quiz.MaxBatchCount))
	}
	row, err := q.GetQuizForUpdate(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && owner != nil && row.Quiz.OwnerID != *owner) {
		return quiz.GenerationBatch{}, quiz.ErrNotFound
	}
	if err != nil {
		return quiz.GenerationBatch{}, err
	}
	cur, err := quizOf(row.Quiz)
	if err != nil {
		return quiz.GenerationBatch{}, err
	}
	if cur.LLMGenerationStatus != quiz.StatusCompleted || cur.LLMGenerationJobID == nil {
		return quiz.GenerationBatch{}, fmt.Errorf("generation is %s, not completed: %w", cur.LLMGenerationStatus, quiz.ErrConflict)
	}
	if !hasBatch(cur, sp) {
		return quiz.GenerationBatch{}, invalid(sp.Type, "question_batches", "the quiz has no such batch in module "+sp.ModuleID)
	}
	run := *cur.LLMGenerationJobID
	before, err := q.RunBatches(ctx, dbsqlc.RunBatchesParams{QuizID: id, RunID: run})
	if err != nil {
		return quiz.GenerationBatch{}, err
	}
	if err := insertBatches(ctx, q, id, run, []quiz.BatchSpec{sp}, true); err != nil {
		return quiz.GenerationBatch{}, err
	}
	after, err := q.RunBatches(ctx, dbsqlc.RunBatchesParams{QuizID: id, RunID: run})
	if err != nil {
		return quiz.GenerationBatch{}, err
	}
	seen := map[quiz.ID]bool{}
	for _, b := range before {
		seen[b.ID] = true
	}
	var out quiz.GenerationBatch
	for _, b := range after {
		if !seen[b.ID] {
			out = batchOf(b)
		}
	}
	meta, err := json.Marshal(quiz.RestartMetadata{Restart: quiz.RestartRegenerate, CompletedBefore: true,
		Previous: cur.GenerationMetadata})
	if err != nil {
		return quiz.GenerationBatch{}, err
	}
	return out, q.RestartGeneration(ctx, dbsqlc.RestartGenerationParams{ID: id, Metadata: meta})
}

// hasBatch reports whether q has a batch of sp's module, type and
// difficulty.
func hasBatch(q quiz.Quiz, sp quiz.BatchSpec) bool {
	m, ok := q.Modules.Find(sp.ModuleID)
	if !ok {
		return false
	}
	for _, b := range m.Batches {
		d := b.Difficulty
		if d == "" {
			d = quiz.DefaultDifficulty
		}
		if b.QuestionType == sp.Type && d == sp.Difficulty {
			return true
		}
	}
	return false
}

// StoredQuestion is the type and data of a stored question.
type StoredQuestion struct {
	Type qtype.Name
	Data json.RawMessage
}

// QuestionData returns the type and data of every question of quiz id,
// deleted ones too (a rejected question should not come back), for a
// batch's de-duplication.
func (s *Store) QuestionData(ctx context.Context, id quiz.ID) ([]StoredQuestion, error) {
	var out []StoredQuestion
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) error {
		rs, err := q.BatchExistingQuestions(ctx, id)
		out = storedOf(rs)
		return err
	})
	return out, err
}

func storedOf(rs []dbsqlc.BatchExistingQuestionsRow) []StoredQuestion {
	out := make([]StoredQuestion, len(rs))
	for i, r := range rs {
		out[i] = StoredQuestion{Type: qtype.Name(r.QuestionType), Data: r.QuestionData}
	}
	return out
}

// ReleaseBatch puts batch batchID back to pending after job jobID failed
// temporarily, so the next delivery of its message takes it at once; it
// is quiz.ErrConflict when the job no longer holds it.
func (s *Store) ReleaseBatch(ctx context.Context, id, batchID, jobID quiz.ID) error {
	return s.guarded(ctx, "release batch", func(q txQueries) (int64, error) {
		return q.ReleaseBatch(ctx, dbsqlc.ReleaseBatchParams{ID: batchID, QuizID: id, JobID: jobID})
	})
}
