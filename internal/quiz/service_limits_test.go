package quiz_test

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/quiz"
)

func limitOf(err error) string {
	var le *quiz.LimitError
	if errors.As(err, &le) {
		return le.Limit
	}
	return ""
}

// generated makes q's extraction and generation completed, as a job run
// would leave them.
func (b bundle) generated(t *testing.T, q quiz.Quiz) {
	t.Helper()
	require.NoError(t, b.store.SetExtractedContent(t.Context(), q.ID, json.RawMessage(`{"m": []}`)))
	b.exec(t, `UPDATE quiz SET content_extraction_status = 'completed', llm_generation_status = 'completed' WHERE id = $1`, q.ID)
}

// TestGenerationRunsPerQuiz: re-running generate-questions appended
// question_count more questions each time (3 -> 6 -> 9) without end; a
// quiz now has at most GenerationsPerQuiz runs, creation and
// re-extraction included.
func TestGenerationRunsPerQuiz(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.svc.WithLimits(quiz.Limits{GenerationsPerQuiz: 3})
	ctx := t.Context()
	q := b.create(t) // run 1
	b.generated(t, q)
	require.NoError(t, b.svc.StartGeneration(ctx, b.owner.ID, q.ID, "")) // run 2
	b.generated(t, q)
	require.NoError(t, b.svc.StartExtraction(ctx, b.owner.ID, q.ID, "")) // run 3: extraction goes on to generate
	b.generated(t, q)
	before, err := b.store.Quiz(ctx, q.ID)
	require.NoError(t, err)

	err = b.svc.StartGeneration(ctx, b.owner.ID, q.ID, "")
	assert.Equal(t, "LIMIT_GENERATIONS_PER_QUIZ", limitOf(err), "got %v", err)
	assert.Equal(t, "LIMIT_GENERATIONS_PER_QUIZ", limitOf(b.svc.StartExtraction(ctx, b.owner.ID, q.ID, "")))
	after, err := b.store.Quiz(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, before.LLMGenerationStatus, after.LLMGenerationStatus, "a refused run changes nothing")
	assert.Equal(t, before.LLMGenerationJobID, after.LLMGenerationJobID)
	assert.Len(t, b.jobs.jobs, 3, "no job queued for a refused run")

	// A rule error comes before the limit: the state is what is wrong.
	b.exec(t, `UPDATE quiz SET content_extraction_status = 'failed' WHERE id = $1`, q.ID)
	assert.Equal(t, quiz.Precondition, ruleKind(b.svc.StartGeneration(ctx, b.owner.ID, q.ID, "")))
	// So does another user's quiz: nothing about its limits is revealed.
	other, err := b.store.UpsertUser(ctx, quiz.User{CanvasID: 999})
	require.NoError(t, err)
	assert.ErrorIs(t, b.svc.StartGeneration(ctx, other.ID, q.ID, ""), quiz.ErrNotFound)
}

// TestQuestionsPerDay: the questions the runs ask for are counted per
// user and UTC day; a run that does not fit is refused.
func TestQuestionsPerDay(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.svc.WithLimits(quiz.Limits{QuestionsPerDay: 25})
	ctx := t.Context()
	q := b.create(t) // 10 questions
	b.generated(t, q)
	require.NoError(t, b.svc.StartGeneration(ctx, b.owner.ID, q.ID, "")) // 20
	b.generated(t, q)
	err := b.svc.StartGeneration(ctx, b.owner.ID, q.ID, "") // 30 > 25
	assert.Equal(t, "LIMIT_QUESTIONS_PER_DAY", limitOf(err), "got %v", err)
	var le *quiz.LimitError
	require.ErrorAs(t, err, &le)
	assert.Positive(t, le.RetryAfter)
	_, err = b.svc.CreateQuiz(ctx, quiz.NewQuiz{OwnerID: b.owner.ID, CanvasCourseID: 1, Title: "Q", QuestionCount: 6, LLMModel: "o3"}, "")
	assert.Equal(t, "LIMIT_QUESTIONS_PER_DAY", limitOf(err))
	_, err = b.svc.CreateQuiz(ctx, quiz.NewQuiz{OwnerID: b.owner.ID, CanvasCourseID: 1, Title: "Q", QuestionCount: 5, LLMModel: "o3"}, "")
	require.NoError(t, err, "5 more still fit")

	// Yesterday's count does not count today.
	b.exec(t, `UPDATE usage_daily SET day = day - 1 WHERE user_id = $1`, b.owner.ID)
	require.NoError(t, b.svc.StartGeneration(ctx, b.owner.ID, q.ID, ""))
}

