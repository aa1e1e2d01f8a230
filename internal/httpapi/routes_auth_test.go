package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/auth"
	"quizgen/internal/quiz"
)

func TestLoginRedirect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	r := e.do("GET", "/api/v1/auth/login/canvas", "", nil)
	require.Equal(t, http.StatusTemporaryRedirect, r.Code, r.Body.String())
	to, err := url.Parse(r.Header().Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, e.canvas.URL()+"/login/oauth2/auth", to.Scheme+"://"+to.Host+to.Path)
	var names []string
	for _, kv := range strings.Split(to.RawQuery, "&") {
		names = append(names, strings.SplitN(kv, "=", 2)[0])
	}
	assert.Equal(t, []string{"client_id", "response_type", "redirect_uri", "state"}, names, "in this order, no scope")
	q := to.Query()
	assert.Equal(t, "client-id", q.Get("client_id"))
	assert.Equal(t, "code", q.Get("response_type"))
	assert.Equal(t, "http://api.test/api/v1/auth/callback/canvas", q.Get("redirect_uri"))
	assert.Contains(t, to.RawQuery, "redirect_uri=http%3A%2F%2Fapi.test%2F", "form-encoded")
	assert.NotEmpty(t, q.Get("state"))

	// Each login gets its own state.
	r2 := e.do("GET", "/api/v1/auth/login/canvas", "", nil)
	to2, err := url.Parse(r2.Header().Get("Location"))
	require.NoError(t, err)
	assert.NotEqual(t, q.Get("state"), to2.Query().Get("state"))
}

func TestOAuthCallbackErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	// loginError asserts a redirect to the frontend's login page and
	// returns the error text it carries.
	loginError := func(t *testing.T, location string) string {
		t.Helper()
		assert.True(t, strings.HasPrefix(location, frontend+"/login?error="), location)
		raw := strings.TrimPrefix(location, frontend+"/login?error=")
		assert.NotContains(t, raw, "+", "spaces are %%20")
		assert.NotContains(t, raw, " ")
		msg, err := url.QueryUnescape(raw)
		require.NoError(t, err)
		return msg
	}

	t.Run("no code", func(t *testing.T) {
		r := e.do("GET", "/api/v1/auth/callback/canvas?state=whatever", "", nil)
		require.Equal(t, http.StatusTemporaryRedirect, r.Code)
		loc := r.Header().Get("Location")
		assert.Equal(t, "Canvas authentication failed: 400: Authorization code not provided", loginError(t, loc))
		assert.Contains(t, loc, "Canvas%20authentication%20failed")
		assert.Contains(t, loc, "Authorization%20code%20not%20provided")
	})

	t.Run("Canvas refuses the code", func(t *testing.T) {
		to := e.login(t, func(cb *url.URL, _ *http.Cookie) {
			q := cb.Query()
			q.Set("code", "mock_auth_code_bogus")
			cb.RawQuery = q.Encode()
		})
		assert.Equal(t, "/login", to.Path)
		msg := to.Query().Get("error")
		assert.True(t, strings.HasPrefix(msg, "Canvas authentication failed: 400: Canvas OAUTH error: "), msg)
		assert.Contains(t, msg, "invalid_grant", "Canvas's answer is shown")
		assert.Contains(t, to.RawQuery, "Canvas%20OAUTH%20error")
		assert.NotContains(t, to.RawQuery, "+")
	})

	t.Run("the user denies access", func(t *testing.T) {
		to := e.login(t, func(cb *url.URL, _ *http.Cookie) {
			q := cb.Query()
			q.Del("code")
			q.Set("error", "access_denied")
			cb.RawQuery = q.Encode()
		})
		assert.Equal(t, "/login", to.Path)
		assert.True(t, strings.HasPrefix(to.Query().Get("error"), "Canvas authentication failed: 400: "), to.String())
	})

	t.Run("the text of ?error= is never shown, only fixed messages", func(t *testing.T) {
		const planted = "Your account is locked, call +1 555 0100 at evil.example"
		for _, tc := range []struct{ error, want string }{
			{"access_denied", "Canvas authentication failed: 400: You declined access to Canvas. Please sign in again and authorize the app."},
			{planted, "Canvas authentication failed: 400: Canvas refused the login. Please sign in again."},
			{"invalid_scope", "Canvas authentication failed: 400: Canvas refused the login. Please sign in again."},
			{"temporarily_unavailable", "Canvas authentication failed: 503: Canvas could not complete the login. Please try again later."},
		} {
			r := e.do("GET", "/api/v1/auth/callback/canvas?error="+url.QueryEscape(tc.error)+"&error_description=evil.example", "", nil)
			require.Equal(t, http.StatusTemporaryRedirect, r.Code)
			msg := loginError(t, r.Header().Get("Location"))
			assert.Equal(t, tc.want, msg, "for ?error=%s", tc.error)
			assert.NotContains(t, r.Header().Get("Location"), "evil.example")
		}
	})

	t.Run("no app token is issued on failure", func(t *testing.T) {
		r := e.do("GET", "/api/v1/auth/callback/canvas?code=x&state=y", "", nil)
		require.Equal(t, http.StatusTemporaryRedirect, r.Code)
		loginError(t, r.Header().Get("Location"))
		assert.NotContains(t, r.Header().Get("Location"), "token=")
	})
}

func TestLogoutRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))

	t.Run("Canvas down during the revocation still logs out", func(t *testing.T) {
		u := e.signIn(teacherID)
		e.canvas.Inject(fakecanvas.Fault{Method: "DELETE", PathPrefix: "/login/oauth2/token", Status: 503, Times: 1})
		r := e.do("DELETE", "/api/v1/auth/logout", u.jwt, nil)
		assertMessage(t, r, "Canvas account disconnected successfully")
		su, err := e.store.User(t.Context(), u.ID)
		require.NoError(t, err)
		assert.Empty(t, su.AccessToken)
		assert.Empty(t, su.RefreshToken)
		assert.Nil(t, su.ExpiresAt)
		assert.Equal(t, http.StatusUnauthorized, e.do("GET", "/api/v1/users/me", u.jwt, nil).Code)
	})

	t.Run("signing in again works, and logout revokes the Canvas token", func(t *testing.T) {
		u := e.signIn(teacherID)
		r := e.do("GET", cpath(), u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		before := canvasCalls(e, "DELETE", "/login/oauth2/token")
		assertMessage(t, e.do("DELETE", "/api/v1/auth/logout", u.jwt, nil), "Canvas account disconnected successfully")
		assert.Equal(t, before+1, canvasCalls(e, "DELETE", "/login/oauth2/token"))
		req, err := http.NewRequestWithContext(t.Context(), "GET", e.canvas.URL()+"/api/v1/courses", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+u.canvasToken)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "Canvas no longer takes the token")
	})
}

func TestRefreshRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	refresh := func() resp { return e.do("POST", "/api/v1/auth/refresh", u.jwt, nil) }
	stored := func(t *testing.T) (string, string, *time.Time) {
		t.Helper()
		su, err := e.store.User(t.Context(), u.ID)
		require.NoError(t, err)
		a, err := e.cipher.DecryptFor(su.AccessToken, auth.Binding{CanvasUserID: su.CanvasID, Column: auth.ColumnAccessToken})
		require.NoError(t, err)
		rf, err := e.cipher.DecryptFor(su.RefreshToken, auth.Binding{CanvasUserID: su.CanvasID, Column: auth.ColumnRefreshToken})
		require.NoError(t, err)
		return a, rf, su.ExpiresAt
	}

	t.Run("success stores the new tokens", func(t *testing.T) {
		a0, r0, _ := stored(t)
		assertMessage(t, refresh(), "Token refreshed successfully")
		a1, r1, exp := stored(t)
		assert.NotEqual(t, a0, a1)
		assert.NotEqual(t, r0, r1, "the rotated refresh token is stored")
		require.NotNil(t, exp)
		assert.WithinDuration(t, time.Now().Add(time.Hour), *exp, 5*time.Minute)
		// r0 was retired by Canvas: a second refresh works only with r1.
		assertMessage(t, refresh(), "Token refreshed successfully")
		e.canvas.ExpireAccessTokens()
		r := e.do("GET", cpath(), u.jwt, nil)
		assert.Equal(t, http.StatusUnauthorized, r.Code, "the refreshed token expired at Canvas too")
		assertMessage(t, refresh(), "Token refreshed successfully")
		r = e.do("GET", cpath(), u.jwt, nil)
		assert.Equal(t, http.StatusOK, r.Code, "the new access token works: %s", r.Body.String())
	})

	t.Run("Canvas down is 503", func(t *testing.T) {
		e.canvas.Inject(fakecanvas.Fault{Method: "POST", PathPrefix: "/login/oauth2/token", Status: 502, Times: 1})
		assertDetail(t, refresh(), http.StatusServiceUnavailable, detailRefreshDown)
	})

	t.Run("Canvas refuses the refresh token", func(t *testing.T) {
		bogus, err := e.cipher.Encrypt("mock_refresh_token_unknown")
		require.NoError(t, err)
		e.sql(`UPDATE "user" SET refresh_token = $2 WHERE id = $1`, u.ID, bogus)
		r := refresh()
		assert.Equal(t, http.StatusBadRequest, r.Code, r.Body.String())
		detail, _ := r.detail().(string)
		assert.Contains(t, detail, "Canvas token refresh error")
		assert.NotContains(t, detail, "mock_refresh_token_unknown", "the token is not echoed")
	})

	t.Run("no refresh token stored", func(t *testing.T) {
		e.sql(`UPDATE "user" SET refresh_token = '' WHERE id = $1`, u.ID)
		assertDetail(t, refresh(), http.StatusUnauthorized, "No refresh token found. Please re-login via /auth/login/canvas")
	})
}

