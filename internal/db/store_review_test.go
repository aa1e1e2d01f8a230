package db_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// A deleted approved question is not exported: the export's read and
// count skip what the review tools deleted, one by one or in bulk, and the
// deletion keeps the reason given.
func TestReviewDeletedApprovedQuestionsAreNotExported(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := db.NewStore(dbtest.New(t).Open(t))
	u := mustCreateUser(ctx, t, s, 5151)
	q := mustCreateQuiz(ctx, t, s, u.ID)
	added, err := s.AddQuestions(ctx, q.ID, []quiz.NewQuestion{flat("One"), flat("Two"), flat("Three"), flat("Four")})
	require.NoError(t, err)
	all := []quiz.ID{added[0].ID, added[1].ID, added[2].ID, added[3].ID}

	res, err := s.BulkApproveQuestions(ctx, q.ID, all)
	require.NoError(t, err)
	assert.Equal(t, all, res.Done)
	assert.Empty(t, res.Failed)

	reason, feedback := "too_easy", "Trivial."
	require.NoError(t, s.SoftDeleteQuestion(ctx, q.ID, added[0].ID, quiz.Rejection{Reason: &reason, Feedback: &feedback}))
	res, err = s.BulkDeleteQuestions(ctx, q.ID, []quiz.ID{added[0].ID, added[2].ID}, quiz.Rejection{})
	require.NoError(t, err)
	assert.Equal(t, []quiz.ID{added[2].ID}, res.Done)
	assert.Equal(t, []quiz.ID{added[0].ID}, res.Failed, "deleted already")

	exported, err := s.ApprovedQuestions(ctx, q.ID)
	require.NoError(t, err)
	var got []quiz.ID
	for _, e := range exported {
		got = append(got, e.ID)
	}
	assert.ElementsMatch(t, []quiz.ID{added[1].ID, added[3].ID}, got, "added in one transaction: no order among them")
	n, err := s.ApprovedQuestionCount(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, n)

	assert.ErrorIs(t, s.SoftDeleteQuestion(ctx, q.ID, added[0].ID, quiz.Rejection{}), quiz.ErrNotFound, "deleted already")
	assert.ErrorIs(t, s.SoftDeleteQuestion(ctx, uuid.New(), added[1].ID, quiz.Rejection{}), quiz.ErrNotFound, "through another quiz")
}

// A manual question is normalized by its type (invalid data is a
// *qtype.ValidationError and nothing is stored), has no module, and needs
// its quiz to exist.
func TestReviewAddManualQuestion(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := db.NewStore(dbtest.New(t).Open(t))
	u := mustCreateUser(ctx, t, s, 5252)
	q := mustCreateQuiz(ctx, t, s, u.ID)
	tf := quiz.NewQuestion{Type: qtype.TrueFalse, Difficulty: qtype.Easy, Tags: []string{"t"},
		Data: json.RawMessage(`{"question_text": " Is a queue FIFO? ", "correct_answer": true}`)}

	got, err := s.AddManualQuestion(ctx, q.ID, tf)
	require.NoError(t, err)
	assert.JSONEq(t, `{"question_text": "Is a queue FIFO?", "correct_answer": true, "explanation": ""}`, string(got.Data))
	assert.Equal(t, qtype.Easy, got.Difficulty)
	assert.Equal(t, []string{"t"}, got.Tags)
	assert.Empty(t, got.ModuleID)

	bad := tf
	bad.Data = json.RawMessage(`{"question_text": "", "correct_answer": true}`)
	_, err = s.AddManualQuestion(ctx, q.ID, bad)
	var ve *qtype.ValidationError
	require.True(t, errors.As(err, &ve), "%v", err)
	assert.Equal(t, []any{"question_text"}, ve.Problems[0].Path)

	_, err = s.AddManualQuestion(ctx, uuid.New(), tf)
	assert.ErrorIs(t, err, quiz.ErrNotFound, "no such quiz")

	all, err := s.AllQuestions(ctx, q.ID)
	require.NoError(t, err)
	assert.Len(t, all, 1, "only the valid one was stored")
}
