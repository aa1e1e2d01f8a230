package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/quiz"
)

// reviewDataOf is a question's data decoded.
func reviewDataOf(t *testing.T, q quiz.Question) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(q.Data, &m))
	return m
}

// TestReviewAddQuestion: POST /questions/{quiz_id} adds a question of any
// type the teacher wrote, validated by its type, with no source module;
// it answers today's QuestionResponse and the question is listed and
// counted at once.
func TestReviewAddQuestion(t *testing.T) {
	t.Parallel()
	te := newTypedEnv(t)
	add := func(body any) resp { return te.do("POST", te.path(te.quizID), te.u.jwt, body) }

	t.Run("every type, today's shape", func(t *testing.T) {
		for _, q := range te.qs {
			r := add(map[string]any{"quiz_id": te.quizID, "question_type": q.Type, "question_data": reviewDataOf(t, q),
				"difficulty": "hard", "tags": []string{"manual"}})
			require.Equal(t, http.StatusOK, r.Code, r.Body.String())
			assert.Equal(t, []string{"id", "quiz_id", "question_type", "question_data", "difficulty", "tags", "is_approved",
				"approved_at", "created_at", "updated_at", "canvas_item_id", "module_id", "rejection_reason", "rejection_feedback"},
				keysInOrder(t, r.Body.Bytes()), "fields of QuestionResponse")
			got := r.obj()
			assert.NotEqual(t, q.ID.String(), got["id"], "a new question")
			assert.Equal(t, te.quizID, got["quiz_id"])
			assert.Equal(t, string(q.Type), got["question_type"])
			assert.Equal(t, reviewDataOf(t, q), got["question_data"], q.Type)
			assert.Equal(t, "hard", got["difficulty"])
			assert.Equal(t, []any{"manual"}, got["tags"])
			assert.Equal(t, false, got["is_approved"])
			assert.Nil(t, got["module_id"], "a manual question has no source module")
			assert.Nil(t, got["rejection_reason"])
			assertPyTime(t, got["created_at"], "created_at")
			g := te.do("GET", te.path(te.quizID, got["id"].(string)), te.u.jwt, nil)
			require.Equal(t, http.StatusOK, g.Code, g.Body.String())
			assert.Equal(t, got, g.obj(), "stored as answered")
		}
		assert.Len(t, te.do("GET", te.path(te.quizID), te.u.jwt, nil).list(), 12, "listed with the generated ones")
		r := te.do("GET", "/quiz/"+te.quizID+"/questions/stats", te.u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, 12.0, r.obj()["total"], "counted")
	})

	t.Run("normalized, difficulty and tags optional", func(t *testing.T) {
		r := add(map[string]any{"quiz_id": te.quizID, "question_type": "true_false",
			"question_data": map[string]any{"question_text": "  Is a stack LIFO?  ", "correct_answer": true},
			"difficulty":    nil})
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, map[string]any{"question_text": "Is a stack LIFO?", "correct_answer": true, "explanation": ""},
			r.obj()["question_data"], "stored as its type normalizes it")
		assert.Nil(t, r.obj()["difficulty"])
		assert.Equal(t, []any{}, r.obj()["tags"])
	})

	before := len(te.do("GET", te.path(te.quizID), te.u.jwt, nil).list())

	t.Run("invalid for its type: 422 inside question_data", func(t *testing.T) {
		d := reviewDataOf(t, te.qs[0])
		d["option_b"] = "   "
		fe := oneFieldErr(t, add(map[string]any{"quiz_id": te.quizID, "question_type": "multiple_choice", "question_data": d}),
			"value_error", "body", "question_data", "option_b")
		assert.Equal(t, "Value error, is required", fe.Msg)
		assert.Equal(t, "   ", fe.Input)

		// multiple_choice's data is not a matching question.
		errs := validation(t, add(map[string]any{"quiz_id": te.quizID, "question_type": "matching", "question_data": reviewDataOf(t, te.qs[0])}))
		for _, fe := range errs {
			assert.Equal(t, []any{"body", "question_data"}, fe.Loc[:2], "%v", fe.Loc)
		}
	})

	t.Run("body shape", func(t *testing.T) {
		errs := validation(t, add(map[string]any{}))
		var locs [][]any
		for _, fe := range errs {
			assert.Equal(t, "missing", fe.Type)
			locs = append(locs, fe.Loc)
		}
		assert.ElementsMatch(t, [][]any{{"body", "quiz_id"}, {"body", "question_type"}, {"body", "question_data"}}, locs)

		errs = validation(t, add(map[string]any{"quiz_id": "nope", "question_type": "essay", "question_data": nil,
			"difficulty": "extreme", "tags": []any{""}}))
		types := map[string]string{}
		for _, fe := range errs {
			types[fmt.Sprint(fe.Loc)] = fe.Type
		}
		assert.Equal(t, map[string]string{"[body quiz_id]": "uuid_parsing", "[body question_type]": "enum",
			"[body question_data]": "dict_type", "[body difficulty]": "enum", "[body tags 0]": "string_too_short"}, types)

		oneFieldErr(t, add(map[string]any{"quiz_id": 7, "question_type": "true_false", "question_data": map[string]any{}}),
			"uuid_type", "body", "quiz_id")
		oneFieldErr(t, add("[]"), "model_attributes_type", "body")
	})

	t.Run("quiz id mismatch", func(t *testing.T) {
		other := te.createQuiz(te.u)["id"].(string)
		assertDetail(t, add(map[string]any{"quiz_id": other, "question_type": "true_false",
			"question_data": map[string]any{"question_text": "Is a stack LIFO?", "correct_answer": true}}),
			http.StatusBadRequest, "Quiz ID mismatch")
		assert.Empty(t, te.do("GET", te.path(other), te.u.jwt, nil).list(), "nothing added to the body's quiz")
	})

	t.Run("someone else's quiz", func(t *testing.T) {
		stranger := te.signIn(teacherID + 1)
		body := map[string]any{"quiz_id": te.quizID, "question_type": "true_false",
			"question_data": map[string]any{"question_text": "Is a stack LIFO?", "correct_answer": true}}
		assertDetail(t, te.do("POST", te.path(te.quizID), stranger.jwt, body), http.StatusNotFound, "Quiz not found")
		body["quiz_id"] = randomUUID
		assertDetail(t, te.do("POST", te.path(randomUUID), te.u.jwt, body), http.StatusNotFound, "Quiz not found")
	})

	assert.Len(t, te.do("GET", te.path(te.quizID), te.u.jwt, nil).list(), before, "no refused question was stored")
}
