package db_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// The export reads every approved question that is not deleted, of every
// type, in export order; RefuseQuestion unapproves one only while the
// job holds the export.
func TestApprovedQuestionsOfEveryTypeAndRefuseQuestion(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	u := mustCreateUser(ctx, t, s, 4545)
	q := mustCreateQuiz(ctx, t, s, u.ID)
	tf := quiz.NewQuestion{Type: qtype.TrueFalse, Difficulty: qtype.Easy,
		Data: json.RawMessage(`{"question_text": "True?", "correct_answer": true, "explanation": ""}`)}
	var added []quiz.Question
	for _, nq := range []quiz.NewQuestion{flat("First"), tf, tf, flat("Not approved")} {
		a, err := s.AddQuestions(ctx, q.ID, []quiz.NewQuestion{nq})
		require.NoError(t, err)
		added = append(added, a...)
	}
	jobID := uuid.New()
	require.NoError(t, db.InTxForTest(ctx, s, func(exec func(string, ...any) error) error {
		for _, a := range added[:3] {
			if err := exec(`UPDATE question SET is_approved = true, approved_at = now() WHERE id = $1`, a.ID); err != nil {
				return err
			}
		}
		if err := exec(`UPDATE question SET deleted = true, deleted_at = now() WHERE id = $1`, added[2].ID); err != nil {
			return err
		}
		return exec(`UPDATE quiz SET export_status = 'processing', export_job_id = $2, export_started_at = now() WHERE id = $1`,
			q.ID, jobID)
	}))

	got, err := s.ApprovedQuestions(ctx, q.ID)
	require.NoError(t, err)
	require.Len(t, got, 2, "approved and not deleted, of every type")
	assert.Equal(t, added[0].ID, got[0].ID)
	assert.Equal(t, added[1].ID, got[1].ID)
	assert.Equal(t, qtype.TrueFalse, got[1].Type)
	assert.JSONEq(t, string(added[1].Data), string(got[1].Data))

	n, err := s.ApprovedQuestionCount(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "approved and not deleted, of every type")
	stats, err := s.QuestionStats(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, stats.Approved, "v1 counts its multiple_choice questions only")

	require.ErrorIs(t, s.RefuseQuestion(ctx, q.ID, uuid.New(), added[1].ID, "canvas_refused", "bad"), quiz.ErrConflict, "another job")
	refusals, err := s.ExportRefusals(ctx, q.ID, []string{"canvas_refused"})
	require.NoError(t, err)
	assert.Empty(t, refusals, "nothing written by another job")
	long := strings.Repeat("é", 600)
	require.NoError(t, s.RefuseQuestion(ctx, q.ID, jobID, added[1].ID, "canvas_refused", long))
	got, err = s.ApprovedQuestions(ctx, q.ID)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, added[0].ID, got[0].ID, "the refused question is no longer approved")
	n, err = s.ApprovedQuestionCount(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	refusals, err = s.ExportRefusals(ctx, q.ID, []string{"canvas_refused", "invalid_for_export"})
	require.NoError(t, err)
	assert.Equal(t, []db.ExportRefusal{{QuestionID: added[1].ID, Position: 2, Type: qtype.TrueFalse,
		Reason: "canvas_refused", Feedback: strings.Repeat("é", 500)}}, refusals,
		"recorded with the unapproval, the message cut to the column's 500 characters")
	refusals, err = s.ExportRefusals(ctx, q.ID, []string{"invalid_for_export"})
	require.NoError(t, err)
	assert.Empty(t, refusals, "only the reasons asked for")

	require.NoError(t, s.CompleteStage(ctx, q.ID, quiz.StageExport, jobID))
	require.ErrorIs(t, s.RefuseQuestion(ctx, q.ID, jobID, added[0].ID, "canvas_refused", "x"), quiz.ErrConflict, "the export is over")

	require.NoError(t, db.InTxForTest(ctx, s, func(exec func(string, ...any) error) error {
		return exec(`UPDATE question SET is_approved = true, approved_at = now() WHERE id = $1`, added[1].ID)
	}))
	refusals, err = s.ExportRefusals(ctx, q.ID, []string{"canvas_refused"})
	require.NoError(t, err)
	assert.Empty(t, refusals, "approved again: no longer refused")
}
