package fakecanvas_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
)

// call sends a request to the fake and returns the answer with its body.
func call(t *testing.T, method, u, token string, body io.Reader, contentType string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, u, body)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	hc := &http.Client{
		Timeout:       5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, data
}

func get(t *testing.T, u, token string) (*http.Response, []byte) {
	t.Helper()
	return call(t, http.MethodGet, u, token, nil, "")
}

func postForm(t *testing.T, u string, form url.Values) (*http.Response, map[string]any) {
	t.Helper()
	resp, body := call(t, http.MethodPost, u, "", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m), string(body))
	return resp, m
}

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestRootAndHealth(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	resp, body := get(t, srv.URL()+"/", "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, `{"message":"Fake Canvas LMS Server","version":"1.0.0"}`, string(body))

	srv.IssueToken(fakecanvas.UserID)
	resp, body = get(t, srv.URL()+"/health", "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	var h map[string]any
	require.NoError(t, json.Unmarshal(body, &h))
	assert.Equal(t, "healthy", h["status"])
	assert.InDelta(t, 1, h["active_tokens"], 0)
}

func TestOAuthFlow(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	srv := fakecanvas.NewTest(t, fakecanvas.Options{ClientID: "cid", ClientSecret: "csecret", Clock: clk.Now})
	redirect := "http://localhost:8000/api/v1/auth/callback/canvas"
	auth := url.Values{"client_id": {"cid"}, "redirect_uri": {redirect}, "response_type": {"code"}, "state": {"st<&>"}}

	// The consent page shows the request and links both ways.
	resp, page := get(t, srv.URL()+"/login/oauth2/auth?"+auth.Encode(), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	assert.Contains(t, string(page), "st&lt;&amp;&gt;", "parameters are HTML-escaped")
	assert.Contains(t, string(page), "action=authorize")
	assert.Contains(t, string(page), "action=deny")

	for _, bad := range []url.Values{
		{"client_id": {"cid"}, "redirect_uri": {redirect}},
		{"client_id": {"cid"}, "redirect_uri": {redirect}, "response_type": {"token"}},
		{"client_id": {"other"}, "redirect_uri": {redirect}, "response_type": {"code"}},
	} {
		resp, _ := get(t, srv.URL()+"/login/oauth2/auth?"+bad.Encode(), "")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, bad.Encode())
	}

	// Deny.
	deny := url.Values{}
	for k, v := range auth {
		deny[k] = v
	}
	deny.Set("action", "deny")
	resp, _ = get(t, srv.URL()+"/login/oauth2/authorize?"+deny.Encode(), "")
	require.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "access_denied", loc.Query().Get("error"))
	assert.Equal(t, "The user denied the request", loc.Query().Get("error_description"))
	assert.Equal(t, "st<&>", loc.Query().Get("state"))

	deny.Set("action", "maybe")
	resp, _ = get(t, srv.URL()+"/login/oauth2/authorize?"+deny.Encode(), "")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	// Authorize, then exchange the code.
	code := func() string {
		q := url.Values{}
		for k, v := range auth {
			q[k] = v
		}
		q.Set("action", "authorize")
		resp, _ := get(t, srv.URL()+"/login/oauth2/authorize?"+q.Encode(), "")
		require.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
		loc, err := url.Parse(resp.Header.Get("Location"))
		require.NoError(t, err)
		assert.Equal(t, "localhost:8000", loc.Host)
		assert.Equal(t, "st<&>", loc.Query().Get("state"))
		c := loc.Query().Get("code")
		require.True(t, strings.HasPrefix(c, "mock_auth_code_"), c)
		return c
	}
	exchange := func(c, redirectURI, secret string) (*http.Response, map[string]any) {
		return postForm(t, srv.URL()+"/login/oauth2/token", url.Values{
			"grant_type": {"authorization_code"}, "client_id": {"cid"}, "client_secret": {secret},
			"redirect_uri": {redirectURI}, "code": {c},
		})
	}

	c := code()
	resp, m := exchange(c, redirect, "wrong")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "client secret checked")
	resp, m = exchange(c, "http://elsewhere/cb", "csecret")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "redirect_uri must match")
	resp, m = exchange(c, redirect, "csecret")
	require.Equal(t, http.StatusOK, resp.StatusCode, m)
	assert.Equal(t, "Bearer", m["token_type"])
	assert.InDelta(t, 3600, m["expires_in"], 0)
	assert.Equal(t, map[string]any{"id": float64(fakecanvas.UserID), "name": "Marius Solaas"}, m["user"])
	access := m["access_token"].(string)
	assert.True(t, strings.HasPrefix(access, "mock_access_token_"))

	resp, m = exchange(c, redirect, "csecret")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "a code works once")
	assert.Equal(t, "Invalid authorization code", m["error_description"])

	c = code()
	clk.Add(11 * time.Minute)
	resp, m = exchange(c, redirect, "csecret")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, "Authorization code expired", m["error_description"])

	// The access token works until it expires.
	resp, _ = get(t, srv.URL()+"/api/v1/users/self/profile", access)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "issued 11 minutes ago, valid for an hour")
	clk.Add(time.Hour)
	resp, body := get(t, srv.URL()+"/api/v1/users/self/profile", access)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, string(body), "Access token expired")
}

