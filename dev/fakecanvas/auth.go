package fakecanvas

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

type authCode struct {
	userID      int64
	clientID    string
	redirectURI string
	expires     time.Time
}

type accessToken struct {
	userID  int64
	expires time.Time // zero: never (static tokens)
	refresh string    // the refresh token issued with it, revoked with it
}

func (a *accessToken) valid(now time.Time) bool {
	return a.expires.IsZero() || now.Before(a.expires)
}

type refreshToken struct {
	userID  int64
	expires time.Time
}

// codeTTL is how long an authorization code stays valid.
const codeTTL = 10 * time.Minute

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// IssueToken creates a fresh access token and refresh token for userID, as
// if the user had signed in, so tests can skip the browser part of OAuth.
func (s *Server) IssueToken(userID int64) (access, refresh string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueLocked(userID)
}

func (s *Server) issueLocked(userID int64) (access, refresh string) {
	now := s.clock()
	access = "mock_access_token_" + randomHex(16)
	refresh = "mock_refresh_token_" + randomHex(16)
	s.access[access] = &accessToken{userID: userID, expires: now.Add(s.opts.AccessTTL), refresh: refresh}
	s.refresh[refresh] = &refreshToken{userID: userID, expires: now.Add(s.opts.RefreshTTL)}
	return access, refresh
}

// forgetLocked deletes every access and refresh token of userID but the
// static ones.
func (s *Server) forgetLocked(userID int64) {
	for tok, a := range s.access {
		if a.userID == userID && !a.expires.IsZero() {
			delete(s.access, tok)
		}
	}
	for tok, rt := range s.refresh {
		if rt.userID == userID {
			delete(s.refresh, tok)
		}
	}
}

// ExpireAccessTokens makes every access token issued so far expired (API
// calls then get 401 "Access token expired"); static tokens and refresh
// tokens are left alone.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := s.clock().Add(-time.Second)
	for _, a := range s.access {
		if !a.expires.IsZero() {
			a.expires = past
		}
	}
}

type userKey struct{}

// authed wraps an API handler with Bearer token validation.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		header := r.Header.Get("Authorization")
		if header == "" {
			apiError(w, http.StatusUnauthorized, "Authorization header required")
			return
		}
		scheme, tok, ok := strings.Cut(header, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			apiError(w, http.StatusUnauthorized, "Invalid authorization header")
			return
		}
		s.mu.Lock()
		a, known := s.access[strings.TrimSpace(tok)]
		var valid bool
		var uid int64
		if known {
			valid, uid = a.valid(s.clock()), a.userID
		}
		s.mu.Unlock()
		switch {
		case !known:
			w.Header().Set("WWW-Authenticate", `Bearer realm="canvas-lms"`)
			apiError(w, http.StatusUnauthorized, "Invalid access token")
		case !valid:
			w.Header().Set("WWW-Authenticate", `Bearer realm="canvas-lms"`)
			apiError(w, http.StatusUnauthorized, "Access token expired")
		default:
			h(w, r.WithContext(context.WithValue(r.Context(), userKey{}, uid)))
		}
	}
}

func userOf(r *http.Request) int64 {
	id, _ := r.Context().Value(userKey{}).(int64)
	return id
}

// oauthError writes an RFC 6749 error answer.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

