package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"quizgen/internal/logging"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// This file is today's quiz routes at the root (README, Question types):
// POST and GET /quiz/, GET /quiz/{id}, POST /quiz/{id}/export and GET
// /quiz/{id}/questions/stats, owner-only for now (someone else's quiz is
// "Quiz not found"). They speak today's Quiz JSON: typed modules, one
// derived status, failure reasons of today's enum.

// headQuizJSON is today's Quiz object, keys in the model's order. The
// columns today's model has and ours does not yet are derived:
// last_status_update is updated_at (every status move writes it), deleted
// is false and deleted_at null (no soft delete of quizzes yet).
type headQuizJSON struct {
	ID                 uuid.UUID       `json:"id"`
	OwnerID            uuid.UUID       `json:"owner_id"`
	CanvasCourseID     int64           `json:"canvas_course_id"`
	CanvasCourseName   string          `json:"canvas_course_name"`
	SelectedModules    json.RawMessage `json:"selected_modules"`
	Title              string          `json:"title"`
	QuestionCount      int             `json:"question_count"`
	LLMModel           string          `json:"llm_model"`
	LLMTemperature     pyFloat         `json:"llm_temperature"`
	Language           qtype.Language  `json:"language"`
	Tone               quiz.Tone       `json:"tone"`
	CustomInstructions *string         `json:"custom_instructions"`
	Status             string          `json:"status"`
	FailureReason      *string         `json:"failure_reason"`
	LastStatusUpdate   pyTime          `json:"last_status_update"`
	ExtractedContent   json.RawMessage `json:"extracted_content"`
	ContentExtractedAt pyTime          `json:"content_extracted_at"`
	CreatedAt          pyTime          `json:"created_at"`
	UpdatedAt          pyTime          `json:"updated_at"`
	CanvasQuizID       *string         `json:"canvas_quiz_id"`
	ExportedAt         pyTime          `json:"exported_at"`
	GenerationMetadata json.RawMessage `json:"generation_metadata"`
	Deleted            bool            `json:"deleted"`
	DeletedAt          pyTime          `json:"deleted_at"`
}

// Today's consolidated statuses.
const (
	statusCreated             = "created"
	statusExtracting          = "extracting_content"
	statusGenerating          = "generating_questions"
	statusReadyForReview      = "ready_for_review"
	statusReadyPartial        = "ready_for_review_partial"
	statusExporting           = "exporting_to_canvas"
	statusPublished           = "published"
	statusFailed              = "failed"
	reasonExtraction          = "content_extraction_error"
	reasonNoContent           = "no_content_found"
	reasonGeneration          = "llm_generation_error"
	reasonNoQuestions         = "no_questions_generated"
	reasonExport              = "canvas_export_error"
	reasonNetwork             = "network_error"
	failureMessageMetadataKey = "failure_message"
)

// active reports whether stage s of q is queued (pending with a job) or
// running.
func active(q quiz.Quiz, s quiz.Stage) bool {
	st := q.Status(s)
	return st == quiz.StatusProcessing || (st == quiz.StatusPending && q.JobID(s) != nil)
}

// todayStatus is today's single status derived from the three stages: a
// stage queued or running names the status (the export first, then the
// extraction, which goes on to generate, then the generation); otherwise
// the latest stage that ended does: an export done is published, a failed
// stage is failed (failedStage says which), a generation done is ready
// for review (partial when some batches failed, quiz.GenerationPartial),
// an extraction done without a generation is still extracting_content (it
// may be generated, as today's status allows), and nothing yet is created.
func todayStatus(q quiz.Quiz) (status string, failedStage quiz.Stage) {
	switch {
	case active(q, quiz.StageExport):
		return statusExporting, ""
	case active(q, quiz.StageExtraction):
		return statusExtracting, ""
	case active(q, quiz.StageGeneration):
		return statusGenerating, ""
	case q.ExportStatus == quiz.StatusCompleted:
		return statusPublished, ""
	case q.ExportStatus == quiz.StatusFailed:
		return statusFailed, quiz.StageExport
	case q.ContentExtractionStatus == quiz.StatusFailed:
		return statusFailed, quiz.StageExtraction
	case q.LLMGenerationStatus == quiz.StatusFailed:
		return statusFailed, quiz.StageGeneration
	case q.LLMGenerationStatus == quiz.StatusCompleted && quiz.GenerationPartial(q):
		return statusReadyPartial, ""
	case q.LLMGenerationStatus == quiz.StatusCompleted:
		return statusReadyForReview, ""
	case q.ContentExtractionStatus == quiz.StatusCompleted:
		return statusExtracting, ""
	}
	return statusCreated, ""
}

