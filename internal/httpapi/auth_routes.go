package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"quizgen/internal/auth"
	"quizgen/internal/canvas"
	"quizgen/internal/quiz"
)

// loginCanvas starts the OAuth login: a signed, short-lived state whose
// nonce also goes into a cookie, then 307 to Canvas (README Security). Nothing is
// stored: anyone may start a login without signing in, so it must cost no
// database row. The callback makes the state single-use (finishLogin).
func (s *Server) loginCanvas(c *call) error {
	state, nonce, err := s.States.New()
	if err != nil {
		return err
	}
	// Bind the login to this browser: the callback must come back with the
	// cookie, so a callback URL planted by someone else (login CSRF) fails.
	// CANVAS_REDIRECT_URI names v1's callback or the root one, and either
	// login may send the browser to it: the cookie goes to both.
	for _, path := range []string{callbackPath, rootCallbackPath} {
		http.SetCookie(c.w, &http.Cookie{Name: stateCookie, Value: nonce, Path: path,
			MaxAge: int(s.cfg.OAuthStateTTL.Seconds()), HttpOnly: true, Secure: isHTTPS(c.r), SameSite: http.SameSiteLaxMode})
	}
	s.Log.InfoContext(c.ctx, "canvas_oauth_initiated")
	http.Redirect(c.w, c.r, s.Canvas.AuthorizeURL(state), http.StatusTemporaryRedirect)
	return nil
}

const (
	stateCookie  = "quizgen_oauth_state"
	callbackPath = "/api/v1/auth/callback/canvas"
	// rootCallbackPath is today's callback at the root.
	rootCallbackPath = "/auth/callback/canvas"
)

// isHTTPS reports whether the browser reached us over TLS (directly or
// through API Gateway / a proxy that says so).
func isHTTPS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// callbackError is a failure of the OAuth callback, shown to the user on
// the frontend's login page as "<status>: <detail>" (docs/compatibility.md, Routes and errors).
type callbackError struct {
	status int
	detail string
	err    error
}

func (e *callbackError) Error() string { return fmt.Sprintf("%d: %s", e.status, e.detail) }
func (e *callbackError) Unwrap() error { return e.err }

// authCanvas is the OAuth callback. It always answers 307: to the
// frontend's /login/success?token=<app token>, or to /login?error=...
func (s *Server) authCanvas(c *call) error {
	http.SetCookie(c.w, &http.Cookie{Name: stateCookie, Value: "", Path: c.rt.pattern, MaxAge: -1,
		HttpOnly: true, Secure: isHTTPS(c.r), SameSite: http.SameSiteLaxMode})
	token, err := s.finishLogin(c)
	if err != nil {
		s.Log.WarnContext(c.ctx, "canvas_oauth_failed", "err", err)
		msg := "Canvas authentication failed: " + err.Error()
		var ce *callbackError
		if !errors.As(err, &ce) {
			msg = "Canvas authentication failed: 500: Internal error"
		}
		http.Redirect(c.w, c.r, s.cfg.FrontendHost+"/login?error="+queryEscape(msg), http.StatusTemporaryRedirect)
		return nil
	}
	http.Redirect(c.w, c.r, s.cfg.FrontendHost+"/login/success?token="+token, http.StatusTemporaryRedirect)
	return nil
}

func (s *Server) finishLogin(c *call) (string, error) {
	q := c.r.URL.Query()
	if e := q.Get("error"); e != "" {
		return "", oauthRefusal(e)
	}
	code := q.Get("code")
	if code == "" {
		return "", &callbackError{http.StatusBadRequest, "Authorization code not provided", nil}
	}
	nonce, err := s.States.Verify(q.Get("state"))
	if err == nil {
		if ck, cerr := c.r.Cookie(stateCookie); cerr != nil || ck.Value != nonce {
			err = errors.New("login state not issued to this browser")
		}
	}
	if err != nil {
		return "", badState(err)
	}
	tok, err := s.Canvas.ExchangeCode(c.ctx, code)
	if err != nil {
		var oe *canvas.OAuthError
		switch {
		case errors.As(err, &oe):
			return "", &callbackError{http.StatusBadRequest, "Canvas OAUTH error: " + truncate(oe.Body, 200), err}
		case errors.Is(err, canvas.ErrBadResponse):
			return "", &callbackError{http.StatusBadRequest, "Canvas did not return a valid token response", err}
		}
		return "", &callbackError{http.StatusServiceUnavailable, "Failed to connect to Canvas", err}
	}
	if tok.User == nil || tok.User.ID == 0 {
		return "", &callbackError{http.StatusBadRequest, "Canvas did not return user information", nil}
	}
	// One use per state. The nonce is remembered only now, after Canvas
	// accepted the code, so that only real logins write a row; the state's
	// expiry bounds how long it must be remembered.
	if err := s.Store.UseOAuthState(c.ctx, nonce, s.Now().Add(s.cfg.OAuthStateTTL)); err != nil {
		s.revokeCanvasToken(c.ctx, tok.AccessToken, "login state replayed")
		return "", badState(err)
	}
	access, err := s.Cipher.EncryptFor(tok.AccessToken, auth.Binding{CanvasUserID: tok.User.ID, Column: auth.ColumnAccessToken})
	if err != nil {
		return "", err
	}
	refresh, err := s.Cipher.EncryptFor(tok.RefreshToken, auth.Binding{CanvasUserID: tok.User.ID, Column: auth.ColumnRefreshToken})
	if err != nil {
		return "", err
	}
	name := strings.TrimSpace(tok.User.Name)
	u, err := s.Store.UpsertUser(c.ctx, quiz.User{CanvasID: tok.User.ID, Name: &name,
		AccessToken: access, RefreshToken: refresh, ExpiresAt: s.expiry(tok)})
	if err != nil {
		return "", err
	}
	s.Log.InfoContext(c.ctx, "canvas_oauth_completed", "user_id", u.ID, "canvas_id", u.CanvasID)
	return s.Tokens.Issue(u.ID, u.SessionVersion)
}