// TestEveryProtectedRouteNeedsAUser: every route but the public ones
// answers 401 with a Bearer challenge without an app token, before it
// looks at ids or bodies, and 404 "User not found" for a deleted user.
func TestEveryProtectedRouteNeedsAUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	public := map[string]bool{"auth-login_canvas": true, "auth-auth_canvas": true, "utils-health_check": true,
		"utils-get_db_health": true, "openapi": true}
	var protected [][2]string
	for _, line := range servedRoutes() {
		f := strings.Fields(line)
		if !public[f[2]] {
			protected = append(protected, [2]string{f[0], f[1]})
		}
	}
	require.Len(t, protected, 23, "27 routes, 4 of them public")
	fill := func(path string, good bool) string {
		ids := []string{"{quiz_id}", "not-a-uuid", "{question_id}", "nope", "{course_id}", "abc", "{module_id}", "-1",
			"{file_id}", "x", "{page_url}", "%20"}
		if good {
			ids = []string{"{quiz_id}", randomUUID, "{question_id}", randomUUID, "{course_id}", "1", "{module_id}", "2",
				"{file_id}", "3", "{page_url}", "p"}
		}
		return strings.NewReplacer(ids...).Replace(path)
	}

	t.Run("no app token", func(t *testing.T) {
		for _, rt := range protected {
			r := e.do(rt[0], fill(rt[1], false), "", `{"broken`)
			assertDetail(t, r, http.StatusUnauthorized, "Not authenticated")
			assert.Equal(t, "Bearer", r.Header().Get("WWW-Authenticate"), "%s %s", rt[0], rt[1])
		}
	})

	t.Run("deleted user", func(t *testing.T) {
		u := e.signIn(teacherID)
		assertMessage(t, e.do("DELETE", "/api/v1/users/me", u.jwt, nil), "User deleted successfully")
		for _, rt := range protected {
			assertDetail(t, e.do(rt[0], fill(rt[1], true), u.jwt, nil), http.StatusNotFound, "User not found")
		}
	})
}

// doBefore sends a request whose context ends after d, as API Gateway's
// and Lambda's deadline ends a request.
func (e *env) doBefore(d time.Duration, method, path, token string) resp {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, method, path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return resp{rec, e.t}
}

// TestSessionEndsFirstWhenCanvasHangs: logout and account deletion end the
// session in the database within the request, whatever Canvas does with
// the revocation (issue 11, finding 1: a Canvas that never answered left
// the session alive and answered 503).
func TestSessionEndsFirstWhenCanvasHangs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	// Canvas holds every revocation far beyond the request's deadline.
	e.canvas.Inject(fakecanvas.Fault{Method: "DELETE", PathPrefix: "/login/oauth2/token", Delay: time.Minute})
	const deadline = 3 * time.Second

	t.Run("logout", func(t *testing.T) {
		u := e.signIn(teacherID)
		r := e.doBefore(deadline, "DELETE", "/api/v1/auth/logout", u.jwt)
		assertMessage(t, r, "Canvas account disconnected successfully")
		su, err := e.store.User(t.Context(), u.ID)
		require.NoError(t, err)
		assert.Equal(t, u.SessionVersion+1, su.SessionVersion, "the session ended")
		assert.Empty(t, su.AccessToken)
		assertDetail(t, e.do("GET", "/api/v1/users/me", u.jwt, nil), http.StatusUnauthorized, "Could not validate credentials")
	})

	t.Run("delete the account", func(t *testing.T) {
		u := e.signIn(teacherID)
		r := e.doBefore(deadline, "DELETE", "/api/v1/users/me", u.jwt)
		assertMessage(t, r, "User deleted successfully")
		_, err := e.store.User(t.Context(), u.ID)
		require.ErrorIs(t, err, quiz.ErrNotFound, "the user is gone")
		assertDetail(t, e.do("GET", "/api/v1/users/me", u.jwt, nil), http.StatusNotFound, "User not found")
	})
	assert.Positive(t, canvasCalls(e, "DELETE", "/login/oauth2/token"), "the revocations were tried")
}

