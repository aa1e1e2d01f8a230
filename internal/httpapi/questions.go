package httpapi

import (
	"errors"
	"net/http"
	"regexp"

	"github.com/google/uuid"

	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// questionJSON is QuestionPublic (docs/compatibility.md, Objects and statuses).
type questionJSON struct {
	ID            uuid.UUID `json:"id"`
	QuizID        uuid.UUID `json:"quiz_id"`
	QuestionText  string    `json:"question_text"`
	OptionA       string    `json:"option_a"`
	OptionB       string    `json:"option_b"`
	OptionC       string    `json:"option_c"`
	OptionD       string    `json:"option_d"`
	CorrectAnswer string    `json:"correct_answer"`
	IsApproved    bool      `json:"is_approved"`
	ApprovedAt    pyTime    `json:"approved_at"`
	CreatedAt     pyTime    `json:"created_at"`
	UpdatedAt     pyTime    `json:"updated_at"`
	CanvasItemID  *string   `json:"canvas_item_id"`
}

func questionOut(q quiz.Question) questionJSON {
	return questionJSON{
		ID: q.ID, QuizID: q.QuizID, QuestionText: q.QuestionText, OptionA: q.OptionA, OptionB: q.OptionB,
		OptionC: q.OptionC, OptionD: q.OptionD, CorrectAnswer: q.CorrectAnswer, IsApproved: q.IsApproved,
		ApprovedAt: pyTime{q.ApprovedAt}, CreatedAt: pyTime{q.CreatedAt}, UpdatedAt: pyTime{q.UpdatedAt},
		CanvasItemID: q.CanvasItemID,
	}
}

var answerPattern = regexp.MustCompile(`^[ABCD]$`) //nolint:gochecknoglobals // compiled once, read-only

// questionIDs validates quiz_id and question_id.
func questionIDs(c *call) (quizID, questionID uuid.UUID, err error) {
	var ch checks
	quizID = ch.pathUUID(c.params, "quiz_id")
	questionID = ch.pathUUID(c.params, "question_id")
	return quizID, questionID, ch.err()
}

func questionNotFound(err error) error {
	if errors.Is(err, quiz.ErrNotFound) {
		return fail(http.StatusNotFound, "Question not found")
	}
	return err
}

func (s *Server) listQuestions(c *call) error {
	id, err := quizID(c)
	if err != nil {
		return err
	}
	if _, err := s.ownedQuiz(c, id); err != nil {
		return err
	}
	qs, err := s.Store.Questions(c.ctx, id)
	if err != nil {
		return err
	}
	out := make([]questionJSON, len(qs))
	for i, q := range qs {
		out[i] = questionOut(q)
	}
	return c.json(out)
}

func (s *Server) getQuestion(c *call) error {
	qid, id, err := questionIDs(c)
	if err != nil {
		return err
	}
	if _, err := s.ownedQuiz(c, qid); err != nil {
		return err
	}
	q, err := s.Store.Question(c.ctx, id)
	if err == nil && q.QuizID != qid {
		err = quiz.ErrNotFound
	}
	if err != nil {
		return questionNotFound(err)
	}
	return c.json(questionOut(q))
}

func (s *Server) updateQuestion(c *call) error {
	var ch checks
	qid := ch.pathUUID(c.params, "quiz_id")
	id := ch.pathUUID(c.params, "question_id")
	b, err := readBody(c.r, &ch)
	if err != nil {
		return err
	}
	var p quiz.QuestionPatch
	field := func(name string, minLen, maxLen int) *string {
		if !b.has(name) {
			return nil
		}
		// An explicit null is refused here: the column cannot hold it (the
		// original failed with a 500).
		if v, ok := b.str(name, true, minLen, maxLen); ok {
			return &v
		}
		return nil
	}
	p.QuestionText = field("question_text", 1, 2000)
	p.OptionA = field("option_a", 1, 500)
	p.OptionB = field("option_b", 1, 500)
	p.OptionC = field("option_c", 1, 500)
	p.OptionD = field("option_d", 1, 500)
	// correct_answer has only its pattern: "" is a pattern mismatch.
	if ans := field("correct_answer", 0, 0); ans != nil && b.pattern("correct_answer", *ans, answerPattern, "^[ABCD]$") {
		p.CorrectAnswer = ans
	}
	if err := ch.err(); err != nil {
		return err
	}
	if _, err := s.ownedQuiz(c, qid); err != nil {
		return err
	}
	if p == (quiz.QuestionPatch{}) { // {} changes nothing (docs/compatibility.md, Routes and errors)
		q, err := s.Store.Question(c.ctx, id)
		if err == nil && q.QuizID != qid {
			err = quiz.ErrNotFound
		}
		if err != nil {
			return questionNotFound(err)
		}
		return c.json(questionOut(q))
	}
	q, err := s.Store.UpdateQuestion(c.ctx, qid, id, p)
	var ve *qtype.ValidationError
	if errors.As(err, &ve) {
		return typeRulesBroken(b, ve)
	}
	if err != nil {
		return questionNotFound(err)
	}
	return c.json(questionOut(q))
}

// typeRulesBroken is the 422 of an edit the store refused because the
// edited question breaks a rule of its type (a text of spaces only, which
// the length checks above let through): one value_error per problem, at
// the body field it concerns.
func typeRulesBroken(b body, ve *qtype.ValidationError) error {
	return typeProblems(ve, []any{"body"}, func(path []any) any {
		if len(path) > 0 {
			if name, ok := path[0].(string); ok {
				return b.value(name)
			}
		}
		return nil
	})
}

func (s *Server) approveQuestion(c *call) error {
	qid, id, err := questionIDs(c)
	if err != nil {
		return err
	}
	if _, err := s.ownedQuiz(c, qid); err != nil {
		return err
	}
	q, err := s.Store.ApproveQuestion(c.ctx, qid, id)
	if err != nil {
		return questionNotFound(err)
	}
	return c.json(questionOut(q))
}

// deleteQuestion deletes a question of the quiz in the path; unlike the
// original, a question of another quiz is not found through this one.
func (s *Server) deleteQuestion(c *call) error {
	qid, id, err := questionIDs(c)
	if err != nil {
		return err
	}
	if _, err := s.ownedQuiz(c, qid); err != nil {
		return err
	}
	if err := s.Store.DeleteQuestion(c.ctx, qid, id); err != nil {
		return questionNotFound(err)
	}
	return c.json(message{"Question deleted successfully"})
}
