// Package canvastoken hands out a user's Canvas access token, refreshed
// first when it is about to expire (docs/compatibility.md, Canvas), for the API and the
// background jobs alike. Canvas rotates refresh tokens: the new one is
// stored before the access token is used.
package canvastoken

import (
	"context"
	"errors"
	"fmt"
	"time"

	"quizgen/internal/auth"
	"quizgen/internal/canvas"
	"quizgen/internal/quiz"
)

// ErrExpired means the Canvas session is over: no access or refresh
// token, a refresh token Canvas refused (the stored tokens have then been
// cleared), or tokens that cannot be decrypted. The user must sign in
// again.
var ErrExpired = errors.New("canvas session expired")

// Store is the persistence Source needs.
type Store interface {
	User(ctx context.Context, id quiz.ID) (quiz.User, error)
	SetCanvasTokens(ctx context.Context, id quiz.ID, access, refresh string, expiresAt *time.Time) error
	// ClearCanvasTokens empties the tokens of user id only if its stored
	// refresh token is still refresh (as stored, encrypted), and reports
	// whether it did.
	ClearCanvasTokens(ctx context.Context, id quiz.ID, refresh string) (bool, error)
}

// Refresher refreshes Canvas tokens; canvas.Client implements it.
type Refresher interface {
	RefreshToken(ctx context.Context, refreshToken string) (canvas.Token, error)
}

// Cipher encrypts tokens at rest, each bound to its user and column;
// auth.Cipher implements it.
type Cipher interface {
	EncryptFor(plain string, b auth.Binding) (string, error)
	DecryptFor(stored string, b auth.Binding) (string, error)
}

func accessOf(u quiz.User) auth.Binding {
	return auth.Binding{CanvasUserID: u.CanvasID, Column: auth.ColumnAccessToken}
}

func refreshOf(u quiz.User) auth.Binding {
	return auth.Binding{CanvasUserID: u.CanvasID, Column: auth.ColumnRefreshToken}
}

// Source hands out Canvas access tokens.
type Source struct {
	Store  Store
	Canvas Refresher
	Cipher Cipher
	// Window: a token expiring within it is refreshed first (5 minutes).
	Window time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

func (s Source) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Token returns u's Canvas access token, refreshed when it expires within
// Window. It returns ErrExpired when the user must sign in again, and an
// error wrapping quiz.ErrTemporary when Canvas could not be reached. Two
// callers refreshing at once: the loser finds the winner's token stored.
func (s Source) Token(ctx context.Context, u quiz.User) (string, error) {
	window := s.Window
	if window == 0 {
		window = 5 * time.Minute
	}
	if u.ExpiresAt == nil || u.ExpiresAt.After(s.now().Add(window)) {
		tok, err := s.decrypt(u.AccessToken, accessOf(u))
		if err == nil && tok == "" {
			// What a refused refresh or a logout leaves behind.
			return "", fmt.Errorf("%w: no access token stored", ErrExpired)
		}
		return tok, err
	}
	refresh, err := s.decrypt(u.RefreshToken, refreshOf(u))
	if err != nil {
		return "", err
	}
	if refresh == "" {
		return "", fmt.Errorf("%w: no refresh token stored", ErrExpired)
	}
	tok, err := s.Canvas.RefreshToken(ctx, refresh)
	if err != nil {
		if errors.Is(err, canvas.ErrOAuth) || errors.Is(err, canvas.ErrUnauthorized) {
			if fresh, ok := s.refreshedMeanwhile(ctx, u); ok {
				return fresh, nil
			}
			if !s.clear(ctx, u) {
				// Another request stored new tokens after we looked.
				if fresh, ok := s.refreshedMeanwhile(ctx, u); ok {
					return fresh, nil
				}
			}
			return "", fmt.Errorf("%w: Canvas refused the refresh token: %w", ErrExpired, err)
		}
		if !errors.Is(err, quiz.ErrTemporary) {
			err = fmt.Errorf("%w: %w", quiz.ErrTemporary, err)
		}
		return "", fmt.Errorf("refresh canvas token: %w", err)
	}
	if err := s.Save(ctx, u, tok, refresh); err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// Save encrypts tok for user u (bound to u and each column) and stores
// it; oldRefresh is kept when Canvas did not rotate the refresh token.
func (s Source) Save(ctx context.Context, u quiz.User, tok canvas.Token, oldRefresh string) error {
	refresh := tok.RefreshToken
	if refresh == "" {
		refresh = oldRefresh
	}
	encAccess, err := s.Cipher.EncryptFor(tok.AccessToken, accessOf(u))
	if err != nil {
		return err
	}
	encRefresh, err := s.Cipher.EncryptFor(refresh, refreshOf(u))
	if err != nil {
		return err
	}
	return s.Store.SetCanvasTokens(ctx, u.ID, encAccess, encRefresh, s.Expiry(tok))
}

// Expiry is when tok expires; without expires_in Canvas's default hour is
// assumed, so that the token is refreshed in time.
func (s Source) Expiry(tok canvas.Token) *time.Time {
	d := time.Hour
	if tok.ExpiresIn > 0 {
		d = time.Duration(tok.ExpiresIn) * time.Second
	}
	t := s.now().Add(d).UTC()
	return &t
}

func (s Source) refreshedMeanwhile(ctx context.Context, u quiz.User) (string, bool) {
	cur, err := s.Store.User(ctx, u.ID)
	if err != nil || cur.RefreshToken == u.RefreshToken || cur.ExpiresAt == nil || !cur.ExpiresAt.After(s.now()) {
		return "", false
	}
	tok, err := s.Cipher.DecryptFor(cur.AccessToken, accessOf(cur))
	return tok, err == nil && tok != ""
}

// clear empties the stored tokens of u if they are still the ones whose
// refresh Canvas refused, so that tokens a concurrent refresh stored in the
// meantime survive. It reports false when the tokens had changed; a failed
// clear reports true (nothing more to try: the session is over).
func (s Source) clear(ctx context.Context, u quiz.User) bool {
	cleared, err := s.Store.ClearCanvasTokens(context.WithoutCancel(ctx), u.ID, u.RefreshToken)
	return cleared || err != nil
}

// decrypt reads a stored token; one that cannot be read (altered, or
// copied from another user or column) is as good as none: the session is
// over.
func (s Source) decrypt(stored string, b auth.Binding) (string, error) {
	plain, err := s.Cipher.DecryptFor(stored, b)
	if err != nil {
		return "", fmt.Errorf("%w: stored token unreadable", ErrExpired)
	}
	return plain, nil
}
