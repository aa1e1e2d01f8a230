package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/quiz"
)

// reviewBulk asserts a 200 BulkOperationResponse, fields in today's order,
// and returns it.
func reviewBulk(t *testing.T, r resp) map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, []string{"success_count", "failed_count", "failed_ids", "message"}, keysInOrder(t, r.Body.Bytes()))
	return r.obj()
}

func reviewIDs(qs ...quiz.Question) []any {
	out := []any{}
	for _, q := range qs {
		out = append(out, q.ID.String())
	}
	return out
}

// reviewMixed is a list of ids of every kind a bulk call may fail on,
// around two live questions of the quiz: an unknown id, a question of the
// owner's other quiz and a question deleted already. It returns the list
// and the ids expected to fail, in the order asked, and the other quiz's
// question.
func (te *typedEnv) reviewMixed(t *testing.T, live1, live2, deleted quiz.Question) (asked, failed []any, foreign quiz.Question) {
	t.Helper()
	other := te.createQuiz(te.u)["id"].(string)
	foreign = te.addQuestions(other, 1)[0]
	assertMessage(t, te.do("DELETE", te.path(te.quizID, deleted.ID.String()), te.u.jwt, nil), "Question deleted successfully")
	unknown := uuid.New().String()
	asked = []any{live1.ID.String(), unknown, foreign.ID.String(), live2.ID.String(), deleted.ID.String()}
	failed = []any{unknown, foreign.ID.String(), deleted.ID.String()}
	return asked, failed, foreign
}

// reviewBulkBadInput checks the 422s of question_ids on a bulk route.
func reviewBulkBadInput(t *testing.T, te *typedEnv, method, path string) {
	t.Helper()
	send := func(body any) resp { return te.do(method, path, te.u.jwt, body) }
	id := te.qs[0].ID.String()
	oneFieldErr(t, send(map[string]any{}), "missing", "body", "question_ids")
	oneFieldErr(t, send(nil), "missing", "body")
	oneFieldErr(t, send(map[string]any{"question_ids": id}), "list_type", "body", "question_ids")
	fe := oneFieldErr(t, send(map[string]any{"question_ids": []string{}}), "too_short", "body", "question_ids")
	assert.Equal(t, "List should have at least 1 item after validation, not 0", fe.Msg)
	many := make([]string, 101)
	for i := range many {
		many[i] = uuid.NewString()
	}
	fe = oneFieldErr(t, send(map[string]any{"question_ids": many}), "too_long", "body", "question_ids")
	assert.Equal(t, "List should have at most 100 items after validation, not 101", fe.Msg)
	fe = oneFieldErr(t, send(map[string]any{"question_ids": []string{id, te.qs[1].ID.String(), id}}), "value_error", "body", "question_ids")
	assert.Equal(t, "Value error, Duplicate question IDs are not allowed", fe.Msg)
	oneFieldErr(t, send(map[string]any{"question_ids": []string{id, strings.ToUpper(id)}}), "value_error", "body", "question_ids")
	oneFieldErr(t, send(map[string]any{"question_ids": []any{id, "nope"}}), "uuid_parsing", "body", "question_ids", 1.0)
	oneFieldErr(t, send(map[string]any{"question_ids": []any{3}}), "uuid_type", "body", "question_ids", 0.0)
	oneFieldErr(t, te.do(method, strings.Replace(path, te.quizID, "nope", 1), te.u.jwt, map[string]any{"question_ids": []string{id}}),
		"uuid_parsing", "path", "quiz_id")

	stranger := te.signIn(teacherID + 1)
	assertDetail(t, te.do(method, path, stranger.jwt, map[string]any{"question_ids": []string{id}}), http.StatusNotFound, "Quiz not found")
	assertDetail(t, te.do(method, strings.Replace(path, te.quizID, randomUUID, 1), te.u.jwt, map[string]any{"question_ids": []string{id}}),
		http.StatusNotFound, "Quiz not found")
}