// todayFailureReason maps the failed stage and our human-readable reason
// (kept in generation_metadata.failure_message) to today's enum: an export
// is canvas_export_error; an extraction is no_content_found when it found
// none, network_error when the database or Canvas was unavailable, else
// content_extraction_error; a generation is no_content_found for a module
// without content, no_questions_generated when every batch failed,
// network_error as above, else llm_generation_error.
func todayFailureReason(stage quiz.Stage, msg string) string {
	lower := strings.ToLower(msg)
	network := strings.Contains(lower, "unavailable")
	switch stage {
	case quiz.StageExport:
		return reasonExport
	case quiz.StageExtraction:
		switch {
		case strings.Contains(lower, "no content") || strings.Contains(lower, "no course content"):
			return reasonNoContent
		case network:
			return reasonNetwork
		}
		return reasonExtraction
	}
	switch {
	case strings.Contains(lower, "no course content") || strings.Contains(lower, "no content"):
		return reasonNoContent
	case strings.Contains(lower, "all ") && strings.Contains(lower, "batches failed"):
		return reasonNoQuestions
	case network:
		return reasonNetwork
	}
	return reasonGeneration
}

// headQuizOut is today's Quiz JSON of q. A manual module's text is left
// out of selected_modules unless withManual (the list leaves it out, as it
// does extracted_content: it is in extracted_content once extracted).
func headQuizOut(q quiz.Quiz, withManual bool) (headQuizJSON, error) {
	mods := q.Modules
	if !withManual {
		mods = make(quiz.Modules, len(q.Modules))
		copy(mods, q.Modules)
		for i := range mods {
			mods[i].Manual = nil
		}
	}
	if mods == nil {
		mods = quiz.Modules{}
	}
	selected, err := json.Marshal(mods)
	if err != nil {
		return headQuizJSON{}, err
	}
	content, err := todayContent(q.ExtractedContent)
	if err != nil {
		return headQuizJSON{}, err
	}
	status, failed := todayStatus(q)
	var reason *string
	if failed != "" {
		msg := ""
		if q.FailureReason != nil {
			msg = *q.FailureReason
		}
		r := todayFailureReason(failed, msg)
		reason = &r
	}
	meta, err := todayMetadata(q)
	if err != nil {
		return headQuizJSON{}, err
	}
	var ci *string
	if q.CustomInstructions != "" {
		ci = &q.CustomInstructions
	}
	last := q.UpdatedAt
	if last == nil {
		last = q.CreatedAt
	}
	lang, tone := q.Language, q.Tone
	if lang == "" {
		lang = quiz.DefaultLanguage
	}
	if tone == "" {
		tone = quiz.DefaultTone
	}
	return headQuizJSON{
		ID: q.ID, OwnerID: q.OwnerID, CanvasCourseID: q.CanvasCourseID, CanvasCourseName: q.CanvasCourseName,
		SelectedModules: selected, Title: q.Title, QuestionCount: q.QuestionCount,
		LLMModel: q.LLMModel, LLMTemperature: pyFloat(q.LLMTemperature),
		Language: lang, Tone: tone, CustomInstructions: ci,
		Status: status, FailureReason: reason, LastStatusUpdate: pyTime{last},
		ExtractedContent: content, ContentExtractedAt: pyTime{q.ContentExtractedAt},
		CreatedAt: pyTime{q.CreatedAt}, UpdatedAt: pyTime{q.UpdatedAt},
		CanvasQuizID: q.CanvasQuizID, ExportedAt: pyTime{q.ExportedAt},
		GenerationMetadata: meta, DeletedAt: pyTime{},
	}, nil
}

// todayContent is the stored extracted content with today's keys: the
// module id, where the store keeps "module_<id>" (v1's keys). nil is null.
func todayContent(doc json.RawMessage) (json.RawMessage, error) {
	if len(doc) == 0 {
		return json.RawMessage("null"), nil
	}
	var byKey map[string]json.RawMessage
	if err := json.Unmarshal(doc, &byKey); err != nil {
		return nil, err
	}
	out := make(map[string]json.RawMessage, len(byKey))
	for k, v := range byKey {
		out[strings.TrimPrefix(k, "module_")] = v
	}
	return json.Marshal(out)
}