// oauthRefusal is the failure shown for the callback's ?error= (RFC 6749
// 4.1.2.1). Anyone can send a link to the callback with any text in it, so
// the text is never shown: known codes get a fixed message, the rest one
// generic message.
func oauthRefusal(code string) *callbackError {
	switch code {
	case "access_denied":
		return &callbackError{http.StatusBadRequest, "You declined access to Canvas. Please sign in again and authorize the app.", nil}
	case "server_error", "temporarily_unavailable":
		return &callbackError{http.StatusServiceUnavailable, "Canvas could not complete the login. Please try again later.", nil}
	}
	return &callbackError{http.StatusBadRequest, "Canvas refused the login. Please sign in again.", nil}
}

// badState is the failure for a login state that is invalid, expired,
// not this browser's, or used before.
func badState(err error) *callbackError {
	if errors.Is(err, quiz.ErrTemporary) {
		return &callbackError{http.StatusServiceUnavailable, "Service temporarily unavailable", err}
	}
	return &callbackError{http.StatusBadRequest, "Invalid or expired login state. Please sign in again.", err}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// queryEscape encodes a query value with spaces as %20, as the original's
// redirects did, but also escapes & ; # + so that a message can never cut
// or extend the query (the original left those as they were).
func queryEscape(v string) string {
	return strings.ReplaceAll(url.QueryEscape(v), "+", "%20")
}

// logoutCanvas ends the session first: it forgets the Canvas tokens and
// invalidates every app token of the user (the original left them valid),
// in the database, within the request. Only then is the Canvas token
// revoked, best effort and bounded, so that a slow Canvas can neither keep
// the session alive nor hold the answer past the request's deadline.
func (s *Server) logoutCanvas(c *call) error {
	if err := s.Store.EndSession(c.ctx, c.user.ID); err != nil {
		return err
	}
	s.revokeCanvasToken(c.ctx, s.storedAccessToken(c.user), "logout")
	return c.json(message{"Canvas account disconnected successfully"})
}

const (
	// revokeTimeout bounds a Canvas token revocation, retries included:
	// a few seconds, well inside the API function's 29 s.
	revokeTimeout = 3 * time.Second
	// revokeMargin is left before the request's deadline to answer.
	revokeMargin = 500 * time.Millisecond
)

// storedAccessToken is u's Canvas access token in clear, "" when there is
// none or it cannot be decrypted.
func (s *Server) storedAccessToken(u quiz.User) string {
	tok, err := s.Cipher.DecryptFor(u.AccessToken, auth.Binding{CanvasUserID: u.CanvasID, Column: auth.ColumnAccessToken})
	if err != nil {
		return ""
	}
	return tok
}

// revokeCanvasToken asks Canvas to revoke the access token tok (and the
// refresh token tied to it), after the session was ended in the database.
// It is best effort: it waits at most revokeTimeout, and never past the
// request's deadline less revokeMargin; a failure is logged (without the
// token) and otherwise ignored. An empty tok is nothing to revoke.
func (s *Server) revokeCanvasToken(ctx context.Context, tok, why string) {
	if tok == "" {
		return
	}
	bound := revokeTimeout
	if dl, ok := ctx.Deadline(); ok {
		bound = min(bound, time.Until(dl)-revokeMargin)
	}
	if bound <= 0 {
		s.Log.WarnContext(ctx, "canvas token not revoked: no time left in the request", "reason", why)
		return
	}
	// The request's cancellation must not cut the revocation short of its
	// own bound: the answer is already decided.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bound)
	defer cancel()
	if err := s.Canvas.Revoke(rctx, tok); err != nil && !errors.Is(err, canvas.ErrUnauthorized) {
		s.Log.WarnContext(ctx, "revoke canvas token", "reason", why, "err", err)
	}
}

// refreshCanvasToken refreshes the stored Canvas token now (docs/compatibility.md, Canvas),
// storing the rotated refresh token when Canvas sends one.
func (s *Server) refreshCanvasToken(c *call) error {
	if c.user.RefreshToken == "" {
		return fail(http.StatusUnauthorized, "No refresh token found. Please re-login via /auth/login/canvas")
	}
	refresh, err := s.Cipher.DecryptFor(c.user.RefreshToken, auth.Binding{CanvasUserID: c.user.CanvasID, Column: auth.ColumnRefreshToken})
	if err != nil || refresh == "" {
		return failWith(http.StatusBadRequest, "Token refresh failed: 401: Invalid refresh token", err)
	}
	tok, err := s.Canvas.RefreshToken(c.ctx, refresh)
	if err != nil {
		var oe *canvas.OAuthError
		if errors.As(err, &oe) {
			return failWith(http.StatusBadRequest, "Token refresh failed: 400: Canvas token refresh error: "+truncate(oe.Body, 200), err)
		}
		return failWith(http.StatusServiceUnavailable, detailCanvasUnavailable, err)
	}
	if err := s.storeCanvasToken(c.ctx, c.user, tok, refresh); err != nil {
		return err
	}
	return c.json(message{"Token refreshed successfully"})
}
