package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// Today's question routes at the root (README, Question types): questions
// of every type, with their type's data as question_data. Only the quiz's
// owner reaches them for now; someone else's quiz is "Quiz not found".

// Bounds of the list's paging and of an edit's tags. The tag bounds are
// ours (the original had none): every tag reaches the database and the
// review screen.
const (
	maxQuestionsPage = 100
	maxTags          = 50
	maxTagLen        = 100
)

// headQuestionJSON is today's QuestionResponse.
type headQuestionJSON struct {
	ID                uuid.UUID       `json:"id"`
	QuizID            uuid.UUID       `json:"quiz_id"`
	QuestionType      qtype.Name      `json:"question_type"`
	QuestionData      json.RawMessage `json:"question_data"`
	Difficulty        *string         `json:"difficulty"`
	Tags              []string        `json:"tags"`
	IsApproved        bool            `json:"is_approved"`
	ApprovedAt        pyTime          `json:"approved_at"`
	CreatedAt         pyTime          `json:"created_at"`
	UpdatedAt         pyTime          `json:"updated_at"`
	CanvasItemID      *string         `json:"canvas_item_id"`
	ModuleID          *string         `json:"module_id"`
	RejectionReason   *string         `json:"rejection_reason"`
	RejectionFeedback *string         `json:"rejection_feedback"`
}

