package db_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/logging/logtest"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
	"quizgen/internal/schema"
)

// v1Row is a question as 000004 stored it.
type v1Row struct {
	ID                                                            uuid.UUID
	QuizID                                                        uuid.UUID
	QuestionText, OptionA, OptionB, OptionC, OptionD, CorrectAnsw string
	IsApproved                                                    bool
	ApprovedAt                                                    *time.Time
	CanvasItemID                                                  *string
	GenerationJobID                                               *uuid.UUID
}

// v1Quiz is a quiz as 000004 stored it.
type v1Quiz struct {
	ID            uuid.UUID
	Modules       []quiz.Module
	QuestionCount int
}

// TestMigrationTypedQuestionsUpAndDown fills a database at 000004 with
// v1-shaped rows, migrates up to the typed model (every question kept as a
// multiple_choice question, every quiz's modules with one batch) and down
// again (the flat columns come back equal).
func TestMigrationTypedQuestionsUpAndDown(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.NewEmpty(t)
	m, err := schema.NewMigrator(ctx, tdb.DirectURL, time.Minute, logtest.New(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	// downTo rolls back to version want, whatever migrations came later.
	downTo := func(want uint) {
		t.Helper()
		cur, _, err := m.Version()
		require.NoError(t, err)
		require.NoError(t, m.Down(int(cur-want)))
	}
	require.NoError(t, m.Up())
	downTo(4)
	v, _, err := m.Version()
	require.NoError(t, err)
	require.EqualValues(t, 4, v, "the migration before the typed model")

	conn := tdb.Conn(t)
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := conn.Exec(ctx, sql, args...)
		require.NoError(t, err)
	}
	owner := uuid.New()
	exec(`INSERT INTO "user" (id, canvas_id, name) VALUES ($1, 1, 'T')`, owner)
	quizzes := []v1Quiz{
		{uuid.New(), []quiz.Module{{ID: 173468, Name: "CSP"}, {ID: 173467, Name: "Admin \"quoted\""}, {ID: 9007199254740993, Name: "Big id"}}, 10},
		{uuid.New(), []quiz.Module{{ID: 5, Name: "Only"}}, 200},
		{uuid.New(), []quiz.Module{{ID: 1, Name: "A"}, {ID: 2, Name: "B"}, {ID: 3, Name: "C"}}, 2},
		{uuid.New(), []quiz.Module{}, 7},
	}
	for _, q := range quizzes {
		mods, err := json.Marshal(q.Modules)
		require.NoError(t, err)
		exec(`INSERT INTO quiz (id, owner_id, canvas_course_id, canvas_course_name, selected_modules, title, question_count)
			VALUES ($1, $2, 37823, 'Course', $3, 'Quiz', $4)`, q.ID, owner, mods, q.QuestionCount)
	}
	approvedAt := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	item, job := "item-1", uuid.New()
	rows := []v1Row{
		{uuid.New(), quizzes[0].ID, "What is a CSP?", "a", "b", "c", "d", "A", false, nil, nil, nil},
		{uuid.New(), quizzes[0].ID, `Tags <b>&amp; "quotes"\ and a back\slash, ÆØÅ, 😀` + "\nnew line", "<", ">", "&", "'", "D", true, &approvedAt, &item, &job},
		{uuid.New(), quizzes[1].ID, "Second quiz?", "one", "two", "three", "four", "C", true, &approvedAt, nil, &job},
	}
	for i, r := range rows {
		exec(`INSERT INTO question (id, quiz_id, question_text, option_a, option_b, option_c, option_d, correct_answer,
			is_approved, approved_at, canvas_item_id, generation_job_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now() + $13 * interval '1 second')`,
			r.ID, r.QuizID, r.QuestionText, r.OptionA, r.OptionB, r.OptionC, r.OptionD, r.CorrectAnsw,
			r.IsApproved, r.ApprovedAt, r.CanvasItemID, r.GenerationJobID, i)
	}

	require.NoError(t, m.Up())
	s := db.NewStore(tdb.Open(t))
	mc, _ := qtype.Lookup(qtype.MultipleChoice)
	for _, want := range rows {
		got, err := s.Question(ctx, want.ID)
		require.NoError(t, err)
		assert.Equal(t, []any{want.QuizID, want.QuestionText, want.OptionA, want.OptionB, want.OptionC, want.OptionD, want.CorrectAnsw,
			want.IsApproved, want.CanvasItemID},
			[]any{got.QuizID, got.QuestionText, got.OptionA, got.OptionB, got.OptionC, got.OptionD, got.CorrectAnswer,
				got.IsApproved, got.CanvasItemID})
		if want.ApprovedAt != nil {
			require.NotNil(t, got.ApprovedAt)
			assert.True(t, want.ApprovedAt.Equal(*got.ApprovedAt))
		}
		assert.Equal(t, qtype.MultipleChoice, got.Type)
		assert.Equal(t, qtype.Medium, got.Difficulty)
		assert.Equal(t, []string{}, got.Tags)
		assert.False(t, got.Deleted)
		// The migrated data is what multiple_choice's Normalize writes.
		norm, err := mc.Normalize(got.Data)
		require.NoError(t, err, "migrated data is valid multiple_choice data")
		assert.JSONEq(t, string(norm), string(got.Data))
	}
	qs, err := s.Questions(ctx, quizzes[0].ID)
	require.NoError(t, err)
	require.Len(t, qs, 2)
	assert.Equal(t, []uuid.UUID{rows[0].ID, rows[1].ID}, []uuid.UUID{qs[0].ID, qs[1].ID}, "order kept")
	stats, err := s.QuestionStats(ctx, quizzes[0].ID)
	require.NoError(t, err)
	assert.Equal(t, quiz.QuestionStats{Total: 2, Approved: 1}, stats)

	for _, want := range quizzes {
		got, err := s.Quiz(ctx, want.ID)
		require.NoError(t, err)
		assert.Equal(t, want.Modules, got.SelectedModules, "v1's modules, in order")
		assert.Equal(t, want.QuestionCount, got.QuestionCount)
		assert.True(t, got.V1)
		assert.Equal(t, qtype.English, got.Language)
		assert.Equal(t, quiz.Academic, got.Tone)
		assert.Empty(t, got.CustomInstructions)
		assert.Equal(t, quiz.FromV1(want.Modules, want.QuestionCount), got.Modules, "FromV1's batches")
		if len(want.Modules) > 0 {
			assert.Equal(t, want.QuestionCount, got.Modules.Total())
			assert.Empty(t, got.Modules.ValidateV1())
		}
		// The SQL wrote exactly what StoredJSON writes.
		stored, err := quiz.FromV1(want.Modules, want.QuestionCount).StoredJSON()
		require.NoError(t, err)
		var raw []byte
		require.NoError(t, conn.QueryRow(ctx, `SELECT selected_modules FROM quiz WHERE id = $1`, want.ID).Scan(&raw))
		assert.JSONEq(t, string(stored), string(raw))
	}
	got, err := s.Quiz(ctx, quizzes[0].ID)
	require.NoError(t, err)
	assert.Equal(t, []int{4, 3, 3}, []int{got.Modules[0].Batches[0].Count, got.Modules[1].Batches[0].Count,
		got.Modules[2].Batches[0].Count})
	assert.Equal(t, "9007199254740993", got.Modules[2].ID, "a big id is kept exactly")

	// Work done in the typed model that v1 cannot hold goes on the way down.
	tf, err := s.AddQuestions(ctx, quizzes[0].ID, []quiz.NewQuestion{{Type: qtype.TrueFalse,
		Data: json.RawMessage(`{"question_text": "Is it true?", "correct_answer": true, "explanation": ""}`)}})
	require.NoError(t, err)
	exec(`UPDATE question SET deleted = true, deleted_at = now() WHERE id = $1`, rows[0].ID)

	downTo(4)
	for _, want := range rows[1:] {
		var got v1Row
		require.NoError(t, conn.QueryRow(ctx, `SELECT id, quiz_id, question_text, option_a, option_b, option_c, option_d,
			correct_answer, is_approved, approved_at, canvas_item_id, generation_job_id FROM question WHERE id = $1`, want.ID).
			Scan(&got.ID, &got.QuizID, &got.QuestionText, &got.OptionA, &got.OptionB, &got.OptionC, &got.OptionD,
				&got.CorrectAnsw, &got.IsApproved, &got.ApprovedAt, &got.CanvasItemID, &got.GenerationJobID))
		if want.ApprovedAt != nil {
			require.NotNil(t, got.ApprovedAt)
			assert.True(t, want.ApprovedAt.Equal(*got.ApprovedAt))
			got.ApprovedAt = want.ApprovedAt
		}
		assert.Equal(t, want, got)
	}
	for _, gone := range []uuid.UUID{rows[0].ID, tf[0].ID} {
		err := conn.QueryRow(ctx, `SELECT id FROM question WHERE id = $1`, gone).Scan(new(uuid.UUID))
		assert.ErrorIs(t, err, pgx.ErrNoRows, "a deleted and a true_false question do not come back to v1")
	}
	for _, want := range quizzes {
		var raw []byte
		require.NoError(t, conn.QueryRow(ctx, `SELECT selected_modules FROM quiz WHERE id = $1`, want.ID).Scan(&raw))
		var mods []quiz.Module // ids exactly, not as float64
		require.NoError(t, json.Unmarshal(raw, &mods))
		assert.Equal(t, want.Modules, mods)
		assert.NotContains(t, string(raw), `"`+"9007199254740993", "ids are numbers again")
	}
	// The flat model's constraints are back.
	_, err = conn.Exec(ctx, `UPDATE question SET correct_answer = 'E' WHERE id = $1`, rows[1].ID)
	require.Error(t, err)

	require.NoError(t, m.Up(), "and up again")
}
