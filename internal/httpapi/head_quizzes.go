package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
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
		// A regeneration leaves the status as it was, as today's does:
		// the teacher goes on reviewing while the batch runs.
		if m, ok := quiz.Restarting(q); ok && m.Restart == quiz.RestartRegenerate {
			if partialOutcome(m.Previous) {
				return statusReadyPartial, ""
			}
			return statusReadyForReview, ""
		}
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

// partialOutcome reports whether meta, a decided run's
// generation_metadata, names failed batches.
func partialOutcome(meta json.RawMessage) bool {
	var m quiz.GenerationMetadata
	return len(meta) > 0 && json.Unmarshal(meta, &m) == nil && len(m.FailedBatches) > 0
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
		SelectedModules: selected, Title: q.Title, QuestionCount: quiz.PlannedQuestions(q),
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
// in today's shape, with our human-readable failure reason, when there is
// one, under failure_message: today's failure_reason is an enum, and this
// text says what actually went wrong (partial runs included). While a
// regeneration runs it is the outcome of the run the batch adds to.
// Today's client reads failed_batches and successful_batches as lists of
// keys "<module>_<type>_<count>_<difficulty>" (it sums their counts): our
// lists of failed batches become such keys, their details stay under
// failed_batch_details.
func todayMetadata(q quiz.Quiz) (json.RawMessage, error) {
	raw := q.GenerationMetadata
	if m, ok := quiz.Restarting(q); ok {
		raw = m.Previous
		if m.Restart != quiz.RestartRegenerate {
			raw = nil
		}
	}
	meta := map[string]json.RawMessage{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &meta); err != nil || meta == nil {
			meta = map[string]json.RawMessage{}
		}
	}
	if _, decided := meta["batches"]; decided {
		var run quiz.GenerationMetadata
		if err := json.Unmarshal(raw, &run); err == nil {
			failed, done := batchKeys(q, run.FailedBatches)
			for k, v := range map[string]any{"failed_batches": failed, "successful_batches": done,
				"failed_batch_details": run.FailedBatches, "total_questions_target": quiz.PlannedQuestions(q)} {
				b, err := json.Marshal(v)
				if err != nil {
					return nil, err
				}
				meta[k] = b
			}
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

// batchKeys names the failed batches and the other planned batches of
// q's run as today's keys "<module>_<type>_<count>_<difficulty>".
func batchKeys(q quiz.Quiz, failed []quiz.FailedBatch) (failedKeys, doneKeys []string) {
	key := func(module string, t qtype.Name, count int, d qtype.Difficulty) string {
		return module + "_" + string(t) + "_" + strconv.Itoa(count) + "_" + string(d)
	}
	left := map[string]int{}
	failedKeys, doneKeys = []string{}, []string{}
	for _, f := range failed {
		k := key(f.ModuleID, f.Type, f.Count, f.Difficulty)
		failedKeys = append(failedKeys, k)
		left[k]++
	}
	for _, b := range quiz.PlanBatches(q) {
		k := key(b.ModuleID, b.Type, b.Count, b.Difficulty)
		if left[k] > 0 {
			left[k]--
			continue
		}
		doneKeys = append(doneKeys, k)
	}
	return failedKeys, doneKeys
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

// prefetchQuizzes reads the user's quizzes with the user.
func prefetchQuizzes(_ *call, p *quiz.Prefetch) { p.Quizzes = true }

// headListQuizzes is GET /quiz/: the quizzes the user owns or
// collaborates on (README, Sharing), newest first, each once, with
// extracted_content null and manual modules' text left out (as v1's list:
// a hundred courses' text would not fit in one Lambda response).
func (s *Server) headListQuizzes(c *call) error {
	qs := c.pre.Quizzes // read with the user (prefetchQuizzes)
	if qs == nil {
		var err error
		if qs, err = s.Store.QuizSummariesVisibleTo(c.ctx, c.user.ID); err != nil {
			return err
		}
	}
	out := make([]headQuizJSON, 0, len(qs))
	for _, q := range qs {
		j, err := headQuizOut(q, false)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	if err := s.setQuestionCounts(c, qs, out); err != nil {
		return err
	}
	return c.json(out)
}

// headGetQuiz is GET /quiz/{quiz_id} with v1's caching and size rules
// (getQuiz): an ETag of its own, 304 on If-None-Match, and content too
// large for a response left null and named in X-Omitted-Fields.
func (s *Server) headGetQuiz(c *call) error {
	q, err := s.pathQuiz(c, accessShared)
	if err != nil {
		return err
	}
	count, err := s.questionCount(c, q)
	if err != nil {
		return err
	}
	if notModified(c, headQuizETag(q, c.user.ID, count)) {
		return nil
	}
	if q.ContentUnread || q.Version == "" {
		if q, err = s.Store.QuizWithContent(c.ctx, q.ID); err != nil {
			return quizNotFound(err)
		}
		if count, err = s.questionCount(c, q); err != nil {
			return err
		}
		setQuizCaching(c, headQuizETag(q, c.user.ID, count))
	}
	omit := len(q.ExtractedContent) > maxResponseBytes
	if omit {
		q.ExtractedContent = nil
	}
	out, err := headQuizOut(q, true)
	if err != nil {
		return err
	}
	out.QuestionCount = count
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
// confirms today's JSON, nor the other way round) with its question_count,
// which questions change without writing the quiz's row.
func headQuizETag(q quiz.Quiz, user uuid.UUID, count int) string {
	if q.Version == "" {
		return ""
	}
	h := sha256.Sum256([]byte(headQuizRepr + "|" + user.String() + "|" + q.ID.String() + "|" + q.Version + "|" + strconv.Itoa(count)))
	return `W/"` + hex.EncodeToString(h[:16]) + `"`
}

const headQuizRepr = "head-quiz-json-2"

// Today's question_count (README, Question types) is the number of
// questions the quiz shows: the planned total (the sum of its batches'
// counts) until its generation completed once, then the questions not
// deleted, of every type (regenerated and manually added ones included),
// counted when read. v1's routes keep v1's question_count.

// questionCount is today's question_count of q.
func (s *Server) questionCount(c *call, q quiz.Quiz) (int, error) {
	if !quiz.GenerationFinished(q) {
		return quiz.PlannedQuestions(q), nil
	}
	n, err := s.Store.LiveQuestionCounts(c.ctx, []quiz.ID{q.ID})
	if err != nil {
		return 0, err
	}
	return n[q.ID], nil
}

// setQuestionCounts sets today's question_count of out[i], the JSON of
// qs[i], counting the live questions of all of them in one query.
func (s *Server) setQuestionCounts(c *call, qs []quiz.Quiz, out []headQuizJSON) error {
	var ids []quiz.ID
	for _, q := range qs {
		if quiz.GenerationFinished(q) {
			ids = append(ids, q.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	n, err := s.Store.LiveQuestionCounts(c.ctx, ids)
	if err != nil {
		return err
	}
	for i, q := range qs {
		if quiz.GenerationFinished(q) {
			out[i].QuestionCount = n[q.ID]
		}
	}
	return nil
}

// headQuestionStats is GET /quiz/{quiz_id}/questions/stats: {"total",
// "approved"} over the questions not deleted, of every type.
func (s *Server) headQuestionStats(c *call) error {
	q, err := s.pathQuiz(c, accessShared)
	if err != nil {
		return err
	}
	st, err := s.Store.LiveQuestionStats(c.ctx, q.ID)
	if err != nil {
		return err
	}
	return c.json(st)
}

// present reports whether the body gives field name a value (not absent,
// not null).
func (b body) present(name string) bool {
	return b.has(name) && string(bytes.TrimSpace(b.fields[name])) != "null"
}

// headUpdateQuiz is PATCH /quiz/{quiz_id} (owner): today's QuizUpdate
// {title?, llm_model?, llm_temperature?, language?}, each checked as at
// creation; absent or null keeps the setting. It answers the Quiz.
func (s *Server) headUpdateQuiz(c *call) error {
	id, err := quizID(c)
	if err != nil {
		return err
	}
	var ch checks
	b, err := readBody(c.r, &ch)
	if err != nil {
		return err
	}
	var p quiz.SettingsPatch
	if b.present("title") {
		if v, ok := b.str("title", false, 1, 255); ok {
			p.Title = &v
		}
	}
	if b.present("llm_model") {
		if v, ok := b.str("llm_model", false, 0, maxModelLen); ok {
			p.LLMModel = &v
		}
	}
	if b.present("llm_temperature") {
		if v, ok := b.number("llm_temperature", 1, 0, 2); ok {
			p.LLMTemperature = &v
		}
	}
	if b.present("language") {
		if v, ok := b.str("language", false, 0, 0); ok {
			lang := qtype.Language(v)
			set := quiz.Settings{Language: lang}
			for _, pr := range set.Validate() {
				if name, _ := pr.Path[0].(string); name == "language" {
					ch.add("value_error", append([]any{"body"}, pr.Path...), "Value error, "+pr.Msg, v, nil)
				}
			}
			p.Language = &lang
		}
	}
	if err := ch.err(); err != nil {
		return err
	}
	q, err := s.quizAccess(c, id, accessOwner)
	if err != nil {
		return err
	}
	q, err = s.Store.UpdateQuizSettings(c.ctx, q.OwnerID, id, p)
	if err != nil {
		return quizNotFound(err)
	}
	out, err := headQuizOut(q, true)
	if err != nil {
		return err
	}
	if out.QuestionCount, err = s.questionCount(c, q); err != nil {
		return err
	}
	return c.json(out)
}

// headDeleteQuiz is DELETE /quiz/{quiz_id} (owner): the quiz goes with its
// questions, batches, invites and collaborators, as v1's delete; today's
// answer is 200 with the body null.
func (s *Server) headDeleteQuiz(c *call) error {
	q, err := s.pathQuiz(c, accessOwner)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteQuiz(c.ctx, q.OwnerID, q.ID); err != nil {
		return quizNotFound(err)
	}
	writeJSONBytes(c.w, http.StatusOK, []byte("null"))
	return nil
}

// headExtractContent is POST /quiz/{quiz_id}/extract-content (owner or
// collaborator): from today's created or failed only, a fresh extraction
// that goes on to generate (a generation run within the owner's limits);
// 409 otherwise, never 500.
func (s *Server) headExtractContent(c *call) error {
	q, err := s.pathQuiz(c, accessShared)
	if err != nil {
		return err
	}
	switch st, _ := todayStatus(q); st {
	case statusCreated, statusFailed:
	case statusExtracting:
		return &quiz.RuleError{Kind: quiz.Conflict, Msg: "Content extraction is already in progress"}
	case statusGenerating:
		return &quiz.RuleError{Kind: quiz.Conflict, Msg: "Question generation is in progress"}
	default:
		return &quiz.RuleError{Kind: quiz.Conflict, Msg: "Content extraction is not available in the current state (" + st + ")"}
	}
	if err := s.Quizzes.StartExtraction(c.ctx, q.OwnerID, q.ID, logging.RequestID(c.ctx)); err != nil {
		return quizNotFound(err)
	}
	return c.json(message{"Content extraction started"})
}

// headGenerateQuestions is POST /quiz/{quiz_id}/generate-questions (owner
// or collaborator): from ready_for_review_partial it re-runs only the
// failed batches ("Failed batch retry started"); after an extraction, or
// a generation that failed, it starts a generation run. Both are runs
// within the owner's limits. 400 until the content is extracted, 409 while
// a generation runs or once questions were generated, never 500.
func (s *Server) headGenerateQuestions(c *call) error {
	q, err := s.pathQuiz(c, accessShared)
	if err != nil {
		return err
	}
	st, failed := todayStatus(q)
	switch {
	case st == statusReadyPartial:
		if err := s.Quizzes.RetryFailedBatches(c.ctx, q.OwnerID, q.ID, logging.RequestID(c.ctx)); err != nil {
			return quizNotFound(err)
		}
		return c.json(message{"Failed batch retry started"})
	case st == statusGenerating:
		return &quiz.RuleError{Kind: quiz.Conflict, Msg: "Question generation is already in progress"}
	case st == statusCreated, st == statusExtracting && q.ContentExtractionStatus != quiz.StatusCompleted,
		st == statusFailed && failed == quiz.StageExtraction:
		return &quiz.RuleError{Kind: quiz.Precondition, Msg: "Content extraction must be completed before generating questions"}
	case st == statusExtracting, st == statusFailed && failed == quiz.StageGeneration:
	default:
		return &quiz.RuleError{Kind: quiz.Conflict, Msg: "Questions have already been generated for this quiz"}
	}
	if err := s.Quizzes.StartGeneration(c.ctx, q.OwnerID, q.ID, logging.RequestID(c.ctx)); err != nil {
		return quizNotFound(err)
	}
	return c.json(message{"Question generation started"})
}

// headRegenerateBatch is POST /quiz/{quiz_id}/regenerate-batch (owner or
// collaborator): today's RegenerateBatchRequest {module_id, question_type,
// count 1..20, difficulty} adds count questions to that batch of the quiz
// (a generation run within the owner's limits; the model is shown the
// quiz's questions so that it writes others). 409 unless the quiz is in
// review, 400 for a module or batch the quiz does not have, or a module
// without content.
func (s *Server) headRegenerateBatch(c *call) error {
	id, err := quizID(c)
	if err != nil {
		return err
	}
	var ch checks
	b, err := readBody(c.r, &ch)
	if err != nil {
		return err
	}
	module, _ := b.str("module_id", true, 1, maxNameLen)
	typ, typOK := b.str("question_type", true, 0, 0)
	if _, known := qtype.Lookup(qtype.Name(typ)); typOK && !known {
		ch.add("enum", []any{"body", "question_type"}, "Input should be "+enumList(todayTypes), typ,
			map[string]any{"expected": enumList(todayTypes)})
	}
	count, _ := b.integer("count", true, 0, quiz.MinBatchCount, quiz.MaxBatchCount)
	diff, diffOK := b.str("difficulty", true, 0, 0)
	if diffOK && !qtype.Difficulty(diff).Valid() {
		ch.add("enum", []any{"body", "difficulty"}, "Input should be 'easy', 'medium' or 'hard'", diff,
			map[string]any{"expected": "'easy', 'medium' or 'hard'"})
	}
	if err := ch.err(); err != nil {
		return err
	}
	q, err := s.quizAccess(c, id, accessShared)
	if err != nil {
		return err
	}
	if st, _ := todayStatus(q); st != statusReadyForReview && st != statusReadyPartial {
		return &quiz.RuleError{Kind: quiz.Conflict, Msg: "Quiz must be in review state for batch regeneration"}
	}
	sp := quiz.BatchSpec{ModuleID: module, Type: qtype.Name(typ), Difficulty: qtype.Difficulty(diff), Count: int(count)}
	if err := s.regenerable(c, q, sp); err != nil {
		return err
	}
	if err := s.Quizzes.RegenerateBatch(c.ctx, q.OwnerID, id, sp, logging.RequestID(c.ctx)); err != nil {
		return quizNotFound(err)
	}
	return c.json(message{"Batch regeneration started"})
}

// regenerable refuses (400, today's messages) a batch sp that quiz q does
// not have, or whose module has no extracted content to write from.
func (s *Server) regenerable(c *call, q quiz.Quiz, sp quiz.BatchSpec) error {
	m, ok := q.Modules.Find(sp.ModuleID)
	if !ok {
		return &quiz.RuleError{Kind: quiz.Precondition, Msg: "Module " + sp.ModuleID + " not found in quiz configuration"}
	}
	found := false
	for _, b := range m.Batches {
		d := b.Difficulty
		if d == "" {
			d = quiz.DefaultDifficulty
		}
		found = found || (b.QuestionType == sp.Type && d == sp.Difficulty)
	}
	if !found {
		return &quiz.RuleError{Kind: quiz.Precondition, Msg: "Specified batch not found in quiz configuration"}
	}
	if q.ContentUnread || len(q.ExtractedContent) == 0 {
		full, err := s.Store.QuizWithContent(c.ctx, q.ID)
		if err != nil {
			return quizNotFound(err)
		}
		q = full
	}
	var byKey map[string]json.RawMessage
	if len(q.ExtractedContent) > 0 {
		_ = json.Unmarshal(q.ExtractedContent, &byKey)
	}
	items := byKey["module_"+sp.ModuleID]
	if t := bytes.TrimSpace(items); len(t) == 0 || string(t) == "null" || string(t) == "[]" {
		return &quiz.RuleError{Kind: quiz.Precondition, Msg: "No content found for module " + sp.ModuleID}
	}
	return nil
}

// todayTypes are the question types in the order of today's QuestionType.
var todayTypes = []qtype.Name{qtype.MultipleChoice, qtype.MultipleAnswer, qtype.FillInBlank, qtype.Matching,
	qtype.Categorization, qtype.TrueFalse}

// enumList is pydantic's list of allowed values: 'a', 'b' or 'c'.
func enumList[T ~string](vs []T) string {
	var sb strings.Builder
	for i, v := range vs {
		switch {
		case i == 0:
		case i == len(vs)-1:
			sb.WriteString(" or ")
		default:
			sb.WriteString(", ")
		}
		sb.WriteString("'" + string(v) + "'")
	}
	return sb.String()
}

// headQuizRoutes are today's quiz routes at the root (tag quiz).
func (s *Server) headQuizRoutes() []*route {
	return []*route{
		{method: http.MethodPost, pattern: "/quiz/", auth: authCanvas, h: s.headCreateQuiz,
			op: operation{id: "quiz-create_new_quiz", tag: "quiz", summary: "Create a quiz of typed question batches and start extracting its content", body: "QuizCreate", resp: "Quiz",
				failMsg: "Failed to create quiz. Please try again.", errs: []int{403, 429, 503}}},
		{method: http.MethodGet, pattern: "/quiz/", auth: authUser, h: s.headListQuizzes, prefetch: prefetchQuizzes,
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
		{method: http.MethodPatch, pattern: "/quiz/{quiz_id}", auth: authUser, h: s.headUpdateQuiz,
			op: operation{id: "quiz-update_quiz_endpoint", tag: "quiz", summary: "Rename the quiz or change its model, temperature or language (owner)", body: "QuizUpdate", resp: "Quiz",
				failMsg: "Failed to update quiz. Please try again."}},
		{method: http.MethodDelete, pattern: "/quiz/{quiz_id}", auth: authUser, h: s.headDeleteQuiz,
			op: operation{id: "quiz-delete_quiz_endpoint", tag: "quiz", summary: "Delete the quiz with its questions, invites and collaborators (owner)", resp: "Null",
				failMsg: "Failed to delete quiz. Please try again."}},
		{method: http.MethodPost, pattern: "/quiz/{quiz_id}/extract-content", auth: authCanvas, h: s.headExtractContent,
			op: operation{id: "quiz-trigger_content_extraction", tag: "quiz", summary: "Extract the content again (from created or failed), then generate", resp: "Message",
				failMsg: "Failed to trigger content extraction", errs: []int{409, 429, 503}}},
		{method: http.MethodPost, pattern: "/quiz/{quiz_id}/generate-questions", auth: authUser, h: s.headGenerateQuestions,
			op: operation{id: "quiz-trigger_question_generation", tag: "quiz", summary: "Generate the questions, or re-run only the failed batches of a partial quiz", resp: "Message",
				failMsg: "Failed to trigger question generation", errs: []int{400, 409, 429, 503}}},
		{method: http.MethodPost, pattern: "/quiz/{quiz_id}/regenerate-batch", auth: authUser, h: s.headRegenerateBatch,
			op: operation{id: "quiz-regenerate_single_batch", tag: "quiz", summary: "Add questions to one batch of a quiz in review", body: "RegenerateBatchRequest", resp: "Message",
				failMsg: "Failed to start batch regeneration", errs: []int{400, 409, 429, 503}}},
	}
}

// headQuizStore is what today's quiz routes need of the store beyond Store.
type headQuizStore interface {
	// LiveQuestionCounts counts the questions not deleted of each quiz
	// of ids, in one query.
	LiveQuestionCounts(ctx context.Context, ids []quiz.ID) (map[quiz.ID]int, error)
	// UpdateQuizSettings applies p to owner's quiz id, or ErrNotFound.
	UpdateQuizSettings(ctx context.Context, owner, id quiz.ID, p quiz.SettingsPatch) (quiz.Quiz, error)
}

// headQuizzes is what today's quiz routes need of the quiz service beyond
// Quizzes: re-running part of a finished generation, which publishes
// generate_batch messages (the API's publisher reaches the generate
// queue).
type headQuizzes interface {
	RetryFailedBatches(ctx context.Context, owner, id quiz.ID, requestID string) error
	RegenerateBatch(ctx context.Context, owner, id quiz.ID, sp quiz.BatchSpec, requestID string) error
}
