package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"quizgen/internal/db/dbsqlc"
	"quizgen/internal/quiz"
)

// Today's question reads and edits (README, Question types): unlike the v1
// ones in store_questions.go they see questions of every type, always
// through the quiz they belong to; deleted questions stay invisible.

// TypedQuestions returns the page of quiz quizID's questions that f
// selects, in creation order.
func (s *Store) TypedQuestions(ctx context.Context, quizID quiz.ID, f quiz.QuestionFilter) ([]quiz.Question, error) {
	p := questionPage(quizID, f)
	var out []quiz.Question
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) error {
		rows, err := q.ListQuestionsPage(ctx, p)
		if err != nil {
			return err
		}
		out, err = questionsOf(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list questions of quiz %s: %w", quizID, err)
	}
	return out, nil
}

// questionPage is ListQuestionsPage's parameters for f.
func questionPage(quizID quiz.ID, f quiz.QuestionFilter) dbsqlc.ListQuestionsPageParams {
	p := dbsqlc.ListQuestionsPageParams{QuizID: quizID, ApprovedOnly: f.ApprovedOnly, Skip: int64(f.Offset)}
	if f.Type != "" {
		p.QuestionType = new(string(f.Type))
	}
	if f.Limit > 0 {
		p.MaxRows = new(int64(f.Limit))
	}
	return p
}

// questionPageArgs are ListQuestionsPage's arguments for f, in the order
// of its parameters as sqlc numbers them (for a batch, which sends the
// text itself; TestUserWith compares the two).
func questionPageArgs(quizID quiz.ID, f quiz.QuestionFilter) []any {
	p := questionPage(quizID, f)
	return []any{p.QuizID, p.QuestionType, p.ApprovedOnly, p.Skip, p.MaxRows}
}

// TypedQuestion returns question id of quiz quizID, of any type, or
// quiz.ErrNotFound (also for a deleted question or one of another quiz).
func (s *Store) TypedQuestion(ctx context.Context, quizID, id quiz.ID) (quiz.Question, error) {
	var out quiz.Question
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) error {
		row, err := q.GetQuizQuestion(ctx, dbsqlc.GetQuizQuestionParams{ID: id, QuizID: quizID})
		if err != nil {
			return err
		}
		out, err = questionOf(row)
		return err
	})
	if err != nil {
		return quiz.Question{}, fmt.Errorf("get question %s: %w", id, err)
	}
	return out, nil
}

// EditTypedQuestion applies e to question cur (as the caller read it: its
// id, quiz and type). New data is normalized by the question's type: data
// that breaks one of its rules is a *qtype.ValidationError (paths inside
// the data) and nothing changes. Each top-level field of the data the edit
// changes is appended to the question's edit log. It returns
// quiz.ErrNotFound if the question is gone (deleted since it was read).
//
// The edit is one statement outside a transaction, one round trip: the
// database compares the data and appends the log under the row's lock, so
// concurrent edits neither wait on a transaction of ours nor lose one
// another's entries. It runs again like a read when the pooler or the
// database drops it (README, Database connections); its entries carry an
// id of this call, op, and the statement applies only while they are
// absent, so a run whose answer was lost and that is run again cannot log
// the edit twice: it finds the entries and reads the row instead.
func (s *Store) EditTypedQuestion(ctx context.Context, cur quiz.Question, e quiz.QuestionEdit) (quiz.Question, error) {
	p := dbsqlc.EditQuestionOnceParams{ID: cur.ID, QuizID: cur.QuizID, Op: uuid.NewString()}
	if e.Data != nil {
		var err error
		if p.QuestionData, err = normalizeData(cur.Type, e.Data); err != nil {
			return quiz.Question{}, fmt.Errorf("edit question %s: %w", cur.ID, err)
		}
	}
	if e.Difficulty != nil {
		if !e.Difficulty.Valid() {
			return quiz.Question{}, fmt.Errorf("edit question %s: %w", cur.ID,
				invalid(cur.Type, "difficulty", "must be one of easy, medium, hard"))
		}
		p.SetDifficulty, p.Difficulty = true, new(string(*e.Difficulty))
	}
	if e.Tags != nil {
		tags := *e.Tags
		if tags == nil {
			tags = []string{}
		}
		var err error
		if p.Tags, err = json.Marshal(tags); err != nil {
			return quiz.Question{}, err
		}
	}
	var out quiz.Question
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) error {
		row, err := q.EditQuestionOnce(ctx, p)
		if errors.Is(err, pgx.ErrNoRows) {
			// Gone, or edited by an earlier run of this call whose answer
			// was lost.
			row, err = q.QuestionEditedBy(ctx, dbsqlc.QuestionEditedByParams{ID: cur.ID, QuizID: cur.QuizID, Op: p.Op})
		}
		if err != nil {
			return err
		}
		out, err = questionOf(row)
		return err
	})
	if err != nil {
		return quiz.Question{}, fmt.Errorf("edit question %s: %w", cur.ID, err)
	}
	return out, nil
}

// ApproveTypedQuestion approves question id of quiz quizID, of any type
// (again: approved_at is refreshed each time), or returns quiz.ErrNotFound.
//
// It is one statement outside a transaction (one round trip, no COMMIT of
// its own), run again like a read when the pooler or the database drops it
// (README, Database connections): approving is idempotent, so a run whose
// answer was lost and that is run again leaves what one run leaves.
func (s *Store) ApproveTypedQuestion(ctx context.Context, quizID, id quiz.ID) (quiz.Question, error) {
	var out quiz.Question
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) error {
		row, err := q.ApproveQuizQuestion(ctx, dbsqlc.ApproveQuizQuestionParams{ID: id, QuizID: quizID})
		if err != nil {
			return err
		}
		out, err = questionOf(row)
		return err
	})
	if err != nil {
		return quiz.Question{}, fmt.Errorf("approve question %s: %w", id, err)
	}
	return out, nil
}
