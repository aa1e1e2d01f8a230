package httpapi_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// questionKeys are the keys of QuestionPublic, in model order (docs/compatibility.md, Objects and statuses).
var questionKeys = []string{"id", "quiz_id", "question_text", "option_a", "option_b", "option_c", "option_d",
	"correct_answer", "is_approved", "approved_at", "created_at", "updated_at", "canvas_item_id"}

// questionsEnv is a user with two quizzes: quizID with n questions, and
// otherQuiz with one question (otherQ).
type questionsEnv struct {
	*env
	u                 user
	quizID, otherQuiz string
	qids              []string
	otherQ            string
}

func newQuestionsEnv(t *testing.T, n int) questionsEnv {
	t.Helper()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	qe := questionsEnv{env: e, u: u, quizID: e.createQuiz(u)["id"].(string), otherQuiz: e.createQuiz(u)["id"].(string)}
	for _, q := range e.addQuestions(qe.quizID, n) {
		qe.qids = append(qe.qids, q.ID.String())
	}
	qe.otherQ = e.addQuestions(qe.otherQuiz, 1)[0].ID.String()
	return qe
}

func (qe questionsEnv) path(quizID, questionID string) string {
	return "/api/v1/quiz/" + quizID + "/questions/" + questionID
}

func (qe questionsEnv) get(t *testing.T, quizID, questionID string) map[string]any {
	t.Helper()
	r := qe.do("GET", qe.path(quizID, questionID), qe.u.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	return r.obj()
}

func TestListAndGetQuestions(t *testing.T) {
	t.Parallel()
	qe := newQuestionsEnv(t, 3)
	list := func(t *testing.T, quizID string) resp {
		t.Helper()
		return qe.do("GET", "/api/v1/quiz/"+quizID+"/questions", qe.u.jwt, nil)
	}

	t.Run("empty list", func(t *testing.T) {
		empty := qe.createQuiz(qe.u)["id"].(string)
		r := list(t, empty)
		require.Equal(t, http.StatusOK, r.Code)
		assert.Equal(t, "[]", r.Body.String())
	})

	t.Run("ordered by created_at, then id", func(t *testing.T) {
		early, late := uuid.NewString(), uuid.NewString()
		for id, at := range map[string]string{early: "now() - interval '1 day'", late: "now() + interval '1 day'"} {
			qe.sql(`INSERT INTO question (id, quiz_id, question_type, question_data, created_at)
				VALUES ($1, $2, 'multiple_choice', '{"question_text": "Q", "option_a": "a", "option_b": "b",
				"option_c": "c", "option_d": "d", "correct_answer": "D", "explanation": ""}', `+at+`)`, id, qe.quizID)
		}
		// The three of one generation run share created_at: by id among them.
		run := append([]string(nil), qe.qids...)
		sort.Strings(run)
		want := append(append([]string{early}, run...), late)

		r := list(t, qe.quizID)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		var raws []json.RawMessage
		require.NoError(t, json.Unmarshal(r.Body.Bytes(), &raws))
		var got []string
		for _, raw := range raws {
			assert.Equal(t, questionKeys, keysInOrder(t, raw))
			var q map[string]any
			require.NoError(t, json.Unmarshal(raw, &q))
			got = append(got, q["id"].(string))
			assert.Equal(t, qe.quizID, q["quiz_id"])
		}
		assert.Equal(t, want, got)
		qe.sql(`DELETE FROM question WHERE id IN ($1, $2)`, early, late)
	})

	t.Run("one question", func(t *testing.T) {
		r := qe.do("GET", qe.path(qe.quizID, qe.qids[0]), qe.u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, questionKeys, keysInOrder(t, r.Body.Bytes()))
		q := r.obj()
		assert.Equal(t, qe.qids[0], q["id"])
		assert.Equal(t, qe.quizID, q["quiz_id"])
		assert.Equal(t, "What is question A?", q["question_text"])
		assert.Equal(t, []any{"a", "b", "c", "d", "B"}, []any{q["option_a"], q["option_b"], q["option_c"], q["option_d"], q["correct_answer"]})
		assert.Equal(t, false, q["is_approved"])
		assert.Nil(t, q["approved_at"])
		assert.Nil(t, q["updated_at"], "generated questions have no updated_at until edited")
		assert.Nil(t, q["canvas_item_id"])
		assertPyTime(t, q["created_at"], "created_at")

		// The list holds the same object.
		for _, item := range list(t, qe.quizID).list() {
			if item.(map[string]any)["id"] == qe.qids[0] {
				assert.Equal(t, q, item)
			}
		}
	})

	t.Run("404s", func(t *testing.T) {
		assertDetail(t, qe.do("GET", qe.path(qe.quizID, randomUUID), qe.u.jwt, nil), http.StatusNotFound, "Question not found")
		assertDetail(t, qe.do("GET", qe.path(qe.quizID, qe.otherQ), qe.u.jwt, nil), http.StatusNotFound, "Question not found")
		assertDetail(t, qe.do("GET", qe.path(randomUUID, qe.qids[0]), qe.u.jwt, nil), http.StatusNotFound, "Quiz not found")
		assertDetail(t, list(t, randomUUID), http.StatusNotFound, "Quiz not found")
	})

	t.Run("422s", func(t *testing.T) {
		oneFieldErr(t, qe.do("GET", qe.path(qe.quizID, "q-1"), qe.u.jwt, nil), "uuid_parsing", "path", "question_id")
		oneFieldErr(t, list(t, "quiz-1"), "uuid_parsing", "path", "quiz_id")
		errs := validation(t, qe.do("GET", qe.path("quiz-1", "q-1"), qe.u.jwt, nil))
		require.Len(t, errs, 2)
		assert.Equal(t, []any{"path", "quiz_id"}, errs[0].Loc)
		assert.Equal(t, []any{"path", "question_id"}, errs[1].Loc)
	})
}

func TestUpdateQuestion(t *testing.T) {
	t.Parallel()
	qe := newQuestionsEnv(t, 2)
	id := qe.qids[0]
	put := func(body any) resp { return qe.do("PUT", qe.path(qe.quizID, id), qe.u.jwt, body) }
	before := qe.get(t, qe.quizID, id)
	// unchanged asserts that a refused update left the question alone.
	unchanged := func(t *testing.T) {
		t.Helper()
		assert.Equal(t, before, qe.get(t, qe.quizID, id))
	}

	t.Run("empty body returns the question unchanged", func(t *testing.T) {
		r := put(map[string]any{})
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, questionKeys, keysInOrder(t, r.Body.Bytes()))
		assert.Equal(t, before, r.obj())
		unchanged(t)
	})

	t.Run("text limits 1..2000", func(t *testing.T) {
		fe := oneFieldErr(t, put(map[string]any{"question_text": ""}), "string_too_short", "body", "question_text")
		assert.Equal(t, map[string]any{"min_length": float64(1)}, fe.Ctx)
		fe = oneFieldErr(t, put(map[string]any{"question_text": strings.Repeat("x", 2001)}), "string_too_long", "body", "question_text")
		assert.Equal(t, map[string]any{"max_length": float64(2000)}, fe.Ctx)
		assert.Equal(t, "String should have at most 2000 characters", fe.Msg)
		unchanged(t)
	})

	t.Run("option limits 1..500", func(t *testing.T) {
		for _, opt := range []string{"option_a", "option_b", "option_c", "option_d"} {
			oneFieldErr(t, put(map[string]any{opt: ""}), "string_too_short", "body", opt)
			fe := oneFieldErr(t, put(map[string]any{opt: strings.Repeat("o", 501)}), "string_too_long", "body", opt)
			assert.Equal(t, map[string]any{"max_length": float64(500)}, fe.Ctx)
		}
		unchanged(t)
	})

	t.Run("correct_answer must be A, B, C or D", func(t *testing.T) {
		for _, bad := range []string{"a", "E", "AB", " A", ""} {
			fe := oneFieldErr(t, put(map[string]any{"correct_answer": bad}), "string_pattern_mismatch", "body", "correct_answer")
			assert.Equal(t, map[string]any{"pattern": "^[ABCD]$"}, fe.Ctx, "answer %q", bad)
			assert.Equal(t, "String should match pattern '^[ABCD]$'", fe.Msg)
			assert.Equal(t, bad, fe.Input)
		}
		unchanged(t)
	})

	t.Run("null and other types are refused", func(t *testing.T) {
		for _, f := range []string{"question_text", "option_a", "option_b", "option_c", "option_d", "correct_answer"} {
			oneFieldErr(t, put(`{"`+f+`": null}`), "string_type", "body", f)
			oneFieldErr(t, put(map[string]any{f: 3}), "string_type", "body", f)
		}
		unchanged(t)
	})

	t.Run("every bad field is reported, nothing is applied", func(t *testing.T) {
		errs := validation(t, put(map[string]any{"question_text": "fine", "option_b": "", "correct_answer": "x"}))
		require.Len(t, errs, 2)
		assert.Equal(t, []any{"body", "option_b"}, errs[0].Loc)
		assert.Equal(t, []any{"body", "correct_answer"}, errs[1].Loc)
		unchanged(t)
	})

	t.Run("bodies that are not objects", func(t *testing.T) {
		oneFieldErr(t, put(`["question_text"]`), "model_attributes_type", "body")
		errs := validation(t, put(`{"question_text": `))
		require.Len(t, errs, 1)
		assert.Equal(t, "json_invalid", errs[0].Type)
		assert.Equal(t, "body", errs[0].Loc[0])
		oneFieldErr(t, qe.do("PUT", qe.path(qe.quizID, id), qe.u.jwt, nil), "missing", "body")
		unchanged(t)
	})

	t.Run("bounds are accepted", func(t *testing.T) {
		text := strings.Repeat("å", 2000)
		opt := strings.Repeat("o", 500)
		for _, ans := range []string{"A", "B", "C", "D"} {
			r := put(map[string]any{"question_text": text, "option_a": opt, "option_b": "1", "option_c": opt, "option_d": opt, "correct_answer": ans})
			require.Equal(t, http.StatusOK, r.Code, r.Body.String())
			q := r.obj()
			assert.Equal(t, text, q["question_text"])
			assert.Equal(t, []any{opt, "1", opt, opt, ans}, []any{q["option_a"], q["option_b"], q["option_c"], q["option_d"], q["correct_answer"]})
			assertPyTime(t, q["updated_at"], "updated_at")
		}
	})

	t.Run("a partial update changes only the fields sent", func(t *testing.T) {
		id2 := qe.qids[1]
		orig := qe.get(t, qe.quizID, id2)
		r := qe.do("PUT", qe.path(qe.quizID, id2), qe.u.jwt, map[string]any{"option_c": "Changed C", "unknown": "ignored"})
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		got := r.obj()
		assertPyTime(t, got["updated_at"], "updated_at is set by an update")
		want := map[string]any{}
		for k, v := range orig {
			want[k] = v
		}
		want["option_c"], want["updated_at"] = "Changed C", got["updated_at"]
		assert.Equal(t, want, got)
		assert.Equal(t, got, qe.get(t, qe.quizID, id2), "stored")
	})

	t.Run("an approved question can be edited and stays approved", func(t *testing.T) {
		r := qe.do("PUT", qe.path(qe.quizID, id)+"/approve", qe.u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code)
		r = put(map[string]any{"question_text": "Edited after approval?"})
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, true, r.obj()["is_approved"])
		assert.Equal(t, "Edited after approval?", r.obj()["question_text"])
	})

	t.Run("404s", func(t *testing.T) {
		body := map[string]any{"question_text": "hijack"}
		assertDetail(t, qe.do("PUT", qe.path(qe.quizID, randomUUID), qe.u.jwt, body), http.StatusNotFound, "Question not found")
		assertDetail(t, qe.do("PUT", qe.path(qe.quizID, qe.otherQ), qe.u.jwt, body), http.StatusNotFound, "Question not found")
		assertDetail(t, qe.do("PUT", qe.path(qe.quizID, qe.otherQ), qe.u.jwt, map[string]any{}), http.StatusNotFound, "Question not found")
		assertDetail(t, qe.do("PUT", qe.path(randomUUID, id), qe.u.jwt, body), http.StatusNotFound, "Quiz not found")
		assert.Equal(t, "What is question A?", qe.get(t, qe.otherQuiz, qe.otherQ)["question_text"], "the other quiz's question is untouched")
	})

	t.Run("422 for a bad id", func(t *testing.T) {
		oneFieldErr(t, qe.do("PUT", qe.path(qe.quizID, "nope"), qe.u.jwt, map[string]any{}), "uuid_parsing", "path", "question_id")
	})
}

