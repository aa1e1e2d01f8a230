package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"quizgen/internal/db/dbsqlc"
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
	p, err := quizParams(n)
	if err != nil {
		return quiz.Quiz{}, quiz.Charge{}, err
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
		if err := lim.Allow(u, int(p.QuestionCount)); err != nil {
			return err
		}
		if out, err = insertQuizIn(ctx, q, p); err != nil {
			return err
		}
		ch = quiz.Charge{Day: day, Questions: int(p.QuestionCount)}
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
		return q.RefundRun(ctx, dbsqlc.RefundRunParams{
			OwnerID: owner, QuizID: id, Questions: int32(ch.Questions), Day: pgDate(ch.Day),
		})
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
	now, err := q.LockUserNow(ctx, owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return quiz.Usage{}, day, fmt.Errorf("user %s: %w", owner, quiz.ErrNotFound)
	}
	if err != nil {
		return quiz.Usage{}, day, fmt.Errorf("lock user %s: %w", owner, err)
	}
	u.Now = now
	day = quiz.DayStart(u.Now)
	c, err := q.UsageCounts(ctx, dbsqlc.UsageCountsParams{
		OwnerID: owner, Day: pgDate(day), QuizID: id, Lease: quiz.GenerateLease, PendingWindow: quiz.PendingWindow,
	})
	if err != nil {
		return quiz.Usage{}, day, fmt.Errorf("count usage of user %s: %w", owner, err)
	}
	u.QuestionsToday, u.Processing, u.Runs = int(c.QuestionsToday), int(c.Processing), int(c.Runs)
	return u, day, nil
}

// usageKeepDays is how long the daily counts are kept (for operators).
const usageKeepDays = 31

// chargeIn counts a generation run of quiz id for owner: ch.Questions on
// ch.Day and one run of the quiz; counts older than usageKeepDays go.
func chargeIn(ctx context.Context, q txQueries, owner, id quiz.ID, ch quiz.Charge) error {
	err := q.ChargeRun(ctx, dbsqlc.ChargeRunParams{
		OwnerID: owner, QuizID: id, Day: pgDate(ch.Day), Questions: int32(ch.Questions), KeepDays: usageKeepDays,
	})
	if err != nil {
		return fmt.Errorf("charge a generation run of quiz %s: %w", id, err)
	}
	return nil
}

// pgDate is the date of day (a UTC day start, quiz.DayStart).
func pgDate(day time.Time) pgtype.Date {
	return pgtype.Date{Time: day, Valid: true}
}
