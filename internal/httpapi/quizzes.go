package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"quizgen/internal/canvas"
	"quizgen/internal/logging"
	"quizgen/internal/quiz"
)

// quizJSON is the v1 Quiz object (docs/compatibility.md, Objects and statuses): 18 keys in model order, with
// selected_modules and extracted_content as JSON strings.
type quizJSON struct {
	ID                      uuid.UUID `json:"id"`
	OwnerID                 uuid.UUID `json:"owner_id"`
	CanvasCourseID          int64     `json:"canvas_course_id"`
	CanvasCourseName        string    `json:"canvas_course_name"`
	SelectedModules         string    `json:"selected_modules"`
	Title                   string    `json:"title"`
	QuestionCount           int       `json:"question_count"`
	LLMModel                string    `json:"llm_model"`
	LLMTemperature          pyFloat   `json:"llm_temperature"`
	ContentExtractionStatus string    `json:"content_extraction_status"`
	LLMGenerationStatus     string    `json:"llm_generation_status"`
	ExtractedContent        *string   `json:"extracted_content"`
	ContentExtractedAt      pyTime    `json:"content_extracted_at"`
	CreatedAt               pyTime    `json:"created_at"`
	UpdatedAt               pyTime    `json:"updated_at"`
	CanvasQuizID            *string   `json:"canvas_quiz_id"`
	ExportStatus            string    `json:"export_status"`
	ExportedAt              pyTime    `json:"exported_at"`
	// FailureReason says why the last failed stage failed (not in the
	// original's 18 keys; clients that do not know it ignore it).
	FailureReason *string `json:"failure_reason"`
}

func quizOut(q quiz.Quiz) (quizJSON, error) {
	out := quizJSON{
		ID: q.ID, OwnerID: q.OwnerID, CanvasCourseID: q.CanvasCourseID, CanvasCourseName: q.CanvasCourseName,
		SelectedModules: modulesText(q.SelectedModules), Title: q.Title, QuestionCount: q.QuestionCount,
		LLMModel: q.LLMModel, LLMTemperature: pyFloat(q.LLMTemperature),
		ContentExtractionStatus: string(q.ContentExtractionStatus), LLMGenerationStatus: string(q.LLMGenerationStatus),
		ContentExtractedAt: pyTime{q.ContentExtractedAt}, CreatedAt: pyTime{q.CreatedAt}, UpdatedAt: pyTime{q.UpdatedAt},
		CanvasQuizID: q.CanvasQuizID, ExportStatus: string(q.ExportStatus), ExportedAt: pyTime{q.ExportedAt},
		FailureReason: q.FailureReason,
	}
	if q.ExtractedContent != nil {
		s, err := pyDumps(q.ExtractedContent)
		if err != nil {
			return quizJSON{}, err
		}
		out.ExtractedContent = &s
	}
	return out, nil
}

// modulesText renders the chosen modules as the original stored them:
// json.dumps of {"<module id>": "<name>", ...} in the teacher's order.
func modulesText(mods []quiz.Module) string {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range mods {
		if i > 0 {
			buf.WriteString(", ")
		}
		pyString(&buf, strconv.FormatInt(m.ID, 10))
		buf.WriteString(": ")
		pyString(&buf, m.Name)
	}
	buf.WriteByte('}')
	return buf.String()
}

// ownedQuiz loads the quiz of the path for the signed-in user: someone
// else's quiz is "Quiz not found", never 403 (docs/compatibility.md, Routes and errors).
func (s *Server) ownedQuiz(c *call, id uuid.UUID) (quiz.Quiz, error) {
	return s.quizAccess(c, id, accessOwner)
}

// quizNotFound turns the service's ErrNotFound into the route's 404.
func quizNotFound(err error) error {
	if errors.Is(err, quiz.ErrNotFound) {
		return fail(http.StatusNotFound, "Quiz not found")
	}
	return err
}

func (s *Server) createQuiz(c *call) error {
	var ch checks
	b, err := readBody(c.r, &ch)
	if err != nil {
		return err
	}
	// Bounds beyond the original's (README, Security): every input here
	// reaches the database, the job message and the LLM.
	courseID, ok := b.integer("canvas_course_id", true, 0, minInt64, maxInt64)
	if ok {
		b.gtZero(courseID, []any{"body", "canvas_course_id"}, b.value("canvas_course_id"))
	}
	courseName, _ := b.str("canvas_course_name", true, 0, maxNameLen)
	mods := b.modules("selected_modules")
	title, _ := b.str("title", true, 1, 255)
	count, _ := b.integer("question_count", false, 100, 1, 200)
	model, ok := b.str("llm_model", false, 0, maxModelLen)
	if !ok && !b.has("llm_model") {
		model = "o3"
	}
	temp, _ := b.number("llm_temperature", 1, 0, 2)
	if err := ch.err(); err != nil {
		return err
	}
	if err := s.teaches(c, courseID); err != nil {
		return err
	}
	q, err := s.Quizzes.CreateQuiz(c.ctx, quiz.NewQuiz{
		OwnerID: c.user.ID, CanvasCourseID: courseID, CanvasCourseName: courseName, SelectedModules: mods,
		Title: title, QuestionCount: int(count), LLMModel: model, LLMTemperature: temp,
	}, logging.RequestID(c.ctx))
	if err != nil {
		return err
	}
	out, err := quizOut(q)
	if err != nil {
		return err
	}
	return c.json(out)
}