// TestClearedCanvasSessionIsExpired: after a refused refresh cleared the
// stored tokens, routes that need Canvas answer 401 (sign in again) and
// create nothing (issue 11, finding 12: an empty token was taken as valid
// and the quiz's job failed later).
func TestClearedCanvasSessionIsExpired(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	e.sql(`UPDATE "user" SET access_token = '', refresh_token = '', expires_at = NULL WHERE id = $1`, u.ID)
	assertDetail(t, e.do("POST", "/api/v1/quiz/", u.jwt, newQuizBody()), http.StatusUnauthorized, detailExpired)
	assertDetail(t, e.do("GET", cpath(), u.jwt, nil), http.StatusUnauthorized, detailExpired)
	assert.Equal(t, "[]", e.do("GET", "/api/v1/quiz/", u.jwt, nil).Body.String(), "no quiz was created")
}

// TestLoginWritesNoStateRow: starting a login, which anyone can do without
// signing in, writes nothing to the database; the login state is still
// used once (issue 11, finding 12: every GET wrote an oauth_state row).
func TestLoginWritesNoStateRow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	rows := func() int {
		var n int
		require.NoError(t, e.tdb.Conn(t).QueryRow(t.Context(), "SELECT count(*) FROM oauth_state").Scan(&n))
		return n
	}
	for range 20 {
		require.Equal(t, http.StatusTemporaryRedirect, e.do("GET", "/api/v1/auth/login/canvas", "", nil).Code)
	}
	assert.Zero(t, rows(), "no row per login started")

	// A state used once is refused with a fresh code from Canvas too.
	var cb url.URL
	var ck http.Cookie
	to := e.login(t, func(u *url.URL, c *http.Cookie) { cb, ck = *u, *c })
	require.Equal(t, "/login/success", to.Path, to.String())
	assert.Equal(t, 1, rows(), "the used state is remembered until it expires")
	authorize := url.Values{"client_id": {"client-id"}, "response_type": {"code"},
		"redirect_uri": {"http://api.test/api/v1/auth/callback/canvas"}, "state": {cb.Query().Get("state")}, "action": {"authorize"}}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Get(e.canvas.URL() + "/login/oauth2/authorize?" + authorize.Encode())
	require.NoError(t, err)
	res.Body.Close()
	again, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	require.NotEqual(t, cb.Query().Get("code"), again.Query().Get("code"), "a fresh code")
	r := e.do("GET", "/api/v1/auth/callback/canvas?"+again.RawQuery, "", nil, "Cookie", ck.Name+"="+ck.Value)
	require.Equal(t, http.StatusTemporaryRedirect, r.Code)
	back, err := url.Parse(r.Header().Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "/login", back.Path)
	assert.Equal(t, "Canvas authentication failed: 400: Invalid or expired login state. Please sign in again.", back.Query().Get("error"))
}

// TestCanvasTokenBoundToUserAndColumn: a stored Canvas token copied to
// another user's row, or to the other column, does not decrypt there: that
// user's Canvas session is over (401), and nobody acts with a token that
// is not theirs (issue 11, finding 12).
func TestCanvasTokenBoundToUserAndColumn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	owner := e.signIn(teacherID)
	other := e.signIn(777)
	// A refresh rewrites the owner's tokens in the current format.
	assertMessage(t, e.do("POST", "/api/v1/auth/refresh", owner.jwt, nil), "Token refreshed successfully")
	su, err := e.store.User(t.Context(), owner.ID)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, e.do("GET", cpath(), owner.jwt, nil).Code, "the owner's token works")

	e.sql(`UPDATE "user" SET access_token = $2 WHERE id = $1`, other.ID, su.AccessToken)
	assertDetail(t, e.do("GET", cpath(), other.jwt, nil), http.StatusUnauthorized, detailExpired)

	e.sql(`UPDATE "user" SET access_token = refresh_token WHERE id = $1`, owner.ID)
	assertDetail(t, e.do("GET", cpath(), owner.jwt, nil), http.StatusUnauthorized, detailExpired)
}
