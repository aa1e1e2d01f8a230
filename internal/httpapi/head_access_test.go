package httpapi_test

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/httpapi"
)

// accessFixture is a quiz of its owner with one question of each type, a
// collaborator, a removed collaborator, a stranger and an active invite.
type accessFixture struct {
	*env
	owner, collab, removed, stranger user
	quizID, questionID               string
	questionIDs                      []string
	collabRowID, inviteID            string
}

func newAccessFixture(t *testing.T) *accessFixture {
	t.Helper()
	e := newEnv(t, withPublisher(nopJobs{}))
	f := &accessFixture{env: e,
		owner:    e.shareSignIn(teacherID, "Olga Owner"),
		collab:   e.shareSignIn(shareCollabCanvasID, "Carl Collaborator"),
		removed:  e.shareSignIn(24001, "Rita Removed"),
		stranger: e.shareSignIn(shareStrangerCanvasID, "Stina Stranger"),
	}
	f.quizID = e.createQuiz(f.owner)["id"].(string)
	for _, q := range e.addTypedQuestions(f.quizID) {
		f.questionIDs = append(f.questionIDs, q.ID.String())
	}
	f.questionID = f.questionIDs[0]
	inv := e.shareInvite(f.owner, f.quizID, map[string]any{})
	f.inviteID = inv["id"].(string)
	e.shareJoin(f.collab, inv["token"].(string))
	e.shareJoin(f.removed, inv["token"].(string))
	for _, c := range e.shareCollaborators(f.owner, f.quizID)["collaborators"].([]any) {
		c := c.(map[string]any)
		switch c["user_id"] {
		case f.collab.ID.String():
			f.collabRowID = c["id"].(string)
		case f.removed.ID.String():
			assertMessage(t, e.do("DELETE", "/quiz/"+f.quizID+"/collaborators/"+c["id"].(string), f.owner.jwt, nil),
				"Collaborator removed successfully")
		}
	}
	require.NotEmpty(t, f.collabRowID)
	return f
}

// snapshot is every row a call on the quiz could change, as text.
func (f *accessFixture) snapshot() string {
	f.t.Helper()
	var s string
	require.NoError(f.t, f.tdb.Conn(f.t).QueryRow(f.t.Context(), `SELECT concat_ws(E'\n',
		(SELECT string_agg(t::text, E'\n' ORDER BY t.id) FROM quiz t),
		(SELECT string_agg(t::text, E'\n' ORDER BY t.id) FROM question t),
		(SELECT string_agg(t::text, E'\n' ORDER BY t.id) FROM generation_batch t),
		(SELECT string_agg(t::text, E'\n' ORDER BY t.id) FROM quizinvite t),
		(SELECT string_agg(t::text, E'\n' ORDER BY t.id) FROM quizcollaborator t))`).Scan(&s))
	return s
}

// path fills pattern's parameters with the fixture's ids.
func (f *accessFixture) path(pattern string) string {
	return strings.NewReplacer("{quiz_id}", f.quizID, "{question_id}", f.questionID,
		"{collaborator_id}", f.collabRowID, "{invite_id}", f.inviteID).Replace(pattern)
}

// accessRule is what the matrix expects of one route: whether it is the
// owner's only, and the body a caller sends.
type accessRule struct {
	ownerOnly bool
	body      func(f *accessFixture) any
}

func accessBody(v any) func(*accessFixture) any { return func(*accessFixture) any { return v } }

