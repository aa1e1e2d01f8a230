package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"quizgen/internal/db/dbsqlc"
	"quizgen/internal/quiz"
)

// Take is what TakeStage and TakeBatch found (quiz.Take; the decision is
// the domain's, quiz.DecideTake).
type Take = quiz.Take

// The outcomes of TakeStage and TakeBatch.
const (
	TakeStarted = quiz.TakeStarted
	TakeResumed = quiz.TakeResumed
	TakeBusy    = quiz.TakeBusy
	TakeDone    = quiz.TakeDone
	TakeStale   = quiz.TakeStale
)

var errNoChange = errors.New("no change")

// TakeStage lets the job with jobID start, or resume after an expired
// lease, stage of quiz id, under the row lock. Only one of several
// concurrent deliveries of the same message gets TakeStarted or
// TakeResumed; the others learn why not.
func (s *Store) TakeStage(ctx context.Context, id quiz.ID, stage quiz.Stage, jobID quiz.ID, lease time.Duration) (quiz.Quiz, Take, error) {
	var take Take
	var cur quiz.Quiz
	q, err := s.UpdateStatus(ctx, id, stage, func(q quiz.Quiz, now time.Time) (quiz.Decision, error) {
		cur = q
		take = quiz.DecideTake(q.JobID(stage), jobID, q.Status(stage), q.LeaseExpired(stage, lease, now))
		if !take.Taken() {
			return quiz.Decision{}, errNoChange
		}
		return quiz.Decision{To: quiz.StatusProcessing}, nil
	})
	if errors.Is(err, errNoChange) {
		return cur, take, nil
	}
	return q, take, err
}

// guarded runs an UPDATE that must touch one row, else quiz.ErrConflict
// (the job lost the stage meanwhile).
func (s *Store) guarded(ctx context.Context, what string, update func(q txQueries) (int64, error)) error {
	return s.inTx(ctx, func(q txQueries) error {
		n, err := update(q)
		if err == nil && n == 0 {
			err = fmt.Errorf("%s: the job no longer holds the stage: %w", what, quiz.ErrConflict)
		}
		return err
	})
}

// CompleteStage marks stage of quiz id completed, if job jobID holds it.
func (s *Store) CompleteStage(ctx context.Context, id quiz.ID, stage quiz.Stage, jobID quiz.ID) error {
	return s.guarded(ctx, "complete "+string(stage), func(q txQueries) (int64, error) {
		switch stage {
		case quiz.StageExtraction:
			return q.CompleteExtraction(ctx, dbsqlc.CompleteExtractionParams{ID: id, JobID: jobID})
		case quiz.StageGeneration:
			return q.CompleteGeneration(ctx, dbsqlc.CompleteGenerationParams{ID: id, JobID: jobID})
		case quiz.StageExport:
			return q.CompleteExport(ctx, dbsqlc.CompleteExportParams{ID: id, JobID: jobID})
		}
		return 0, fmt.Errorf("unknown stage %q", stage)
	})
}

// FailStage marks stage of quiz id failed with reason, if job jobID still
// owns it (pending or processing).
func (s *Store) FailStage(ctx context.Context, id quiz.ID, stage quiz.Stage, jobID quiz.ID, reason string) error {
	if len(reason) > 1000 {
		reason = reason[:1000]
	}
	return s.guarded(ctx, "fail "+string(stage), func(q txQueries) (int64, error) {
		switch stage {
		case quiz.StageExtraction:
			return q.FailExtraction(ctx, dbsqlc.FailExtractionParams{ID: id, JobID: jobID, Reason: reason})
		case quiz.StageGeneration:
			return q.FailGeneration(ctx, dbsqlc.FailGenerationParams{ID: id, JobID: jobID, Reason: reason})
		case quiz.StageExport:
			return q.FailExport(ctx, dbsqlc.FailExportParams{ID: id, JobID: jobID, Reason: reason})
		}
		return 0, fmt.Errorf("unknown stage %q", stage)
	})
}

// FinishExtraction stores the extracted content (nil: NULL), completes the
// extraction held by jobID, and queues the generation for the same job
// (pending, job id jobID) unless a generation is running under a live
// lease. It reports whether the generation was handed to this job.
func (s *Store) FinishExtraction(ctx context.Context, id, jobID quiz.ID, content json.RawMessage, generateLease time.Duration) (bool, error) {
	if len(content) == 0 {
		content = nil // SQL NULL
	}
	var chained bool
	err := s.inTx(ctx, func(q txQueries) (err error) {
		chained, err = q.FinishExtraction(ctx, dbsqlc.FinishExtractionParams{
			ID: id, JobID: jobID, Content: content, GenerateLease: generateLease,
		})
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("finish extraction: the job no longer holds the stage: %w", quiz.ErrConflict)
		}
		return err
	})
	return chained, err
}

// ApprovedQuestions returns the questions an export sends: the approved
// questions of quiz id that are not deleted, of every type, in export order
// (created_at, then id).
func (s *Store) ApprovedQuestions(ctx context.Context, id quiz.ID) ([]quiz.Question, error) {
	var out []quiz.Question
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) error {
		rows, err := q.ListApprovedQuestions(ctx, id)
		if err != nil {
			return err
		}
		out, err = questionsOf(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list approved questions of quiz %s: %w", id, err)
	}
	return out, nil
}

// SetCanvasQuizID stores the Canvas quiz an export created, as soon as
// Canvas returns it, if job jobID holds the export.
func (s *Store) SetCanvasQuizID(ctx context.Context, id, jobID quiz.ID, canvasQuizID string) error {
	return s.guarded(ctx, "set canvas quiz id", func(q txQueries) (int64, error) {
		return q.SetCanvasQuizID(ctx, dbsqlc.SetCanvasQuizIDParams{ID: id, JobID: jobID, CanvasQuizID: canvasQuizID})
	})
}

// SetCanvasItemID stores the Canvas item created for question questionID
// of quiz id, if job jobID holds the export (else quiz.ErrConflict and
// nothing is stored). Storing the same id again is harmless.
func (s *Store) SetCanvasItemID(ctx context.Context, id, jobID, questionID quiz.ID, itemID string) error {
	return s.guarded(ctx, "set canvas item id", func(q txQueries) (int64, error) {
		return q.SetCanvasItemID(ctx, dbsqlc.SetCanvasItemIDParams{
			QuizID: id, JobID: jobID, QuestionID: questionID, CanvasItemID: itemID,
		})
	})
}