// todayMetadata is the quiz's generation_metadata ({} before a run ends)
// with our human-readable failure reason, when there is one, under
// failure_message: today's failure_reason is an enum, and this text says
// what actually went wrong (partial runs included).
func todayMetadata(q quiz.Quiz) (json.RawMessage, error) {
	meta := map[string]json.RawMessage{}
	if len(q.GenerationMetadata) > 0 {
		if err := json.Unmarshal(q.GenerationMetadata, &meta); err != nil || meta == nil {
			meta = map[string]json.RawMessage{}
		}
	}
	if q.FailureReason != nil && *q.FailureReason != "" {
		b, err := json.Marshal(*q.FailureReason)
		if err != nil {
			return nil, err
		}
		meta[failureMessageMetadataKey] = b
	}
	return json.Marshal(meta)
}

// headCreateQuiz is POST /quiz/: today's QuizCreate, checked field by
// field (a 422 names every problem at its place in the body), the same
// teacher check, limits and extraction as v1's create.
func (s *Server) headCreateQuiz(c *call) error {
	var ch checks
	b, err := readBody(c.r, &ch)
	if err != nil {
		return err
	}
	courseID, ok := b.integer("canvas_course_id", true, 0, minInt64, maxInt64)
	if ok {
		b.gtZero(courseID, []any{"body", "canvas_course_id"}, b.value("canvas_course_id"))
	}
	courseName, _ := b.str("canvas_course_name", true, 0, maxNameLen)
	mods := b.typedModules("selected_modules")
	title, _ := b.str("title", true, 1, 255)
	model, ok := b.str("llm_model", false, 0, maxModelLen)
	if !ok && !b.has("llm_model") {
		model = "o3"
	}
	temp, _ := b.number("llm_temperature", 1, 0, 2)
	set := quiz.Settings{
		Language:           qtype.Language(b.optStr("language")),
		Tone:               quiz.Tone(b.optStr("tone")),
		CustomInstructions: b.optStr("custom_instructions"),
	}
	for _, p := range set.Validate() {
		name, _ := p.Path[0].(string)
		if !b.nul[name] {
			ch.add("value_error", append([]any{"body"}, p.Path...), "Value error, "+p.Msg, b.value(name), nil)
		}
	}
	if err := ch.err(); err != nil {
		return err
	}
	if err := s.teaches(c, courseID); err != nil {
		return err
	}
	q, err := s.Quizzes.CreateQuiz(c.ctx, quiz.NewQuiz{
		OwnerID: c.user.ID, CanvasCourseID: courseID, CanvasCourseName: courseName, Title: title,
		LLMModel: model, LLMTemperature: temp,
		Modules: mods, Language: set.Language, Tone: set.Tone, CustomInstructions: set.CustomInstructions,
	}, logging.RequestID(c.ctx))
	if err != nil {
		return err
	}
	out, err := headQuizOut(q, true)
	if err != nil {
		return err
	}
	return c.json(out)
}

// optStr is an optional string field: "" when absent or null.
func (b body) optStr(name string) string {
	if v, present := b.fields[name]; !present || string(bytes.TrimSpace(v)) == "null" {
		return ""
	}
	s, _ := b.str(name, false, 0, 0)
	return s
}

// typedModules reads today's selected_modules: an object of module id ->
// ModuleSelection in the teacher's order. Wrong JSON types are reported as
// pydantic does (dict_type, string_type, list_type, int_type, missing) at
// their place, then quiz.Modules.Validate's rules as value_errors at the
// paths it names. It returns nil when anything is wrong.
func (b body) typedModules(name string) quiz.Modules {
	if b.nul[name] {
		return nil
	}
	if !b.has(name) {
		b.missing(name)
		return nil
	}
	root := []any{"body", name}
	at := func(more ...any) []any { return append(append([]any{}, root...), more...) }
	raw := b.fields[name]
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		b.c.add("dict_type", root, "Input should be a valid dictionary", b.value(name), nil)
		return nil
	}
	before := len(b.c.errs)
	mods := quiz.Modules{}
	values := map[string]any{}
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
		values[key] = val
		if m, ok := b.moduleSelection(key, val, at); ok {
			mods = append(mods, m)
		}
	}
	if len(b.c.errs) > before {
		return nil
	}
	for _, p := range mods.Validate() {
		b.c.add("value_error", at(p.Path...), "Value error, "+p.Msg, inputAt(values, p.Path, b.value(name)), nil)
	}
	if len(b.c.errs) > before {
		return nil
	}
	return mods
}

