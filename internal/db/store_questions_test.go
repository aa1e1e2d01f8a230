package db_test

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// flat is a valid v1 multiple-choice question.
func flat(text string) quiz.NewQuestion {
	return quiz.NewQuestion{QuestionText: text, OptionA: "a", OptionB: "b", OptionC: "c", OptionD: "d", CorrectAnswer: "B"}
}

func TestInvalidQuestionsAreRefusedAndNothingIsStored(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	u := mustCreateUser(ctx, t, s, 4242)
	q := mustCreateQuiz(ctx, t, s, u.ID)

	for name, bad := range map[string]quiz.NewQuestion{
		"typed data breaking its rules":   {Type: qtype.TrueFalse, Data: json.RawMessage(`{"question_text": " ", "explanation": ""}`)},
		"an unknown field":                {Type: qtype.TrueFalse, Data: json.RawMessage(`{"question_text": "Q", "correct_answer": true, "explanation": "", "x": 1}`)},
		"an unknown type":                 {Type: "essay", Data: json.RawMessage(`{}`)},
		"a bad difficulty":                {Type: qtype.TrueFalse, Difficulty: "extreme", Data: json.RawMessage(`{"question_text": "Q", "correct_answer": true, "explanation": ""}`)},
		"a v1 question with a blank text": {QuestionText: "  ", OptionA: "a", OptionB: "b", OptionC: "c", OptionD: "d", CorrectAnswer: "A"},
		"a v1 question with a bad answer": {QuestionText: "Q", OptionA: "a", OptionB: "b", OptionC: "c", OptionD: "d", CorrectAnswer: "E"},
	} {
		// A valid question beside it is not stored either.
		_, err := s.AddQuestions(ctx, q.ID, []quiz.NewQuestion{flat("Valid?"), bad})
		var ve *qtype.ValidationError
		require.ErrorAs(t, err, &ve, name)
		assert.NotEmpty(t, ve.Problems, name)
		_, err = s.SaveBatch(ctx, q.ID, uuid.New(), uuid.New(), []quiz.NewQuestion{bad}, nil)
		require.ErrorAs(t, err, &ve, "%s: a batch's questions are checked before anything else", name)
	}
	all, err := s.AllQuestions(ctx, q.ID)
	require.NoError(t, err)
	assert.Empty(t, all, "nothing was stored")
}

func TestOtherTypesAndDeletedQuestionsAreInvisibleToV1(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	u := mustCreateUser(ctx, t, s, 4343)
	q := mustCreateQuiz(ctx, t, s, u.ID)

	added, err := s.AddQuestions(ctx, q.ID, []quiz.NewQuestion{
		flat("Visible?"),
		{Type: qtype.TrueFalse, Difficulty: qtype.Hard, Tags: []string{"logic"}, ModuleID: "173468",
			Data: json.RawMessage(`{"question_text": "  True?  ", "correct_answer": false, "explanation": "Because."}`)},
		flat("Soft-deleted?"),
	})
	require.NoError(t, err)
	require.Len(t, added, 3)
	mc, tf, del := added[0], added[1], added[2]
	assert.Equal(t, qtype.MultipleChoice, mc.Type)
	assert.Equal(t, qtype.Medium, mc.Difficulty, "v1's questions are of medium difficulty")
	assert.Equal(t, "Visible?", mc.QuestionText)
	assert.Equal(t, qtype.TrueFalse, tf.Type)
	assert.Equal(t, qtype.Hard, tf.Difficulty)
	assert.Equal(t, []string{"logic"}, tf.Tags)
	assert.Equal(t, "173468", tf.ModuleID)
	assert.JSONEq(t, `{"question_text": "True?", "correct_answer": false, "explanation": "Because."}`, string(tf.Data), "normalized")
	assert.Empty(t, tf.QuestionText, "no flat projection for another type")
	require.NoError(t, db.InTxForTest(ctx, s, func(exec func(string, ...any) error) error {
		return exec(`UPDATE question SET deleted = true, deleted_at = now(), rejection_reason = 'off_topic' WHERE id = $1`, del.ID)
	}))
	_, err = s.ApproveQuestion(ctx, q.ID, mc.ID)
	require.NoError(t, err)

	list, err := s.Questions(ctx, q.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, mc.ID, list[0].ID)
	stats, err := s.QuestionStats(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, quiz.QuestionStats{Total: 1, Approved: 1}, stats)
	approved, err := s.ApprovedQuestions(ctx, q.ID)
	require.NoError(t, err)
	require.Len(t, approved, 1)
	assert.Equal(t, mc.ID, approved[0].ID)
	for _, hidden := range []quiz.Question{tf, del} {
		_, err = s.Question(ctx, hidden.ID)
		assert.ErrorIs(t, err, quiz.ErrNotFound)
		_, err = s.ApproveQuestion(ctx, q.ID, hidden.ID)
		assert.ErrorIs(t, err, quiz.ErrNotFound)
		_, err = s.UpdateQuestion(ctx, q.ID, hidden.ID, quiz.QuestionPatch{QuestionText: new("Edited")})
		assert.ErrorIs(t, err, quiz.ErrNotFound)
		assert.ErrorIs(t, s.DeleteQuestion(ctx, q.ID, hidden.ID), quiz.ErrNotFound)
	}

	all, err := s.AllQuestions(ctx, q.ID)
	require.NoError(t, err)
	require.Len(t, all, 2, "every type, not the deleted one")
	// One transaction's questions share created_at: their order is by id.
	if all[0].ID != mc.ID {
		all[0], all[1] = all[1], all[0]
	}
	assert.Equal(t, []uuid.UUID{mc.ID, tf.ID}, []uuid.UUID{all[0].ID, all[1].ID})
	assert.False(t, all[1].IsApproved, "v1's approve did not reach it")
	assert.Equal(t, "True?", mustText(t, all[1].Data), "v1's edit did not reach it")
}

