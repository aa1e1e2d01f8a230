package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"quizgen/internal/db/dbsqlc"
	"quizgen/internal/quiz"
)

// Take is what TakeStage found.
type Take int

// The outcomes of TakeStage.
const (
	// TakeStarted: the stage was pending for this job and is now processing.
	TakeStarted Take = iota + 1
	// TakeResumed: the stage was processing for this job under a lease
	// that ran out (a crashed or timed-out run); it is taken again.
	TakeResumed
	// TakeBusy: another delivery of this job is processing it now.
	TakeBusy
	// TakeDone: this job already finished the stage (completed or failed).
	TakeDone
	// TakeStale: the stage belongs to another job (a newer request).
	TakeStale
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
		switch jid := q.JobID(stage); {
		case jid == nil || *jid != jobID:
			take = TakeStale
		case q.Status(stage) == quiz.StatusPending:
			take = TakeStarted
		case q.Status(stage) == quiz.StatusProcessing && q.LeaseExpired(stage, lease, now):
			take = TakeResumed
		case q.Status(stage) == quiz.StatusProcessing:
			take = TakeBusy
		default:
			take = TakeDone
		}
		if take != TakeStarted && take != TakeResumed {
			return quiz.Decision{}, errNoChange
		}
		return quiz.Decision{To: quiz.StatusProcessing}, nil
	})
	if errors.Is(err, errNoChange) {
		return cur, take, nil
	}
	return q, take, err
}

// stageCols names the columns of a stage (fixed table, never input).
func stageCols(stage quiz.Stage) (status, job string) {
	return string(stage) + "_status", string(stage) + "_job_id"
}

// guarded runs an UPDATE that must touch one row, else quiz.ErrConflict
// (the job lost the stage meanwhile).
func (s *Store) guarded(ctx context.Context, what, sql string, args ...any) error {
	err := s.inTx(ctx, func(q txQueries) error {
		tag, err := q.tx.Exec(ctx, sql, args...)
		if err == nil && tag.RowsAffected() == 0 {
			err = fmt.Errorf("%s: the job no longer holds the stage: %w", what, quiz.ErrConflict)
		}
		return err
	})
	return err
}

// CompleteStage marks stage of quiz id completed, if job jobID holds it.
func (s *Store) CompleteStage(ctx context.Context, id quiz.ID, stage quiz.Stage, jobID quiz.ID) error {
	status, job := stageCols(stage)
	extra := ""
	if stage == quiz.StageExport {
		extra = ", exported_at = now()"
	}
	return s.guarded(ctx, "complete "+string(stage),
		`UPDATE quiz SET `+status+` = 'completed', failure_reason = NULL, updated_at = now()`+extra+`
		 WHERE id = $1 AND `+job+` = $2 AND `+status+` = 'processing'`, id, jobID)
}

// FailStage marks stage of quiz id failed with reason, if job jobID still
// owns it (pending or processing).
func (s *Store) FailStage(ctx context.Context, id quiz.ID, stage quiz.Stage, jobID quiz.ID, reason string) error {
	status, job := stageCols(stage)
	if len(reason) > 1000 {
		reason = reason[:1000]
	}
	return s.guarded(ctx, "fail "+string(stage),
		`UPDATE quiz SET `+status+` = 'failed', failure_reason = $3, updated_at = now()
		 WHERE id = $1 AND `+job+` = $2 AND `+status+` IN ('pending', 'processing')`, id, jobID, reason)
}

// FinishExtraction stores the extracted content (nil: NULL), completes the
// extraction held by jobID, and queues the generation for the same job
// (pending, job id jobID) unless a generation is running under a live
// lease. It reports whether the generation was handed to this job.
func (s *Store) FinishExtraction(ctx context.Context, id, jobID quiz.ID, content json.RawMessage, generateLease time.Duration) (bool, error) {
	var text any
	if len(content) > 0 {
		text = string(content)
	}
	var chained bool
	err := s.inTx(ctx, func(q txQueries) error {
		err := q.tx.QueryRow(ctx, `UPDATE quiz SET
			content_extraction_status = 'completed', extracted_content = $3::jsonb,
			content_extracted_at = now(), failure_reason = NULL, updated_at = now(),
			llm_generation_job_id = CASE WHEN llm_generation_status = 'processing'
				AND llm_generation_started_at > now() - $4::interval THEN llm_generation_job_id ELSE $2 END,
			llm_generation_status = CASE WHEN llm_generation_status = 'processing'
				AND llm_generation_started_at > now() - $4::interval THEN llm_generation_status ELSE 'pending' END
			WHERE id = $1 AND content_extraction_job_id = $2 AND content_extraction_status = 'processing'
			RETURNING llm_generation_job_id = $2`, id, jobID, text, generateLease).Scan(&chained)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("finish extraction: the job no longer holds the stage: %w", quiz.ErrConflict)
		}
		return err
	})
	return chained, err
}

