package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reviewStored is what a question's row keeps of a deletion.
type reviewStored struct {
	deleted   bool
	deletedAt *time.Time
	reason    *string
	feedback  *string
}

func (te *typedEnv) reviewRow(t *testing.T, id uuid.UUID) reviewStored {
	t.Helper()
	var s reviewStored
	require.NoError(t, te.tdb.Conn(t).QueryRow(t.Context(),
		"SELECT deleted, deleted_at, rejection_reason, rejection_feedback FROM question WHERE id = $1", id).
		Scan(&s.deleted, &s.deletedAt, &s.reason, &s.feedback))
	return s
}

// TestReviewDeleteQuestion: DELETE /questions/{quiz_id}/{question_id}
// keeps the question, deleted, with the reason and feedback given (the
// body is optional); it leaves every list, read and count, and a second
// delete does not find it.
func TestReviewDeleteQuestion(t *testing.T) {
	t.Parallel()
	te := newTypedEnv(t)
	del := func(quizID string, id uuid.UUID, body any) resp {
		return te.do("DELETE", te.path(quizID, id.String()), te.u.jwt, body)
	}

	t.Run("with a reason and feedback", func(t *testing.T) {
		q := te.qs[0]
		assertMessage(t, del(te.quizID, q.ID, map[string]any{"rejection_reason": "poor_wording", "rejection_feedback": "Too vague."}),
			"Question deleted successfully")
		row := te.reviewRow(t, q.ID)
		assert.True(t, row.deleted)
		assert.NotNil(t, row.deletedAt)
		assert.Equal(t, new("poor_wording"), row.reason)
		assert.Equal(t, new("Too vague."), row.feedback)

		assertDetail(t, te.do("GET", te.path(te.quizID, q.ID.String()), te.u.jwt, nil), http.StatusNotFound, "Question not found")
		assert.Equal(t, idsOf(te.qs[1:]...), ids(t, te.do("GET", te.path(te.quizID), te.u.jwt, nil)), "not listed")
		r := te.do("GET", "/quiz/"+te.quizID+"/questions/stats", te.u.jwt, nil)
		assert.Equal(t, map[string]any{"total": 5.0, "approved": 0.0}, r.obj(), "not counted")
		assertDetail(t, del(te.quizID, q.ID, nil), http.StatusNotFound, "Question not found")
		assertDetail(t, te.do("PUT", te.path(te.quizID, q.ID.String(), "approve"), te.u.jwt, nil), http.StatusNotFound, "Question not found")
	})

	t.Run("no body, null, or an empty object", func(t *testing.T) {
		for i, body := range []any{nil, "null", map[string]any{}, map[string]any{"rejection_reason": nil, "rejection_feedback": nil}} {
			q := te.qs[1+i]
			assertMessage(t, del(te.quizID, q.ID, body), "Question deleted successfully")
			row := te.reviewRow(t, q.ID)
			assert.True(t, row.deleted, "%v", body)
			assert.Nil(t, row.reason, "%v", body)
			assert.Nil(t, row.feedback, "%v", body)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		q := te.qs[5]
		fe := oneFieldErr(t, del(te.quizID, q.ID, map[string]any{"rejection_reason": "boring"}), "enum", "body", "rejection_reason")
		assert.Equal(t, "Input should be 'incorrect_answer', 'poor_wording', 'irrelevant_content', 'duplicate_question', "+
			"'too_easy', 'too_hard', 'quota_reached', 'topic_coverage' or 'other'", fe.Msg)
		fe = oneFieldErr(t, del(te.quizID, q.ID, map[string]any{"rejection_feedback": strings.Repeat("é", 501)}),
			"string_too_long", "body", "rejection_feedback")
		assert.Equal(t, "String should have at most 500 characters", fe.Msg)
		oneFieldErr(t, del(te.quizID, q.ID, map[string]any{"rejection_feedback": 5}), "string_type", "body", "rejection_feedback")
		oneFieldErr(t, del(te.quizID, q.ID, "[1]"), "model_attributes_type", "body")
		assert.Equal(t, "json_invalid", validation(t, del(te.quizID, q.ID, `{"rejection_reason": `))[0].Type)
		oneFieldErr(t, te.do("DELETE", te.path(te.quizID, "nope"), te.u.jwt, nil), "uuid_parsing", "path", "question_id")
		assert.False(t, te.reviewRow(t, q.ID).deleted, "nothing refused was deleted")

		// 500 characters are accepted.
		assertMessage(t, del(te.quizID, q.ID, map[string]any{"rejection_reason": "other", "rejection_feedback": strings.Repeat("é", 500)}),
			"Question deleted successfully")
	})

	t.Run("through another quiz, or someone else's", func(t *testing.T) {
		fresh := te.addTypedQuestions(te.quizID)[0]
		second := te.createQuiz(te.u)["id"].(string)
		assertDetail(t, del(second, fresh.ID, nil), http.StatusNotFound, "Question not found")
		stranger := te.signIn(teacherID + 1)
		assertDetail(t, te.do("DELETE", te.path(te.quizID, fresh.ID.String()), stranger.jwt, nil), http.StatusNotFound, "Quiz not found")
		assertDetail(t, del(randomUUID, fresh.ID, nil), http.StatusNotFound, "Quiz not found")
		assert.False(t, te.reviewRow(t, fresh.ID).deleted)
	})
}

// TestReviewDeletedApprovedNotExported: an approved question deleted
// through the route is not exported (the export counts and reads approved
// questions that are not deleted).
func TestReviewDeletedApprovedNotExported(t *testing.T) {
	t.Parallel()
	te := newTypedEnv(t)
	q := te.qs[2]
	r := te.do("PUT", te.path(te.quizID, q.ID.String(), "approve"), te.u.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	te.sql(`UPDATE quiz SET content_extraction_status = 'completed', llm_generation_status = 'completed' WHERE id = $1`, te.quizID)

	assertMessage(t, te.do("DELETE", te.path(te.quizID, q.ID.String()), te.u.jwt, map[string]any{"rejection_reason": "too_easy"}),
		"Question deleted successfully")
	assertDetail(t, te.do("POST", "/quiz/"+te.quizID+"/export", te.u.jwt, nil), http.StatusBadRequest,
		"Quiz has no approved questions to export")
	assert.Empty(t, te.do("GET", te.path(te.quizID)+"?approved_only=true", te.u.jwt, nil).list())
}
