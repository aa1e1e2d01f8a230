package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"quizgen/internal/canvas"
	"quizgen/internal/logging"
	"quizgen/internal/quiz"
)

var bearerChallenge = http.Header{"Www-Authenticate": {"Bearer"}}

func unauthorized(detail string, err error) error {
	return &httpError{status: http.StatusUnauthorized, detail: detail, header: bearerChallenge, err: err}
}

// authenticate runs the route's auth dependencies: the app token and, for
// authCanvas routes, a fresh Canvas token (SPEC 0.2, with DESIGN §5's
// 401 instead of 403 for a missing or invalid token).
func (s *Server) authenticate(c *call) error {
	if c.rt.auth == authNone {
		return nil
	}
	h := strings.TrimSpace(c.r.Header.Get("Authorization"))
	scheme, token, found := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if h == "" || !found || token == "" {
		return unauthorized("Not authenticated", nil)
	}
	if !strings.EqualFold(scheme, "bearer") {
		return unauthorized("Invalid authentication credentials", nil)
	}
	claims, err := s.Tokens.Verify(token)
	if err != nil {
		return unauthorized("Could not validate credentials", err)
	}
	var u quiz.User
	if id, perr := uuid.Parse(c.params["quiz_id"]); perr == nil {
		var q quiz.Quiz
		u, q, err, c.quizErr = s.Store.UserAndQuiz(c.ctx, claims.UserID, id)
		c.prefetched = &q
	} else {
		u, err = s.Store.User(c.ctx, claims.UserID)
	}
	switch {
	case errors.Is(err, quiz.ErrNotFound):
		return fail(http.StatusNotFound, "User not found")
	case err != nil:
		return err
	case u.SessionVersion != claims.Version:
		return unauthorized("Could not validate credentials", errors.New("token issued before logout"))
	}
	c.user = u
	c.ctx = logging.WithUserID(c.ctx, u.ID.String())
	if rec, ok := c.w.(*recorder); ok {
		rec.userID = u.ID.String()
	}
	if c.rt.auth == authCanvas {
		c.canvasToken, err = s.canvasToken(c.ctx, u)
		if err != nil {
			return err
		}
	}
	return nil
}

// Canvas token failures (SPEC 5.4).
const (
	detailCanvasExpired     = "Canvas session expired, Please re-login."
	detailCanvasUnavailable = "Canvas temporarily unavailable. Please try again."
)

// canvasToken returns u's Canvas access token, refreshed first when it
// expires within the refresh window. A refresh Canvas refuses ends the
// Canvas session (401, sign in again); a refresh that fails for a reason a
// retry may fix is 503. Canvas rotates refresh tokens: the new one is
// stored. Two requests refreshing at once: the loser finds the winner's
// new token stored and uses it.
func (s *Server) canvasToken(ctx context.Context, u quiz.User) (string, error) {
	if u.ExpiresAt == nil || u.ExpiresAt.After(s.Now().Add(s.cfg.CanvasRefreshWindow)) {
		return s.decrypt(u.AccessToken)
	}
	refresh, err := s.decrypt(u.RefreshToken)
	if err != nil {
		return "", err
	}
	if refresh == "" {
		return "", unauthorized(detailCanvasExpired, errors.New("no refresh token stored"))
	}
	tok, err := s.Canvas.RefreshToken(ctx, refresh)
	if err != nil {
		if errors.Is(err, canvas.ErrOAuth) || errors.Is(err, canvas.ErrUnauthorized) {
			if fresh, ok := s.refreshedMeanwhile(ctx, u); ok {
				return fresh, nil
			}
			if clearErr := s.Store.SetCanvasTokens(context.WithoutCancel(ctx), u.ID, "", "", nil); clearErr != nil {
				s.Log.WarnContext(ctx, "clear canvas tokens", "err", clearErr)
			}
			return "", unauthorized(detailCanvasExpired, err)
		}
		return "", failWith(http.StatusServiceUnavailable, detailCanvasUnavailable, err)
	}
	if err := s.storeCanvasToken(ctx, u.ID, tok, refresh); err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// refreshedMeanwhile reports whether another request refreshed u's token
// after u was read, and returns the new access token.
func (s *Server) refreshedMeanwhile(ctx context.Context, u quiz.User) (string, bool) {
	cur, err := s.Store.User(ctx, u.ID)
	if err != nil || cur.RefreshToken == u.RefreshToken || cur.ExpiresAt == nil || !cur.ExpiresAt.After(s.Now()) {
		return "", false
	}
	tok, err := s.decrypt(cur.AccessToken)
	return tok, err == nil && tok != ""
}

// storeCanvasToken encrypts and stores tok; oldRefresh is kept when Canvas
// did not rotate the refresh token.
func (s *Server) storeCanvasToken(ctx context.Context, id quiz.ID, tok canvas.Token, oldRefresh string) error {
	refresh := tok.RefreshToken
	if refresh == "" {
		refresh = oldRefresh
	}
	encAccess, err := s.Cipher.Encrypt(tok.AccessToken)
	if err != nil {
		return err
	}
	encRefresh, err := s.Cipher.Encrypt(refresh)
	if err != nil {
		return err
	}
	return s.Store.SetCanvasTokens(ctx, id, encAccess, encRefresh, s.expiry(tok))
}

// expiry is when tok expires; Canvas tokens without expires_in are taken
// to last an hour, Canvas's default, so that they are refreshed in time.
func (s *Server) expiry(tok canvas.Token) *time.Time {
	d := time.Hour
	if tok.ExpiresIn > 0 {
		d = time.Duration(tok.ExpiresIn) * time.Second
	}
	t := s.Now().Add(d).UTC()
	return &t
}

func (s *Server) decrypt(stored string) (string, error) {
	plain, err := s.Cipher.Decrypt(stored)
	if err != nil {
		// A token we cannot read is as good as none: sign in again.
		return "", unauthorized(detailCanvasExpired, err)
	}
	return plain, nil
}