func TestTokenGrantErrors(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	tests := []struct {
		form url.Values
		want string
	}{
		{url.Values{"client_id": {"c"}, "client_secret": {"s"}}, "grant_type, client_id and client_secret are required"},
		{url.Values{"grant_type": {"password"}, "client_id": {"c"}, "client_secret": {"s"}}, "Invalid grant_type"},
		{url.Values{"grant_type": {"authorization_code"}, "client_id": {"c"}, "client_secret": {"s"}, "code": {"x"}}, "Missing code or redirect_uri"},
		{url.Values{"grant_type": {"authorization_code"}, "client_id": {"c"}, "client_secret": {"s"}, "code": {"x"}, "redirect_uri": {"http://a/"}}, "Invalid authorization code"},
		{url.Values{"grant_type": {"refresh_token"}, "client_id": {"c"}, "client_secret": {"s"}}, "Missing refresh_token"},
		{url.Values{"grant_type": {"refresh_token"}, "client_id": {"c"}, "client_secret": {"s"}, "refresh_token": {"nope"}}, "Invalid refresh token"},
	}
	for _, tt := range tests {
		resp, m := postForm(t, srv.URL()+"/login/oauth2/token", tt.form)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, tt.want)
		assert.Equal(t, tt.want, m["error_description"])
	}
}

func TestRefreshRotatesAndRevokeDeletes(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	srv := fakecanvas.NewTest(t, fakecanvas.Options{Clock: clk.Now, RefreshTTL: 48 * time.Hour})
	access, refresh := srv.IssueToken(fakecanvas.UserID)
	grant := func(rt string) (*http.Response, map[string]any) {
		return postForm(t, srv.URL()+"/login/oauth2/token", url.Values{
			"grant_type": {"refresh_token"}, "client_id": {"any"}, "client_secret": {"any"}, "refresh_token": {rt},
		})
	}
	resp, m := grant(refresh)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	newRefresh := m["refresh_token"].(string)
	newAccess := m["access_token"].(string)
	assert.NotEqual(t, refresh, newRefresh)

	resp, m = grant(refresh)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "the old refresh token is gone")
	assert.Equal(t, "Invalid refresh token", m["error_description"])

	resp, _ = get(t, srv.URL()+"/api/v1/courses", access)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the old access token lives until it expires")

	// Revoke by header deletes the access token and its refresh token.
	resp, body := call(t, http.MethodDelete, srv.URL()+"/login/oauth2/token", newAccess, nil, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, `{}`, string(body))
	resp, _ = get(t, srv.URL()+"/api/v1/courses", newAccess)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp, _ = grant(newRefresh)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	// Revoke by form field; unknown and missing tokens.
	resp, _ = call(t, http.MethodDelete, srv.URL()+"/login/oauth2/token", "", strings.NewReader("access_token="+access), "application/x-www-form-urlencoded")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = call(t, http.MethodDelete, srv.URL()+"/login/oauth2/token", access, nil, "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp, _ = call(t, http.MethodDelete, srv.URL()+"/login/oauth2/token", "", nil, "")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	// Refresh tokens expire too.
	_, refresh = srv.IssueToken(fakecanvas.UserID)
	clk.Add(49 * time.Hour)
	_, m = grant(refresh)
	assert.Equal(t, "Refresh token expired", m["error_description"])
}