func TestApproveQuestion(t *testing.T) {
	t.Parallel()
	qe := newQuestionsEnv(t, 1)
	id := qe.qids[0]
	before := qe.get(t, qe.quizID, id)
	approve := func(quizID, questionID string) resp {
		return qe.do("PUT", qe.path(quizID, questionID)+"/approve", qe.u.jwt, nil)
	}

	r := approve(qe.quizID, id)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, questionKeys, keysInOrder(t, r.Body.Bytes()))
	got := r.obj()
	assert.Equal(t, true, got["is_approved"])
	assertPyTime(t, got["approved_at"], "approved_at")
	assertPyTime(t, got["updated_at"], "updated_at")
	for _, k := range []string{"id", "quiz_id", "question_text", "option_a", "option_b", "option_c", "option_d", "correct_answer", "created_at", "canvas_item_id"} {
		assert.Equal(t, before[k], got[k], k)
	}
	assert.Equal(t, got, qe.get(t, qe.quizID, id), "stored")

	// Again: still approved, approved_at refreshed.
	r = approve(qe.quizID, id)
	require.Equal(t, http.StatusOK, r.Code)
	again := r.obj()
	assert.Equal(t, true, again["is_approved"])
	first, err := time.Parse(time.RFC3339Nano, got["approved_at"].(string))
	require.NoError(t, err)
	second, err := time.Parse(time.RFC3339Nano, again["approved_at"].(string))
	require.NoError(t, err)
	assert.True(t, second.After(first), "approved_at %v refreshed after %v", second, first)

	assertDetail(t, approve(qe.quizID, randomUUID), http.StatusNotFound, "Question not found")
	assertDetail(t, approve(qe.quizID, qe.otherQ), http.StatusNotFound, "Question not found")
	assert.Equal(t, false, qe.get(t, qe.otherQuiz, qe.otherQ)["is_approved"], "the other quiz's question is not approved")
	assertDetail(t, approve(randomUUID, id), http.StatusNotFound, "Quiz not found")
	oneFieldErr(t, approve(qe.quizID, "1"), "uuid_parsing", "path", "question_id")
}

