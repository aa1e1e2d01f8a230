package db_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// addTyped stores n multiple-choice questions of today's kind for quiz id.
func addTyped(ctx context.Context, t *testing.T, s *db.Store, id quiz.ID, n int) []quiz.Question {
	t.Helper()
	nq := make([]quiz.NewQuestion, n)
	for i := range nq {
		nq[i] = quiz.NewQuestion{Type: qtype.MultipleChoice, Data: mcqData(fmt.Sprintf("Which structure holds the frontier (%d)?", i)),
			Difficulty: qtype.Medium, Tags: []string{"search"}, ModuleID: "173468"}
	}
	qs, err := s.AddQuestions(ctx, id, nq)
	require.NoError(t, err)
	return qs
}

func mcqData(text string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"question_text": text, "option_a": "queue", "option_b": "heap",
		"option_c": "tree", "option_d": "graph", "correct_answer": "A", "explanation": "The content says so."})
	return b
}

// TestUserWith: what a request reads with its user in one round trip is
// what the separate reads return (the quiz, a question, a filtered page of
// questions, the user's quizzes), and each missing part is told apart.
func TestUserWith(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	u := mustCreateUser(ctx, t, s, 6101)
	q := mustCreateQuiz(ctx, t, s, u.ID)
	mustCreateQuiz(ctx, t, s, u.ID)
	qs := addTyped(ctx, t, s, q.ID, 5)
	_, err := s.ApproveTypedQuestion(ctx, q.ID, qs[1].ID)
	require.NoError(t, err)
	_, err = s.ApproveTypedQuestion(ctx, q.ID, qs[3].ID)
	require.NoError(t, err)
	require.NoError(t, s.SoftDeleteQuestion(ctx, q.ID, qs[4].ID, quiz.Rejection{}))

	t.Run("everything", func(t *testing.T) {
		for _, f := range []quiz.QuestionFilter{{}, {Limit: 2}, {Limit: 2, Offset: 1}, {ApprovedOnly: true},
			{Type: qtype.MultipleChoice, Offset: 3}, {Type: qtype.TrueFalse}} {
			got, pre, err := s.UserWith(ctx, u.ID, quiz.Prefetch{Quiz: &q.ID, Question: &qs[2].ID, Questions: &f, Quizzes: true})
			require.NoError(t, err)
			assert.Equal(t, u.ID, got.ID)
			assert.Equal(t, u.SessionVersion, got.SessionVersion)
			require.NoError(t, pre.QuizErr)
			wantQuiz, err := s.Quiz(ctx, q.ID)
			require.NoError(t, err)
			assert.Equal(t, wantQuiz.ID, pre.Quiz.ID)
			assert.Equal(t, wantQuiz.Title, pre.Quiz.Title)
			require.NoError(t, pre.QuestionErr)
			wantQuestion, err := s.TypedQuestion(ctx, q.ID, qs[2].ID)
			require.NoError(t, err)
			assert.Equal(t, wantQuestion, *pre.Question)
			wantPage, err := s.TypedQuestions(ctx, q.ID, f)
			require.NoError(t, err)
			assert.Equal(t, len(wantPage), len(pre.Questions), "%+v", f)
			if len(wantPage) > 0 {
				assert.Equal(t, wantPage, pre.Questions, "the page of %+v", f)
			}
			assert.NotNil(t, pre.Questions, "a page asked for is never nil")
			wantQuizzes, err := s.QuizSummariesVisibleTo(ctx, u.ID)
			require.NoError(t, err)
			require.Len(t, pre.Quizzes, 2)
			assert.Equal(t, wantQuizzes, pre.Quizzes)
		}
	})
	t.Run("only what is asked", func(t *testing.T) {
		got, pre, err := s.UserWith(ctx, u.ID, quiz.Prefetch{})
		require.NoError(t, err)
		assert.Equal(t, u.ID, got.ID)
		assert.Equal(t, quiz.Prefetched{}, pre)
	})
	t.Run("missing parts", func(t *testing.T) {
		_, _, err := s.UserWith(ctx, uuid.New(), quiz.Prefetch{Quiz: &q.ID, Quizzes: true})
		assert.ErrorIs(t, err, quiz.ErrNotFound, "no such user")

		other := uuid.New()
		_, pre, err := s.UserWith(ctx, u.ID, quiz.Prefetch{Quiz: &other, Question: &qs[0].ID})
		require.NoError(t, err)
		assert.ErrorIs(t, pre.QuizErr, quiz.ErrNotFound, "no such quiz")
		assert.ErrorIs(t, pre.QuestionErr, quiz.ErrNotFound, "the question is not of that quiz")

		_, pre, err = s.UserWith(ctx, u.ID, quiz.Prefetch{Quiz: &q.ID, Question: &qs[4].ID})
		require.NoError(t, err)
		require.NoError(t, pre.QuizErr)
		assert.ErrorIs(t, pre.QuestionErr, quiz.ErrNotFound, "a deleted question")
	})
}