// accessMatrix is every route at the root that names a quiz (docs/compatibility.md,
// Today's contract, with the lead's decision that collaborators may also extract
// and generate): owner-only routes are export, rename, delete and sharing.
var accessMatrix = map[string]accessRule{
	"GET /quiz/{quiz_id}":                                    {},
	"PATCH /quiz/{quiz_id}":                                  {ownerOnly: true, body: accessBody(map[string]any{"title": "Renamed"})},
	"DELETE /quiz/{quiz_id}":                                 {ownerOnly: true},
	"POST /quiz/{quiz_id}/extract-content":                   {},
	"POST /quiz/{quiz_id}/generate-questions":                {},
	"POST /quiz/{quiz_id}/regenerate-batch":                  {body: accessBody(map[string]any{"module_id": "173468", "question_type": "multiple_choice", "count": 1, "difficulty": "medium"})},
	"GET /quiz/{quiz_id}/questions/stats":                    {},
	"POST /quiz/{quiz_id}/export":                            {ownerOnly: true},
	"POST /quiz/{quiz_id}/invites":                           {ownerOnly: true, body: accessBody(map[string]any{"max_uses": 5})},
	"GET /quiz/{quiz_id}/collaborators":                      {ownerOnly: true},
	"DELETE /quiz/{quiz_id}/collaborators/{collaborator_id}": {ownerOnly: true},
	"DELETE /quiz/{quiz_id}/invites/{invite_id}":             {ownerOnly: true},
	"GET /questions/{quiz_id}":                               {},
	"POST /questions/{quiz_id}": {body: func(f *accessFixture) any {
		return map[string]any{"quiz_id": f.quizID, "question_type": "true_false",
			"question_data": map[string]any{"question_text": "Is a stack LIFO?", "correct_answer": true}}
	}},
	"PUT /questions/{quiz_id}/bulk-approve": {body: func(f *accessFixture) any {
		return map[string]any{"question_ids": f.questionIDs[1:3]}
	}},
	"POST /questions/{quiz_id}/bulk-delete": {body: func(f *accessFixture) any {
		return map[string]any{"question_ids": f.questionIDs[3:5], "rejection_reason": "too_easy"}
	}},
	"GET /questions/{quiz_id}/{question_id}":         {},
	"PUT /questions/{quiz_id}/{question_id}":         {body: accessBody(map[string]any{"tags": []string{"checked"}})},
	"DELETE /questions/{quiz_id}/{question_id}":      {body: accessBody(map[string]any{"rejection_reason": "other"})},
	"PUT /questions/{quiz_id}/{question_id}/approve": {},
}

// TestAccessMatrixCoversEveryQuizRoute: every route at the root that names
// a quiz has its row in accessMatrix, and every row is a route, so a new
// route cannot go without its authorization test.
func TestAccessMatrixCoversEveryQuizRoute(t *testing.T) {
	t.Parallel()
	routes := httpapi.RootQuizRoutes()
	for _, r := range routes {
		assert.Contains(t, accessMatrix, r, "route %s has no row in accessMatrix", r)
	}
	for k := range accessMatrix {
		assert.True(t, slices.Contains(routes, k), "accessMatrix row %s is not a route", k)
	}
}

// TestAccessMatrix: for every route at the root that names a quiz, a
// stranger and a removed collaborator get 404 "Quiz not found" and change
// nothing; a collaborator gets the same on the owner's routes (export,
// rename, delete, sharing) and passes the access check on the others; the
// owner passes it everywhere. Passing means any answer but 404 "Quiz not
// found" and no 5xx.
func TestAccessMatrix(t *testing.T) {
	if testing.Short() {
		// Reported as skipped, not as a pass whose every subtest skipped.
		t.Skip("the access matrix needs Postgres through PgBouncer (make test)")
	}
	t.Parallel()
	for _, key := range slices.Sorted(maps.Keys(accessMatrix)) {
		rule := accessMatrix[key]
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			method, pattern, _ := strings.Cut(key, " ")
			f := newAccessFixture(t)
			call := func(u user) resp {
				var body any
				if rule.body != nil {
					body = rule.body(f)
				}
				return f.do(method, f.path(pattern), u.jwt, body)
			}
			refused := func(who string, u user) {
				before := f.snapshot()
				r := call(u)
				assert.Equal(t, http.StatusNotFound, r.Code, "%s: %s", who, r.Body.String())
				assert.Equal(t, `{"detail":"Quiz not found"}`, r.Body.String(), who)
				assert.Equal(t, before, f.snapshot(), "%s changed nothing", who)
			}
			admitted := func(who string, u user) {
				r := call(u)
				assert.NotEqual(t, `{"detail":"Quiz not found"}`, r.Body.String(), "%s passes the access check", who)
				assert.Less(t, r.Code, 500, "%s: %s", who, r.Body.String())
			}
			refused("stranger", f.stranger)
			refused("removed collaborator", f.removed)
			if rule.ownerOnly {
				refused("collaborator", f.collab)
			} else {
				admitted("collaborator", f.collab)
			}
			admitted("owner", f.owner)
		})
	}
}
