package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/auth"
	"quizgen/internal/canvas"
	"quizgen/internal/logging"
	"quizgen/internal/quiz"
)

const detailExpiredHead = "Canvas session expired. Please re-login."

// accountWithCanvas is e's API with a Canvas client of its own config
// (scopes, course prefixes) on e's fake Canvas.
func (e *env) accountWithCanvas(t *testing.T, configure func(*canvas.Config)) *env {
	t.Helper()
	log := logging.Discard()
	cfg := canvas.Config{BaseURL: e.canvas.URL(), ClientID: "client-id", ClientSecret: "client-secret",
		RedirectURI: "http://api.test/api/v1/auth/callback/canvas", HTTPClient: &http.Client{Timeout: 10 * time.Second},
		MaxRetries: -1, Log: log}
	configure(&cfg)
	cc, err := canvas.New(cfg)
	require.NoError(t, err)
	return e.withHandler(t, cc, log)
}

// accountLogin signs in through today's routes: the root login, the fake's
// consent for Canvas user userID, the root callback with the state cookie
// the login set for it. It returns where the callback sent the browser.
func accountLogin(t *testing.T, e *env, userID string, withCookie bool) *http.Response {
	t.Helper()
	r := e.do("GET", "/auth/login/canvas", "", nil)
	require.Equal(t, http.StatusTemporaryRedirect, r.Code, r.Body.String())
	authorize, err := url.Parse(r.Header().Get("Location"))
	require.NoError(t, err)
	var cookie *http.Cookie
	for _, c := range r.Result().Cookies() {
		if c.Path == "/auth/callback/canvas" {
			cookie = c
		}
	}
	require.NotNil(t, cookie, "a state cookie for the root callback")

	q := authorize.Query()
	q.Set("action", "authorize")
	q.Set("user_id", userID)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Get(e.canvas.URL() + "/login/oauth2/authorize?" + q.Encode())
	require.NoError(t, err)
	res.Body.Close()
	callback, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	var hdr []string
	if withCookie {
		hdr = []string{"Cookie", cookie.Name + "=" + cookie.Value}
	}
	r = e.do("GET", "/auth/callback/canvas?"+callback.RawQuery, "", nil, hdr...)
	require.Equal(t, http.StatusTemporaryRedirect, r.Code)
	return r.Result()
}

// TestHeadLoginFlow: today's login at the root binds the browser with a
// state cookie for both callbacks, and the root callback sends the
// browser to the frontend's /login/success?token=, the route today's
// frontend reads the token from; the token is the chosen Canvas user's.
func TestHeadLoginFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))

	r := e.do("GET", "/auth/login/canvas", "", nil)
	require.Equal(t, http.StatusTemporaryRedirect, r.Code)
	paths := map[string]string{}
	for _, c := range r.Result().Cookies() {
		assert.Equal(t, "quizgen_oauth_state", c.Name)
		assert.True(t, c.HttpOnly)
		paths[c.Path] = c.Value
	}
	require.Len(t, paths, 2)
	assert.Equal(t, paths["/api/v1/auth/callback/canvas"], paths["/auth/callback/canvas"], "one nonce for both callbacks")

	res := accountLogin(t, e, "12346", true)
	to, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, frontend+"/login/success", to.Scheme+"://"+to.Host+to.Path)
	assert.Equal(t, []string{"token"}, keysOf(to.Query()))
	var cleared bool
	for _, c := range res.Cookies() {
		cleared = cleared || (c.Path == "/auth/callback/canvas" && c.MaxAge < 0)
	}
	assert.True(t, cleared, "the root callback clears its cookie")

	tok := to.Query().Get("token")
	me := e.do("GET", "/users/me", tok, nil)
	require.Equal(t, http.StatusOK, me.Code, me.Body.String())
	assert.Equal(t, []string{"id", "name", "onboarding_completed"}, keysInOrder(t, me.Body.Bytes()))
	assert.Equal(t, "Kari Nordmann", me.obj()["name"])
	assert.Equal(t, false, me.obj()["onboarding_completed"])

	courses := e.do("GET", "/canvas/courses", tok, nil)
	require.Equal(t, http.StatusOK, courses.Code, courses.Body.String())
	assert.Equal(t, []any{
		map[string]any{"id": float64(fakecanvas.CourseAI), "name": "INF-2600 AI Methods and applications"},
		map[string]any{"id": float64(fakecanvas.CourseML), "name": "INF-3600 Machine learning"},
	}, courses.list(), "the second teacher's courses")

	t.Run("without the cookie the root callback refuses", func(t *testing.T) {
		res := accountLogin(t, e, "12345", false)
		loc := res.Header.Get("Location")
		assert.True(t, strings.HasPrefix(loc, frontend+"/login?error="), loc)
		assert.NotContains(t, loc, "token=")
	})
}

func keysOf(v url.Values) []string {
	var out []string
	for k := range v {
		out = append(out, k)
	}
	return out
}

