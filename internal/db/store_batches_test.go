package db_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

func mcq(text string) quiz.NewQuestion {
	return quiz.NewQuestion{QuestionText: text, OptionA: "a", OptionB: "b", OptionC: "c", OptionD: "d", CorrectAnswer: "A"}
}

// queueGeneration puts quiz id's generation pending for a new job.
func queueGeneration(t *testing.T, s *db.Store, id quiz.ID) quiz.ID {
	t.Helper()
	job := uuid.New()
	_, err := s.UpdateStatus(t.Context(), id, quiz.StageGeneration, func(quiz.Quiz, time.Time) (quiz.Decision, error) {
		return quiz.Decision{To: quiz.StatusPending, SetJobID: true, JobID: &job}, nil
	})
	require.NoError(t, err)
	return job
}

// The last two batches of a run saved at the same moment decide the run
// once; a redelivered generation job finds the same batches.
func TestLastTwoBatchesSettlingAtOnceDecideOnce(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	u := mustCreateUser(ctx, t, s, 5151)
	for round := range 5 {
		q := mustCreateQuiz(ctx, t, s, u.ID) // 10 questions over 2 modules: 2 batches of 5
		job := queueGeneration(t, s, q.ID)
		got, take, bs, err := s.FanOutGeneration(ctx, q.ID, job, quiz.GenerateLease)
		require.NoError(t, err)
		require.Equal(t, db.TakeStarted, take)
		require.Equal(t, quiz.StatusProcessing, got.LLMGenerationStatus)
		require.Len(t, bs, 2)
		_, take, again, err := s.FanOutGeneration(ctx, q.ID, job, quiz.GenerateLease)
		require.NoError(t, err)
		assert.Equal(t, db.TakeBusy, take)
		assert.ElementsMatch(t, bs, again, "a redelivery publishes the same pending batches")

		for _, b := range bs {
			_, _, take, err := s.TakeBatch(ctx, q.ID, b.ID, b.JobID, quiz.GenerateLease)
			require.NoError(t, err)
			require.Equal(t, db.TakeStarted, take)
		}
		var wg sync.WaitGroup
		decided := make([]bool, 2)
		errs := make([]error, 2)
		for i, b := range bs {
			wg.Go(func() {
				qs := make([]quiz.NewQuestion, b.Count)
				for k := range qs {
					qs[k] = mcq(uuid.NewString())
				}
				decided[i], errs[i] = s.SaveBatch(ctx, q.ID, b.ID, b.JobID, qs, nil)
			})
		}
		wg.Wait()
		require.NoError(t, firstErr(errs))
		assert.NotEqual(t, decided[0], decided[1], "round %d: exactly one save decides the run", round)
		got, err = s.Quiz(ctx, q.ID)
		require.NoError(t, err)
		assert.Equal(t, quiz.StatusCompleted, got.LLMGenerationStatus)
		assert.False(t, quiz.GenerationPartial(got))
		n, err := s.QuestionStats(ctx, q.ID)
		require.NoError(t, err)
		assert.Equal(t, 10, n.Total)
		_, err = s.SaveBatch(ctx, q.ID, bs[0].ID, bs[0].JobID, []quiz.NewQuestion{mcq("again")}, nil)
		assert.ErrorIs(t, err, quiz.ErrConflict, "a completed batch stores nothing more")
	}
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// A batch is taken by one delivery of its job; another waits for the
// lease; after the lease ran out the next delivery takes it over; another
// job id is stale. A failed batch and a completed one make the run
// partial; the retry requeues only the failed one under a new job id.
func TestBatchLeaseTakeoverPartialAndRetry(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	u := mustCreateUser(ctx, t, s, 5252)
	q := mustCreateQuiz(ctx, t, s, u.ID)
	job := queueGeneration(t, s, q.ID)
	_, _, bs, err := s.FanOutGeneration(ctx, q.ID, job, quiz.GenerateLease)
	require.NoError(t, err)
	require.Len(t, bs, 2)
	a, b := bs[0], bs[1]

	_, _, take, err := s.TakeBatch(ctx, q.ID, a.ID, uuid.New(), quiz.GenerateLease)
	require.NoError(t, err)
	assert.Equal(t, db.TakeStale, take)
	_, _, take, err = s.TakeBatch(ctx, q.ID, a.ID, a.JobID, quiz.GenerateLease)
	require.NoError(t, err)
	require.Equal(t, db.TakeStarted, take)
	_, _, take, err = s.TakeBatch(ctx, q.ID, a.ID, a.JobID, quiz.GenerateLease)
	require.NoError(t, err)
	assert.Equal(t, db.TakeBusy, take)
	_, err = tdb.Conn(t).Exec(ctx, `UPDATE generation_batch SET started_at = now() - interval '1 hour' WHERE id = $1`, a.ID)
	require.NoError(t, err)
	_, _, take, err = s.TakeBatch(ctx, q.ID, a.ID, a.JobID, quiz.GenerateLease)
	require.NoError(t, err)
	assert.Equal(t, db.TakeResumed, take)

	decided, err := s.FailBatch(ctx, q.ID, a.ID, a.JobID, "the model refused")
	require.NoError(t, err)
	assert.False(t, decided, "one batch is still pending")
	_, _, _, err = s.TakeBatch(ctx, q.ID, b.ID, b.JobID, quiz.GenerateLease)
	require.NoError(t, err)
	decided, err = s.SaveBatch(ctx, q.ID, b.ID, b.JobID, []quiz.NewQuestion{mcq("one"), mcq("two"), mcq("three"), mcq("four"), mcq("five")}, nil)
	require.NoError(t, err)
	assert.True(t, decided)
	got, err := s.Quiz(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, quiz.StatusCompleted, got.LLMGenerationStatus)
	assert.True(t, quiz.GenerationPartial(got))
	require.NotNil(t, got.FailureReason)
	assert.Contains(t, *got.FailureReason, "1 of 2 batches failed")
	assert.Contains(t, *got.FailureReason, "the model refused")

	_, err = s.RegenerateBatch(ctx, q.ID, quiz.BatchSpec{ModuleID: "999", Type: qtype.MultipleChoice, Difficulty: qtype.Medium, Count: 3})
	var ve *qtype.ValidationError
	assert.ErrorAs(t, err, &ve, "no such batch in the quiz")

	again, err := s.RetryFailedBatches(ctx, q.ID)
	require.NoError(t, err)
	require.Len(t, again, 1)
	assert.Equal(t, a.ID, again[0].ID)
	assert.NotEqual(t, a.JobID, again[0].JobID, "a fresh job id: the old messages are stale")
	assert.Equal(t, quiz.StatusPending, again[0].Status)
	got, err = s.Quiz(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, quiz.StatusProcessing, got.LLMGenerationStatus)
	assert.Nil(t, got.FailureReason)
	_, _, take, err = s.TakeBatch(ctx, q.ID, a.ID, a.JobID, quiz.GenerateLease)
	require.NoError(t, err)
	assert.Equal(t, db.TakeStale, take)
}

// Regenerating a batch of a finished quiz adds the next round of that
// (module, type, difficulty); when it settles the quiz is completed as
// before, and a failed regeneration is recorded without making it partial.
func TestRegenerateBatchAddsARound(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	u := mustCreateUser(ctx, t, s, 5353)
	q := mustCreateQuiz(ctx, t, s, u.ID)
	job := queueGeneration(t, s, q.ID)
	_, _, bs, err := s.FanOutGeneration(ctx, q.ID, job, quiz.GenerateLease)
	require.NoError(t, err)
	for _, b := range bs {
		_, _, _, err := s.TakeBatch(ctx, q.ID, b.ID, b.JobID, quiz.GenerateLease)
		require.NoError(t, err)
		_, err = s.SaveBatch(ctx, q.ID, b.ID, b.JobID, []quiz.NewQuestion{mcq(uuid.NewString())}, nil)
		require.NoError(t, err)
	}
	sp := quiz.BatchSpec{ModuleID: bs[0].ModuleID, Type: qtype.MultipleChoice, Difficulty: qtype.Medium, Count: 3}
	for i, fail := range []bool{false, true} {
		r, err := s.RegenerateBatch(ctx, q.ID, sp)
		require.NoError(t, err)
		assert.Equal(t, 2+i, r.Round, "the next round of that batch")
		got, err := s.Quiz(ctx, q.ID)
		require.NoError(t, err)
		assert.Equal(t, quiz.StatusProcessing, got.LLMGenerationStatus)
		_, _, take, err := s.TakeBatch(ctx, q.ID, r.ID, r.JobID, quiz.GenerateLease)
		require.NoError(t, err)
		require.Equal(t, db.TakeStarted, take)
		if fail {
			_, err = s.FailBatch(ctx, q.ID, r.ID, r.JobID, "short")
		} else {
			_, err = s.SaveBatch(ctx, q.ID, r.ID, r.JobID, []quiz.NewQuestion{mcq("r1"), mcq("r2"), mcq("r3")}, nil)
		}
		require.NoError(t, err)
		got, err = s.Quiz(ctx, q.ID)
		require.NoError(t, err)
		assert.Equal(t, quiz.StatusCompleted, got.LLMGenerationStatus)
		assert.False(t, quiz.GenerationPartial(got), "a regeneration never makes the quiz partial")
		if fail {
			require.NotNil(t, got.FailureReason)
			assert.Contains(t, *got.FailureReason, "Regenerating 1 batch(es) failed")
		}
	}
	n, err := s.QuestionStats(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, 2+3, n.Total)
}

// A save whose check finds some of the batch's questions already in the
// quiz (another batch saved them meanwhile) stores nothing and says
// which; the job still holds the batch and saves its replacements.
func TestSaveBatchCheckRefusesDuplicates(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	u := mustCreateUser(ctx, t, s, 5454)
	q := mustCreateQuiz(ctx, t, s, u.ID)
	job := queueGeneration(t, s, q.ID)
	_, _, bs, err := s.FanOutGeneration(ctx, q.ID, job, quiz.GenerateLease)
	require.NoError(t, err)
	require.Len(t, bs, 2)
	a, b := bs[0], bs[1]
	for _, x := range bs {
		_, _, take, err := s.TakeBatch(ctx, q.ID, x.ID, x.JobID, quiz.GenerateLease)
		require.NoError(t, err)
		require.Equal(t, db.TakeStarted, take)
	}
	_, err = s.SaveBatch(ctx, q.ID, a.ID, a.JobID, []quiz.NewQuestion{mcq("a1"), mcq("a2"), mcq("a3"), mcq("a4"), mcq("a5")}, nil)
	require.NoError(t, err)

	// The check compares question texts, as a caller's key would.
	var given []db.StoredQuestion
	sameText := func(batch []quiz.NewQuestion) db.DuplicateCheck {
		return func(existing []db.StoredQuestion) []int {
			given = existing
			seen := map[string]bool{}
			for _, e := range existing {
				var d struct {
					QuestionText string `json:"question_text"`
				}
				require.NoError(t, json.Unmarshal(e.Data, &d))
				seen[d.QuestionText] = true
			}
			var dup []int
			for i, n := range batch {
				if seen[n.QuestionText] {
					dup = append(dup, i)
				}
			}
			return dup
		}
	}
	batch := []quiz.NewQuestion{mcq("b1"), mcq("a2"), mcq("b3"), mcq("a4"), mcq("b5")}
	decided, err := s.SaveBatch(ctx, q.ID, b.ID, b.JobID, batch, sameText(batch))
	var de *db.DuplicatesError
	require.ErrorAs(t, err, &de)
	assert.ErrorIs(t, err, quiz.ErrConflict)
	assert.False(t, decided)
	assert.Equal(t, []int{1, 3}, de.Index)
	assert.Len(t, de.Existing, 5, "the quiz's questions, as the check was given them")
	assert.Equal(t, given, de.Existing)
	n, err := s.QuestionStats(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, 5, n.Total, "nothing of the batch stored")

	batch = []quiz.NewQuestion{mcq("b1"), mcq("b2"), mcq("b3"), mcq("b4"), mcq("b5")}
	decided, err = s.SaveBatch(ctx, q.ID, b.ID, b.JobID, batch, sameText(batch))
	require.NoError(t, err, "the job still holds the batch")
	assert.True(t, decided)
	n, err = s.QuestionStats(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, 10, n.Total)
	got, err := s.Quiz(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, quiz.StatusCompleted, got.LLMGenerationStatus)
	assert.False(t, quiz.GenerationPartial(got))
}
