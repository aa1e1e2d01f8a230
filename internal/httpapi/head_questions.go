package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// questionFilter reads the question list's query parameters (problems go
// to ch).
func questionFilter(c *call, ch *checks) quiz.QuestionFilter {
	var f quiz.QuestionFilter
	if raw, ok := query(c, "question_type"); ok {
		t, _ := ch.enum([]any{"query", "question_type"}, raw, headTypes())
		f.Type = qtype.Name(t)
	}
	f.ApprovedOnly = ch.queryBool(c, "approved_only")
	f.Limit = ch.queryInt(c, "limit", 0, 1, maxQuestionsPage)
	f.Offset = ch.queryInt(c, "offset", 0, 0, 0)
	return f
}

// prefetchQuestionPage reads the page of questions the query asks for with
// the user, when the query is valid (else the handler answers 422).
func prefetchQuestionPage(c *call, p *quiz.Prefetch) {
	var ch checks
	if f := questionFilter(c, &ch); ch.err() == nil && p.Quiz != nil {
		p.Questions = &f
	}
}

// prefetchQuestion reads the path's question with the user.
func prefetchQuestion(c *call, p *quiz.Prefetch) {
	if id, err := uuid.Parse(c.params["question_id"]); err == nil && p.Quiz != nil {
		p.Question = &id
	}
}

// pathQuestion is question id of quiz quizID, which the caller may see
// (quizAccess): the one read with the user, or read now.
func (s *Server) pathQuestion(c *call, quizID, id uuid.UUID) (quiz.Question, error) {
	if q := c.pre.Question; q != nil && c.pre.Quiz != nil && c.pre.Quiz.ID == quizID && (c.pre.QuestionErr != nil || q.ID == id) {
		return *q, questionNotFound(c.pre.QuestionErr)
	}
	q, err := s.Store.TypedQuestion(c.ctx, quizID, id)
	return q, questionNotFound(err)
}

