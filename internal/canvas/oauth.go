package canvas

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// AuthorizeURL returns where to send the browser to ask the user for
// access: {BaseURL}/login/oauth2/auth with client_id, response_type=code,
// redirect_uri and state, in that order and form-encoded (docs/compatibility.md, Canvas), then
// scope when Config.Scopes names some (README, Canvas): a scoped developer
// key then issues a token limited to them.
func (c *Client) AuthorizeURL(state string) string {
	var b strings.Builder
	b.WriteString(c.baseURL)
	b.WriteString("/login/oauth2/auth?client_id=")
	b.WriteString(url.QueryEscape(c.clientID))
	b.WriteString("&response_type=code&redirect_uri=")
	b.WriteString(url.QueryEscape(c.redirectURI))
	b.WriteString("&state=")
	b.WriteString(url.QueryEscape(state))
	if c.scopes != "" {
		b.WriteString("&scope=")
		b.WriteString(strings.ReplaceAll(url.QueryEscape(c.scopes), "+", "%20"))
	}
	return b.String()
}

// ExchangeCode trades an authorization code for tokens (docs/compatibility.md, Canvas). The
// answer must carry an access_token and user.id, else ErrBadResponse.
// Canvas refusing the code (400/401) is an *OAuthError wrapping ErrOAuth.
// It asks Canvas to replace the user's earlier tokens of this developer key
// (replace_tokens=1): each login would otherwise leave one more live
// refresh token at Canvas, and only the newest is stored. A deployment
// sharing its developer key with another then signs the user out of the
// other, which a refused refresh reports as a 401, not a 503.
func (c *Client) ExchangeCode(ctx context.Context, code string) (Token, error) {
	if c.redirectURI == "" {
		return Token{}, errors.New("canvas: oauth: RedirectURI is not configured")
	}
	form := url.Values{
		"grant_type":     {"authorization_code"},
		"client_id":      {c.clientID},
		"client_secret":  {c.secret},
		"redirect_uri":   {c.redirectURI},
		"code":           {code},
		"replace_tokens": {"1"},
	}
	t, cl, resp, err := c.tokenRequest(ctx, form, code)
	if err != nil {
		return Token{}, err
	}
	if t.User == nil {
		return Token{}, cl.fail(resp.status, resp.attempts, nil, fmt.Errorf("%w: no user.id", ErrBadResponse))
	}
	return t, nil
}

// RefreshToken gets a new access token (docs/compatibility.md, Canvas). Token.RefreshToken is
// the rotated refresh token when Canvas sends one, which the caller must
// store; it is empty when Canvas keeps the old one. A refused refresh
// token (400/401) is an *OAuthError wrapping ErrOAuth: the user must sign
// in again.
func (c *Client) RefreshToken(ctx context.Context, refreshToken string) (Token, error) {
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {c.clientID},
		"client_secret": {c.secret},
		"refresh_token": {refreshToken},
	}
	t, _, _, err := c.tokenRequest(ctx, form, refreshToken)
	return t, err
}

// tokenRequest POSTs form to the token endpoint. secret is the code or
// refresh token sent, redacted from whatever is kept of the answer.
func (c *Client) tokenRequest(ctx context.Context, form url.Values, secret string) (Token, *call, *response, error) {
	if c.clientID == "" || c.secret == "" {
		return Token{}, nil, nil, errors.New("canvas: oauth: ClientID and ClientSecret are not configured")
	}
	cl, err := c.apiCall(http.MethodPost, "/login/oauth2/token", "")
	if err != nil {
		return Token{}, nil, nil, err
	}
	cl.body = []byte(form.Encode())
	cl.contentType = "application/x-www-form-urlencoded"
	cl.secrets = []string{secret, c.secret}

	resp, err := c.do(ctx, cl)
	if err != nil {
		return Token{}, nil, nil, err
	}
	if resp.status == http.StatusBadRequest || resp.status == http.StatusUnauthorized {
		oe := &OAuthError{Status: resp.status, Body: snippet(resp.body, cl.allSecrets())}
		return Token{}, nil, nil, cl.fail(resp.status, resp.attempts, resp.body, oe)
	}
	if err := statusError(resp); err != nil {
		return Token{}, nil, nil, cl.fail(resp.status, resp.attempts, resp.body, err)
	}
	t, err := decodeToken(resp.body)
	if err != nil {
		return Token{}, nil, nil, cl.fail(resp.status, resp.attempts, nil, err)
	}
	return t, cl, resp, nil
}

// Revoke deletes the access token at Canvas (and the refresh token tied
// to it), for logout. It returns ErrUnauthorized when Canvas no longer
// knows the token, which a logout may ignore.
func (c *Client) Revoke(ctx context.Context, token string) error {
	cl, err := c.apiCall(http.MethodDelete, "/login/oauth2/token", token)
	if err != nil {
		return err
	}
	_, err = c.send(ctx, cl)
	return err
}