// TestEditLogsEveryChangedField: an edit appends one entry per top-level
// field of the data whose value changes, in field name order, and an edit
// that changes no field of the data (tags only, or the same data again)
// logs nothing.
func TestEditLogsEveryChangedField(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	u := mustCreateUser(ctx, t, s, 6102)
	q := mustCreateQuiz(ctx, t, s, u.ID)
	cur := addTyped(ctx, t, s, q.ID, 1)[0]

	var d map[string]any
	require.NoError(t, json.Unmarshal(cur.Data, &d))
	d["question_text"], d["correct_answer"] = "Which structure is FIFO?", "B"
	b, _ := json.Marshal(d)
	hard := qtype.Hard
	got, err := s.EditTypedQuestion(ctx, cur, quiz.QuestionEdit{Data: b, Difficulty: &hard})
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(got.Data))
	assert.Equal(t, qtype.Hard, got.Difficulty)
	assert.Equal(t, []string{"search"}, got.Tags, "absent tags are kept")

	tags := []string{"fifo"}
	got, err = s.EditTypedQuestion(ctx, got, quiz.QuestionEdit{Data: b, Tags: &tags})
	require.NoError(t, err, "the same data again, new tags")
	assert.Equal(t, []string{"fifo"}, got.Tags)
	assert.Equal(t, qtype.Hard, got.Difficulty, "absent difficulty is kept")
	assert.JSONEq(t, string(b), string(got.Data))

	easy := qtype.Easy
	got, err = s.EditTypedQuestion(ctx, got, quiz.QuestionEdit{Difficulty: &easy})
	require.NoError(t, err, "difficulty only")
	assert.JSONEq(t, string(b), string(got.Data), "absent data is kept")
	assert.Equal(t, qtype.Easy, got.Difficulty)

	log := editLogOf(ctx, t, tdb, cur.ID)
	require.Len(t, log, 2, "%v", log)
	assert.Equal(t, "correct_answer", log[0]["field"])
	assert.Equal(t, "A", log[0]["old_value"])
	assert.Equal(t, "B", log[0]["new_value"])
	assert.Equal(t, "question_text", log[1]["field"])
	assert.Equal(t, "Which structure is FIFO?", log[1]["new_value"])
	assert.Equal(t, log[0]["op"], log[1]["op"], "one edit's entries share its op")

	bad := quiz.QuestionEdit{Data: json.RawMessage(`{"question_text": " "}`)}
	_, err = s.EditTypedQuestion(ctx, got, bad)
	var ve *qtype.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Len(t, editLogOf(ctx, t, tdb, cur.ID), 2, "a refused edit logs nothing")

	require.NoError(t, s.SoftDeleteQuestion(ctx, q.ID, cur.ID, quiz.Rejection{}))
	_, err = s.EditTypedQuestion(ctx, got, quiz.QuestionEdit{Data: b})
	assert.ErrorIs(t, err, quiz.ErrNotFound, "deleted since it was read")
}

// TestConcurrentEditsLogEachOther: edits of one question at once each log
// their change against the data the one before them left (the log is
// written under the row's lock), none lost.
func TestConcurrentEditsLogEachOther(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	u := mustCreateUser(ctx, t, s, 6103)
	q := mustCreateQuiz(ctx, t, s, u.ID)
	cur := addTyped(ctx, t, s, q.ID, 1)[0]

	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.EditTypedQuestion(ctx, cur, quiz.QuestionEdit{Data: mcqData(fmt.Sprintf("Edit %d?", i))})
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	log := editLogOf(ctx, t, tdb, cur.ID)
	require.Len(t, log, n, "one entry per edit")
	prev := "Which structure holds the frontier (0)?"
	seen := map[any]bool{}
	for _, e := range log {
		assert.Equal(t, "question_text", e["field"])
		assert.Equal(t, prev, e["old_value"], "each edit logs against the one before it")
		prev, _ = e["new_value"].(string)
		seen[e["new_value"]] = true
	}
	assert.Len(t, seen, n, "every edit's text was logged")
}

// TestEditWhoseAnswerIsLostIsLoggedOnce: when the connection dies after
// the server applied an edit but before its answer arrives, the edit runs
// again and finds its own entries: it is not applied twice. Another
// teacher's edit lands in between, so an edit applied again would undo
// it (and log a change nobody asked for); instead the caller gets the
// question as it now is and the log holds each edit once.
func TestEditWhoseAnswerIsLostIsLoggedOnce(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	setup := db.NewStore(tdb.Open(t))
	u := mustCreateUser(ctx, t, setup, 6104)
	q := mustCreateQuiz(ctx, t, setup, u.ID)
	cur := addTyped(ctx, t, setup, q.ID, 1)[0]

	pu, err := url.Parse(tdb.PoolerURL)
	require.NoError(t, err)
	var cut interface{ Load() bool }
	var otherErr error
	pu.Host, cut = cutAfterAnswerProxy(t, pu.Host, "UPDATE 1", func() {
		_, otherErr = setup.EditTypedQuestion(ctx, cur, quiz.QuestionEdit{Data: mcqData("Which structure is LIFO?")})
	})
	cfg := db.DefaultConfig(pu.String(), db.PoolerPgBouncer)
	cfg.UnavailableWait = 20 * time.Second
	p, err := db.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(p.Close)
	s := db.NewStore(p)

	got, err := s.EditTypedQuestion(ctx, cur, quiz.QuestionEdit{Data: mcqData("Which structure is FIFO?")})
	require.NoError(t, err, "applied: success")
	assert.True(t, cut.Load(), "the edit's answer was lost")
	require.NoError(t, otherErr, "the other edit")
	assert.Contains(t, string(got.Data), "Which structure is LIFO?", "the question as it now is")
	log := editLogOf(ctx, t, tdb, cur.ID)
	require.Len(t, log, 2, "each edit logged once: %v", log)
	assert.Equal(t, "Which structure is FIFO?", log[0]["new_value"])
	assert.Equal(t, "Which structure is LIFO?", log[1]["new_value"])
}

func editLogOf(ctx context.Context, t *testing.T, tdb *dbtest.DB, id quiz.ID) []map[string]any {
	t.Helper()
	var log []map[string]any
	require.NoError(t, tdb.Conn(t).QueryRow(ctx, "SELECT edit_log FROM question WHERE id = $1", id).Scan(&log))
	return log
}
