package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"quizgen/internal/canvas"
	"quizgen/internal/canvastoken"
	"quizgen/internal/logging"
	"quizgen/internal/quiz"
)

var bearerChallenge = http.Header{"Www-Authenticate": {"Bearer"}}

func unauthorized(detail string, err error) error {
	return &httpError{status: http.StatusUnauthorized, detail: detail, header: bearerChallenge, err: err}
}

// authenticate runs the route's auth dependencies: the app token and, for
// authCanvas routes, a fresh Canvas token (with the 401 instead of 403 for a
// missing or invalid token of docs/compatibility.md, Deliberate differences).
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
	var p quiz.Prefetch
	if id, perr := uuid.Parse(c.params["quiz_id"]); perr == nil {
		p.Quiz = &id
	}
	if c.rt.prefetch != nil {
		c.rt.prefetch(c, &p)
	}
	var u quiz.User
	u, c.pre, err = s.Store.UserWith(c.ctx, claims.UserID, p)
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
		c.canvasToken, err = s.canvasToken(c.ctx, u, strings.HasPrefix(c.rt.pattern, "/api/v1/"))
		if err != nil {
			return err
		}
	}
	return nil
}

// Canvas token failures (docs/compatibility.md, Canvas).
const (
	detailCanvasExpired = "Canvas session expired, Please re-login."
	// detailCanvasExpiredHead is today's text of it (routes at the root).
	detailCanvasExpiredHead = "Canvas session expired. Please re-login."
	detailCanvasUnavailable = "Canvas temporarily unavailable. Please try again."
)

// canvasToken returns u's Canvas access token through canvastoken: a
// session Canvas ended (a refresh token it refused, invalid_grant, whose
// tokens are then cleared) is 401 (sign in again, in v1's words or, for
// today's routes, today's), Canvas unreachable is 503.
func (s *Server) canvasToken(ctx context.Context, u quiz.User, v1 bool) (string, error) {
	tok, err := s.tokenSource().Token(ctx, u)
	switch {
	case errors.Is(err, canvastoken.ErrExpired) && v1:
		return "", unauthorized(detailCanvasExpired, err)
	case errors.Is(err, canvastoken.ErrExpired):
		return "", unauthorized(detailCanvasExpiredHead, err)
	case err != nil && errors.Is(err, quiz.ErrTemporary):
		return "", failWith(http.StatusServiceUnavailable, detailCanvasUnavailable, err)
	}
	return tok, err
}

func (s *Server) tokenSource() canvastoken.Source {
	return canvastoken.Source{Store: s.Store, Canvas: s.Canvas, Cipher: s.Cipher, Window: s.cfg.CanvasRefreshWindow, Now: s.Now}
}

// storeCanvasToken encrypts and stores tok for u; oldRefresh is kept when
// Canvas did not rotate the refresh token.
func (s *Server) storeCanvasToken(ctx context.Context, u quiz.User, tok canvas.Token, oldRefresh string) error {
	return s.tokenSource().Save(ctx, u, tok, oldRefresh)
}

// expiry is when tok expires.
func (s *Server) expiry(tok canvas.Token) *time.Time { return s.tokenSource().Expiry(tok) }
