package db_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
)

// TestClearCanvasTokensOnlyTheRefusedOnes: the clear after a refused
// refresh leaves alone tokens that changed since they were read.
func TestClearCanvasTokensOnlyTheRefusedOnes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := db.NewStore(dbtest.New(t).Open(t))
	u := mustCreateUser(ctx, t, s, 4201) // refresh token "enc-r"

	exp := time.Now().Add(time.Hour)
	require.NoError(t, s.SetCanvasTokens(ctx, u.ID, "enc-a2", "enc-r2", &exp)) // a concurrent refresh won
	cleared, err := s.ClearCanvasTokens(ctx, u.ID, "enc-r")
	require.NoError(t, err)
	assert.False(t, cleared)
	got, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, "enc-a2", got.AccessToken, "the winner's tokens stay")
	assert.Equal(t, "enc-r2", got.RefreshToken)

	cleared, err = s.ClearCanvasTokens(ctx, u.ID, "enc-r2")
	require.NoError(t, err)
	assert.True(t, cleared)
	got, err = s.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Empty(t, got.AccessToken)
	assert.Empty(t, got.RefreshToken)
	assert.Nil(t, got.ExpiresAt)
}