// teaches refuses a course the user does not teach, as GET
// /canvas/courses lists them: a quiz reads the course's content with the
// teacher's token and spends LLM work on it.
func (s *Server) teaches(c *call, courseID int64) error {
	courses, err := s.Canvas.TeachingCourses(c.ctx, c.canvasToken)
	if errors.Is(err, canvas.ErrBadResponse) { // not a list: no course is taught
		courses, err = nil, nil
	}
	if err != nil {
		return canvasError(err, detailNoCourseAccess, "")
	}
	for _, co := range courses {
		if co.ID == courseID {
			return nil
		}
	}
	return fail(http.StatusForbidden, detailNoCourseAccess)
}

// detailNoCourseAccess is the modules route's answer to a Canvas 403.
const detailNoCourseAccess = "You don't have access to this course."

const (
	minInt64 = -1 << 63
	maxInt64 = 1<<63 - 1

	// maxModules bounds selected_modules: each module is read from Canvas.
	maxModules = 50
	// maxNameLen bounds a course or module name (Canvas's own limit).
	maxNameLen = 255
	// maxModelLen bounds llm_model, sent to the LLM with every call.
	maxModelLen = 100
)

// gtZero adds pydantic's greater_than error (gt=0) at loc unless n > 0.
func (b body) gtZero(n int64, loc []any, input any) bool {
	if n > 0 {
		return true
	}
	b.c.add("greater_than", loc, "Input should be greater than 0", input, map[string]any{"gt": 0})
	return false
}

// modules validates selected_modules: an object of at most maxModules
// entries whose keys parse as positive integers and whose values are
// strings of at most maxNameLen characters, kept in the order given.
func (b body) modules(name string) []quiz.Module {
	if !b.has(name) {
		b.missing(name)
		return nil
	}
	raw := b.fields[name]
	if n, ok := entries(raw); ok && n > maxModules {
		b.c.add("too_long", []any{"body", name},
			fmt.Sprintf("Dictionary should have at most %d items after validation, not %d", maxModules, n),
			b.value(name), map[string]any{"field_type": "Dictionary", "max_length": maxModules, "actual_length": n})
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		b.c.add("dict_type", []any{"body", name}, "Input should be a valid dictionary", b.value(name), nil)
		return nil
	}
	mods := []quiz.Module{}
	for dec.More() {
		keyTok, err := dec.Token()
		if err != nil {
			return nil
		}
		key := keyTok.(string)
		var val any
		if err := dec.Decode(&val); err != nil {
			return nil
		}
		id, kerr := strconv.ParseInt(key, 10, 64)
		if kerr != nil {
			b.c.add("int_parsing", []any{"body", name, key, "[key]"},
				"Input should be a valid integer, unable to parse string as an integer", key, nil)
		}
		keyOK := kerr == nil && b.gtZero(id, []any{"body", name, key, "[key]"}, key)
		str, isStr := val.(string)
		if !isStr {
			b.c.add("string_type", []any{"body", name, key}, "Input should be a valid string", val, nil)
		} else if utf8.RuneCountInString(str) > maxNameLen {
			b.c.add("string_too_long", []any{"body", name, key},
				"String should have at most "+plural(maxNameLen, "character"), str, map[string]any{"max_length": maxNameLen})
			isStr = false
		}
		if keyOK && isStr {
			mods = append(mods, quiz.Module{ID: id, Name: str})
		}
	}
	return mods
}

// entries counts the members of the JSON object raw without decoding
// their values; ok is false when raw is not an object.
func entries(raw json.RawMessage) (n int, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return 0, false
	}
	for dec.More() {
		if _, err := dec.Token(); err != nil {
			return 0, false
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return 0, false
		}
		n++
	}
	return n, true
}

