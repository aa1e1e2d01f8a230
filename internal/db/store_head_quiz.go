package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

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

// LiveQuestionCounts returns, for each of quiz ids with questions, the
// number of its questions not deleted, of every type, in one query
// (today's question_count once a generation finished; a quiz without
// questions is absent).
func (s *Store) LiveQuestionCounts(ctx context.Context, ids []quiz.ID) (map[quiz.ID]int, error) {
	out := make(map[quiz.ID]int, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) error {
		text := make([]string, len(ids))
		for i, id := range ids {
			text[i] = id.String()
		}
		rows, err := q.LiveQuestionCounts(ctx, text)
		for _, r := range rows {
			out[r.QuizID] = int(r.Live)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("count live questions of %d quizzes: %w", len(ids), err)
	}
	return out, nil
}

// UpdateQuizSettings applies p to owner's quiz id (nil fields keep their
// value) and returns the quiz as stored, or quiz.ErrNotFound.
func (s *Store) UpdateQuizSettings(ctx context.Context, owner, id quiz.ID, p quiz.SettingsPatch) (quiz.Quiz, error) {
	var out quiz.Quiz
	err := s.inTx(ctx, func(q txQueries) error {
		row, err := q.UpdateQuizSettings(ctx, dbsqlc.UpdateQuizSettingsParams{
			ID: id, OwnerID: owner, Title: p.Title, LlmModel: p.LLMModel, LlmTemperature: p.LLMTemperature,
			Language: (*string)(p.Language),
		})
		if errors.Is(err, pgx.ErrNoRows) {
			return quiz.ErrNotFound
		}
		if err != nil {
			return err
		}
		out, err = quizOf(row)
		return err
	})
	if err != nil {
		return quiz.Quiz{}, fmt.Errorf("update settings of quiz %s: %w", id, err)
	}
	return out, nil
}

// RetryFailedBatchesCharged is RetryFailedBatches of owner's quiz id as a
// generation run that lim allows over the owner's usage (the failed
// batches' questions), charged in the same transaction. It returns a
// *quiz.LimitError when refused, quiz.ErrNotFound for another owner's
// quiz and quiz.ErrConflict when there is nothing to retry.
func (s *Store) RetryFailedBatchesCharged(ctx context.Context, owner, id quiz.ID, lim quiz.Limits) ([]quiz.GenerationBatch, quiz.Charge, error) {
	var (
		out []quiz.GenerationBatch
		ch  quiz.Charge
	)
	err := s.inTx(ctx, func(q txQueries) error {
		u, day, err := usageIn(ctx, q, owner, &id)
		if err != nil {
			return err
		}
		if out, err = retryFailedIn(ctx, q, id, &owner); err != nil {
			return err
		}
		n := 0
		for _, b := range out {
			n += b.Count
		}
		if err := lim.Allow(u, n); err != nil {
			return err
		}
		ch = quiz.Charge{Day: day, Questions: n}
		return chargeIn(ctx, q, owner, id, ch)
	})
	if err != nil {
		return nil, quiz.Charge{}, fmt.Errorf("retry failed batches of quiz %s: %w", id, err)
	}
	return out, ch, nil
}

// RegenerateBatchCharged is RegenerateBatch of owner's quiz id as a
// generation run of sp.Count questions that lim allows, charged in the
// same transaction; its errors are RegenerateBatch's, a
// *quiz.LimitError and quiz.ErrNotFound for another owner's quiz.
func (s *Store) RegenerateBatchCharged(ctx context.Context, owner, id quiz.ID, sp quiz.BatchSpec, lim quiz.Limits) (quiz.GenerationBatch, quiz.Charge, error) {
	var (
		out quiz.GenerationBatch
		ch  quiz.Charge
	)
	err := s.inTx(ctx, func(q txQueries) error {
		u, day, err := usageIn(ctx, q, owner, &id)
		if err != nil {
			return err
		}
		if out, err = regenerateIn(ctx, q, id, sp, &owner); err != nil {
			return err
		}
		if err := lim.Allow(u, sp.Count); err != nil {
			return err
		}
		ch = quiz.Charge{Day: day, Questions: sp.Count}
		return chargeIn(ctx, q, owner, id, ch)
	})
	if err != nil {
		return quiz.GenerationBatch{}, quiz.Charge{}, fmt.Errorf("regenerate a batch of quiz %s: %w", id, err)
	}
	return out, ch, nil
}