// moduleSelection reads one ModuleSelection (the value of key), adding a
// type error for each field of the wrong JSON type.
func (b body) moduleSelection(key string, val any, at func(...any) []any) (quiz.ModuleSpec, bool) {
	obj, isObj := val.(map[string]any)
	if !isObj {
		b.c.add("model_type", at(key), "Input should be a valid dictionary or instance of ModuleSelection", val, nil)
		return quiz.ModuleSpec{}, false
	}
	ok := true
	str := func(field string, required bool) string {
		v, present := obj[field]
		if !present || v == nil {
			if required {
				b.c.add("missing", at(key, field), "Field required", nil, nil)
				ok = false
			}
			return ""
		}
		s, isStr := v.(string)
		if !isStr {
			b.c.add("string_type", at(key, field), "Input should be a valid string", v, nil)
			ok = false
		}
		return s
	}
	m := quiz.ModuleSpec{ID: key, Name: str("name", true), Source: quiz.Source(str("source_type", false))}
	if m.Source == "" {
		m.Source = quiz.SourceCanvas // today's default
	}
	if v, present := obj["content"]; present && v != nil {
		text := str("content", false)
		m.Manual = &quiz.ManualContent{Text: text}
		if meta, isObj := obj["processing_metadata"].(map[string]any); isObj {
			if files, isList := meta["files"].([]any); isList {
				for _, f := range files {
					if fs, isStr := f.(string); isStr {
						m.Manual.Files = append(m.Manual.Files, fs)
					}
				}
			}
		}
	}
	batches, present := obj["question_batches"]
	list, isList := batches.([]any)
	switch {
	case !present:
		b.c.add("missing", at(key, "question_batches"), "Field required", nil, nil)
		return m, false
	case !isList:
		b.c.add("list_type", at(key, "question_batches"), "Input should be a valid list", batches, nil)
		return m, false
	}
	for i, e := range list {
		bo, isObj := e.(map[string]any)
		if !isObj {
			b.c.add("model_type", at(key, "question_batches", i), "Input should be a valid dictionary or instance of QuestionBatch", e, nil)
			ok = false
			continue
		}
		var batch quiz.Batch
		for _, field := range []string{"question_type", "difficulty"} {
			v, present := bo[field]
			s, isStr := v.(string)
			switch {
			case !present:
				b.c.add("missing", at(key, "question_batches", i, field), "Field required", nil, nil)
				ok = false
			case !isStr:
				b.c.add("string_type", at(key, "question_batches", i, field), "Input should be a valid string", v, nil)
				ok = false
			case field == "question_type":
				batch.QuestionType = qtype.Name(s)
			default:
				batch.Difficulty = qtype.Difficulty(s)
			}
		}
		n, present := bo["count"]
		num, isNum := n.(json.Number)
		count, err := num.Int64()
		if f, ferr := num.Float64(); isNum && err != nil && ferr == nil && f == math.Trunc(f) && math.Abs(f) < 1<<31 {
			count, err = int64(f), nil
		}
		switch {
		case !present:
			b.c.add("missing", at(key, "question_batches", i, "count"), "Field required", nil, nil)
			ok = false
		case !isNum || err != nil || count < math.MinInt32 || count > math.MaxInt32:
			b.c.add("int_type", at(key, "question_batches", i, "count"), "Input should be a valid integer", n, nil)
			ok = false
		default:
			batch.Count = int(count)
		}
		m.Batches = append(m.Batches, batch)
	}
	return m, ok
}

// inputAt is the value at path inside the selected_modules object (a
// "[key]" step names the key itself), or whole when the path is empty.
func inputAt(values map[string]any, path []any, whole any) any {
	if len(path) == 0 {
		return whole
	}
	key, _ := path[0].(string)
	var cur any = values[key]
	for _, step := range path[1:] {
		switch st := step.(type) {
		case string:
			if st == "[key]" {
				return key
			}
			o, _ := cur.(map[string]any)
			cur = o[st]
		case int:
			l, _ := cur.([]any)
			if st < 0 || st >= len(l) {
				return nil
			}
			cur = l[st]
		}
	}
	return cur
}