// listQuizzes answers the user's quizzes with extracted_content null: no
// client reads it in the list, and a hundred courses' text would not fit
// in one Lambda response (docs/compatibility.md, Deliberate differences: response size).
func (s *Server) listQuizzes(c *call) error {
	qs, err := s.Store.QuizSummariesByOwner(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	out := make([]quizJSON, 0, len(qs))
	for _, q := range qs {
		j, err := quizOut(q)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	return c.json(out)
}

// quizID validates the quiz_id path parameter.
func quizID(c *call) (uuid.UUID, error) {
	var ch checks
	id := ch.pathUUID(c.params, "quiz_id")
	return id, ch.err()
}

func (s *Server) getQuiz(c *call) error {
	id, err := quizID(c)
	if err != nil {
		return err
	}
	q, err := s.ownedQuiz(c, id)
	if err != nil {
		return err
	}
	if notModified(c, quizETag(q, c.user.ID)) {
		return nil
	}
	if q.ContentUnread || q.Version == "" {
		if q, err = s.Store.QuizWithContent(c.ctx, id); err != nil {
			return quizNotFound(err)
		}
		setQuizCaching(c, quizETag(q, c.user.ID)) // it may have changed meanwhile
	}
	// Content larger than a response can carry is not even encoded (its
	// JSON is at least as long as its stored text).
	omit := len(q.ExtractedContent) > maxResponseBytes
	if omit {
		q.ExtractedContent = nil
	}
	out, err := quizOut(q)
	if err != nil {
		return err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	if out.ExtractedContent != nil && !fitsLambda(b) {
		omit, out.ExtractedContent = true, nil
		if b, err = json.Marshal(out); err != nil {
			return err
		}
	}
	if omit {
		c.w.Header().Set(headerOmitted, "extracted_content")
	}
	writeJSONBytes(c.w, http.StatusOK, b)
	return nil
}

// headerOmitted names the fields a response left null because their value
// would not fit in it (docs/compatibility.md, Deliberate differences: response size).
const headerOmitted = "X-Omitted-Fields"

// quizETag is the entity tag of GET /quiz/{id} for user: the row version
// (which changes on every write to the row) and the caller, so that one
// user's cached answer is never confirmed to another. quizRepr changes
// whenever the Quiz JSON does.
func quizETag(q quiz.Quiz, user uuid.UUID) string {
	if q.Version == "" {
		return ""
	}
	h := sha256.Sum256([]byte(quizRepr + "|" + user.String() + "|" + q.ID.String() + "|" + q.Version))
	return `W/"` + hex.EncodeToString(h[:16]) + `"`
}

const quizRepr = "quiz-json-1"

// setQuizCaching marks the answer as cacheable only by the caller and only
// after revalidation (browsers then send If-None-Match on their own).
func setQuizCaching(c *call, etag string) {
	h := c.w.Header()
	h.Set("Cache-Control", "private, no-cache")
	if etag != "" {
		h.Set("ETag", etag)
	} else {
		h.Del("ETag")
	}
}

// notModified sets the caching headers and answers 304 when the request's
// If-None-Match names etag.
func notModified(c *call, etag string) bool {
	setQuizCaching(c, etag)
	inm := c.r.Header.Get("If-None-Match")
	if etag == "" || inm == "" {
		return false
	}
	weak := strings.TrimPrefix(etag, "W/")
	for tag := range strings.SplitSeq(inm, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == weak {
			c.w.WriteHeader(http.StatusNotModified)
			return true
		}
	}
	return false
}

func (s *Server) deleteQuiz(c *call) error {
	id, err := quizID(c)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteQuiz(c.ctx, c.user.ID, id); err != nil {
		return quizNotFound(err)
	}
	return c.json(message{"Quiz deleted successfully"})
}

func (s *Server) triggerExtraction(c *call) error {
	id, err := quizID(c)
	if err != nil {
		return err
	}
	if err := s.Quizzes.StartExtraction(c.ctx, c.user.ID, id, logging.RequestID(c.ctx)); err != nil {
		return quizNotFound(err)
	}
	return c.json(message{"Content extraction started"})
}

func (s *Server) triggerGeneration(c *call) error {
	id, err := quizID(c)
	if err != nil {
		return err
	}
	if err := s.Quizzes.StartGeneration(c.ctx, c.user.ID, id, logging.RequestID(c.ctx)); err != nil {
		return quizNotFound(err)
	}
	return c.json(message{"Question generation started"})
}

func (s *Server) exportQuiz(c *call) error {
	id, err := quizID(c)
	if err != nil {
		return err
	}
	if err := s.Quizzes.StartExport(c.ctx, c.user.ID, id, logging.RequestID(c.ctx)); err != nil {
		return quizNotFound(err)
	}
	return c.json(message{"Quiz export started"})
}

func (s *Server) questionStats(c *call) error {
	id, err := quizID(c)
	if err != nil {
		return err
	}
	if _, err := s.ownedQuiz(c, id); err != nil {
		return err
	}
	st, err := s.Store.QuestionStats(c.ctx, id)
	if err != nil {
		return err
	}
	return c.json(st)
}
