package db

import (
	"context"
	"fmt"

	"quizgen/internal/db/dbsqlc"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// RefuseQuestion leaves question questionID of quiz id unapproved after
// the export could not send it (Canvas refused its item, or its data
// breaks its type), and records why in the same write: reason in
// rejection_reason, the message (Canvas's, or the type's) in
// rejection_feedback, cut to the column's 500 characters. It does so only
// if job jobID holds the export (else quiz.ErrConflict and nothing is
// written). The teacher fixes the question and approves it again, and a
// retried export sends it then; until then ExportRefusals lists it.
func (s *Store) RefuseQuestion(ctx context.Context, id, jobID, questionID quiz.ID, reason, feedback string) error {
	return s.guarded(ctx, "unapprove refused question", func(q txQueries) (int64, error) {
		return q.RefuseExportQuestion(ctx, dbsqlc.RefuseExportQuestionParams{
			QuizID: id, JobID: jobID, QuestionID: questionID, Reason: reason, Feedback: cutRunes(feedback, 500),
		})
	})
}

// ExportRefusal is a question an export refused (RefuseQuestion) that is
// still unapproved and not deleted.
type ExportRefusal struct {
	QuestionID quiz.ID
	// Position is the question's place (from 1) among the quiz's
	// questions that are not deleted, in the order the teacher reviews
	// them (created_at, then id).
	Position int
	Type     qtype.Name
	// Reason and Feedback are what RefuseQuestion recorded.
	Reason   string
	Feedback string
}

// ExportRefusals lists the questions of quiz id that an export refused
// with one of reasons and that are still unapproved and not deleted, by
// Position: a question fixed and approved again, or deleted, is no longer
// listed.
func (s *Store) ExportRefusals(ctx context.Context, id quiz.ID, reasons []string) ([]ExportRefusal, error) {
	var out []ExportRefusal
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) error {
		rows, err := q.ListExportRefusals(ctx, dbsqlc.ListExportRefusalsParams{QuizID: id, Reasons: reasons})
		if err != nil {
			return err
		}
		out = make([]ExportRefusal, len(rows))
		for i, r := range rows {
			out[i] = ExportRefusal{QuestionID: r.ID, Position: int(r.Position), Type: qtype.Name(r.QuestionType),
				Reason: r.Reason, Feedback: r.Feedback}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list export refusals of quiz %s: %w", id, err)
	}
	return out, nil
}

// ApprovedQuestionCount counts the questions an export of quiz id would
// send: approved and not deleted, of every type (QuestionStats counts
// v1's multiple_choice questions only).
func (s *Store) ApprovedQuestionCount(ctx context.Context, id quiz.ID) (int, error) {
	var n int32
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) (err error) {
		n, err = q.CountApprovedQuestions(ctx, id)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("count approved questions of quiz %s: %w", id, err)
	}
	return int(n), nil
}

// cutRunes keeps the first n characters of s.
func cutRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