// listTypedQuestions is GET /questions/{quiz_id}: the quiz's questions
// that are not deleted, filtered and paged.
func (s *Server) listTypedQuestions(c *call) error {
	var ch checks
	id := ch.pathUUID(c.params, "quiz_id")
	f := questionFilter(c, &ch)
	if err := ch.err(); err != nil {
		return err
	}
	if _, err := s.quizAccess(c, id, accessShared); err != nil {
		return err
	}
	qs := c.pre.Questions // read with the user (prefetchQuestionPage)
	if qs == nil {
		var err error
		if qs, err = s.Store.TypedQuestions(c.ctx, id, f); err != nil {
			return err
		}
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
	q, err := s.pathQuestion(c, qid, id)
	if err != nil {
		return err
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
	q, err := s.pathQuestion(c, qid, id)
	if err != nil {
		return err
	}
	if e.Empty() {
		return c.json(headQuestionOut(q))
	}
	q, err = s.Store.EditTypedQuestion(c.ctx, q, e)
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
// questions); literal segments (bulk-approve, bulk-delete) before
// {question_id}.
func (s *Server) headQuestionRoutes() []*route {
	return []*route{
		{method: http.MethodGet, pattern: "/questions/{quiz_id}", auth: authUser, h: s.listTypedQuestions, prefetch: prefetchQuestionPage,
			op: operation{id: "questions-get_quiz_questions", tag: "questions", summary: "The quiz's questions of every type, filtered and paged", resp: "[]QuestionResponse",
				failMsg: "Failed to retrieve questions. Please try again.",
				query:   []queryParam{{"question_type", "string", false}, {"approved_only", "boolean", false}, {"limit", "integer", false}, {"offset", "integer", false}}}},
		{method: http.MethodPost, pattern: "/questions/{quiz_id}", auth: authUser, h: s.createTypedQuestion,
			op: operation{id: "questions-create_question", tag: "questions", summary: "Add a question the teacher wrote (validated by its type)", body: "QuestionCreateRequest", resp: "QuestionResponse",
				failMsg: "Failed to create question. Please try again.", errs: []int{http.StatusBadRequest}}},
		{method: http.MethodPut, pattern: "/questions/{quiz_id}/bulk-approve", auth: authUser, h: s.bulkApproveQuestions,
			op: operation{id: "questions-bulk_approve_questions", tag: "questions", summary: "Approve 1-100 questions in one call", body: "BulkApproveRequest", resp: "BulkOperationResponse",
				failMsg: "Failed to approve questions. Please try again."}},
		{method: http.MethodPost, pattern: "/questions/{quiz_id}/bulk-delete", auth: authUser, h: s.bulkDeleteQuestions,
			op: operation{id: "questions-bulk_delete_questions", tag: "questions", summary: "Delete 1-100 questions in one call, with one rejection reason", body: "BulkDeleteRequest", resp: "BulkOperationResponse",
				failMsg: "Failed to delete questions. Please try again."}},
		{method: http.MethodGet, pattern: "/questions/{quiz_id}/{question_id}", auth: authUser, h: s.getTypedQuestion, prefetch: prefetchQuestion,
			op: operation{id: "questions-get_question", tag: "questions", summary: "One question", resp: "QuestionResponse",
				failMsg: "Failed to retrieve question. Please try again."}},
		{method: http.MethodPut, pattern: "/questions/{quiz_id}/{question_id}", auth: authUser, h: s.updateTypedQuestion, prefetch: prefetchQuestion,
			op: operation{id: "questions-update_question", tag: "questions", summary: "Edit a question's data (validated by its type), difficulty or tags", body: "QuestionUpdateRequest", resp: "QuestionResponse",
				failMsg: "Failed to update question. Please try again."}},
		{method: http.MethodDelete, pattern: "/questions/{quiz_id}/{question_id}", auth: authUser, h: s.deleteTypedQuestion,
			op: operation{id: "questions-delete_question", tag: "questions", summary: "Delete a question (kept, with the reason given, out of every list, count and export)", body: "QuestionDeleteRequest", optionalBody: true, resp: "Message",
				failMsg: "Failed to delete question. Please try again."}},
		{method: http.MethodPut, pattern: "/questions/{quiz_id}/{question_id}/approve", auth: authUser, h: s.approveTypedQuestion,
			op: operation{id: "questions-approve_question", tag: "questions", summary: "Approve a question", resp: "QuestionResponse",
				failMsg: "Failed to approve question. Please try again."}},
	}
}

// reviewStore is what today's question routes need of the store beyond
// Store: the review tools (internal/db's store_review.go).
type reviewStore interface {
	AddManualQuestion(ctx context.Context, quizID quiz.ID, nq quiz.NewQuestion) (quiz.Question, error)
	SoftDeleteQuestion(ctx context.Context, quizID, id quiz.ID, r quiz.Rejection) error
	BulkApproveQuestions(ctx context.Context, quizID quiz.ID, ids []quiz.ID) (quiz.BulkResult, error)
	BulkDeleteQuestions(ctx context.Context, quizID quiz.ID, ids []quiz.ID, r quiz.Rejection) (quiz.BulkResult, error)
}

// Today's review tools (README, Question types): add a question, delete
// one with a reason, approve or delete many at once. None of them changes
// the quiz's question_count (today's routes derive it when they read the
// quiz).

// bulkJSON is today's BulkOperationResponse.
type bulkJSON struct {
	SuccessCount int         `json:"success_count"`
	FailedCount  int         `json:"failed_count"`
	FailedIDs    []uuid.UUID `json:"failed_ids"`
	Message      string      `json:"message"`
}

func bulkOut(r quiz.BulkResult, done, failed string) bulkJSON {
	msg := fmt.Sprintf("%s %d questions", done, len(r.Done))
	if len(r.Failed) > 0 {
		msg += fmt.Sprintf(", %d %s", len(r.Failed), failed)
	}
	return bulkJSON{SuccessCount: len(r.Done), FailedCount: len(r.Failed), FailedIDs: r.Failed, Message: msg}
}

// createTypedQuestion is POST /questions/{quiz_id}: body {quiz_id,
// question_type, question_data, difficulty?, tags?}. The question is
// validated by its type like an edit: a broken rule is a 422 at its place
// in question_data (the original answered 400 "Question validation failed:
// [...]" with Python's repr of its errors; today's client shows the first
// 422 message as it shows an edit's). quiz_id must be the path's: 400
// "Quiz ID mismatch".
func (s *Server) createTypedQuestion(c *call) error {
	var ch checks
	qid := ch.pathUUID(c.params, "quiz_id")
	b, err := readBody(c.r, &ch)
	if err != nil {
		return err
	}
	var bodyQuiz uuid.UUID
	if !b.has("quiz_id") {
		b.missing("quiz_id")
	} else if !b.nul["quiz_id"] {
		bodyQuiz, _ = bodyUUID(&ch, []any{"body", "quiz_id"}, b.value("quiz_id"))
	}
	var nq quiz.NewQuestion
	if !b.has("question_type") {
		b.missing("question_type")
	} else if !b.nul["question_type"] {
		t, _ := ch.enum([]any{"body", "question_type"}, b.value("question_type"), headTypes())
		nq.Type = qtype.Name(t)
	}
	// question_data, difficulty and tags as an edit reads them, but
	// question_data is required (null is not a dictionary).
	e, data := editOf(b)
	switch {
	case !b.has("question_data"):
		b.missing("question_data")
	case !b.nul["question_data"] && data == nil:
		ch.add("dict_type", []any{"body", "question_data"}, "Input should be a valid dictionary", nil, nil)
	}
	nq.Data = e.Data
	if e.Difficulty != nil {
		nq.Difficulty = *e.Difficulty
	}
	if e.Tags != nil {
		nq.Tags = *e.Tags
	}
	if err := ch.err(); err != nil {
		return err
	}
	if _, err := s.quizAccess(c, qid, accessShared); err != nil {
		return err
	}
	if bodyQuiz != qid {
		return fail(http.StatusBadRequest, "Quiz ID mismatch")
	}
	q, err := s.Store.AddManualQuestion(c.ctx, qid, nq)
	var ve *qtype.ValidationError
	if errors.As(err, &ve) {
		return typeProblems(ve, []any{"body", "question_data"}, func(path []any) any { return valueAt(data, path) })
	}
	if errors.Is(err, quiz.ErrNotFound) {
		return fail(http.StatusNotFound, "Quiz not found")
	}
	if err != nil {
		return err
	}
	return c.json(headQuestionOut(q))
}

// bodyUUID validates a body value typed UUID (pydantic's messages).
func bodyUUID(ch *checks, loc []any, v any) (uuid.UUID, bool) {
	s, ok := v.(string)
	if !ok {
		ch.add("uuid_type", loc, "UUID input should be a string, bytes or UUID object", v, nil)
		return uuid.Nil, false
	}
	id, err := uuid.Parse(s)
	if err != nil || strings.HasPrefix(s, "{") || strings.HasPrefix(strings.ToLower(s), "urn:") {
		ch.add("uuid_parsing", loc, "Input should be a valid UUID, "+uuidProblem(s), s, map[string]any{"error": uuidProblem(s)})
		return uuid.Nil, false
	}
	return id, true
}

// rejectionOf reads the optional rejection_reason (one of
// quiz.RejectionReasons) and rejection_feedback (at most
// quiz.MaxRejectionFeedback characters) of b; absent or null is not given.
func rejectionOf(b body) quiz.Rejection {
	var r quiz.Rejection
	if b.has("rejection_reason") && !b.nul["rejection_reason"] {
		if v := b.value("rejection_reason"); v != nil {
			if reason, ok := b.c.enum([]any{"body", "rejection_reason"}, v, quiz.RejectionReasons()); ok {
				r.Reason = &reason
			}
		}
	}
	if b.has("rejection_feedback") && b.value("rejection_feedback") != nil {
		if f, ok := b.str("rejection_feedback", false, 0, quiz.MaxRejectionFeedback); ok {
			r.Feedback = &f
		}
	}
	return r
}

// readOptionalBody is readBody for a route whose JSON body may be left
// out: an empty body or null is no body (given false).
func readOptionalBody(c *call, ch *checks) (b body, given bool, err error) {
	raw, err := io.ReadAll(c.r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return body{}, false, errBodyTooLarge
		}
		return body{}, false, fmt.Errorf("read body: %w", err)
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || string(t) == "null" {
		return body{fields: map[string]json.RawMessage{}, c: ch}, false, nil
	}
	c.r.Body = io.NopCloser(bytes.NewReader(raw))
	b, err = readBody(c.r, ch)
	return b, true, err
}

// deleteTypedQuestion is DELETE /questions/{quiz_id}/{question_id} with an
// optional body {rejection_reason?, rejection_feedback?}: a soft delete
// that records why. A question of another quiz or already deleted is 404
// "Question not found".
func (s *Server) deleteTypedQuestion(c *call) error {
	var ch checks
	qid := ch.pathUUID(c.params, "quiz_id")
	id := ch.pathUUID(c.params, "question_id")
	b, _, err := readOptionalBody(c, &ch)
	if err != nil {
		return err
	}
	r := rejectionOf(b)
	if err := ch.err(); err != nil {
		return err
	}
	if _, err := s.quizAccess(c, qid, accessShared); err != nil {
		return err
	}
	if err := s.Store.SoftDeleteQuestion(c.ctx, qid, id, r); err != nil {
		return questionNotFound(err)
	}
	return c.json(message{"Question deleted successfully"})
}

// questionIDList reads question_ids: a list of 1..quiz.MaxBulkQuestions
// distinct UUIDs.
func questionIDList(b body) []uuid.UUID {
	if !b.has("question_ids") {
		b.missing("question_ids")
		return nil
	}
	if b.nul["question_ids"] {
		return nil
	}
	loc := []any{"body", "question_ids"}
	v := b.value("question_ids")
	list, ok := v.([]any)
	if !ok {
		b.c.add("list_type", loc, "Input should be a valid list", v, nil)
		return nil
	}
	if len(list) > quiz.MaxBulkQuestions {
		b.c.add("too_long", loc,
			fmt.Sprintf("List should have at most %d items after validation, not %d", quiz.MaxBulkQuestions, len(list)), v,
			map[string]any{"field_type": "List", "max_length": quiz.MaxBulkQuestions, "actual_length": len(list)})
		return nil
	}
	ids := make([]uuid.UUID, 0, len(list))
	valid := true
	for i, item := range list {
		id, ok := bodyUUID(b.c, []any{"body", "question_ids", i}, item)
		valid = valid && ok
		ids = append(ids, id)
	}
	if !valid {
		return nil
	}
	if len(ids) < 1 {
		b.c.add("too_short", loc, "List should have at least 1 item after validation, not 0", v,
			map[string]any{"field_type": "List", "min_length": 1, "actual_length": 0})
		return nil
	}
	seen := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			const msg = "Duplicate question IDs are not allowed"
			b.c.add("value_error", loc, "Value error, "+msg, v, map[string]any{"error": msg})
			return nil
		}
		seen[id] = true
	}
	return ids
}

// bulkApproveQuestions is PUT /questions/{quiz_id}/bulk-approve: body
// {question_ids}. Every id the quiz has a live question for is approved
// (again if it was), in one statement; the others are failed_ids.
func (s *Server) bulkApproveQuestions(c *call) error {
	var ch checks
	qid := ch.pathUUID(c.params, "quiz_id")
	b, err := readBody(c.r, &ch)
	if err != nil {
		return err
	}
	ids := questionIDList(b)
	if err := ch.err(); err != nil {
		return err
	}
	if _, err := s.quizAccess(c, qid, accessShared); err != nil {
		return err
	}
	res, err := s.Store.BulkApproveQuestions(c.ctx, qid, ids)
	if err != nil {
		return err
	}
	return c.json(bulkOut(res, "Approved", "not found"))
}

// bulkDeleteQuestions is POST /questions/{quiz_id}/bulk-delete: body
// {question_ids, rejection_reason?, rejection_feedback?}. Every id the
// quiz has a live question for is soft-deleted with the reason, in one
// statement; the others (unknown, of another quiz, deleted already) are
// failed_ids.
func (s *Server) bulkDeleteQuestions(c *call) error {
	var ch checks
	qid := ch.pathUUID(c.params, "quiz_id")
	b, err := readBody(c.r, &ch)
	if err != nil {
		return err
	}
	ids := questionIDList(b)
	r := rejectionOf(b)
	if err := ch.err(); err != nil {
		return err
	}
	if _, err := s.quizAccess(c, qid, accessShared); err != nil {
		return err
	}
	res, err := s.Store.BulkDeleteQuestions(c.ctx, qid, ids, r)
	if err != nil {
		return err
	}
	return c.json(bulkOut(res, "Deleted", "not found or already deleted"))
}
