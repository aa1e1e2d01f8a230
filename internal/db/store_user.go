package db

import (
	"context"
	"fmt"

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