// TestProcessingQuizzes: a user has at most ProcessingQuizzes quizzes with
// an extraction or generation queued or running.
func TestProcessingQuizzes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.svc.WithLimits(quiz.Limits{ProcessingQuizzes: 2})
	ctx := t.Context()
	q1 := b.create(t) // extraction queued
	q2 := b.create(t)
	_, err := b.svc.CreateQuiz(ctx, quiz.NewQuiz{OwnerID: b.owner.ID, CanvasCourseID: 1, Title: "Q", QuestionCount: 1, LLMModel: "o3"}, "")
	assert.Equal(t, "LIMIT_PROCESSING_QUIZZES", limitOf(err), "got %v", err)

	// Restarting one of the two is not a third.
	require.NoError(t, b.svc.StartExtraction(ctx, b.owner.ID, q2.ID, ""))

	// A finished quiz, a failed one and a run whose lease ran out free a place.
	b.generated(t, q1)
	q3 := b.create(t)
	b.exec(t, `UPDATE quiz SET content_extraction_status = 'failed' WHERE id = $1`, q3.ID)
	q4 := b.create(t)
	b.exec(t, `UPDATE quiz SET content_extraction_status = 'processing', content_extraction_started_at = now() - interval '1 hour' WHERE id = $1`, q4.ID)
	b.create(t)
	_, err = b.svc.CreateQuiz(ctx, quiz.NewQuiz{OwnerID: b.owner.ID, CanvasCourseID: 1, Title: "Q", QuestionCount: 1, LLMModel: "o3"}, "")
	assert.Equal(t, "LIMIT_PROCESSING_QUIZZES", limitOf(err))
	// A generation queued after the extraction counts too.
	b.generated(t, q2)
	require.NoError(t, b.svc.StartGeneration(ctx, b.owner.ID, q2.ID, ""))
	_, err = b.svc.CreateQuiz(ctx, quiz.NewQuiz{OwnerID: b.owner.ID, CanvasCourseID: 1, Title: "Q", QuestionCount: 1, LLMModel: "o3"}, "")
	assert.Equal(t, "LIMIT_PROCESSING_QUIZZES", limitOf(err))
}

