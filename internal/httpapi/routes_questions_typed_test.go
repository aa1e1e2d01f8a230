package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUpdateQuestionBreakingTheTypeRules: the store normalizes a v1 edit by
// its question type (README, Question types), so a text of spaces only,
// which v1's length check lets through, is a 422 naming the field and
// nothing changes (v1 stored it; it is no question).
func TestUpdateQuestionBreakingTheTypeRules(t *testing.T) {
	t.Parallel()
	qe := newQuestionsEnv(t, 1)
	id := qe.qids[0]
	before := qe.get(t, qe.quizID, id)

	r := qe.do("PUT", qe.path(qe.quizID, id), qe.u.jwt, map[string]any{"question_text": "Fine?", "option_d": "   "})
	fe := oneFieldErr(t, r, "value_error", "body", "option_d")
	assert.Equal(t, "Value error, is required", fe.Msg)
	assert.Equal(t, "   ", fe.Input)
	assert.Equal(t, before, qe.get(t, qe.quizID, id), "nothing changed")

	r = qe.do("PUT", qe.path(qe.quizID, id), qe.u.jwt, map[string]any{"question_text": "  Padded?  "})
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, "Padded?", r.obj()["question_text"], "texts are stored trimmed")
}
