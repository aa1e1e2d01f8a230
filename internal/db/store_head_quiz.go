package db

import (
	"context"
	"fmt"

	"quizgen/internal/db/dbsqlc"
	"quizgen/internal/quiz"
)

// LiveQuestionStats counts the questions of quiz id that are not deleted,
// of every type, and the approved ones (today's GET
// /quiz/{id}/questions/stats; QuestionStats counts v1's only).
func (s *Store) LiveQuestionStats(ctx context.Context, id quiz.ID) (quiz.QuestionStats, error) {
	var out quiz.QuestionStats
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) error {
		r, err := q.LiveQuestionStats(ctx, id)
		out = quiz.QuestionStats{Total: int(r.Total), Approved: int(r.Approved)}
		return err
	})
	if err != nil {
		return quiz.QuestionStats{}, fmt.Errorf("count live questions of quiz %s: %w", id, err)
	}
	return out, nil
}