// TestLimitsRaceSafe: concurrent requests at a limit, through PgBouncer,
// let exactly as many through as the limit allows.
func TestLimitsRaceSafe(t *testing.T) {
	t.Parallel()
	const concurrent = 8

	t.Run("creations at the daily cap", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.svc.WithLimits(quiz.Limits{QuestionsPerDay: 30})
		errs := race(concurrent, func() error {
			_, err := b.svc.CreateQuiz(t.Context(), quiz.NewQuiz{OwnerID: b.owner.ID, CanvasCourseID: 1, Title: "Q", QuestionCount: 10, LLMModel: "o3"}, "")
			return err
		})
		assert.Equal(t, 3, passed(t, errs, "LIMIT_QUESTIONS_PER_DAY"))
		list, err := b.store.QuizzesByOwner(t.Context(), b.owner.ID)
		require.NoError(t, err)
		assert.Len(t, list, 3)
	})
	t.Run("generations of one quiz at its last run", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.svc.WithLimits(quiz.Limits{GenerationsPerQuiz: 2})
		q := b.create(t)
		b.generated(t, q)
		// Several quizzes' generations are started at once too: the lock
		// is the user's, not the quiz's.
		errs := race(concurrent, func() error { return b.svc.StartGeneration(t.Context(), b.owner.ID, q.ID, "") })
		ok, limited, conflict := 0, 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case limitOf(err) != "":
				limited++
			case ruleKind(err) == quiz.Conflict:
				conflict++
			default:
				t.Errorf("unexpected error %v", err)
			}
		}
		assert.Equal(t, 1, ok, "exactly one run starts")
		assert.Equal(t, concurrent-1, limited+conflict)
	})
	t.Run("creations at the processing cap", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.svc.WithLimits(quiz.Limits{ProcessingQuizzes: 1})
		errs := race(concurrent, func() error {
			_, err := b.svc.CreateQuiz(t.Context(), quiz.NewQuiz{OwnerID: b.owner.ID, CanvasCourseID: 1, Title: "Q", QuestionCount: 1, LLMModel: "o3"}, "")
			return err
		})
		assert.Equal(t, 1, passed(t, errs, "LIMIT_PROCESSING_QUIZZES"))
	})
}

// race runs fn n times at once, released together, and returns the errors.
func race(n int, fn func() error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn()
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// passed counts the nil errors and asserts that the others are limit.
func passed(t *testing.T, errs []error, limit string) int {
	t.Helper()
	n := 0
	for _, err := range errs {
		if err == nil {
			n++
			continue
		}
		assert.Equal(t, limit, limitOf(err), "got %v", err)
	}
	return n
}

// TestLimitRefundedWhenNotQueued: a run whose job could not be queued
// (503) does not count.
func TestLimitRefundedWhenNotQueued(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.svc.WithLimits(quiz.Limits{GenerationsPerQuiz: 2, QuestionsPerDay: 20})
	ctx := t.Context()
	q := b.create(t)
	b.generated(t, q)
	b.jobs.fail = true
	for range 3 {
		require.ErrorIs(t, b.svc.StartGeneration(ctx, b.owner.ID, q.ID, ""), quiz.ErrUnavailable)
		_, err := b.svc.CreateQuiz(ctx, quiz.NewQuiz{OwnerID: b.owner.ID, CanvasCourseID: 1, Title: "Q", QuestionCount: 10, LLMModel: "o3"}, "")
		require.ErrorIs(t, err, quiz.ErrUnavailable)
	}
	b.jobs.fail = false
	require.NoError(t, b.svc.StartGeneration(ctx, b.owner.ID, q.ID, ""), "the failed attempts were refunded")
}

// TestStaleQueuedStageFreesItsPlace: a stage queued longer than
// quiz.PendingWindow without a job taking it (its message lost) no longer
// holds one of the teacher's LIMIT_PROCESSING_QUIZZES places.
func TestStaleQueuedStageFreesItsPlace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.svc.WithLimits(quiz.Limits{ProcessingQuizzes: 1})
	ctx := t.Context()
	q1 := b.create(t) // extraction queued
	_, err := b.svc.CreateQuiz(ctx, quiz.NewQuiz{OwnerID: b.owner.ID, CanvasCourseID: 1, Title: "Q", QuestionCount: 1, LLMModel: "o3"}, "")
	assert.Equal(t, "LIMIT_PROCESSING_QUIZZES", limitOf(err), "got %v", err)

	b.exec(t, `UPDATE quiz SET updated_at = now() - interval '2 hours' WHERE id = $1`, q1.ID)
	_, err = b.svc.CreateQuiz(ctx, quiz.NewQuiz{OwnerID: b.owner.ID, CanvasCourseID: 1, Title: "Q", QuestionCount: 1, LLMModel: "o3"}, "")
	assert.NoError(t, err, "the lost job's quiz no longer counts")
}
