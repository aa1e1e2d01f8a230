package schema_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db/dbtest"
	"quizgen/internal/schema"
)

// columns lists table's columns.
func columns(t *testing.T, url, table string) []string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer c.Close(ctx)
	rows, err := c.Query(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name = $1 ORDER BY column_name`, table)
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return names
}

// TestTypedModelColumnsUpAndDown: 000005 replaces the question's flat
// multiple-choice columns with its type and data and adds the quiz's
// settings; going down to 000004 brings its columns back.
func TestTypedModelColumnsUpAndDown(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.NewEmpty(t)
	r := runner(t, tdb.DirectURL)
	res, err := r.Run(ctx, schema.Command{Command: "up"})
	require.NoError(t, err)
	flat := []string{"question_text", "option_a", "option_b", "option_c", "option_d", "correct_answer"}
	typed := []string{"question_type", "question_data", "difficulty", "tags", "module_id", "edit_log",
		"deleted", "deleted_at", "rejection_reason", "rejection_feedback"}
	settings := []string{"language", "tone", "custom_instructions", "v1", "generation_metadata"}

	q, qz := columns(t, tdb.DirectURL, "question"), columns(t, tdb.DirectURL, "quiz")
	assert.Subset(t, q, typed)
	assert.NotContains(t, q, "question_text")
	assert.NotContains(t, q, "correct_answer")
	assert.Subset(t, qz, settings)

	_, err = r.Run(ctx, schema.Command{Command: "down", Steps: int(res.Version) - 4})
	require.NoError(t, err)
	q, qz = columns(t, tdb.DirectURL, "question"), columns(t, tdb.DirectURL, "quiz")
	assert.Subset(t, q, flat)
	for _, c := range typed {
		assert.NotContains(t, q, c)
	}
	for _, c := range settings {
		assert.NotContains(t, qz, c)
	}
	assert.Equal(t, []string{"oauth_state", "question", "quiz", "quiz_usage", "usage_daily", "user"},
		tables(t, tdb.DirectURL), "000004's tables")
}
