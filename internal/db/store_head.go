package db

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	"quizgen/internal/db/dbsqlc"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// Today's question reads and edits (README, Question types): unlike the v1
// ones in store_questions.go they see questions of every type, always
// through the quiz they belong to; deleted questions stay invisible.

// TypedQuestions returns the page of quiz quizID's questions that f
// selects, in creation order.
func (s *Store) TypedQuestions(ctx context.Context, quizID quiz.ID, f quiz.QuestionFilter) ([]quiz.Question, error) {
	p := dbsqlc.ListQuestionsPageParams{QuizID: quizID, ApprovedOnly: f.ApprovedOnly, Skip: int64(f.Offset)}
	if f.Type != "" {
		p.QuestionType = new(string(f.Type))
	}
	if f.Limit > 0 {
		p.MaxRows = new(int64(f.Limit))
	}
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

// EditTypedQuestion applies e to question id of quiz quizID. New data is
// normalized by the question's own type: data that breaks one of its rules
// is a *qtype.ValidationError (paths inside the data) and nothing changes.
// Each top-level field of the data the edit changes is appended to the
// question's edit log. It returns quiz.ErrNotFound if the quiz has no such
// question (deleted ones included).
func (s *Store) EditTypedQuestion(ctx context.Context, quizID, id quiz.ID, e quiz.QuestionEdit) (quiz.Question, error) {
	var out quiz.Question
	err := s.inTx(ctx, func(q txQueries) error {
		row, err := q.LockQuizQuestion(ctx, dbsqlc.LockQuizQuestionParams{ID: id, QuizID: quizID})
		if err != nil {
			return err
		}
		p := dbsqlc.EditQuestionParams{ID: id, QuestionData: row.QuestionData, Difficulty: row.Difficulty,
			Tags: row.Tags, Edits: json.RawMessage("[]")}
		if e.Data != nil {
			t := qtype.Name(row.QuestionType)
			if p.QuestionData, err = normalizeData(t, e.Data); err != nil {
				return err
			}
			log, err := editLog(row.QuestionData, p.QuestionData)
			if err != nil {
				return err
			}
			if p.Edits, err = json.Marshal(log); err != nil {
				return err
			}
		}
		if e.Difficulty != nil {
			if !e.Difficulty.Valid() {
				return invalid(qtype.Name(row.QuestionType), "difficulty", "must be one of easy, medium, hard")
			}
			p.Difficulty = new(string(*e.Difficulty))
		}
		if e.Tags != nil {
			tags := *e.Tags
			if tags == nil {
				tags = []string{}
			}
			if p.Tags, err = json.Marshal(tags); err != nil {
				return err
			}
		}
		row, err = q.EditQuestion(ctx, p)
		if err != nil {
			return err
		}
		out, err = questionOf(row)
		return err
	})
	if err != nil {
		return quiz.Question{}, fmt.Errorf("edit question %s: %w", id, err)
	}
	return out, nil
}

// editLog lists the top-level fields whose value differs between two
// question_data objects, in field name order (a field one side lacks is
// null there).
func editLog(before, after json.RawMessage) ([]quiz.EditLogEntry, error) {
	var b, a map[string]json.RawMessage
	if err := json.Unmarshal(before, &b); err != nil {
		return nil, fmt.Errorf("decode question_data: %w", err)
	}
	if err := json.Unmarshal(after, &a); err != nil {
		return nil, fmt.Errorf("decode question_data: %w", err)
	}
	names := make([]string, 0, len(a)+len(b))
	for k := range b {
		names = append(names, k)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	out := []quiz.EditLogEntry{}
	for _, k := range names {
		same, err := sameJSON(b[k], a[k])
		if err != nil {
			return nil, err
		}
		if !same {
			out = append(out, quiz.EditLogEntry{Field: k, OldValue: orNull(b[k]), NewValue: orNull(a[k])})
		}
	}
	return out, nil
}

// sameJSON reports whether two JSON values are equal as values (stored
// jsonb and freshly marshalled JSON differ in spacing and key order).
func sameJSON(x, y json.RawMessage) (bool, error) {
	var vx, vy any
	if x != nil {
		if err := json.Unmarshal(x, &vx); err != nil {
			return false, err
		}
	}
	if y != nil {
		if err := json.Unmarshal(y, &vy); err != nil {
			return false, err
		}
	}
	return reflect.DeepEqual(vx, vy), nil
}

func orNull(v json.RawMessage) json.RawMessage {
	if v == nil {
		return json.RawMessage("null")
	}
	return v
}

// ApproveTypedQuestion approves question id of quiz quizID, of any type
// (again: approved_at is refreshed each time), or returns quiz.ErrNotFound.
func (s *Store) ApproveTypedQuestion(ctx context.Context, quizID, id quiz.ID) (quiz.Question, error) {
	var out quiz.Question
	err := s.inTx(ctx, func(q txQueries) error {
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