func TestDeleteQuestion(t *testing.T) {
	t.Parallel()
	qe := newQuestionsEnv(t, 2)
	del := func(quizID, questionID string) resp {
		return qe.do("DELETE", qe.path(quizID, questionID), qe.u.jwt, nil)
	}

	assertMessage(t, del(qe.quizID, qe.qids[0]), "Question deleted successfully")
	assertDetail(t, qe.do("GET", qe.path(qe.quizID, qe.qids[0]), qe.u.jwt, nil), http.StatusNotFound, "Question not found")
	assertDetail(t, del(qe.quizID, qe.qids[0]), http.StatusNotFound, "Question not found")
	st := qe.do("GET", "/api/v1/quiz/"+qe.quizID+"/questions/stats", qe.u.jwt, nil).obj()
	assert.Equal(t, float64(1), st["total"], "the other question stays")

	// A question of another quiz of the same user is not found through this one.
	assertDetail(t, del(qe.quizID, qe.otherQ), http.StatusNotFound, "Question not found")
	qe.get(t, qe.otherQuiz, qe.otherQ)

	assertDetail(t, del(qe.quizID, randomUUID), http.StatusNotFound, "Question not found")
	assertDetail(t, del(randomUUID, qe.qids[1]), http.StatusNotFound, "Quiz not found")
	oneFieldErr(t, del(qe.quizID, "x"), "uuid_parsing", "path", "question_id")
	qe.get(t, qe.quizID, qe.qids[1])
}
