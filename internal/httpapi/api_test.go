package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/auth"
	"quizgen/internal/quiz"
)

func TestAppTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)

	hs := func(secret string, claims jwt.MapClaims) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
		require.NoError(t, err)
		return tok
	}
	none := func(claims jwt.MapClaims) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
		require.NoError(t, err)
		return tok
	}
	valid := jwt.MapClaims{"sub": u.ID.String(), "exp": time.Now().Add(time.Hour).Unix()}
	for name, tc := range map[string]struct {
		header, detail string
	}{
		"missing":        {"", "Not authenticated"},
		"empty bearer":   {"Bearer ", "Not authenticated"},
		"other scheme":   {"Basic dXNlcjpwYXNz", "Invalid authentication credentials"},
		"malformed":      {"Bearer not-a-jwt", "Could not validate credentials"},
		"expired":        {"Bearer " + hs(jwtSecret, jwt.MapClaims{"sub": u.ID.String(), "exp": time.Now().Add(-time.Second).Unix()}), "Could not validate credentials"},
		"wrongly signed": {"Bearer " + hs("another-secret-0123456789abcdef-0123456789", valid), "Could not validate credentials"},
		"alg none":       {"Bearer " + none(valid), "Could not validate credentials"},
		"no sub":         {"Bearer " + hs(jwtSecret, jwt.MapClaims{"exp": time.Now().Add(time.Hour).Unix()}), "Could not validate credentials"},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.do("GET", "/api/v1/users/me", "", nil, "Authorization", tc.header)
			assert.Equal(t, http.StatusUnauthorized, r.Code, r.Body.String())
			assert.Equal(t, tc.detail, r.detail())
			assert.Equal(t, "Bearer", r.Header().Get("WWW-Authenticate"))
		})
	}
	t.Run("valid", func(t *testing.T) {
		r := e.do("GET", "/api/v1/users/me", u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code)
		assert.Equal(t, map[string]any{"name": "Teacher", "onboarding_completed": false}, r.obj())
	})
	t.Run("auth comes before validation", func(t *testing.T) {
		r := e.do("GET", "/api/v1/quiz/not-a-uuid", "", nil)
		assert.Equal(t, http.StatusUnauthorized, r.Code)
		r = e.do("GET", "/api/v1/quiz/not-a-uuid", u.jwt, nil)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Code)
	})
}

func TestLogoutEndsEverySession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	other, err := e.tokens.Issue(u.ID, u.SessionVersion) // a second device
	require.NoError(t, err)

	r := e.do("DELETE", "/api/v1/auth/logout", u.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, "Canvas account disconnected successfully", r.obj()["message"])
	for _, tok := range []string{u.jwt, other} {
		r = e.do("GET", "/api/v1/users/me", tok, nil)
		assert.Equal(t, http.StatusUnauthorized, r.Code, "a token issued before logout")
	}
	// The Canvas token was revoked at Canvas and forgotten here.
	revoked := false
	for _, req := range e.canvas.Requests() {
		if req.Method == "DELETE" && req.Path == "/login/oauth2/token" {
			revoked = true
		}
	}
	assert.True(t, revoked, "logout revokes the Canvas token")
	stored, err := e.store.User(t.Context(), u.ID)
	require.NoError(t, err)
	assert.Empty(t, stored.AccessToken)
	assert.Empty(t, stored.RefreshToken)
}

func TestDeletedUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	q := e.createQuiz(u)
	r := e.do("DELETE", "/api/v1/users/me", u.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code)
	assert.Equal(t, "User deleted successfully", r.obj()["message"])
	r = e.do("GET", "/api/v1/users/me", u.jwt, nil)
	assert.Equal(t, http.StatusNotFound, r.Code)
	assert.Equal(t, "User not found", r.detail())
	_, err := e.store.Quiz(t.Context(), uuid.MustParse(q["id"].(string)))
	assert.ErrorIs(t, err, quiz.ErrNotFound, "the user's quizzes go with them")
}