// TestHeadLoginScopes: the root login asks for the configured scopes,
// space-separated in one scope parameter.
func TestHeadLoginScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{})).accountWithCanvas(t, func(c *canvas.Config) {
		c.Scopes = []string{"url:GET|/api/v1/courses", "url:GET|/api/v1/courses/:course_id/modules"}
	})
	for _, path := range []string{"/auth/login/canvas", "/api/v1/auth/login/canvas"} {
		r := e.do("GET", path, "", nil)
		require.Equal(t, http.StatusTemporaryRedirect, r.Code)
		to, err := url.Parse(r.Header().Get("Location"))
		require.NoError(t, err)
		assert.Equal(t, "url:GET|/api/v1/courses url:GET|/api/v1/courses/:course_id/modules", to.Query().Get("scope"), path)
		assert.Contains(t, to.RawQuery, "%20url%3AGET", "%s: space as %%20", path)
	}
}

// TestHeadUsersMe: today's users routes answer UserPublic with the id;
// PATCH validates as v1's; DELETE deletes the user (not anonymised) and
// answers null, as today's client expects nothing.
func TestHeadUsersMe(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)

	r := e.do("PATCH", "/users/me", u.jwt, map[string]any{"name": "Ada", "onboarding_completed": true})
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, map[string]any{"id": u.ID.String(), "name": "Ada", "onboarding_completed": true}, r.obj())
	r = e.do("GET", "/users/me", u.jwt, nil)
	assert.Equal(t, map[string]any{"id": u.ID.String(), "name": "Ada", "onboarding_completed": true}, r.obj())

	r = e.do("PATCH", "/users/me", u.jwt, map[string]any{"onboarding_completed": false})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Code, "name is required")
	oneFieldErr(t, r, "missing", "body", "name")
	r = e.do("PATCH", "/users/me", u.jwt, map[string]any{"name": strings.Repeat("x", 256)})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Code)

	e.createQuiz(u)
	revokes := canvasCalls(e, "DELETE", "/login/oauth2/token")
	r = e.do("DELETE", "/users/me", u.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, "null", strings.TrimSpace(r.Body.String()))
	assert.Equal(t, revokes+1, canvasCalls(e, "DELETE", "/login/oauth2/token"), "the Canvas token is revoked")
	_, err := e.store.User(t.Context(), u.ID)
	require.ErrorIs(t, err, quiz.ErrNotFound, "the user is deleted, not anonymised")
	assertDetail(t, e.do("GET", "/users/me", u.jwt, nil), http.StatusNotFound, "User not found")
}

// TestHeadLogout: DELETE /auth/logout ends every session of the user.
func TestHeadLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	r := e.do("DELETE", "/auth/logout", u.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assertMessage(t, r, "Canvas account disconnected successfully")
	assertDetail(t, e.do("GET", "/users/me", u.jwt, nil), http.StatusUnauthorized, "Could not validate credentials")
}

// TestHeadHealthCheck: the liveness route at the root is public.
func TestHeadHealthCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	r := e.do("GET", "/utils/health-check/", "", nil)
	require.Equal(t, http.StatusOK, r.Code)
	assert.Equal(t, "true", strings.TrimSpace(r.Body.String()))
	assert.Equal(t, http.StatusNotFound, e.do("GET", "/utils/health/db", "", nil).Code, "today's app has no db health route")
	assert.Equal(t, http.StatusNotFound, e.do("POST", "/auth/refresh", "", nil).Code, "nor a refresh route")
}

// TestHeadRoutesNeedAToken: every root route the document marks as
// protected answers 401 {"detail": ...} with a Bearer challenge to a
// missing, malformed or expired app token, before it reads ids or bodies:
// today's frontend sends the user to the login page on a 401.
func TestHeadRoutesNeedAToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	past, err := auth.NewTokens([]byte(jwtSecret), time.Hour, func() time.Time { return time.Now().Add(-2 * time.Hour) })
	require.NoError(t, err)
	expired, err := past.Issue(u.ID, u.SessionVersion)
	require.NoError(t, err)

	doc := accountDoc(t, e, "/openapi.json")
	fill := strings.NewReplacer("{quiz_id}", "nope", "{question_id}", "x", "{course_id}", "abc", "{module_id}", "-1",
		"{file_id}", "x", "{page_url}", "p", "{collaborator_id}", "x", "{invite_id}", "x", "{token}", "t")
	var protected int
	for path, item := range doc["paths"].(map[string]any) {
		for method, raw := range item.(map[string]any) {
			if _, ok := raw.(map[string]any)["security"]; !ok {
				continue
			}
			protected++
			m, p := strings.ToUpper(method), fill.Replace(path)
			for _, tc := range []struct{ header, detail string }{
				{"", "Not authenticated"},
				{"Bearer not-a-jwt", "Could not validate credentials"},
				{"Bearer " + expired, "Could not validate credentials"},
			} {
				var hdr []string
				if tc.header != "" {
					hdr = []string{"Authorization", tc.header}
				}
				r := e.do(m, p, "", `{"broken`, hdr...)
				assertDetail(t, r, http.StatusUnauthorized, tc.detail)
				assert.Equal(t, "Bearer", r.Header().Get("WWW-Authenticate"), "%s %s", m, p)
			}
		}
	}
	assert.GreaterOrEqual(t, protected, 30, "today's 37 routes less the login, the callback, the health check (and the document)")
}

