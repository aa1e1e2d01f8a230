package fakecanvas

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
)

// RecordedQuiz is a New Quiz the fake received, with its items in the
// order they were created.
type RecordedQuiz struct {
	ID       string
	CourseID int64
	Title    string
	// Raw is the request body as sent.
	Raw json.RawMessage
	// Response is the quiz object the fake answered with.
	Response map[string]any
	Items    []RecordedItem
}

// RecordedItem is a quiz item the fake received.
type RecordedItem struct {
	ID       string
	Position int
	// Slug is the item's interaction_type_slug (choice, multi-answer, ...).
	Slug string
	// Raw is the request body as sent ({"item": {...}}).
	Raw      json.RawMessage
	Response map[string]any
}

// Quizzes returns deep copies of the quizzes received so far, in order.
func (s *Server) Quizzes() []RecordedQuiz {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RecordedQuiz, 0, len(s.quizzes))
	for _, q := range s.quizzes {
		c := *q
		c.Raw = append(json.RawMessage(nil), q.Raw...)
		c.Response = cloneMap(q.Response)
		c.Items = make([]RecordedItem, len(q.Items))
		for i, it := range q.Items {
			c.Items[i] = RecordedItem{ID: it.ID, Position: it.Position, Slug: it.Slug,
				Raw: append(json.RawMessage(nil), it.Raw...), Response: cloneMap(it.Response)}
		}
		out = append(out, c)
	}
	return out
}

// cloneMap deep-copies a JSON-shaped value through encoding/json.
func cloneMap(m map[string]any) map[string]any {
	b, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	var c map[string]any
	if json.Unmarshal(b, &c) != nil {
		return nil
	}
	return c
}

// maxBody caps request bodies the fake reads.
const maxBody = 1 << 20

// readObject reads a JSON object body; nil when the body is empty.
func readObject(r *http.Request) (raw []byte, obj map[string]any, ok bool) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return nil, nil, false
	}
	if len(raw) == 0 {
		return raw, nil, true
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return raw, nil, false
	}
	return raw, obj, true
}

func (s *Server) now() string { return s.clock().UTC().Format("2006-01-02T15:04:05.000000Z") }

// createQuiz is POST /api/quiz/v1/courses/{course}/quizzes (docs/compatibility.md, Canvas).
func (s *Server) createQuiz(w http.ResponseWriter, r *http.Request) {
	c := s.teacherCourse(w, r, "course")
	if c == nil {
		return
	}
	raw, body, ok := readObject(r)
	if !ok || body == nil {
		apiError(w, http.StatusBadRequest, "A JSON object body is required")
		return
	}
	settings, _ := body["quiz_settings"].(map[string]any)
	if settings == nil {
		settings = map[string]any{
			"shuffle_questions": true, "shuffle_answers": true, "time_limit": nil,
			"multiple_attempts": false, "scoring_policy": "keep_highest",
		}
	}
	title, _ := body["title"].(string)
	if title == "" {
		title = "Untitled Quiz"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	id := strconv.Itoa(10000 + len(s.quizzes))
	resp := map[string]any{
		"id": id, "course_id": c.ID, "title": title,
		"points_possible": orDefault(body["points_possible"], 0),
		"due_at":          body["due_at"], "lock_at": body["lock_at"], "unlock_at": body["unlock_at"],
		"published": false, "quiz_type": "assignment", "quiz_settings": settings,
		"created_at": now, "updated_at": now,
		"instructions": orDefault(body["instructions"], ""),
	}
	s.quizzes = append(s.quizzes, &RecordedQuiz{ID: id, CourseID: c.ID, Title: title, Raw: raw, Response: resp})
	writeJSON(w, http.StatusOK, resp)
}

func orDefault(v any, def any) any {
	if v == nil {
		return def
	}
	return v
}

// quizOf finds the quiz of the request's {quiz} in course c; the caller
// holds s.mu.
func (s *Server) quizOf(c *course, r *http.Request) *RecordedQuiz {
	for _, q := range s.quizzes {
		if q.CourseID == c.ID && q.ID == r.PathValue("quiz") {
			return q
		}
	}
	return nil
}

// listQuizzes is GET /api/quiz/v1/courses/{course}/quizzes: the course's
// quizzes in creation order, paginated like Canvas's lists.
func (s *Server) listQuizzes(w http.ResponseWriter, r *http.Request) {
	c := s.teacherCourse(w, r, "course")
	if c == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]map[string]any, 0, len(s.quizzes))
	for _, q := range s.quizzes {
		if q.CourseID == c.ID {
			list = append(list, q.Response)
		}
	}
	writeJSON(w, http.StatusOK, paginate(w, r, list))
}