// TestReviewBulkApprove: PUT /questions/{quiz_id}/bulk-approve approves
// every id the quiz has a live question for (already approved ones
// count), from 1 to 100 ids, and names the others in failed_ids.
func TestReviewBulkApprove(t *testing.T) {
	t.Parallel()
	te := newTypedEnv(t)
	path := te.path(te.quizID, "bulk-approve")
	approve := func(ids []any) resp { return te.do("PUT", path, te.u.jwt, map[string]any{"question_ids": ids}) }
	approved := func(q quiz.Question) bool {
		r := te.do("GET", te.path(q.QuizID.String(), q.ID.String()), te.u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		return r.obj()["is_approved"].(bool)
	}

	t.Run("bad input", func(t *testing.T) { reviewBulkBadInput(t, te, "PUT", path) })
	require.False(t, approved(te.qs[0]), "nothing approved by refused calls")

	t.Run("one id", func(t *testing.T) {
		assert.Equal(t, map[string]any{"success_count": 1.0, "failed_count": 0.0, "failed_ids": []any{}, "message": "Approved 1 questions"},
			reviewBulk(t, approve(reviewIDs(te.qs[0]))))
		assert.True(t, approved(te.qs[0]))
		assert.False(t, approved(te.qs[1]))
	})

	t.Run("unknown, another quiz's and deleted ids fail", func(t *testing.T) {
		asked, failed, foreign := te.reviewMixed(t, te.qs[0], te.qs[1], te.qs[2])
		assert.Equal(t, map[string]any{"success_count": 2.0, "failed_count": 3.0, "failed_ids": failed,
			"message": "Approved 2 questions, 3 not found"}, reviewBulk(t, approve(asked)), "an approved one counts again")
		assert.True(t, approved(te.qs[1]))
		assert.False(t, approved(foreign), "another quiz's question is not approved through this one")
		var deletedApproved bool
		require.NoError(t, te.tdb.Conn(t).QueryRow(t.Context(), "SELECT is_approved FROM question WHERE id = $1", te.qs[2].ID).Scan(&deletedApproved))
		assert.False(t, deletedApproved, "a deleted question is not approved")
	})

	t.Run("100 ids", func(t *testing.T) {
		id := te.createQuiz(te.u)["id"].(string)
		qs := te.addQuestions(id, quiz.MaxBulkQuestions)
		r := te.do("PUT", te.path(id, "bulk-approve"), te.u.jwt, map[string]any{"question_ids": reviewIDs(qs...)})
		assert.Equal(t, map[string]any{"success_count": 100.0, "failed_count": 0.0, "failed_ids": []any{}, "message": "Approved 100 questions"},
			reviewBulk(t, r))
		assert.Len(t, te.do("GET", te.path(id)+"?approved_only=true&limit=100", te.u.jwt, nil).list(), 100)
	})
}

// TestReviewBulkDelete: POST /questions/{quiz_id}/bulk-delete soft-deletes
// every id the quiz has a live question for with one reason and feedback,
// from 1 to 100 ids, and names the others in failed_ids.
func TestReviewBulkDelete(t *testing.T) {
	t.Parallel()
	te := newTypedEnv(t)
	path := te.path(te.quizID, "bulk-delete")
	remove := func(body map[string]any) resp { return te.do("POST", path, te.u.jwt, body) }

	t.Run("bad input", func(t *testing.T) {
		reviewBulkBadInput(t, te, "POST", path)
		ids := reviewIDs(te.qs[0])
		oneFieldErr(t, remove(map[string]any{"question_ids": ids, "rejection_reason": "meh"}), "enum", "body", "rejection_reason")
		oneFieldErr(t, remove(map[string]any{"question_ids": ids, "rejection_feedback": strings.Repeat("x", 501)}),
			"string_too_long", "body", "rejection_feedback")
		assert.False(t, te.reviewRow(t, te.qs[0].ID).deleted, "nothing deleted by refused calls")
	})

	t.Run("one id, with a reason and feedback", func(t *testing.T) {
		assert.Equal(t, map[string]any{"success_count": 1.0, "failed_count": 0.0, "failed_ids": []any{}, "message": "Deleted 1 questions"},
			reviewBulk(t, remove(map[string]any{"question_ids": reviewIDs(te.qs[0]), "rejection_reason": "duplicate_question",
				"rejection_feedback": "Same as question 2."})))
		row := te.reviewRow(t, te.qs[0].ID)
		assert.True(t, row.deleted)
		assert.NotNil(t, row.deletedAt)
		assert.Equal(t, new("duplicate_question"), row.reason)
		assert.Equal(t, new("Same as question 2."), row.feedback)
		assert.Equal(t, idsOf(te.qs[1:]...), ids(t, te.do("GET", te.path(te.quizID), te.u.jwt, nil)))
	})

	t.Run("unknown, another quiz's and deleted ids fail", func(t *testing.T) {
		asked, failed, foreign := te.reviewMixed(t, te.qs[1], te.qs[2], te.qs[3])
		assert.Equal(t, map[string]any{"success_count": 2.0, "failed_count": 3.0, "failed_ids": failed,
			"message": "Deleted 2 questions, 3 not found or already deleted"},
			reviewBulk(t, remove(map[string]any{"question_ids": asked, "rejection_reason": "too_hard"})))
		assert.False(t, te.reviewRow(t, foreign.ID).deleted, "another quiz's question is not deleted through this one")
		assert.Nil(t, te.reviewRow(t, te.qs[3].ID).reason, "a question deleted before keeps what its deletion recorded")
		assert.Equal(t, new("too_hard"), te.reviewRow(t, te.qs[2].ID).reason)
		r := te.do("GET", "/quiz/"+te.quizID+"/questions/stats", te.u.jwt, nil)
		assert.Equal(t, map[string]any{"total": 2.0, "approved": 0.0}, r.obj())
	})

	t.Run("100 ids", func(t *testing.T) {
		id := te.createQuiz(te.u)["id"].(string)
		qs := te.addQuestions(id, quiz.MaxBulkQuestions)
		r := te.do("POST", te.path(id, "bulk-delete"), te.u.jwt, map[string]any{"question_ids": reviewIDs(qs...)})
		assert.Equal(t, map[string]any{"success_count": 100.0, "failed_count": 0.0, "failed_ids": []any{}, "message": "Deleted 100 questions"},
			reviewBulk(t, r))
		assert.Empty(t, te.do("GET", te.path(id), te.u.jwt, nil).list())
	})
}