// headListQuizzes is GET /quiz/: the user's quizzes, newest first, with
// extracted_content null and manual modules' text left out (as v1's list:
// a hundred courses' text would not fit in one Lambda response).
func (s *Server) headListQuizzes(c *call) error {
	qs, err := s.Store.QuizSummariesByOwner(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	out := make([]headQuizJSON, 0, len(qs))
	for _, q := range qs {
		j, err := headQuizOut(q, false)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	return c.json(out)
}

// headGetQuiz is GET /quiz/{quiz_id} with v1's caching and size rules
// (getQuiz): an ETag of its own, 304 on If-None-Match, and content too
// large for a response left null and named in X-Omitted-Fields.
func (s *Server) headGetQuiz(c *call) error {
	id, err := quizID(c)
	if err != nil {
		return err
	}
	q, err := s.quizAccess(c, id, accessShared)
	if err != nil {
		return err
	}
	if notModified(c, headQuizETag(q, c.user.ID)) {
		return nil
	}
	if q.ContentUnread || q.Version == "" {
		if q, err = s.Store.QuizWithContent(c.ctx, id); err != nil {
			return quizNotFound(err)
		}
		setQuizCaching(c, headQuizETag(q, c.user.ID))
	}
	omit := len(q.ExtractedContent) > maxResponseBytes
	if omit {
		q.ExtractedContent = nil
	}
	out, err := headQuizOut(q, true)
	if err != nil {
		return err
	}
	body, err := json.Marshal(out)
	if err != nil {
		return err
	}
	if q.ExtractedContent != nil && !fitsLambda(body) {
		omit, out.ExtractedContent = true, json.RawMessage("null")
		if body, err = json.Marshal(out); err != nil {
			return err
		}
	}
	if !fitsLambda(body) {
		return failWith(http.StatusInternalServerError, detailTooLarge, errResponseTooLarge)
	}
	if omit {
		c.w.Header().Set(headerOmitted, "extracted_content")
	}
	writeJSONBytes(c.w, http.StatusOK, body)
	return nil
}

var errResponseTooLarge = errors.New("quiz JSON too large without its extracted content")

// headQuizETag is quizETag for today's representation (a v1 ETag never
// confirms today's JSON, nor the other way round).
func headQuizETag(q quiz.Quiz, user uuid.UUID) string {
	if q.Version == "" {
		return ""
	}
	h := sha256.Sum256([]byte(headQuizRepr + "|" + user.String() + "|" + q.ID.String() + "|" + q.Version))
	return `W/"` + hex.EncodeToString(h[:16]) + `"`
}

const headQuizRepr = "head-quiz-json-1"

// headQuestionStats is GET /quiz/{quiz_id}/questions/stats: {"total",
// "approved"} over the questions not deleted, of every type.
func (s *Server) headQuestionStats(c *call) error {
	id, err := quizID(c)
	if err != nil {
		return err
	}
	if _, err := s.quizAccess(c, id, accessShared); err != nil {
		return err
	}
	st, err := s.Store.LiveQuestionStats(c.ctx, id)
	if err != nil {
		return err
	}
	return c.json(st)
}

// headQuizRoutes are today's quiz routes at the root (tag quiz).
func (s *Server) headQuizRoutes() []*route {
	return []*route{
		{method: http.MethodPost, pattern: "/quiz/", auth: authCanvas, h: s.headCreateQuiz,
			op: operation{id: "quiz-create_new_quiz", tag: "quiz", summary: "Create a quiz of typed question batches and start extracting its content", body: "QuizCreate", resp: "Quiz",
				failMsg: "Failed to create quiz. Please try again.", errs: []int{403, 429, 503}}},
		{method: http.MethodGet, pattern: "/quiz/", auth: authUser, h: s.headListQuizzes,
			op: operation{id: "quiz-get_user_quizzes_endpoint", tag: "quiz", summary: "The user's quizzes, newest first", resp: "[]Quiz",
				failMsg: "Failed to retrieve quizzes. Please try again."}},
		{method: http.MethodGet, pattern: "/quiz/{quiz_id}", auth: authUser, h: s.headGetQuiz,
			op: operation{id: "quiz-get_quiz", tag: "quiz", summary: "One quiz", resp: "Quiz",
				failMsg: "Failed to retrieve quiz. Please try again."}},
		{method: http.MethodGet, pattern: "/quiz/{quiz_id}/questions/stats", auth: authUser, h: s.headQuestionStats,
			op: operation{id: "quiz-get_quiz_question_stats", tag: "quiz", summary: "Number of questions (every type, not deleted) and approved ones", resp: "QuestionStats",
				failMsg: "Failed to retrieve question stats. Please try again."}},
		{method: http.MethodPost, pattern: "/quiz/{quiz_id}/export", auth: authCanvas, h: s.exportQuiz,
			op: operation{id: "quiz-export_quiz_to_canvas", tag: "quiz", summary: "Export the approved questions of every type to Canvas", resp: "Message",
				failMsg: "Failed to start quiz export. Please try again.", errs: []int{400, 409, 503}}},
	}
}

// headQuizStore is what today's quiz routes need of the store beyond Store.
type headQuizStore interface{}

// headQuizzes is what today's quiz routes need of the quiz service beyond
// Quizzes.
type headQuizzes interface{}