func (s *Server) getQuiz(w http.ResponseWriter, r *http.Request) {
	c := s.teacherCourse(w, r, "course")
	if c == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.quizOf(c, r)
	if q == nil {
		apiError(w, http.StatusNotFound, "Quiz not found")
		return
	}
	writeJSON(w, http.StatusOK, q.Response)
}

func (s *Server) listItems(w http.ResponseWriter, r *http.Request) {
	c := s.teacherCourse(w, r, "course")
	if c == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.quizOf(c, r)
	if q == nil {
		apiError(w, http.StatusNotFound, "Quiz not found")
		return
	}
	list := make([]map[string]any, 0, len(q.Items))
	for _, it := range q.Items {
		list = append(list, it.Response)
	}
	writeJSON(w, http.StatusOK, paginate(w, r, list))
}

// createItem is POST .../quizzes/{quiz}/items. It validates the item per
// type like Canvas (validateItem) and answers 400 with every problem in
// Canvas's error shape. Unlike the original mock it requires the quiz to
// exist.
func (s *Server) createItem(w http.ResponseWriter, r *http.Request) {
	c := s.teacherCourse(w, r, "course")
	if c == nil {
		return
	}
	if _, err := strconv.ParseInt(r.PathValue("quiz"), 10, 64); err != nil {
		apiError(w, http.StatusBadRequest, "quiz_id must be an integer")
		return
	}
	raw, body, ok := readObject(r)
	if !ok {
		apiError(w, http.StatusBadRequest, "A JSON object body is required")
		return
	}
	item, _ := body["item"].(map[string]any)
	if len(item) == 0 {
		apiError(w, http.StatusBadRequest, "Item data is required")
		return
	}
	if problems := validateItem(item); len(problems) > 0 {
		apiErrors(w, http.StatusBadRequest, problems)
		return
	}
	entry := item["entry"].(map[string]any)
	slug := entry["interaction_type_slug"].(string)

	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.quizOf(c, r)
	if q == nil {
		apiError(w, http.StatusNotFound, "Quiz not found")
		return
	}
	position := int(item["position"].(float64))
	now := s.now()
	s.itemCount++
	id := strconv.Itoa(20000 + s.itemCount - 1)
	resp := map[string]any{
		"id": id, "quiz_id": q.ID, "position": position,
		"points_possible": orDefault(item["points_possible"], 1),
		"entry_type":      item["entry_type"],
		"entry": map[string]any{
			"title":                 orDefault(entry["title"], "Question"),
			"item_body":             entry["item_body"],
			"calculator_type":       orDefault(entry["calculator_type"], "none"),
			"feedback":              orDefault(entry["feedback"], map[string]any{}),
			"interaction_type_slug": entry["interaction_type_slug"],
			"interaction_data":      entry["interaction_data"],
			"properties":            orDefault(entry["properties"], map[string]any{}),
			"scoring_data":          entry["scoring_data"],
			"answer_feedback":       orDefault(entry["answer_feedback"], map[string]any{}),
			"scoring_algorithm":     entry["scoring_algorithm"],
		},
		"created_at": now, "updated_at": now,
	}
	q.Items = append(q.Items, RecordedItem{ID: id, Position: position, Slug: slug, Raw: raw, Response: resp})
	writeJSON(w, http.StatusOK, resp)
}

// apiErrors answers status with one Canvas error object per message.
func apiErrors(w http.ResponseWriter, status int, msgs []string) {
	errs := make([]map[string]string, len(msgs))
	for i, m := range msgs {
		errs[i] = map[string]string{"message": m}
	}
	writeJSON(w, status, map[string]any{"errors": errs})
}
