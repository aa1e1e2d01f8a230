package canvas_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/canvas"
	"quizgen/internal/logging"
)

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	hc := &http.Client{}
	tests := []struct {
		name string
		cfg  canvas.Config
		ok   bool
	}{
		{"minimal", canvas.Config{BaseURL: "https://canvas.example", HTTPClient: hc}, true},
		{"separate API URL", canvas.Config{BaseURL: "http://localhost:8001", APIURL: "http://canvas-mock:8001", HTTPClient: hc}, true},
		{"no base URL", canvas.Config{HTTPClient: hc}, false},
		{"relative base URL", canvas.Config{BaseURL: "/canvas", HTTPClient: hc}, false},
		{"ftp base URL", canvas.Config{BaseURL: "ftp://canvas.example", HTTPClient: hc}, false},
		{"base URL with query", canvas.Config{BaseURL: "https://canvas.example?x=1", HTTPClient: hc}, false},
		{"bad API URL", canvas.Config{BaseURL: "https://canvas.example", APIURL: "canvas-mock:8001", HTTPClient: hc}, false},
		{"bad redirect URI", canvas.Config{BaseURL: "https://canvas.example", RedirectURI: "/callback", HTTPClient: hc}, false},
		{"no HTTP client", canvas.Config{BaseURL: "https://canvas.example"}, false},
		{"per page too large", canvas.Config{BaseURL: "https://canvas.example", HTTPClient: hc, PerPage: 101}, false},
		{"negative timeout", canvas.Config{BaseURL: "https://canvas.example", HTTPClient: hc, Timeout: -time.Second}, false},
		{"negative retries disable them", canvas.Config{BaseURL: "https://canvas.example", HTTPClient: hc, MaxRetries: -1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := canvas.New(tt.cfg)
			if tt.ok {
				require.NoError(t, err)
				assert.NotNil(t, c)
			} else {
				require.Error(t, err)
				assert.Nil(t, c)
			}
		})
	}
}

func TestAuthorizeURL(t *testing.T) {
	t.Parallel()
	c, err := canvas.New(canvas.Config{
		BaseURL: "http://localhost:8001/", APIURL: "http://canvas-mock:8001",
		ClientID: "10000000000001", RedirectURI: "http://localhost:8000/api/v1/auth/callback/canvas",
		HTTPClient: &http.Client{},
	})
	require.NoError(t, err)
	assert.Equal(t,
		"http://localhost:8001/login/oauth2/auth?client_id=10000000000001&response_type=code"+
			"&redirect_uri=http%3A%2F%2Flocalhost%3A8000%2Fapi%2Fv1%2Fauth%2Fcallback%2Fcanvas&state=a+b%2Fc",
		c.AuthorizeURL("a b/c"))
}

// noRedirect is an HTTP client that stops at redirects, like a test of the
// browser's side of the flow.
func noRedirect() *http.Client {
	return &http.Client{
		Timeout:       5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// authorize walks the browser part of the flow against the fake and
// returns the code and state it redirected back with.
func authorize(t *testing.T, e *env, state string) (code, gotState string) {
	t.Helper()
	hc := noRedirect()
	resp, err := hc.Get(e.client.AuthorizeURL(state))
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(page))
	require.Contains(t, string(page), "Authorize")

	q := url.Values{
		"client_id": {testClientID}, "redirect_uri": {testRedirect}, "response_type": {"code"},
		"state": {state}, "action": {"authorize"},
	}
	resp, err = hc.Get(e.srv.URL() + "/login/oauth2/authorize?" + q.Encode())
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	return loc.Query().Get("code"), loc.Query().Get("state")
}

func TestExchangeCode(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	code, state := authorize(t, e, "state-123")
	require.NotEmpty(t, code)
	assert.Equal(t, "state-123", state)

	tok, err := e.client.ExchangeCode(ctx, code)
	require.NoError(t, err)
	assert.NotEmpty(t, tok.AccessToken)
	assert.NotEmpty(t, tok.RefreshToken)
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.Equal(t, int64(3600), tok.ExpiresIn)
	require.NotNil(t, tok.User)
	assert.Equal(t, canvas.User{ID: fakecanvas.UserID, Name: "Marius Solaas"}, *tok.User)

	courses, err := e.client.Courses(ctx, tok.AccessToken)
	require.NoError(t, err)
	assert.Len(t, courses, 3)

	// A code works once.
	_, err = e.client.ExchangeCode(ctx, code)
	require.ErrorIs(t, err, canvas.ErrOAuth)
	var oe *canvas.OAuthError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, http.StatusBadRequest, oe.Status)
	assert.Contains(t, oe.Body, "invalid_grant")
	assert.NotContains(t, err.Error(), code, "the code is redacted")
	assert.Equal(t, 2, e.count(http.MethodPost, "/login/oauth2/token"), "one POST per exchange: a refused code is not retried")
}

func TestExchangeCodeValidatesTheAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		exchange   bool
	}{
		{"code: no access token", `{"refresh_token":"r","user":{"id":1}}`, true},
		{"code: no user", `{"access_token":"a","refresh_token":"r"}`, true},
		{"code: user without id", `{"access_token":"a","user":{"name":"x"}}`, true},
		{"code: not an object", `["a"]`, true},
		{"refresh: no access token", `{"token_type":"Bearer"}`, false},
		{"refresh: not JSON", `<html>oops</html>`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.srv.Inject(fakecanvas.Fault{Method: http.MethodPost, PathPrefix: "/login/oauth2/token", Status: http.StatusOK, Body: tt.body})
			var err error
			if tt.exchange {
				_, err = e.client.ExchangeCode(t.Context(), "some-code")
			} else {
				_, err = e.client.RefreshToken(t.Context(), e.refresh)
			}
			require.ErrorIs(t, err, canvas.ErrBadResponse)
		})
	}
}

func TestExchangeCodeAcceptsStringUserID(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.srv.Inject(fakecanvas.Fault{Method: http.MethodPost, PathPrefix: "/login/oauth2/token", Status: http.StatusOK,
		Body: `{"access_token":"a","refresh_token":"r","expires_in":3599.0,"user":{"id":"123","name":"N"}}`})
	tok, err := e.client.ExchangeCode(t.Context(), "code")
	require.NoError(t, err)
	assert.Equal(t, &canvas.User{ID: 123, Name: "N"}, tok.User)
	assert.Equal(t, int64(3599), tok.ExpiresIn)
}

func TestRefreshTokenRotates(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()

	tok, err := e.client.RefreshToken(ctx, e.refresh)
	require.NoError(t, err)
	require.NotEmpty(t, tok.RefreshToken)
	assert.NotEqual(t, e.refresh, tok.RefreshToken, "the refresh token rotates")
	assert.NotEqual(t, e.token, tok.AccessToken)

	_, err = e.client.Courses(ctx, tok.AccessToken)
	require.NoError(t, err, "the new access token works")

	again, err := e.client.RefreshToken(ctx, tok.RefreshToken)
	require.NoError(t, err, "the new refresh token works")
	assert.NotEmpty(t, again.AccessToken)

	_, err = e.client.RefreshToken(ctx, e.refresh)
	require.ErrorIs(t, err, canvas.ErrOAuth, "the old refresh token is refused")
	var oe *canvas.OAuthError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, http.StatusBadRequest, oe.Status)
	assert.NotContains(t, err.Error(), e.refresh)
}

func TestOAuthNeedsClientCredentials(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *canvas.Config) { c.ClientSecret = "" })
	_, err := e.client.RefreshToken(t.Context(), e.refresh)
	require.Error(t, err)
	e2 := setup(t, func(c *canvas.Config) { c.RedirectURI = "" })
	_, err = e2.client.ExchangeCode(t.Context(), "code")
	require.Error(t, err)
	assert.Zero(t, e.count(http.MethodPost, "/login/oauth2/token")+e2.count(http.MethodPost, "/login/oauth2/token"))
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	require.NoError(t, e.client.Revoke(ctx, e.token))

	_, err := e.client.Courses(ctx, e.token)
	require.ErrorIs(t, err, canvas.ErrUnauthorized)
	_, err = e.client.RefreshToken(ctx, e.refresh)
	require.ErrorIs(t, err, canvas.ErrOAuth, "revoking the access token also revokes its refresh token")

	err = e.client.Revoke(ctx, e.token)
	require.ErrorIs(t, err, canvas.ErrUnauthorized)
}

func TestExpiredTokenIsUnauthorized(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.srv.ExpireAccessTokens()
	_, err := e.client.Modules(t.Context(), e.token, fakecanvas.CourseAI)
	require.ErrorIs(t, err, canvas.ErrUnauthorized)
	var ce *canvas.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, http.StatusUnauthorized, ce.Status)
	assert.Contains(t, ce.Body, "Access token expired")
	assert.False(t, errors.Is(err, canvas.ErrForbidden))
	assert.Equal(t, "canvas: GET /api/v1/courses/37823/modules: 401: canvas: access token invalid", err.Error())
}

func TestDiscardLoggerByDefault(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{Log: logging.Discard()})
	c, err := canvas.New(canvas.Config{BaseURL: srv.URL(), HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	require.NoError(t, err)
	tok, _ := srv.IssueToken(fakecanvas.UserID)
	_, err = c.Courses(t.Context(), tok)
	require.NoError(t, err)
}