// TestHeadCanvasSessionExpired: on today's routes a refresh token Canvas
// refuses (invalid_grant, 400 or 401) clears the stored tokens and is 401
// in today's words, which sends the teacher to sign in again (today's app
// answered 503 until then); Canvas down or unreachable stays 503 and keeps
// the tokens.
func TestHeadCanvasSessionExpired(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)

	for _, status := range []int{0, http.StatusUnauthorized} {
		fresh := e.signIn(teacherID)
		if status == 0 { // a refresh token Canvas does not know: 400 invalid_grant
			bogus, err := e.cipher.Encrypt("mock_refresh_token_unknown")
			require.NoError(t, err)
			e.sql(`UPDATE "user" SET refresh_token = $2 WHERE id = $1`, u.ID, bogus)
		} else {
			e.canvas.Inject(fakecanvas.Fault{Method: "POST", PathPrefix: "/login/oauth2/token", Status: status,
				Body: `{"error":"invalid_grant","error_description":"refresh token revoked"}`, Times: 1})
		}
		e.sql(`UPDATE "user" SET expires_at = now() + interval '1 minute' WHERE id = $1`, u.ID)
		r := e.do("GET", "/canvas/courses", fresh.jwt, nil)
		assertDetail(t, r, http.StatusUnauthorized, detailExpiredHead)
		su, err := e.store.User(t.Context(), u.ID)
		require.NoError(t, err)
		assert.Empty(t, su.AccessToken, "status %d: the tokens are cleared", status)
		assert.Empty(t, su.RefreshToken)
		// The next request does not ask Canvas again: still 401, no loop.
		before := canvasCalls(e, "POST", "/login/oauth2/token")
		assertDetail(t, e.do("GET", "/canvas/courses/"+strconv.Itoa(courseAI)+"/modules", fresh.jwt, nil), http.StatusUnauthorized, detailExpiredHead)
		assert.Equal(t, before, canvasCalls(e, "POST", "/login/oauth2/token"))
	}

	t.Run("v1 keeps its words", func(t *testing.T) {
		v := e.signIn(teacherID)
		e.sql(`UPDATE "user" SET access_token = '', refresh_token = '' WHERE id = $1`, v.ID)
		assertDetail(t, e.do("GET", cpath(), v.jwt, nil), http.StatusUnauthorized, detailExpired)
	})

	t.Run("Canvas down during the refresh is 503 and keeps the tokens", func(t *testing.T) {
		v := e.signIn(teacherID)
		e.sql(`UPDATE "user" SET expires_at = now() + interval '1 minute' WHERE id = $1`, v.ID)
		before, err := e.store.User(t.Context(), v.ID)
		require.NoError(t, err)
		e.canvas.Inject(fakecanvas.Fault{Method: "POST", PathPrefix: "/login/oauth2/token", Status: 503, Times: 1})
		assertDetail(t, e.do("GET", "/canvas/courses", v.jwt, nil), http.StatusServiceUnavailable, detailRefreshDown)
		after, err := e.store.User(t.Context(), v.ID)
		require.NoError(t, err)
		assert.Equal(t, before.RefreshToken, after.RefreshToken)
	})

	t.Run("Canvas unreachable is 503", func(t *testing.T) {
		v := e.signIn(teacherID)
		dead := e.deadCanvas(t)
		assertDetail(t, dead.do("GET", "/canvas/courses", v.jwt, nil), http.StatusServiceUnavailable, detailUnreachable)
		e.sql(`UPDATE "user" SET expires_at = now() + interval '1 minute' WHERE id = $1`, v.ID)
		assertDetail(t, dead.do("GET", "/canvas/courses", v.jwt, nil), http.StatusServiceUnavailable, detailRefreshDown)
	})
}

// TestHeadCoursesPrefixFilter: with course prefixes, GET /canvas/courses
// lists only the taught courses whose name starts with one, on both
// contracts.
func TestHeadCoursesPrefixFilter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{})).accountWithCanvas(t, func(c *canvas.Config) { c.CoursePrefixes = []string{"INF-16", "ALI-"} })
	u := e.signIn(teacherID)
	for _, path := range []string{"/canvas/courses", "/api/v1/canvas/courses"} {
		r := e.do("GET", path, u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		var got []map[string]any
		require.NoError(t, json.Unmarshal(r.Body.Bytes(), &got))
		require.Len(t, got, 1, path)
		assert.Equal(t, float64(fakecanvas.CourseNorwegian), got[0]["id"], path)
	}
}
