package db

import (
	"context"
	"fmt"
	"time"

	"quizgen/internal/db/dbsqlc"
	"quizgen/internal/quiz"
)

// ClearCanvasTokens empties the Canvas tokens of user id if its stored
// (encrypted) refresh token is still refresh, and reports whether it did:
// after a refresh Canvas refused, tokens a concurrent refresh stored in the
// meantime are kept.
func (s *Store) ClearCanvasTokens(ctx context.Context, id quiz.ID, refresh string) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(q txQueries) error {
		var err error
		n, err = q.ClearUserTokens(ctx, dbsqlc.ClearUserTokensParams{ID: id, RefreshToken: refresh})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("clear canvas tokens of user %s: %w", id, err)
	}
	return n > 0, nil
}

// UseOAuthState records that the login state with nonce was used; the
// state's signature says it is valid until at most expiresAt. It returns
// quiz.ErrNotFound when the nonce was used before (a replayed callback).
// States expired for over an hour are forgotten on the way, so the table
// holds at most the logins of the last state lifetime plus an hour.
func (s *Store) UseOAuthState(ctx context.Context, nonce string, expiresAt time.Time) error {
	err := s.inTx(ctx, func(q txQueries) error {
		if _, err := q.DeleteExpiredOAuthStates(ctx); err != nil {
			return err
		}
		n, err := q.UseOAuthState(ctx, dbsqlc.UseOAuthStateParams{Nonce: nonce, ExpiresAt: expiresAt})
		if err == nil && n == 0 {
			err = quiz.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("use oauth state: %w", err)
	}
	return nil
}