// login walks the OAuth flow through the fake Canvas the way a browser
// does, and returns the callback's redirect target.
func (e *env) login(t *testing.T, tamper func(callback *url.URL, cookie *http.Cookie)) *url.URL {
	t.Helper()
	r := e.do("GET", "/api/v1/auth/login/canvas", "", nil)
	require.Equal(t, http.StatusTemporaryRedirect, r.Code, r.Body.String())
	authorize, err := url.Parse(r.Header().Get("Location"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(authorize.String(), e.canvas.URL()+"/login/oauth2/auth?client_id=client-id&response_type=code&redirect_uri="))
	cookie := r.Result().Cookies()[0]
	require.Equal(t, "quizgen_oauth_state", cookie.Name)
	assert.True(t, cookie.HttpOnly)

	// The teacher clicks Authorize on the fake's consent page.
	q := authorize.Query()
	q.Set("action", "authorize")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Get(e.canvas.URL() + "/login/oauth2/authorize?" + q.Encode())
	require.NoError(t, err)
	res.Body.Close()
	callback, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	if tamper != nil {
		tamper(callback, cookie)
	}
	var hdr []string
	if cookie != nil {
		hdr = []string{"Cookie", cookie.Name + "=" + cookie.Value}
	}
	r = e.do("GET", "/api/v1/auth/callback/canvas?"+callback.RawQuery, "", nil, hdr...)
	require.Equal(t, http.StatusTemporaryRedirect, r.Code)
	to, err := url.Parse(r.Header().Get("Location"))
	require.NoError(t, err)
	return to
}

func TestOAuthLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	t.Run("success", func(t *testing.T) {
		to := e.login(t, nil)
		require.Equal(t, "/login/success", to.Path, to.String())
		tok := to.Query().Get("token")
		r := e.do("GET", "/api/v1/users/me", tok, nil)
		require.Equal(t, http.StatusOK, r.Code)
		r = e.do("GET", "/api/v1/canvas/courses", tok, nil)
		require.Equal(t, http.StatusOK, r.Code, "the stored Canvas token works: %s", r.Body.String())
	})
	fails := func(t *testing.T, to *url.URL) {
		t.Helper()
		assert.Equal(t, "/login", to.Path)
		assert.Contains(t, to.Query().Get("error"), "Canvas authentication failed: 400:")
	}
	t.Run("state missing", func(t *testing.T) {
		fails(t, e.login(t, func(cb *url.URL, _ *http.Cookie) {
			q := cb.Query()
			q.Del("state")
			cb.RawQuery = q.Encode()
		}))
	})
	t.Run("state forged", func(t *testing.T) {
		fails(t, e.login(t, func(cb *url.URL, _ *http.Cookie) {
			q := cb.Query()
			q.Set("state", strings.Repeat("A", 40)+"."+strings.Repeat("B", 43))
			cb.RawQuery = q.Encode()
		}))
	})
	t.Run("state from another browser", func(t *testing.T) {
		fails(t, e.login(t, func(_ *url.URL, c *http.Cookie) { c.Value = "someone-else" }))
	})
	t.Run("state replayed", func(t *testing.T) {
		var first *url.URL
		var ck http.Cookie
		to := e.login(t, func(cb *url.URL, c *http.Cookie) { u := *cb; first = &u; ck = *c })
		require.Equal(t, "/login/success", to.Path)
		r := e.do("GET", "/api/v1/auth/callback/canvas?"+first.RawQuery, "", nil, "Cookie", ck.Name+"="+ck.Value)
		to, err := url.Parse(r.Header().Get("Location"))
		require.NoError(t, err)
		fails(t, to)
	})
	t.Run("code missing", func(t *testing.T) {
		r := e.do("GET", "/api/v1/auth/callback/canvas", "", nil)
		assert.Equal(t, http.StatusTemporaryRedirect, r.Code)
		assert.Contains(t, r.Header().Get("Location"), "Authorization%20code%20not%20provided")
	})
}

func TestAnotherUsersQuizIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.signIn(teacherID)
	q := e.createQuiz(owner)
	id := q["id"].(string)
	e.sql("UPDATE quiz SET content_extraction_status = 'completed' WHERE id = $1", id)
	qs, err := e.store.AddQuestions(t.Context(), uuid.MustParse(id), []quiz.NewQuestion{{QuestionText: "Q?", OptionA: "a", OptionB: "b", OptionC: "c", OptionD: "d", CorrectAnswer: "A"}})
	require.NoError(t, err)
	qid := qs[0].ID.String()
	before := e.received(e.genURL)

	// Another teacher (Canvas user 777, known to the fake through IssueToken).
	intruder := e.signIn(777)
	for _, rq := range []struct{ method, path string }{
		{"GET", "/api/v1/quiz/" + id},
		{"DELETE", "/api/v1/quiz/" + id},
		{"POST", "/api/v1/quiz/" + id + "/extract-content"},
		{"POST", "/api/v1/quiz/" + id + "/generate-questions"},
		{"GET", "/api/v1/quiz/" + id + "/questions/stats"},
		{"POST", "/api/v1/quiz/" + id + "/export"},
		{"GET", "/api/v1/quiz/" + id + "/questions"},
		{"GET", "/api/v1/quiz/" + id + "/questions/" + qid},
		{"PUT", "/api/v1/quiz/" + id + "/questions/" + qid},
		{"PUT", "/api/v1/quiz/" + id + "/questions/" + qid + "/approve"},
		{"DELETE", "/api/v1/quiz/" + id + "/questions/" + qid},
	} {
		var body any
		if rq.method == "PUT" && !strings.HasSuffix(rq.path, "/approve") {
			body = map[string]any{"question_text": "hijacked"}
		}
		r := e.do(rq.method, rq.path, intruder.jwt, body)
		assert.Equal(t, http.StatusNotFound, r.Code, "%s %s: %s", rq.method, rq.path, r.Body.String())
		assert.Equal(t, "Quiz not found", r.detail(), "%s %s", rq.method, rq.path)
	}
	// Nothing changed.
	got := e.do("GET", "/api/v1/quiz/"+id, owner.jwt, nil).obj()
	assert.Equal(t, "completed", got["content_extraction_status"])
	assert.Equal(t, "pending", got["llm_generation_status"])
	qn, err := e.store.Question(t.Context(), qs[0].ID)
	require.NoError(t, err)
	assert.Equal(t, "Q?", qn.QuestionText)
	assert.False(t, qn.IsApproved)
	assert.Len(t, before, 1, "only the owner's create queued a job")
	assert.Empty(t, e.received(e.genURL), "the intruder queued nothing")
	assert.Empty(t, e.received(e.exportURL))
}

// nopJobs accepts every job without queueing it, for tests of other things.
type nopJobs struct{}

func (nopJobs) PublishJob(_ context.Context, _ quiz.Job) error { return nil }

var _ = auth.ErrInvalidToken
