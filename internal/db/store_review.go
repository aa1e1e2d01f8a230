package db

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"quizgen/internal/db/dbsqlc"
	"quizgen/internal/quiz"
)

// Today's review tools (README, Question types): a question the teacher
// adds, soft delete with the teacher's reason, and approving or deleting
// many questions in one statement. None of them touches the quiz's
// question_count.

// AddManualQuestion stores a question the teacher wrote for quiz quizID:
// nq's Type, Data, Difficulty and Tags (no module, no generation job). The
// data is normalized by its type first; data that breaks one of its rules
// is a *qtype.ValidationError (paths inside the data) and nothing is
// stored. It returns quiz.ErrNotFound when the quiz does not exist.
func (s *Store) AddManualQuestion(ctx context.Context, quizID quiz.ID, nq quiz.NewQuestion) (quiz.Question, error) {
	norm, err := normalizeData(nq.Type, nq.Data)
	if err != nil {
		return quiz.Question{}, fmt.Errorf("add question to quiz %s: %w", quizID, err)
	}
	p := dbsqlc.InsertManualQuestionParams{ID: uuid.New(), QuizID: quizID, QuestionType: string(nq.Type), QuestionData: norm}
	if nq.Difficulty != "" {
		if !nq.Difficulty.Valid() {
			return quiz.Question{}, fmt.Errorf("add question to quiz %s: %w", quizID,
				invalid(nq.Type, "difficulty", "must be one of easy, medium, hard"))
		}
		p.Difficulty = new(string(nq.Difficulty))
	}
	tags := nq.Tags
	if tags == nil {
		tags = []string{}
	}
	if p.Tags, err = json.Marshal(tags); err != nil {
		return quiz.Question{}, err
	}
	var out quiz.Question
	err = s.inTx(ctx, func(q txQueries) error {
		row, err := q.InsertManualQuestion(ctx, p)
		if err != nil {
			return err
		}
		out, err = questionOf(row)
		return err
	})
	if err != nil {
		return quiz.Question{}, fmt.Errorf("add question to quiz %s: %w", quizID, err)
	}
	return out, nil
}

// SoftDeleteQuestion marks question id of quiz quizID deleted, recording r
// (a nil field stores NULL). It returns quiz.ErrNotFound when the quiz has
// no such live question (unknown, of another quiz, already deleted).
func (s *Store) SoftDeleteQuestion(ctx context.Context, quizID, id quiz.ID, r quiz.Rejection) error {
	err := s.inTx(ctx, func(q txQueries) error {
		n, err := q.SoftDeleteQuestion(ctx, dbsqlc.SoftDeleteQuestionParams{ID: id, QuizID: quizID,
			RejectionReason: r.Reason, RejectionFeedback: r.Feedback})
		if err != nil {
			return err
		}
		if n == 0 {
			return quiz.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete question %s: %w", id, err)
	}
	return nil
}

// BulkApproveQuestions approves, in one statement, the live questions of
// quiz quizID among ids (those already approved again). Ids the quiz has
// no live question for are Failed.
func (s *Store) BulkApproveQuestions(ctx context.Context, quizID quiz.ID, ids []quiz.ID) (quiz.BulkResult, error) {
	var done []uuid.UUID
	err := s.inTx(ctx, func(q txQueries) error {
		var err error
		done, err = q.BulkApproveQuestions(ctx, dbsqlc.BulkApproveQuestionsParams{QuizID: quizID, Ids: texts(ids)})
		return err
	})
	if err != nil {
		return quiz.BulkResult{}, fmt.Errorf("approve %d questions of quiz %s: %w", len(ids), quizID, err)
	}
	return bulkResult(ids, done), nil
}

// BulkDeleteQuestions soft-deletes, in one statement, the live questions
// of quiz quizID among ids, recording r on each. Ids the quiz has no live
// question for (unknown, of another quiz, already deleted) are Failed.
func (s *Store) BulkDeleteQuestions(ctx context.Context, quizID quiz.ID, ids []quiz.ID, r quiz.Rejection) (quiz.BulkResult, error) {
	var done []uuid.UUID
	err := s.inTx(ctx, func(q txQueries) error {
		var err error
		done, err = q.BulkSoftDeleteQuestions(ctx, dbsqlc.BulkSoftDeleteQuestionsParams{QuizID: quizID, Ids: texts(ids),
			RejectionReason: r.Reason, RejectionFeedback: r.Feedback})
		return err
	})
	if err != nil {
		return quiz.BulkResult{}, fmt.Errorf("delete %d questions of quiz %s: %w", len(ids), quizID, err)
	}
	return bulkResult(ids, done), nil
}

// texts returns ids as text (the bulk statements take them so).
func texts(ids []uuid.UUID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

// bulkResult splits asked into the ids done holds and the others, in
// asked's order.
func bulkResult(asked, done []uuid.UUID) quiz.BulkResult {
	got := make(map[uuid.UUID]bool, len(done))
	for _, id := range done {
		got[id] = true
	}
	out := quiz.BulkResult{Done: []quiz.ID{}, Failed: []quiz.ID{}}
	for _, id := range asked {
		if got[id] {
			out.Done = append(out.Done, id)
		} else {
			out.Failed = append(out.Failed, id)
		}
	}
	return out
}
