package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"quizgen/internal/quiz"
)

// The usage limits (README, Limits): each method reads the user's usage
// and charges a generation run in the transaction that starts the work,
// after locking the user's row, so that two concurrent requests of one
// user are serialised and exactly one of them passes at a limit. Locks are
// taken in one order, the user's row before the quiz's; the jobs lock only
// quiz rows.

// CreateQuizCharged stores n like CreateQuiz if lim allows its first
// generation run, and charges that run to the owner, in one transaction.
// It returns lim's *quiz.LimitError when refused, quiz.ErrNotFound when
// the owner does not exist.
func (s *Store) CreateQuizCharged(ctx context.Context, n quiz.NewQuiz, lim quiz.Limits) (quiz.Quiz, quiz.Charge, error) {
	mods := n.SelectedModules
	if mods == nil {
		mods = []quiz.Module{}
	}
	modsJSON, err := json.Marshal(mods)
	if err != nil {
		return quiz.Quiz{}, quiz.Charge{}, fmt.Errorf("encode selected modules: %w", err)
	}
	var (
		out quiz.Quiz
		ch  quiz.Charge
	)
	err = s.inTx(ctx, func(q txQueries) error {
		u, day, err := usageIn(ctx, q, n.OwnerID, nil)
		if err != nil {
			return err
		}
		if err := lim.Allow(u, n.QuestionCount); err != nil {
			return err
		}
		if out, err = insertQuizIn(ctx, q, n, modsJSON); err != nil {
			return err
		}
		ch = quiz.Charge{Day: day, Questions: n.QuestionCount}
		return chargeIn(ctx, q, n.OwnerID, out.ID, ch)
	})
	if err != nil {
		return quiz.Quiz{}, quiz.Charge{}, fmt.Errorf("create quiz: %w", err)
	}
	return out, ch, nil
}

// UpdateStatusCharged is UpdateStatus for a move that starts a generation
// run of owner's quiz id (a generation, or an extraction, which goes on to
// generate): after decide accepts the move, lim decides over the owner's
// usage, and the run is charged in the same transaction. It returns
// decide's error first, then lim's *quiz.LimitError.
func (s *Store) UpdateStatusCharged(ctx context.Context, owner, id quiz.ID, stage quiz.Stage, lim quiz.Limits,
	decide quiz.Decide) (quiz.Quiz, quiz.Charge, error) {
	var (
		out quiz.Quiz
		ch  quiz.Charge
	)
	err := s.inTx(ctx, func(q txQueries) error {
		u, day, err := usageIn(ctx, q, owner, &id)
		if err != nil {
			return err
		}
		out, err = updateStatusIn(ctx, q, id, stage, func(cur quiz.Quiz, now time.Time) (quiz.Decision, error) {
			d, err := decide(cur, now)
			if err != nil {
				return quiz.Decision{}, err
			}
			return d, lim.Allow(u, cur.QuestionCount)
		})
		if err != nil {
			return err
		}
		ch = quiz.Charge{Day: day, Questions: out.QuestionCount}
		return chargeIn(ctx, q, owner, id, ch)
	})
	if err != nil {
		return quiz.Quiz{}, quiz.Charge{}, fmt.Errorf("update %s status of quiz %s: %w", stage, id, err)
	}
	return out, ch, nil
}

// Refund takes back charge ch of owner's quiz id: its run could not be
// queued. A deleted quiz has no runs left to take back.
func (s *Store) Refund(ctx context.Context, owner, id quiz.ID, ch quiz.Charge) error {
	err := s.inTx(ctx, func(q txQueries) error {
		_, err := q.tx.Exec(ctx, `WITH d AS (
				UPDATE usage_daily SET questions = greatest(questions - $3, 0)
				WHERE user_id = $1 AND day = $4::date)
			UPDATE quiz_usage SET generation_runs = greatest(generation_runs - 1, 0) WHERE quiz_id = $2`,
			owner, id, ch.Questions, ch.Day.Format(time.DateOnly))
		return err
	})
	if err != nil {
		return fmt.Errorf("refund a generation run of quiz %s: %w", id, err)
	}
	return nil
}

// usageIn locks owner's row and counts what owner started: the questions
// of today (UTC, by the database clock), the other quizzes in progress
// (quiz id excluded) and the generation runs of quiz id (nil: a new quiz).
// A stage is in progress when it is pending with a job queued, or
// processing under a live lease (a dead run does not count).
func usageIn(ctx context.Context, q txQueries, owner quiz.ID, id *quiz.ID) (quiz.Usage, time.Time, error) {
	var u quiz.Usage
	var day time.Time
	err := q.tx.QueryRow(ctx, `SELECT now() FROM "user" WHERE id = $1 FOR UPDATE`, owner).Scan(&u.Now)
	if errors.Is(err, pgx.ErrNoRows) {
		return quiz.Usage{}, day, fmt.Errorf("user %s: %w", owner, quiz.ErrNotFound)
	}
	if err != nil {
		return quiz.Usage{}, day, fmt.Errorf("lock user %s: %w", owner, err)
	}
	day = quiz.DayStart(u.Now)
	lease := fmt.Sprintf("%d milliseconds", quiz.GenerateLease.Milliseconds())
	err = q.tx.QueryRow(ctx, `SELECT
		COALESCE((SELECT questions FROM usage_daily WHERE user_id = $1 AND day = $2::date), 0),
		(SELECT count(*) FROM quiz WHERE owner_id = $1 AND id IS DISTINCT FROM $3::uuid AND (
			(content_extraction_status = 'pending' AND content_extraction_job_id IS NOT NULL)
			OR (content_extraction_status = 'processing' AND content_extraction_started_at > now() - $4::interval)
			OR (llm_generation_status = 'pending' AND llm_generation_job_id IS NOT NULL)
			OR (llm_generation_status = 'processing' AND llm_generation_started_at > now() - $4::interval))),
		COALESCE((SELECT generation_runs FROM quiz_usage WHERE quiz_id = $3::uuid), 0)`,
		owner, day.Format(time.DateOnly), id, lease).Scan(&u.QuestionsToday, &u.Processing, &u.Runs)
	if err != nil {
		return quiz.Usage{}, day, fmt.Errorf("count usage of user %s: %w", owner, err)
	}
	return u, day, nil
}

// usageKeepDays is how long the daily counts are kept (for operators).
const usageKeepDays = 31

// chargeIn counts a generation run of quiz id for owner: ch.Questions on
// ch.Day and one run of the quiz; counts older than usageKeepDays go.
func chargeIn(ctx context.Context, q txQueries, owner, id quiz.ID, ch quiz.Charge) error {
	_, err := q.tx.Exec(ctx, `WITH d AS (
			INSERT INTO usage_daily (user_id, day, questions) VALUES ($1, $3::date, $4)
			ON CONFLICT (user_id, day) DO UPDATE SET questions = usage_daily.questions + EXCLUDED.questions),
		r AS (
			INSERT INTO quiz_usage (quiz_id, generation_runs) VALUES ($2, 1)
			ON CONFLICT (quiz_id) DO UPDATE SET generation_runs = quiz_usage.generation_runs + 1)
		DELETE FROM usage_daily WHERE user_id = $1 AND day < $3::date - $5::integer`,
		owner, id, ch.Day.Format(time.DateOnly), ch.Questions, usageKeepDays)
	if err != nil {
		return fmt.Errorf("charge a generation run of quiz %s: %w", id, err)
	}
	return nil
}
