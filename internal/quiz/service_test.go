package quiz_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/logging/logtest"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// fakeJobs records published jobs, or fails when fail is set.
type fakeJobs struct {
	mu   sync.Mutex
	jobs []quiz.Job
	fail bool
}

func (f *fakeJobs) PublishJob(_ context.Context, j quiz.Job) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return errors.New("sqs: connection refused")
	}
	f.jobs = append(f.jobs, j)
	return nil
}

type bundle struct {
	svc   *quiz.Service
	store *db.Store
	jobs  *fakeJobs
	tdb   *dbtest.DB
	owner quiz.User
}

func setup(t *testing.T) bundle {
	t.Helper()
	tdb := dbtest.New(t)
	store := db.NewStore(tdb.Open(t))
	jobs := &fakeJobs{}
	owner, err := store.UpsertUser(t.Context(), quiz.User{CanvasID: 12345})
	require.NoError(t, err)
	return bundle{quiz.NewService(store, jobs, logtest.New(t)), store, jobs, tdb, owner}
}

func (b bundle) create(t *testing.T) quiz.Quiz {
	t.Helper()
	q, err := b.svc.CreateQuiz(t.Context(), quiz.NewQuiz{OwnerID: b.owner.ID, CanvasCourseID: 37823,
		CanvasCourseName: "AI", SelectedModules: []quiz.Module{{ID: 1, Name: "M"}}, Title: "Q",
		QuestionCount: 10, LLMModel: "o3", LLMTemperature: 1}, "req-1")
	require.NoError(t, err)
	return q
}

func (b bundle) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	_, err := b.tdb.Conn(t).Exec(t.Context(), sql, args...)
	require.NoError(t, err)
}

func ruleKind(err error) quiz.RuleKind {
	var re *quiz.RuleError
	if errors.As(err, &re) {
		return re.Kind
	}
	return 0
}

func TestCreateQuizQueuesExtraction(t *testing.T) {
	t.Parallel()
	b := setup(t)
	q := b.create(t)
	require.Len(t, b.jobs.jobs, 1)
	j := b.jobs.jobs[0]
	assert.Equal(t, quiz.JobExtract, j.Kind)
	assert.Equal(t, q.ID, j.QuizID)
	assert.Equal(t, "req-1", j.RequestID)
	require.NotNil(t, q.ContentExtractionJobID)
	assert.Equal(t, j.ID, *q.ContentExtractionJobID, "the message carries the job id stamped on the quiz")

	b.jobs.fail = true
	_, err := b.svc.CreateQuiz(t.Context(), quiz.NewQuiz{OwnerID: b.owner.ID, Title: "lost", QuestionCount: 1, LLMModel: "o3"}, "")
	require.ErrorIs(t, err, quiz.ErrUnavailable)
	list, err := b.store.QuizzesByOwner(t.Context(), b.owner.ID)
	require.NoError(t, err)
	assert.Len(t, list, 1, "no quiz is left pending without a job")
}

func TestStartExtraction(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	q := b.create(t)
	content := json.RawMessage(`{"module_1": [{"title": "t", "content": "c", "type": "page"}]}`)
	require.NoError(t, b.store.SetExtractedContent(ctx, q.ID, content))
	b.exec(t, "UPDATE quiz SET content_extraction_status = 'completed' WHERE id = $1", q.ID)

	t.Run("another user's quiz", func(t *testing.T) {
		assert.ErrorIs(t, b.svc.StartExtraction(ctx, uuid.New(), q.ID, ""), quiz.ErrNotFound)
	})
	t.Run("queue down: everything as before", func(t *testing.T) {
		b.jobs.fail = true
		defer func() { b.jobs.fail = false }()
		require.ErrorIs(t, b.svc.StartExtraction(ctx, b.owner.ID, q.ID, ""), quiz.ErrUnavailable)
		got, err := b.store.Quiz(ctx, q.ID)
		require.NoError(t, err)
		assert.Equal(t, quiz.StatusCompleted, got.ContentExtractionStatus)
		assert.JSONEq(t, string(content), string(got.ExtractedContent))
		assert.Equal(t, q.ContentExtractionJobID, got.ContentExtractionJobID)
	})
	t.Run("starts", func(t *testing.T) {
		require.NoError(t, b.svc.StartExtraction(ctx, b.owner.ID, q.ID, ""))
		got, err := b.store.Quiz(ctx, q.ID)
		require.NoError(t, err)
		assert.Equal(t, quiz.StatusPending, got.ContentExtractionStatus)
		assert.Nil(t, got.ExtractedContent)
		last := b.jobs.jobs[len(b.jobs.jobs)-1]
		assert.Equal(t, last.ID, *got.ContentExtractionJobID)
		assert.NotEqual(t, *q.ContentExtractionJobID, last.ID, "a new job id: the old message is stale")
	})
	t.Run("409 while processing, allowed once the lease ran out", func(t *testing.T) {
		b.exec(t, "UPDATE quiz SET content_extraction_status = 'processing', content_extraction_started_at = now() WHERE id = $1", q.ID)
		err := b.svc.StartExtraction(ctx, b.owner.ID, q.ID, "")
		assert.Equal(t, quiz.Conflict, ruleKind(err))
		assert.EqualError(t, err, "update content_extraction status of quiz "+q.ID.String()+": Content extraction is already in progress")
		b.exec(t, "UPDATE quiz SET content_extraction_started_at = now() - interval '1 hour' WHERE id = $1", q.ID)
		require.NoError(t, b.svc.StartExtraction(ctx, b.owner.ID, q.ID, ""), "a stuck extraction can be restarted")
	})
}

