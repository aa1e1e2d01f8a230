package canvastoken_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/auth"
	"quizgen/internal/canvas"
	"quizgen/internal/canvastoken"
	"quizgen/internal/quiz"
)

// store keeps one user in memory.
type store struct {
	mu sync.Mutex
	u  quiz.User
	// afterRead, when set, changes the stored user once, right after the
	// first read (another request's write landing just then).
	afterRead func(*quiz.User)
}

func (s *store) User(context.Context, quiz.ID) (quiz.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.u
	if s.afterRead != nil {
		s.afterRead(&s.u)
		s.afterRead = nil
	}
	return u, nil
}

func (s *store) ClearCanvasTokens(_ context.Context, _ quiz.ID, refresh string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.u.RefreshToken != refresh {
		return false, nil
	}
	s.u.AccessToken, s.u.RefreshToken, s.u.ExpiresAt = "", "", nil
	return true, nil
}

func (s *store) SetCanvasTokens(_ context.Context, _ quiz.ID, access, refresh string, exp *time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.u.AccessToken, s.u.RefreshToken, s.u.ExpiresAt = access, refresh, exp
	return nil
}

// refresher answers RefreshToken with fn.
type refresher struct {
	calls int
	fn    func(refresh string) (canvas.Token, error)
}

func (r *refresher) RefreshToken(_ context.Context, refresh string) (canvas.Token, error) {
	r.calls++
	return r.fn(refresh)
}

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func setup(t *testing.T, expiresIn time.Duration, refresh func(string) (canvas.Token, error)) (*store, *refresher, canvastoken.Source, *auth.Cipher) {
	t.Helper()
	c, err := auth.NewCipher(bytes.Repeat([]byte{3}, 32))
	require.NoError(t, err)
	a, _ := c.Encrypt("access-1")
	r, _ := c.Encrypt("refresh-1")
	exp := now.Add(expiresIn)
	st := &store{u: quiz.User{ID: uuid.New(), AccessToken: a, RefreshToken: r, ExpiresAt: &exp}}
	rf := &refresher{fn: refresh}
	return st, rf, canvastoken.Source{Store: st, Canvas: rf, Cipher: c, Now: func() time.Time { return now }}, c
}

func TestFreshTokenIsUsedAsIs(t *testing.T) {
	t.Parallel()
	st, rf, src, _ := setup(t, time.Hour, nil)
	tok, err := src.Token(t.Context(), st.u)
	require.NoError(t, err)
	assert.Equal(t, "access-1", tok)
	assert.Zero(t, rf.calls)
}

func TestExpiringTokenIsRefreshedAndRotationStored(t *testing.T) {
	t.Parallel()
	st, rf, src, c := setup(t, 4*time.Minute, func(refresh string) (canvas.Token, error) {
		assert.Equal(t, "refresh-1", refresh)
		return canvas.Token{AccessToken: "access-2", RefreshToken: "refresh-2", ExpiresIn: 3600}, nil
	})
	tok, err := src.Token(t.Context(), st.u)
	require.NoError(t, err)
	assert.Equal(t, "access-2", tok)
	assert.Equal(t, 1, rf.calls)
	gotRefresh, err := c.DecryptFor(st.u.RefreshToken, auth.Binding{CanvasUserID: st.u.CanvasID, Column: auth.ColumnRefreshToken})
	require.NoError(t, err)
	assert.Equal(t, "refresh-2", gotRefresh, "the rotated refresh token is stored")
	// The v1 tokens read before are written back bound to the user and column.
	assert.True(t, strings.HasPrefix(st.u.AccessToken, "v2."), st.u.AccessToken)
	assert.True(t, strings.HasPrefix(st.u.RefreshToken, "v2."), st.u.RefreshToken)
	assert.Equal(t, now.Add(time.Hour), *st.u.ExpiresAt)
}

func TestRefusedRefreshEndsTheSession(t *testing.T) {
	t.Parallel()
	st, _, src, _ := setup(t, time.Minute, func(string) (canvas.Token, error) {
		return canvas.Token{}, &canvas.OAuthError{Status: 400, Body: "invalid_grant"}
	})
	_, err := src.Token(t.Context(), st.u)
	require.ErrorIs(t, err, canvastoken.ErrExpired)
	assert.Empty(t, st.u.AccessToken, "the stored tokens are cleared")
	assert.Empty(t, st.u.RefreshToken)
}

