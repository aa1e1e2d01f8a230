package canvas_test

import (
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/canvas"
	"quizgen/internal/logging"
)

// TestSecretsNeverLeak runs failing calls of every kind with recognisable
// secrets and checks that none reaches an error string or a log line.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	const (
		token    = "SECRET-TOKEN-123"
		refresh  = "SECRET-REFRESH-123"
		code     = "SECRET-CODE-123"
		secret   = "SECRET-CLIENT-456"
		verifier = "SECRET-VERIFIER-789"
	)
	secrets := []string{token, refresh, code, secret, verifier}
	dead := "http://" + closedAddr(t)

	e := setup(t, func(c *canvas.Config) { c.ClientSecret = secret })
	ctx := t.Context()
	var errs []error
	check := func(err error) {
		t.Helper()
		require.Error(t, err)
		errs = append(errs, err)
	}

	// An unknown token: 401.
	_, err := e.client.Courses(ctx, token)
	check(err)
	// Canvas echoing the token in a 5xx body, retried until it gives up.
	e.srv.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses/37823/modules", Status: http.StatusBadGateway,
		Body: `{"message":"bad token ` + token + `"}`})
	_, err = e.client.Modules(ctx, token, fakecanvas.CourseAI)
	check(err)
	// ...and in a 400 body.
	e.srv.Inject(fakecanvas.Fault{PathPrefix: "/api/quiz/", Status: http.StatusBadRequest,
		Body: `{"errors":[{"message":"token ` + token + ` may not do that"}]}`})
	_, err = e.client.CreateQuiz(ctx, token, fakecanvas.CourseAI, canvas.NewQuiz{Title: "Q"})
	check(err)
	var ce *canvas.Error
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, ce.Body, "[REDACTED]")

	// The token endpoint refusing and echoing what it got.
	e.srv.Inject(fakecanvas.Fault{Method: http.MethodPost, PathPrefix: "/login/oauth2/token", Status: http.StatusBadRequest, Times: 1,
		Body: `{"error":"invalid_grant","error_description":"unknown ` + refresh + ` for client secret ` + secret + `"}`})
	_, err = e.client.RefreshToken(ctx, refresh)
	check(err)
	var oe *canvas.OAuthError
	require.ErrorAs(t, err, &oe)
	assert.Contains(t, oe.Body, "[REDACTED]")
	e.srv.Inject(fakecanvas.Fault{Method: http.MethodPost, PathPrefix: "/login/oauth2/token", Status: http.StatusUnauthorized, Times: 1,
		Body: `{"error":"invalid_client","error_description":"code ` + code + `, secret ` + secret + `"}`})
	_, err = e.client.ExchangeCode(ctx, code)
	check(err)
	// A refresh token the fake does not know.
	_, err = e.client.RefreshToken(ctx, refresh)
	check(err)
	require.NoError(t, e.client.Revoke(ctx, e.token))
	check(e.client.Revoke(ctx, token))

	// Downloads whose URL carries the verifier: refused, unreachable, cut.
	_, err = e.client.Download(ctx, e.srv.URL()+"/files/3615155/download?download_frd=1&verifier="+verifier, 1<<20)
	check(err)
	_, err = e.client.Download(ctx, dead+"/files/3615155/download?download_frd=1&verifier="+verifier, 1<<20)
	check(err)
	e.srv.Inject(fakecanvas.Fault{PathPrefix: "/files/", Truncate: true, Status: http.StatusOK, Body: "%PDF-1.4 " + verifier})
	_, err = e.client.Download(ctx, e.srv.URL()+"/files/3615155/download?verifier="+verifier, 1<<20)
	check(err)
	// The API itself unreachable.
	deadClient, err := canvas.New(canvas.Config{BaseURL: dead, HTTPClient: &http.Client{}, ClientID: "id",
		ClientSecret: secret, MaxRetries: -1, Log: logging.New(e.logs, slog.LevelDebug)})
	require.NoError(t, err)
	_, err = deadClient.Courses(ctx, token)
	check(err)
	_, err = deadClient.RefreshToken(ctx, refresh)
	check(err)

	logs := e.logs.String()
	require.Contains(t, logs, `"msg":"canvas request"`, "debug logging was on")
	for _, err := range errs {
		for _, s := range secrets {
			assert.NotContains(t, err.Error(), s, "error %q", err)
		}
	}
	for _, s := range secrets {
		assert.NotContains(t, logs, s)
	}
}