func TestStartGeneration(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	q := b.create(t)
	assert.Equal(t, quiz.Precondition, ruleKind(b.svc.StartGeneration(ctx, b.owner.ID, q.ID, "")), "content not extracted")
	b.exec(t, "UPDATE quiz SET content_extraction_status = 'completed', llm_generation_status = 'processing', llm_generation_started_at = now() WHERE id = $1", q.ID)
	assert.Equal(t, quiz.Conflict, ruleKind(b.svc.StartGeneration(ctx, b.owner.ID, q.ID, "")))
	b.exec(t, "UPDATE quiz SET llm_generation_status = 'failed' WHERE id = $1", q.ID)

	b.jobs.fail = true
	require.ErrorIs(t, b.svc.StartGeneration(ctx, b.owner.ID, q.ID, ""), quiz.ErrUnavailable)
	got, _ := b.store.Quiz(ctx, q.ID)
	assert.Equal(t, quiz.StatusFailed, got.LLMGenerationStatus, "undone")
	b.jobs.fail = false

	require.NoError(t, b.svc.StartGeneration(ctx, b.owner.ID, q.ID, ""))
	got, _ = b.store.Quiz(ctx, q.ID)
	assert.Equal(t, quiz.StatusPending, got.LLMGenerationStatus)
	assert.Equal(t, quiz.JobGenerate, b.jobs.jobs[len(b.jobs.jobs)-1].Kind)
}

func TestStartExport(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	q := b.create(t)
	assert.ErrorIs(t, b.svc.StartExport(ctx, uuid.New(), q.ID, ""), quiz.ErrNotFound)
	assert.ErrorIs(t, b.svc.StartExport(ctx, b.owner.ID, uuid.New(), ""), quiz.ErrNotFound)
	err := b.svc.StartExport(ctx, b.owner.ID, q.ID, "")
	assert.Equal(t, quiz.Precondition, ruleKind(err))
	assert.ErrorContains(t, err, "Quiz has no approved questions to export")

	qs, err := b.store.AddQuestions(ctx, q.ID, []quiz.NewQuestion{{QuestionText: "?", OptionA: "a", OptionB: "b", OptionC: "c", OptionD: "d", CorrectAnswer: "A"}})
	require.NoError(t, err)
	b.exec(t, "UPDATE question SET is_approved = true WHERE id = $1", qs[0].ID)

	b.exec(t, "UPDATE quiz SET export_status = 'processing', export_started_at = now() WHERE id = $1", q.ID)
	assert.ErrorContains(t, b.svc.StartExport(ctx, b.owner.ID, q.ID, ""), "Quiz export is already in progress")
	b.exec(t, "UPDATE quiz SET export_status = 'completed', canvas_quiz_id = '10000' WHERE id = $1", q.ID)
	assert.ErrorContains(t, b.svc.StartExport(ctx, b.owner.ID, q.ID, ""), "Quiz has already been exported to Canvas")

	b.exec(t, "UPDATE quiz SET export_status = 'failed' WHERE id = $1", q.ID)
	b.jobs.fail = true
	require.ErrorIs(t, b.svc.StartExport(ctx, b.owner.ID, q.ID, ""), quiz.ErrUnavailable)
	got, _ := b.store.Quiz(ctx, q.ID)
	assert.Equal(t, quiz.StatusFailed, got.ExportStatus, "undone")
	b.jobs.fail = false
	require.NoError(t, b.svc.StartExport(ctx, b.owner.ID, q.ID, ""), "a failed export may run again")
	got, _ = b.store.Quiz(ctx, q.ID)
	assert.Equal(t, quiz.StatusPending, got.ExportStatus)
	assert.Equal(t, b.jobs.jobs[len(b.jobs.jobs)-1].ID, *got.ExportJobID)
}

// The export sends every question type, so a quiz whose approved questions
// are all of other types than multiple_choice (v1's) may be exported;
// deleted ones do not count.
func TestStartExportCountsEveryQuestionType(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	q := b.create(t)
	qs, err := b.store.AddQuestions(ctx, q.ID, []quiz.NewQuestion{
		{Type: qtype.TrueFalse, Difficulty: qtype.Easy,
			Data: json.RawMessage(`{"question_text": "Is a queue FIFO?", "correct_answer": true, "explanation": ""}`)},
		{Type: qtype.TrueFalse, Difficulty: qtype.Easy,
			Data: json.RawMessage(`{"question_text": "Is a stack FIFO?", "correct_answer": false, "explanation": ""}`)},
	})
	require.NoError(t, err)
	b.exec(t, "UPDATE question SET is_approved = true, approved_at = now(), deleted = true WHERE id = $1", qs[0].ID)
	err = b.svc.StartExport(ctx, b.owner.ID, q.ID, "")
	assert.Equal(t, quiz.Precondition, ruleKind(err), "a deleted question does not count")
	assert.ErrorContains(t, err, "Quiz has no approved questions to export")

	b.exec(t, "UPDATE question SET is_approved = true, approved_at = now() WHERE id = $1", qs[1].ID)
	require.NoError(t, b.svc.StartExport(ctx, b.owner.ID, q.ID, ""), "an approved true_false question is exportable")
	got, err := b.store.Quiz(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, quiz.StatusPending, got.ExportStatus)
	assert.Equal(t, quiz.JobExport, b.jobs.jobs[len(b.jobs.jobs)-1].Kind)
}
