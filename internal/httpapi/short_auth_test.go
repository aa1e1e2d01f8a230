package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/auth"
)

// TestFastAuthentication: a route that needs a user answers 401 with a
// Bearer challenge for a missing, malformed, foreign, expired or
// logged-out token, and 404 "User not found" for a deleted user; none of
// them reaches the handler.
func TestFastAuthentication(t *testing.T) {
	t.Parallel()
	a := newFastAPI(t)
	u := a.addUser("Olga")

	past, err := auth.NewTokens([]byte(fastSecret), time.Hour, func() time.Time { return time.Now().Add(-2 * time.Hour) })
	require.NoError(t, err)
	expired, err := past.Issue(u.ID, u.SessionVersion)
	require.NoError(t, err)
	other, err := auth.NewTokens([]byte(strings.Repeat("other-secret-", 4)), time.Hour, time.Now)
	require.NoError(t, err)
	foreign, err := other.Issue(u.ID, u.SessionVersion)
	require.NoError(t, err)
	loggedOut, err := a.tokens.Issue(u.ID, u.SessionVersion-1)
	require.NoError(t, err)
	ghost, err := a.tokens.Issue(uuid.New(), 1)
	require.NoError(t, err)

	for _, c := range []struct {
		name, authorization string
		status              int
		detail              string
	}{
		{"no header", "", http.StatusUnauthorized, "Not authenticated"},
		{"scheme only", "Bearer", http.StatusUnauthorized, "Not authenticated"},
		{"empty token", "Bearer   ", http.StatusUnauthorized, "Not authenticated"},
		{"other scheme", "Basic b2xnYTpzZWNyZXQ=", http.StatusUnauthorized, "Invalid authentication credentials"},
		{"malformed", "Bearer not.a.jwt", http.StatusUnauthorized, "Could not validate credentials"},
		{"another key", "Bearer " + foreign, http.StatusUnauthorized, "Could not validate credentials"},
		{"expired", "Bearer " + expired, http.StatusUnauthorized, "Could not validate credentials"},
		{"issued before logout", "Bearer " + loggedOut, http.StatusUnauthorized, "Could not validate credentials"},
		{"deleted user", "Bearer " + ghost, http.StatusNotFound, "User not found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, path := range []string{"/users/me", "/api/v1/users/me"} {
				r := a.do("PATCH", path, "", `{"name": "Mallory"}`, "Authorization", c.authorization)
				assertDetail(t, r, c.status, c.detail)
				if c.status == http.StatusUnauthorized {
					assert.Equal(t, "Bearer", r.Header().Get("WWW-Authenticate"), path)
				}
			}
		})
	}
	assert.Equal(t, 0, a.store.writes(), "no handler ran")

	r := a.do("GET", "/users/me", u.jwt, "", "Authorization", "bearer "+u.jwt)
	require.Equal(t, http.StatusOK, r.Code, "the scheme is case-insensitive: %s", r.Body.String())
	assert.Equal(t, u.ID.String(), r.obj()["id"])
}

// TestFastAccess: the access rule (README, Sharing) for a representative
// set of routes, decided over the fake store: a stranger gets 404 "Quiz
// not found" and changes nothing; a collaborator gets the same on the
// owner's routes (delete, sharing, v1's routes) and passes on the others;
// the owner passes everywhere. Passing is any answer but that 404 and no
// 5xx. The full matrix over every route is TestAccessMatrix (make test).
func TestFastAccess(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		method, path, body string
		ownerOnly          bool
	}{
		{"GET", "/quiz/{quiz_id}", "", false},
		{"GET", "/quiz/{quiz_id}/questions/stats", "", false},
		{"POST", "/quiz/{quiz_id}/generate-questions", "", false},
		{"GET", "/questions/{quiz_id}", "", false},
		{"PUT", "/questions/{quiz_id}/bulk-approve", `{"question_ids": ["` + randomUUID + `"]}`, false},
		{"DELETE", "/quiz/{quiz_id}", "", true},
		{"GET", "/quiz/{quiz_id}/collaborators", "", true},
		{"GET", "/api/v1/quiz/{quiz_id}", "", true},
		{"GET", "/api/v1/quiz/{quiz_id}/questions/stats", "", true},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			t.Parallel()
			a := newFastAPI(t)
			owner, collab, stranger := a.addUser("Olga"), a.addUser("Carl"), a.addUser("Stina")
			q := a.addQuiz(owner)
			a.share(q, collab)
			path := strings.ReplaceAll(c.path, "{quiz_id}", q.ID.String())
			call := func(u fastUser) resp { return a.do(c.method, path, u.jwt, c.body) }
			refused := func(who string, u fastUser) {
				writes := a.store.writes()
				r := call(u)
				assert.Equal(t, `{"detail":"Quiz not found"}`, r.Body.String(), who)
				assert.Equal(t, http.StatusNotFound, r.Code, who)
				assert.Equal(t, writes, a.store.writes(), "%s changed nothing", who)
				assert.Equal(t, 0, a.quizzes.calls, "%s started nothing", who)
			}
			admitted := func(who string, u fastUser) {
				r := call(u)
				assert.NotEqual(t, `{"detail":"Quiz not found"}`, r.Body.String(), "%s passes the access check", who)
				assert.Less(t, r.Code, 500, "%s: %s", who, r.Body.String())
			}
			refused("stranger", stranger)
			if c.ownerOnly {
				refused("collaborator", collab)
			} else {
				admitted("collaborator", collab)
			}
			admitted("owner", owner)

			other := strings.ReplaceAll(c.path, "{quiz_id}", randomUUID)
			r := a.do(c.method, other, owner.jwt, c.body)
			assert.Equal(t, `{"detail":"Quiz not found"}`, r.Body.String(), "a quiz that does not exist")
		})
	}
}
