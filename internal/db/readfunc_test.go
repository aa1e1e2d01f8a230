package db_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/quiz"
)

// TestReadFunctionsMatchColumns: each read served by a PL/pgSQL function
// (migration 000008) returns the columns, in the order and with the
// values, of the plain statement it stands for, which the store scans
// (apiQuizColumns). A migration that changes the quiz's columns and
// apiQuizColumns without the function fails here.
func TestReadFunctionsMatchColumns(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	owner := mustCreateUser(ctx, t, s, 6201)
	collab := mustCreateUser(ctx, t, s, 6202)
	q := mustCreateQuiz(ctx, t, s, owner.ID)
	shared := mustCreateQuiz(ctx, t, s, collab.ID)
	c := tdb.Conn(t)
	// Every column of the quizzes set, so a column out of place shows.
	_, err := c.Exec(ctx, `UPDATE quiz SET extracted_content = '{"modules": []}', content_extracted_at = now(),
		canvas_quiz_id = 'cq-1', exported_at = now(), content_extraction_started_at = now(),
		llm_generation_started_at = now(), export_started_at = now(), content_extraction_job_id = gen_random_uuid(),
		llm_generation_job_id = gen_random_uuid(), export_job_id = gen_random_uuid(), failure_reason = 'network_error',
		custom_instructions = 'Be brief.', generation_metadata = '{"k": 1}'`)
	require.NoError(t, err)
	_, err = c.Exec(ctx, `INSERT INTO quizcollaborator (quiz_id, user_id) VALUES ($1, $2)`,
		shared.ID, owner.ID)
	require.NoError(t, err)

	read := func(sql string, args ...any) ([]string, [][]any) {
		t.Helper()
		rows, err := c.Query(ctx, sql, args...)
		require.NoError(t, err)
		vals, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
		require.NoError(t, err)
		var types []string
		for _, f := range rows.FieldDescriptions() {
			types = append(types, fmt.Sprint(f.DataTypeOID))
		}
		return types, vals
	}
	args := map[string][]any{
		"api_visible_quizzes": {owner.ID},
	}
	for name, pair := range db.ReadFunctionPairsForTest {
		fnTypes, fnRows := read(pair[0], args[name]...)
		plainTypes, plainRows := read(pair[1], args[name]...)
		assert.Equal(t, plainTypes, fnTypes, "%s: column types in order", name)
		assert.Equal(t, normalize(plainRows), normalize(fnRows), "%s: the same values", name)
		assert.NotEmpty(t, fnRows, name)
	}
	_, pre, err := s.UserWith(ctx, owner.ID, quiz.Prefetch{Quiz: &q.ID, Quizzes: true})
	require.NoError(t, err)
	require.Len(t, pre.Quizzes, 2, "owned and shared")
	assert.Equal(t, shared.ID, pre.Quizzes[0].ID, "newest first")
	assert.Equal(t, "cq-1", *pre.Quiz.CanvasQuizID)
}

// normalize makes values comparable (times to UTC text, JSON to text).
func normalize(rows [][]any) [][]any {
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = make([]any, len(r))
		for j, v := range r {
			switch x := v.(type) {
			case time.Time:
				out[i][j] = x.UTC().Format(time.RFC3339Nano)
			case map[string]any, []any:
				b, _ := json.Marshal(x)
				out[i][j] = string(b)
			default:
				out[i][j] = x
			}
		}
	}
	return out
}