func headQuestionOut(q quiz.Question) headQuestionJSON {
	out := headQuestionJSON{
		ID: q.ID, QuizID: q.QuizID, QuestionType: q.Type, QuestionData: q.Data, Tags: q.Tags,
		IsApproved: q.IsApproved, ApprovedAt: pyTime{q.ApprovedAt}, CreatedAt: pyTime{q.CreatedAt},
		UpdatedAt: pyTime{q.UpdatedAt}, CanvasItemID: q.CanvasItemID,
		RejectionReason: q.RejectionReason, RejectionFeedback: q.RejectionFeedback,
	}
	if q.Difficulty != "" {
		out.Difficulty = new(string(q.Difficulty))
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if q.ModuleID != "" {
		out.ModuleID = new(q.ModuleID)
	}
	return out
}

// headTypes are the question types in the order today's contract lists
// them (its enum, and so its 422 messages).
func headTypes() []string {
	return []string{"multiple_choice", "multiple_answer", "fill_in_blank", "matching", "categorization", "true_false"}
}

func difficulties() []string { return []string{"easy", "medium", "hard"} }

// enumChoices is pydantic's list of an enum's values: 'a', 'b' or 'c'.
func enumChoices(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "'" + v + "'"
	}
	if len(quoted) == 1 {
		return quoted[0]
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}

// enum checks that v is one of values (pydantic's enum error otherwise).
func (c *checks) enum(loc []any, v any, values []string) (string, bool) {
	if s, ok := v.(string); ok {
		for _, want := range values {
			if s == want {
				return s, true
			}
		}
	}
	choices := enumChoices(values)
	c.add("enum", loc, "Input should be "+choices, v, map[string]any{"expected": choices})
	return "", false
}

// query returns the last value of query parameter name (as Starlette
// reads it) and whether it is present.
func query(c *call, name string) (string, bool) {
	vs, ok := c.r.URL.Query()[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// queryInt validates an integer query parameter in [lo, hi] (hi 0:
// unbounded); def when absent.
func (c *checks) queryInt(call *call, name string, def, lo, hi int) int {
	raw, ok := query(call, name)
	if !ok {
		return def
	}
	loc := []any{"query", name}
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	switch {
	case err != nil:
		c.add("int_parsing", loc, "Input should be a valid integer, unable to parse string as an integer", raw, nil)
	case n < lo:
		c.add("greater_than_equal", loc, fmt.Sprintf("Input should be greater than or equal to %d", lo), raw, map[string]any{"ge": lo})
	case hi > 0 && n > hi:
		c.add("less_than_equal", loc, fmt.Sprintf("Input should be less than or equal to %d", hi), raw, map[string]any{"le": hi})
	default:
		return n
	}
	return def
}

// queryBool validates a boolean query parameter with pydantic's lax rules.
func (c *checks) queryBool(call *call, name string) bool {
	raw, ok := query(call, name)
	if !ok {
		return false
	}
	switch strings.ToLower(raw) {
	case "0", "off", "f", "false", "n", "no":
		return false
	case "1", "on", "t", "true", "y", "yes":
		return true
	}
	c.add("bool_parsing", []any{"query", name}, "Input should be a valid boolean, unable to interpret input", raw, nil)
	return false
}

// listTypedQuestions is GET /questions/{quiz_id}: the quiz's questions
// that are not deleted, filtered and paged.
func (s *Server) listTypedQuestions(c *call) error {
	var ch checks
	id := ch.pathUUID(c.params, "quiz_id")
	var f quiz.QuestionFilter
	if raw, ok := query(c, "question_type"); ok {
		t, _ := ch.enum([]any{"query", "question_type"}, raw, headTypes())
		f.Type = qtype.Name(t)
	}
	f.ApprovedOnly = ch.queryBool(c, "approved_only")
	f.Limit = ch.queryInt(c, "limit", 0, 1, maxQuestionsPage)
	f.Offset = ch.queryInt(c, "offset", 0, 0, 0)
	if err := ch.err(); err != nil {
		return err
	}
	if _, err := s.quizAccess(c, id, accessShared); err != nil {
		return err
	}
	qs, err := s.Store.TypedQuestions(c.ctx, id, f)
	if err != nil {
		return err
	}
	out := make([]headQuestionJSON, len(qs))
	for i, q := range qs {
		out[i] = headQuestionOut(q)
	}
	return c.json(out)
}

// getTypedQuestion is GET /questions/{quiz_id}/{question_id}.
func (s *Server) getTypedQuestion(c *call) error {
	qid, id, err := questionIDs(c)
	if err != nil {
		return err
	}
	if _, err := s.quizAccess(c, qid, accessShared); err != nil {
		return err
	}
	q, err := s.Store.TypedQuestion(c.ctx, qid, id)
	if err != nil {
		return questionNotFound(err)
	}
	return c.json(headQuestionOut(q))
}

// approveTypedQuestion is PUT /questions/{quiz_id}/{question_id}/approve.
func (s *Server) approveTypedQuestion(c *call) error {
	qid, id, err := questionIDs(c)
	if err != nil {
		return err
	}
	if _, err := s.quizAccess(c, qid, accessShared); err != nil {
		return err
	}
	q, err := s.Store.ApproveTypedQuestion(c.ctx, qid, id)
	if err != nil {
		return questionNotFound(err)
	}
	return c.json(headQuestionOut(q))
}

// updateTypedQuestion is PUT /questions/{quiz_id}/{question_id}: body
// {question_data?, difficulty?, tags?}; a field absent or null keeps what
// the question has. Unlike the original, question_data is validated by the
// question's type (it stored anything and silently left the question out
// of the export): a broken rule is a 422 at its place in question_data.
func (s *Server) updateTypedQuestion(c *call) error {
	var ch checks
	qid := ch.pathUUID(c.params, "quiz_id")
	id := ch.pathUUID(c.params, "question_id")
	b, err := readBody(c.r, &ch)
	if err != nil {
		return err
	}
	e, data := editOf(b)
	if err := ch.err(); err != nil {
		return err
	}
	if _, err := s.quizAccess(c, qid, accessShared); err != nil {
		return err
	}
	var q quiz.Question
	if e.Empty() {
		q, err = s.Store.TypedQuestion(c.ctx, qid, id)
	} else {
		q, err = s.Store.EditTypedQuestion(c.ctx, qid, id, e)
	}
	var ve *qtype.ValidationError
	if errors.As(err, &ve) {
		return typeProblems(ve, []any{"body", "question_data"}, func(path []any) any { return valueAt(data, path) })
	}
	if err != nil {
		return questionNotFound(err)
	}
	return c.json(headQuestionOut(q))
}

// editOf reads QuestionUpdateRequest's fields from b (problems go to b's
// checks) and returns the edit and the submitted question_data decoded.
func editOf(b body) (quiz.QuestionEdit, any) {
	var e quiz.QuestionEdit
	var data any
	if b.has("question_data") && !b.nul["question_data"] {
		data = b.value("question_data")
		switch data.(type) {
		case nil:
		case map[string]any:
			e.Data = b.fields["question_data"]
		default:
			b.c.add("dict_type", []any{"body", "question_data"}, "Input should be a valid dictionary", data, nil)
		}
	}
	if b.has("difficulty") && !b.nul["difficulty"] {
		if v := b.value("difficulty"); v != nil {
			if d, ok := b.c.enum([]any{"body", "difficulty"}, v, difficulties()); ok {
				e.Difficulty = new(qtype.Difficulty(d))
			}
		}
	}
	if b.has("tags") && !b.nul["tags"] {
		switch v := b.value("tags").(type) {
		case nil:
		case []any:
			if tags, ok := tagsOf(b.c, v); ok {
				e.Tags = &tags
			}
		default:
			b.c.add("list_type", []any{"body", "tags"}, "Input should be a valid list", v, nil)
		}
	}
	return e, data
}

// tagsOf validates a list of tags: strings of 1..maxTagLen characters, at
// most maxTags of them.
func tagsOf(c *checks, v []any) ([]string, bool) {
	if len(v) > maxTags {
		c.add("too_long", []any{"body", "tags"},
			fmt.Sprintf("List should have at most %d items after validation, not %d", maxTags, len(v)), v,
			map[string]any{"field_type": "List", "max_length": maxTags, "actual_length": len(v)})
		return nil, false
	}
	tags := make([]string, 0, len(v))
	ok := true
	for i, t := range v {
		loc := []any{"body", "tags", i}
		s, isStr := t.(string)
		switch n := utf8.RuneCountInString(s); {
		case !isStr:
			c.add("string_type", loc, "Input should be a valid string", t, nil)
			ok = false
		case n < 1:
			c.add("string_too_short", loc, "String should have at least 1 character", s, map[string]any{"min_length": 1})
			ok = false
		case n > maxTagLen:
			c.add("string_too_long", loc, "String should have at most "+plural(maxTagLen, "character"), s,
				map[string]any{"max_length": maxTagLen})
			ok = false
		default:
			tags = append(tags, s)
		}
	}
	return tags, ok
}

// headQuestionRoutes are today's question routes at the root (tag
// questions); literal segments (bulk-approve) before {question_id}.
func (s *Server) headQuestionRoutes() []*route {
	return []*route{
		{method: http.MethodGet, pattern: "/questions/{quiz_id}", auth: authUser, h: s.listTypedQuestions,
			op: operation{id: "questions-get_quiz_questions", tag: "questions", summary: "The quiz's questions of every type, filtered and paged", resp: "[]QuestionResponse",
				failMsg: "Failed to retrieve questions. Please try again.",
				query:   []queryParam{{"question_type", "string", false}, {"approved_only", "boolean", false}, {"limit", "integer", false}, {"offset", "integer", false}}}},
		{method: http.MethodGet, pattern: "/questions/{quiz_id}/{question_id}", auth: authUser, h: s.getTypedQuestion,
			op: operation{id: "questions-get_question", tag: "questions", summary: "One question", resp: "QuestionResponse",
				failMsg: "Failed to retrieve question. Please try again."}},
		{method: http.MethodPut, pattern: "/questions/{quiz_id}/{question_id}", auth: authUser, h: s.updateTypedQuestion,
			op: operation{id: "questions-update_question", tag: "questions", summary: "Edit a question's data (validated by its type), difficulty or tags", body: "QuestionUpdateRequest", resp: "QuestionResponse",
				failMsg: "Failed to update question. Please try again."}},
		{method: http.MethodPut, pattern: "/questions/{quiz_id}/{question_id}/approve", auth: authUser, h: s.approveTypedQuestion,
			op: operation{id: "questions-approve_question", tag: "questions", summary: "Approve a question", resp: "QuestionResponse",
				failMsg: "Failed to approve question. Please try again."}},
	}
}

// reviewStore is what today's question routes need of the store beyond
// Store.
type reviewStore interface{}