func mustText(t *testing.T, data json.RawMessage) string {
	t.Helper()
	var d struct {
		QuestionText string `json:"question_text"`
	}
	require.NoError(t, json.Unmarshal(data, &d))
	return d.QuestionText
}

func TestV1EditIsValidatedAndNormalized(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	u := mustCreateUser(ctx, t, s, 4444)
	q := mustCreateQuiz(ctx, t, s, u.ID)
	added, err := s.AddQuestions(ctx, q.ID, []quiz.NewQuestion{flat("Original?")})
	require.NoError(t, err)
	id := added[0].ID

	_, err = s.UpdateQuestion(ctx, q.ID, id, quiz.QuestionPatch{QuestionText: new("Fine"), OptionB: new("   ")})
	var ve *qtype.ValidationError
	require.ErrorAs(t, err, &ve, "a blank option is refused, not stored")
	require.Len(t, ve.Problems, 1)
	assert.Equal(t, []any{"option_b"}, ve.Problems[0].Path)
	got, err := s.Question(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, []string{"Original?", "b"}, []string{got.QuestionText, got.OptionB}, "nothing changed")

	got, err = s.UpdateQuestion(ctx, q.ID, id, quiz.QuestionPatch{OptionC: new(" Changed C "), CorrectAnswer: new("D")})
	require.NoError(t, err)
	assert.Equal(t, []string{"Original?", "a", "b", "Changed C", "d", "D"},
		[]string{got.QuestionText, got.OptionA, got.OptionB, got.OptionC, got.OptionD, got.CorrectAnswer},
		"a partial edit keeps the other fields; texts are trimmed")
	require.NotNil(t, got.UpdatedAt)
	assert.JSONEq(t, `{"question_text": "Original?", "option_a": "a", "option_b": "b", "option_c": "Changed C",
		"option_d": "d", "correct_answer": "D", "explanation": ""}`, string(got.Data))
}

func TestQuizzesCarryTheTypedSettings(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	u := mustCreateUser(ctx, t, s, 4545)
	q := mustCreateQuiz(ctx, t, s, u.ID)
	mods := []quiz.Module{{ID: 173468, Name: "CSP"}, {ID: 173467, Name: "Admin"}}

	check := func(name string, got quiz.Quiz) {
		t.Helper()
		assert.Equal(t, mods, got.SelectedModules, name)
		assert.Equal(t, quiz.FromV1(mods, 10), got.Modules, name)
		assert.True(t, got.V1, name)
		assert.Equal(t, qtype.English, got.Language, name)
		assert.Equal(t, quiz.Academic, got.Tone, name)
		assert.Empty(t, got.CustomInstructions, name)
	}
	check("create", q)
	got, err := s.Quiz(ctx, q.ID)
	require.NoError(t, err)
	check("get", got)
	got, err = s.QuizWithContent(ctx, q.ID)
	require.NoError(t, err)
	check("with content", got)
	_, pre, err := s.UserWith(ctx, u.ID, quiz.Prefetch{Quiz: &q.ID})
	require.NoError(t, err)
	require.NoError(t, pre.QuizErr)
	check("user and quiz", *pre.Quiz)
	list, err := s.QuizSummariesByOwner(ctx, u.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	check("summaries", list[0])
	got, err = s.MoveStatus(ctx, q.ID, quiz.StageExport, quiz.StatusPending, quiz.StatusPending)
	require.NoError(t, err)
	check("status move", got)
}