func TestRefreshedMeanwhileByAnotherRequest(t *testing.T) {
	t.Parallel()
	st, _, src, c := setup(t, time.Minute, nil)
	stale := st.u
	a, _ := c.Encrypt("access-other")
	r, _ := c.Encrypt("refresh-other")
	exp := now.Add(time.Hour)
	st.u.AccessToken, st.u.RefreshToken, st.u.ExpiresAt = a, r, &exp
	// Our refresh token was rotated away by the other request: Canvas refuses it.
	src.Canvas = &refresher{fn: func(string) (canvas.Token, error) {
		return canvas.Token{}, &canvas.OAuthError{Status: 400, Body: "invalid_grant"}
	}}
	tok, err := src.Token(t.Context(), stale)
	require.NoError(t, err)
	assert.Equal(t, "access-other", tok, "the winner's token is used, the session goes on")
}

func TestCanvasDownIsTemporary(t *testing.T) {
	t.Parallel()
	st, _, src, _ := setup(t, time.Minute, func(string) (canvas.Token, error) {
		return canvas.Token{}, errors.New("dial tcp: connection refused")
	})
	_, err := src.Token(t.Context(), st.u)
	require.ErrorIs(t, err, quiz.ErrTemporary)
	assert.NotErrorIs(t, err, canvastoken.ErrExpired)
	assert.NotEmpty(t, st.u.AccessToken, "nothing is cleared for a temporary failure")
}

func TestNoOrUnreadableTokens(t *testing.T) {
	t.Parallel()
	st, _, src, _ := setup(t, time.Minute, nil)
	st.u.RefreshToken = ""
	_, err := src.Token(t.Context(), st.u)
	require.ErrorIs(t, err, canvastoken.ErrExpired, "no refresh token")

	st2, _, src2, _ := setup(t, time.Hour, nil)
	st2.u.AccessToken = "v1.not-ours"
	_, err = src2.Token(t.Context(), st2.u)
	require.ErrorIs(t, err, canvastoken.ErrExpired, "a token that cannot be decrypted")
}

// TestClearedTokensAreExpired: after a refused refresh the stored tokens
// are empty and the expiry is gone; the next request must be told to sign
// in again, not handed an empty token (issue 11, finding 12).
func TestClearedTokensAreExpired(t *testing.T) {
	t.Parallel()
	st, rf, src, _ := setup(t, time.Hour, nil)
	st.u.AccessToken, st.u.RefreshToken, st.u.ExpiresAt = "", "", nil
	tok, err := src.Token(t.Context(), st.u)
	require.ErrorIs(t, err, canvastoken.ErrExpired)
	assert.Empty(t, tok)
	assert.Zero(t, rf.calls)
}

// TestRefusedRefreshKeepsTokensStoredMeanwhile: a refresh Canvas refused
// (its refresh token rotated away by a concurrent request) must not wipe
// the tokens the other request stored after we looked; the session goes on
// with them (issue 11, finding 12).
func TestRefusedRefreshKeepsTokensStoredMeanwhile(t *testing.T) {
	t.Parallel()
	st, _, src, c := setup(t, time.Minute, func(string) (canvas.Token, error) {
		return canvas.Token{}, &canvas.OAuthError{Status: 400, Body: "invalid_grant"}
	})
	a, _ := c.Encrypt("access-winner")
	r, _ := c.Encrypt("refresh-winner")
	exp := now.Add(time.Hour)
	// The winner's write commits right after our first look at the row.
	st.afterRead = func(u *quiz.User) { u.AccessToken, u.RefreshToken, u.ExpiresAt = a, r, &exp }
	tok, err := src.Token(t.Context(), st.u)
	require.NoError(t, err)
	assert.Equal(t, "access-winner", tok)
	assert.Equal(t, a, st.u.AccessToken, "the winner's tokens stay stored")
	assert.Equal(t, r, st.u.RefreshToken)
}
