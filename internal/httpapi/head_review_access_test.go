package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReviewAccess: the review tools are for the owner and collaborators
// (docs/compatibility.md, Today's contract); a stranger and a removed collaborator get 404
// "Quiz not found" on each and change nothing.
func TestReviewAccess(t *testing.T) {
	t.Parallel()
	te := newTypedEnv(t)
	collab := te.shareSignIn(teacherID+1, "Kari Nordmann")
	stranger := te.shareSignIn(teacherID+2, "Per Hansen")
	te.shareJoin(collab, te.shareInvite(te.u, te.quizID, map[string]any{})["token"].(string))

	tf := map[string]any{"quiz_id": te.quizID, "question_type": "true_false",
		"question_data": map[string]any{"question_text": "Is a stack LIFO?", "correct_answer": true}}
	type call struct {
		method, path string
		body         any
	}
	calls := func() []call {
		return []call{
			{"POST", te.path(te.quizID), tf},
			{"DELETE", te.path(te.quizID, te.qs[0].ID.String()), map[string]any{"rejection_reason": "other"}},
			{"PUT", te.path(te.quizID, "bulk-approve"), map[string]any{"question_ids": reviewIDs(te.qs[1])}},
			{"POST", te.path(te.quizID, "bulk-delete"), map[string]any{"question_ids": reviewIDs(te.qs[2])}},
		}
	}
	live := func() []string { return ids(t, te.do("GET", te.path(te.quizID), te.u.jwt, nil)) }
	before := live()

	for _, c := range calls() {
		assertDetail(t, te.do(c.method, c.path, stranger.jwt, c.body), http.StatusNotFound, "Quiz not found")
	}
	assert.Equal(t, before, live(), "a stranger changed nothing")

	for _, c := range calls() {
		r := te.do(c.method, c.path, collab.jwt, c.body)
		assert.Equal(t, http.StatusOK, r.Code, "%s %s: %s", c.method, c.path, r.Body.String())
	}
	assert.Len(t, live(), len(before)-2+1, "the collaborator added one and deleted two")

	list := te.shareCollaborators(te.u, te.quizID)["collaborators"].([]any)
	require.Len(t, list, 1)
	r := te.do("DELETE", "/quiz/"+te.quizID+"/collaborators/"+list[0].(map[string]any)["id"].(string), te.u.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	after := live()
	for _, c := range calls() {
		assertDetail(t, te.do(c.method, c.path, collab.jwt, c.body), http.StatusNotFound, "Quiz not found")
	}
	assert.Equal(t, after, live(), "a removed collaborator changed nothing")
}