var consentPage = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize quizgen - Fake Canvas</title></head>
<body>
<h1>Fake Canvas: authorize an application</h1>
<p>An application wants to access your Canvas account. Who signs in?</p>
<dl>
<dt>client_id</dt><dd>{{.ClientID}}</dd>
<dt>redirect_uri</dt><dd>{{.RedirectURI}}</dd>
<dt>state</dt><dd>{{.State}}</dd>
<dt>scope</dt><dd>{{.Scope}}</dd>
</dl>
<ul>
{{range .Users}}<li><a id="authorize-{{.ID}}" href="{{.Href}}">Authorize as {{.Name}} (user {{.ID}})</a></li>
{{end}}</ul>
<p><a id="authorize" href="{{.Authorize}}">Authorize</a> (as {{.DefaultName}}) <a id="deny" href="{{.Deny}}">Deny</a></p>
</body></html>
`)) //nolint:gochecknoglobals // parsed once, read-only

// consent serves the consent page of GET /login/oauth2/auth.
func (s *Server) consent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clientID, redirectURI, responseType := q.Get("client_id"), q.Get("redirect_uri"), q.Get("response_type")
	switch {
	case clientID == "" || redirectURI == "" || responseType == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "client_id, redirect_uri and response_type are required")
		return
	case responseType != "code":
		oauthError(w, http.StatusBadRequest, "unsupported_response_type", "Invalid response_type")
		return
	case s.opts.ClientID != "" && clientID != s.opts.ClientID:
		oauthError(w, http.StatusBadRequest, "invalid_client", "Invalid client_id")
		return
	}
	link := func(action string, userID int64) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("action", action)
		if userID != 0 {
			v.Set("user_id", strconv.FormatInt(userID, 10))
		}
		return "/login/oauth2/authorize?" + v.Encode()
	}
	type choice struct {
		ID         int64
		Name, Href string
	}
	var users []choice
	for _, u := range []user{s.data.user, s.data.second} {
		users = append(users, choice{u.ID, u.Name, link("authorize", u.ID)})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = consentPage.Execute(w, map[string]any{
		"ClientID": clientID, "RedirectURI": redirectURI, "State": q.Get("state"), "Scope": q.Get("scope"),
		"Users": users, "DefaultName": s.data.user.Name,
		"Authorize": link("authorize", 0), "Deny": link("deny", 0),
	})
}

// authorize is where the consent page's links lead: it redirects back to
// the application with a code (action=authorize) or an error (deny). The
// code signs in user_id (a positive integer; default UserID): tests and
// scripted walks choose the user with it directly.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clientID, redirectURI, action := q.Get("client_id"), q.Get("redirect_uri"), q.Get("action")
	if clientID == "" || redirectURI == "" || q.Get("response_type") == "" || action == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "client_id, redirect_uri, response_type and action are required")
		return
	}
	target, err := url.Parse(redirectURI)
	if err != nil || !target.IsAbs() {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid redirect_uri")
		return
	}
	userID := int64(UserID)
	if v := q.Get("user_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid user_id")
			return
		}
		userID = id
	}
	back := target.Query()
	switch action {
	case "deny":
		back.Set("error", "access_denied")
		back.Set("error_description", "The user denied the request")
	case "authorize":
		code := "mock_auth_code_" + randomHex(8)
		s.mu.Lock()
		s.codes[code] = authCode{userID: userID, clientID: clientID, redirectURI: redirectURI, expires: s.clock().Add(codeTTL)}
		s.mu.Unlock()
		back.Set("code", code)
	default:
		oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid action")
		return
	}
	if st := q.Get("state"); st != "" {
		back.Set("state", st)
	}
	target.RawQuery = back.Encode()
	http.Redirect(w, r, target.String(), http.StatusTemporaryRedirect)
}

// token is POST /login/oauth2/token: the authorization_code and
// refresh_token grants. A refresh rotates the refresh token.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid form body")
		return
	}
	f := r.PostForm
	grant, clientID, secret := f.Get("grant_type"), f.Get("client_id"), f.Get("client_secret")
	switch {
	case grant == "" || clientID == "" || secret == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "grant_type, client_id and client_secret are required")
		return
	case s.opts.ClientID != "" && clientID != s.opts.ClientID:
		oauthError(w, http.StatusBadRequest, "invalid_client", "Invalid client_id")
		return
	case s.opts.ClientSecret != "" && secret != s.opts.ClientSecret:
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client_secret")
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	var uid int64
	switch grant {
	case "authorization_code":
		code, redirectURI := f.Get("code"), f.Get("redirect_uri")
		if code == "" || redirectURI == "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "Missing code or redirect_uri")
			return
		}
		c, ok := s.codes[code]
		switch {
		case !ok:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid authorization code")
			return
		case !now.Before(c.expires):
			delete(s.codes, code)
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Authorization code expired")
			return
		case c.clientID != clientID:
			oauthError(w, http.StatusBadRequest, "invalid_client", "Invalid client_id")
			return
		case c.redirectURI != redirectURI:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
			return
		}
		delete(s.codes, code)
		uid = c.userID
		if f.Get("replace_tokens") == "1" {
			// Canvas destroys the user's earlier tokens of this key.
			s.forgetLocked(uid)
		}
	case "refresh_token":
		old := f.Get("refresh_token")
		if old == "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "Missing refresh_token")
			return
		}
		rt, ok := s.refresh[old]
		switch {
		case !ok:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid refresh token")
			return
		case !now.Before(rt.expires):
			delete(s.refresh, old)
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Refresh token expired")
			return
		}
		delete(s.refresh, old) // rotation: the old refresh token stops working
		uid = rt.userID
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type")
		return
	}
	access, refresh := s.issueLocked(uid)
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  access,
		"refresh_token": refresh,
		"token_type":    "Bearer",
		"user":          s.userJSON(uid, false),
		"expires_in":    int64(s.opts.AccessTTL / time.Second),
	})
}

// revoke is DELETE /login/oauth2/token: it deletes the access token (from
// the Authorization header or the access_token form field) and the
// refresh token issued with it.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	tok := ""
	if scheme, t, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		tok = strings.TrimSpace(t)
	}
	if tok == "" {
		// ParseForm ignores DELETE bodies, so read the form by hand.
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if form, err := url.ParseQuery(string(body)); err == nil {
			tok = form.Get("access_token")
		}
		if tok == "" {
			tok = r.URL.Query().Get("access_token")
		}
	}
	if tok == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "No access token given")
		return
	}
	s.mu.Lock()
	a, ok := s.access[tok]
	if ok {
		delete(s.access, tok)
		if a.refresh != "" {
			delete(s.refresh, a.refresh)
		}
	}
	s.mu.Unlock()
	if !ok {
		apiError(w, http.StatusUnauthorized, "Invalid access token")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}
