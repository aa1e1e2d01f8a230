package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/queue"
	"quizgen/internal/quiz"
)

func TestJobsLandOnTheirQueues(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.signIn(teacherID)
	q := e.createQuiz(u)
	id := uuid.MustParse(q["id"].(string))
	stored, err := e.store.Quiz(t.Context(), id)
	require.NoError(t, err)

	msgs := e.received(e.genURL)
	require.Len(t, msgs, 1, "POST /quiz/ queues the extraction")
	assert.Equal(t, queue.KindExtract, msgs[0].Kind)
	assert.Equal(t, id, msgs[0].QuizID)
	assert.Equal(t, *stored.ContentExtractionJobID, msgs[0].JobID)
	assert.NotEmpty(t, msgs[0].RequestID)

	e.sql("UPDATE quiz SET content_extraction_status = 'completed' WHERE id = $1", id)
	r := e.do("POST", "/api/v1/quiz/"+id.String()+"/extract-content", u.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, "Content extraction started", r.obj()["message"])
	msgs = e.received(e.genURL)
	require.Len(t, msgs, 1)
	assert.Equal(t, queue.KindExtract, msgs[0].Kind)

	e.sql("UPDATE quiz SET content_extraction_status = 'completed' WHERE id = $1", id)
	r = e.do("POST", "/api/v1/quiz/"+id.String()+"/generate-questions", u.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, "Question generation started", r.obj()["message"])
	msgs = e.received(e.genURL)
	require.Len(t, msgs, 1)
	assert.Equal(t, queue.KindGenerate, msgs[0].Kind)

	_, err = e.store.AddQuestions(t.Context(), id, []quiz.NewQuestion{{QuestionText: "Q", OptionA: "a", OptionB: "b", OptionC: "c", OptionD: "d", CorrectAnswer: "C"}})
	require.NoError(t, err)
	e.sql("UPDATE question SET is_approved = true WHERE quiz_id = $1", id)
	r = e.do("POST", "/api/v1/quiz/"+id.String()+"/export", u.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, "Quiz export started", r.obj()["message"])
	msgs = e.received(e.exportURL)
	require.Len(t, msgs, 1)
	assert.Equal(t, queue.KindExport, msgs[0].Kind)
	assert.Empty(t, e.received(e.genURL), "the export went to the export queue only")

	// A second request while the job runs is refused.
	e.sql("UPDATE quiz SET export_status = 'processing', export_started_at = now() WHERE id = $1", id)
	r = e.do("POST", "/api/v1/quiz/"+id.String()+"/export", u.jwt, nil)
	assert.Equal(t, http.StatusConflict, r.Code)
	assert.Equal(t, "Quiz export is already in progress", r.detail())
}

// downJobs is SQS refusing every message.
type downJobs struct{}

func (downJobs) PublishJob(context.Context, quiz.Job) error {
	return errors.New("dial tcp 127.0.0.1:9325: connect: connection refused")
}

func TestQueueDownLeavesEverythingAsItWas(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(downJobs{}))
	u := e.signIn(teacherID)

	r := e.do("POST", "/api/v1/quiz/", u.jwt, map[string]any{"canvas_course_id": courseAI, "canvas_course_name": "AI",
		"selected_modules": map[string]string{"173468": "CSP"}, "title": "T"})
	assert.Equal(t, http.StatusServiceUnavailable, r.Code)
	assert.Equal(t, "Service temporarily unavailable. Please try again.", r.detail())
	assert.NotContains(t, r.Body.String(), "connection refused", "no internal error text")
	list := e.do("GET", "/api/v1/quiz/", u.jwt, nil).list()
	assert.Empty(t, list, "no quiz is left pending with no job behind it")

	// A quiz made while the queue worked, then the queue goes down.
	q, err := e.store.CreateQuiz(t.Context(), quiz.NewQuiz{OwnerID: u.ID, CanvasCourseID: courseAI, Title: "T", QuestionCount: 5, LLMModel: "o3", LLMTemperature: 1})
	require.NoError(t, err)
	id := q.ID.String()
	e.sql(`UPDATE quiz SET content_extraction_status = 'completed', extracted_content = '{"module_1": []}',
		content_extracted_at = now(), llm_generation_status = 'failed', export_status = 'failed' WHERE id = $1`, id)
	_, err = e.store.AddQuestions(t.Context(), q.ID, []quiz.NewQuestion{{QuestionText: "Q", OptionA: "a", OptionB: "b", OptionC: "c", OptionD: "d", CorrectAnswer: "C"}})
	require.NoError(t, err)
	e.sql("UPDATE question SET is_approved = true WHERE quiz_id = $1", id)
	before := e.do("GET", "/api/v1/quiz/"+id, u.jwt, nil).obj()

	for _, path := range []string{"/extract-content", "/generate-questions", "/export"} {
		r := e.do("POST", "/api/v1/quiz/"+id+path, u.jwt, nil)
		assert.Equal(t, http.StatusServiceUnavailable, r.Code, path)
		after := e.do("GET", "/api/v1/quiz/"+id, u.jwt, nil).obj()
		for _, k := range []string{"content_extraction_status", "llm_generation_status", "export_status", "extracted_content", "content_extracted_at"} {
			assert.Equal(t, before[k], after[k], "%s after %s", k, path)
		}
	}
}