// GenerationProgress returns how many questions job jobID already saved for
// quiz id, and the texts of all the quiz's questions (for de-duplication).
func (s *Store) GenerationProgress(ctx context.Context, id, jobID quiz.ID) (saved int, texts []string, err error) {
	err = s.readConn(ctx, func(ctx context.Context, c *pgxpool.Conn) error {
		rows, err := c.Query(ctx, `SELECT question_text, generation_job_id = $2 FROM question WHERE quiz_id = $1 ORDER BY created_at, id`, id, jobID)
		if err != nil {
			return err
		}
		defer rows.Close()
		saved, texts = 0, nil
		for rows.Next() {
			var t string
			var mine *bool
			if err := rows.Scan(&t, &mine); err != nil {
				return err
			}
			texts = append(texts, t)
			if mine != nil && *mine {
				saved++
			}
		}
		return rows.Err()
	})
	return saved, texts, err
}

// SaveGenerated stores questions written by generation job jobID, if it
// still holds the generation of quiz id (else quiz.ErrConflict and nothing
// is stored).
func (s *Store) SaveGenerated(ctx context.Context, id, jobID quiz.ID, qs []quiz.NewQuestion) error {
	return s.inTx(ctx, func(q txQueries) error {
		var holds bool
		err := q.tx.QueryRow(ctx, `SELECT llm_generation_job_id = $2 AND llm_generation_status = 'processing'
			FROM quiz WHERE id = $1 FOR UPDATE`, id, jobID).Scan(&holds)
		if errors.Is(err, pgx.ErrNoRows) {
			return quiz.ErrNotFound
		}
		if err != nil {
			return err
		}
		if !holds {
			return fmt.Errorf("save questions: the job no longer holds the generation: %w", quiz.ErrConflict)
		}
		for _, nq := range qs {
			if _, err := q.InsertQuestion(ctx, dbsqlc.InsertQuestionParams{
				ID: uuid.New(), QuizID: id, QuestionText: nq.QuestionText, OptionA: nq.OptionA, OptionB: nq.OptionB,
				OptionC: nq.OptionC, OptionD: nq.OptionD, CorrectAnswer: nq.CorrectAnswer, GenerationJobID: &jobID,
			}); err != nil {
				return err
			}
		}
		return nil
	})
}

// ApprovedQuestions returns the approved questions of quiz id in export
// order (created_at, then id).
func (s *Store) ApprovedQuestions(ctx context.Context, id quiz.ID) ([]quiz.Question, error) {
	qs, err := s.Questions(ctx, id)
	if err != nil {
		return nil, err
	}
	out := qs[:0]
	for _, q := range qs {
		if q.IsApproved {
			out = append(out, q)
		}
	}
	return out, nil
}

// SetCanvasQuizID stores the Canvas quiz an export created, as soon as
// Canvas returns it, if job jobID holds the export.
func (s *Store) SetCanvasQuizID(ctx context.Context, id, jobID quiz.ID, canvasQuizID string) error {
	return s.guarded(ctx, "set canvas quiz id",
		`UPDATE quiz SET canvas_quiz_id = $3, updated_at = now()
		 WHERE id = $1 AND export_job_id = $2 AND export_status = 'processing'`, id, jobID, canvasQuizID)
}

// SetCanvasItemID stores the Canvas item created for question questionID
// of quiz id, if job jobID holds the export (else quiz.ErrConflict and
// nothing is stored). Storing the same id again is harmless.
func (s *Store) SetCanvasItemID(ctx context.Context, id, jobID, questionID quiz.ID, itemID string) error {
	return s.guarded(ctx, "set canvas item id",
		`UPDATE question SET canvas_item_id = $4
		 WHERE id = $3 AND quiz_id = $1 AND EXISTS (
			SELECT 1 FROM quiz WHERE id = $1 AND export_job_id = $2 AND export_status = 'processing')`,
		id, jobID, questionID, itemID)
}