func TestEveryAPIRouteChecksTheToken(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{StaticTokens: map[string]int64{"static-dev-token": fakecanvas.UserID}})
	access, _ := srv.IssueToken(fakecanvas.UserID)
	routes := []struct{ method, path string }{
		{http.MethodGet, "/api/v1/users/self/profile"},
		{http.MethodGet, "/api/v1/users/12345/profile"},
		{http.MethodGet, "/api/v1/courses"},
		{http.MethodGet, "/api/v1/courses/37823/modules"},
		{http.MethodGet, "/api/v1/courses/37823/modules/173469/items"},
		{http.MethodGet, "/api/v1/courses/37823/pages/csp"},
		{http.MethodGet, "/api/v1/courses/37823/files/3615155"},
		{http.MethodPost, "/api/quiz/v1/courses/37823/quizzes"},
		{http.MethodGet, "/api/quiz/v1/courses/37823/quizzes/10000"},
		{http.MethodPost, "/api/quiz/v1/courses/37823/quizzes/10000/items"},
		{http.MethodGet, "/api/quiz/v1/courses/37823/quizzes/10000/items"},
	}
	send := func(method, path, header string) (int, string) {
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL()+path, strings.NewReader(`{}`))
		require.NoError(t, err)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, r := range routes {
		for header, want := range map[string]string{
			"":                        "Authorization header required",
			"Basic dXNlcjpwYXNz":      "Invalid authorization header",
			"Bearer":                  "Invalid authorization header",
			"Bearer not-a-real-token": "Invalid access token",
		} {
			status, body := send(r.method, r.path, header)
			assert.Equal(t, http.StatusUnauthorized, status, "%s %s with %q", r.method, r.path, header)
			assert.Contains(t, body, want, "%s %s with %q", r.method, r.path, header)
		}
		status, _ := send(r.method, r.path, "Bearer static-dev-token")
		assert.NotEqual(t, http.StatusUnauthorized, status, "static token on %s %s", r.method, r.path)
	}
	srv.ExpireAccessTokens()
	for _, r := range routes {
		status, body := send(r.method, r.path, "Bearer "+access)
		assert.Equal(t, http.StatusUnauthorized, status, "%s %s", r.method, r.path)
		assert.Contains(t, body, "Access token expired")
		status, _ = send(r.method, r.path, "bearer static-dev-token")
		assert.NotEqual(t, http.StatusUnauthorized, status, "static tokens never expire")
	}
}

func TestProfile(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	tok, _ := srv.IssueToken(fakecanvas.UserID)
	resp, body := get(t, srv.URL()+"/api/v1/users/self/profile", tok)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var p map[string]any
	require.NoError(t, json.Unmarshal(body, &p))
	assert.InDelta(t, fakecanvas.UserID, p["id"], 0)
	assert.Equal(t, "Marius Solaas", p["name"])
	assert.Equal(t, "jteacher", p["login_id"])
	assert.Equal(t, "marius.solaas@example.com", p["primary_email"])

	resp, _ = get(t, srv.URL()+"/api/v1/users/999/profile", tok)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	other, _ := srv.IssueToken(777)
	resp, body = get(t, srv.URL()+"/api/v1/users/self/profile", other)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"id":777`)
}
