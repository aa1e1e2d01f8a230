package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// headQuizKeys are the fields of today's Quiz, in the model's order.
var headQuizKeys = []string{"id", "owner_id", "canvas_course_id", "canvas_course_name", "selected_modules", "title",
	"question_count", "llm_model", "llm_temperature", "language", "tone", "custom_instructions", "status",
	"failure_reason", "last_status_update", "extracted_content", "content_extracted_at", "created_at", "updated_at",
	"canvas_quiz_id", "exported_at", "generation_metadata", "deleted", "deleted_at"}

// headManualText is pasted text long enough for a manual module.
var headManualText = strings.Repeat("Fotosyntesen gjer om lysenergi til kjemisk energi i glukose. ", 12)

func headBatch(t qtype.Name, count int, d qtype.Difficulty) map[string]any {
	return map[string]any{"question_type": string(t), "count": count, "difficulty": string(d)}
}

// typedQuizBody is today's QuizCreate: two Canvas modules and a manual
// one, five of the six types, in Norwegian.
func typedQuizBody() headBody {
	return headBody{
		"canvas_course_id": courseAI, "canvas_course_name": "INF-2600 AI",
		"selected_modules": map[string]any{
			"173468": map[string]any{"name": "Constraint Satisfaction Problems", "question_batches": []any{
				headBatch(qtype.MultipleChoice, 5, qtype.Medium), headBatch(qtype.TrueFalse, 3, qtype.Easy)}},
			"173469": map[string]any{"name": "Scheduling", "source_type": "canvas", "question_batches": []any{
				headBatch(qtype.FillInBlank, 2, qtype.Hard), headBatch(qtype.Matching, 4, qtype.Medium)}},
			"manual_1a2b3c4d": map[string]any{"name": "Fotosyntese", "source_type": "manual", "content": headManualText,
				"word_count": 108, "content_type": "text", "question_batches": []any{headBatch(qtype.Categorization, 6, qtype.Medium)}},
		},
		"title": "Midtvegs", "language": "no", "tone": "casual", "custom_instructions": "Bruk nynorsk.",
	}
}

// headBody is a JSON request body to vary per case.
type headBody map[string]any

func (b headBody) with(k string, v any) headBody {
	out := headBody{}
	for kk, vv := range b {
		out[kk] = vv
	}
	out[k] = v
	return out
}

func (e *env) createTyped(u user, b headBody) map[string]any {
	e.t.Helper()
	r := e.do("POST", "/quiz/", u.jwt, b)
	require.Equal(e.t, http.StatusOK, r.Code, r.Body.String())
	return r.obj()
}

// A typed quiz created at the root is stored with its modules and
// settings (not v1), counts the sum of its batches, is answered as today's
// Quiz with every field, and its extraction is queued as v1's is.
func TestHeadCreateTypedQuiz(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.signIn(teacherID)

	r := e.do("POST", "/quiz/", u.jwt, typedQuizBody())
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, headQuizKeys, keysInOrder(t, r.Body.Bytes()))
	q := r.obj()
	assert.Equal(t, u.ID.String(), q["owner_id"])
	assert.EqualValues(t, 20, q["question_count"], "5+3+2+4+6")
	assert.Equal(t, "no", q["language"])
	assert.Equal(t, "casual", q["tone"])
	assert.Equal(t, "Bruk nynorsk.", q["custom_instructions"])
	assert.Equal(t, "o3", q["llm_model"])
	assert.Equal(t, "extracting_content", q["status"], "the extraction is queued")
	assert.Nil(t, q["failure_reason"])
	assert.Nil(t, q["extracted_content"])
	assert.Equal(t, map[string]any{}, q["generation_metadata"])
	assert.Equal(t, false, q["deleted"])
	assert.Nil(t, q["deleted_at"])
	assertPyTime(t, q["last_status_update"], "last_status_update")
	assert.Contains(t, r.Body.String(), `"llm_temperature":1.0`)
	sel := rawFields(t, r.Body.Bytes())["selected_modules"]
	assert.Equal(t, []string{"173468", "173469", "manual_1a2b3c4d"}, keysInOrder(t, sel), "the teacher's order")
	mods := q["selected_modules"].(map[string]any)
	assert.Equal(t, []any{
		map[string]any{"question_type": "fill_in_blank", "count": 2.0, "difficulty": "hard"},
		map[string]any{"question_type": "matching", "count": 4.0, "difficulty": "medium"},
	}, mods["173469"].(map[string]any)["question_batches"])
	manual := mods["manual_1a2b3c4d"].(map[string]any)
	assert.Equal(t, "manual", manual["source_type"])
	assert.Equal(t, strings.TrimSpace(headManualText), manual["content"])

	id := uuid.MustParse(q["id"].(string))
	stored, err := e.store.Quiz(t.Context(), id)
	require.NoError(t, err)
	assert.False(t, stored.V1)
	assert.Equal(t, qtype.Norwegian, stored.Language)
	assert.Equal(t, quiz.Casual, stored.Tone)
	assert.Equal(t, "Bruk nynorsk.", stored.CustomInstructions)
	require.Len(t, stored.Modules, 3)
	assert.Equal(t, quiz.SourceManual, stored.Modules[2].Source)
	assert.Equal(t, 20, stored.QuestionCount)

	msgs := e.received(e.genURL)
	require.Len(t, msgs, 1)
	assert.Equal(t, queue.KindExtract, msgs[0].Kind)
	assert.Equal(t, id, msgs[0].QuizID)

	// GET answers the same shape; the list too, without the manual text.
	g := e.do("GET", "/quiz/"+id.String(), u.jwt, nil)
	require.Equal(t, http.StatusOK, g.Code, g.Body.String())
	assert.Equal(t, headQuizKeys, keysInOrder(t, g.Body.Bytes()))
	assert.NotEmpty(t, g.Header().Get("ETag"))
	assert.Equal(t, http.StatusNotModified, e.do("GET", "/quiz/"+id.String(), u.jwt, nil, "If-None-Match", g.Header().Get("ETag")).Code)
	v1 := e.do("GET", "/api/v1/quiz/"+id.String(), u.jwt, nil, "If-None-Match", g.Header().Get("ETag"))
	assert.Equal(t, http.StatusOK, v1.Code, "a v1 answer is not today's: their ETags differ")

	l := e.do("GET", "/quiz/", u.jwt, nil)
	require.Equal(t, http.StatusOK, l.Code, l.Body.String())
	list := l.list()
	require.Len(t, list, 1)
	var items []json.RawMessage
	require.NoError(t, json.Unmarshal(l.Body.Bytes(), &items))
	assert.Equal(t, headQuizKeys, keysInOrder(t, items[0]))
	lm := list[0].(map[string]any)["selected_modules"].(map[string]any)["manual_1a2b3c4d"].(map[string]any)
	assert.NotContains(t, lm, "content", "the list leaves a manual module's text out")
	assert.Equal(t, "manual", lm["source_type"])

	// A v1 quiz is listed at the root too, as today's Quiz of one
	// multiple_choice batch per module.
	e.createQuiz(u)
	l = e.do("GET", "/quiz/", u.jwt, nil)
	require.Len(t, l.list(), 2)
	newest := l.list()[0].(map[string]any)
	assert.EqualValues(t, 20, newest["question_count"])
	assert.Equal(t, "en", newest["language"])
}

// Defaults of the optional settings: English, academic, no instructions.
func TestHeadCreateQuizDefaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	b := typedQuizBody()
	delete(b, "language")
	delete(b, "tone")
	b["custom_instructions"] = nil
	q := e.createTyped(u, b)
	assert.Equal(t, "en", q["language"])
	assert.Equal(t, "academic", q["tone"])
	assert.Nil(t, q["custom_instructions"])
}

// Bad batches and settings are one 422 naming each problem at its place in
// the body, pydantic's shape; nothing is stored.
func TestHeadCreateQuizValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	mod := func(batches ...any) map[string]any {
		if batches == nil {
			batches = []any{}
		}
		return map[string]any{"173468": map[string]any{"name": "CSP", "question_batches": batches}}
	}
	cases := []struct {
		name string
		b    headBody
		typ  string
		loc  []any
	}{
		{"count 0", typedQuizBody().with("selected_modules", mod(headBatch(qtype.MultipleChoice, 0, qtype.Easy))),
			"value_error", []any{"body", "selected_modules", "173468", "question_batches", 0.0, "count"}},
		{"count 21", typedQuizBody().with("selected_modules", mod(headBatch(qtype.TrueFalse, 1, qtype.Easy), headBatch(qtype.MultipleChoice, 21, qtype.Easy))),
			"value_error", []any{"body", "selected_modules", "173468", "question_batches", 1.0, "count"}},
		{"unknown type", typedQuizBody().with("selected_modules", mod(headBatch("essay", 3, qtype.Easy))),
			"value_error", []any{"body", "selected_modules", "173468", "question_batches", 0.0, "question_type"}},
		{"bad difficulty", typedQuizBody().with("selected_modules", mod(headBatch(qtype.Matching, 3, "brutal"))),
			"value_error", []any{"body", "selected_modules", "173468", "question_batches", 0.0, "difficulty"}},
		{"same type and difficulty twice", typedQuizBody().with("selected_modules", mod(headBatch(qtype.Matching, 3, qtype.Easy), headBatch(qtype.Matching, 4, qtype.Easy))),
			"value_error", []any{"body", "selected_modules", "173468", "question_batches", 1.0}},
		{"five batches", typedQuizBody().with("selected_modules", mod(headBatch(qtype.Matching, 1, qtype.Easy), headBatch(qtype.Matching, 1, qtype.Medium),
			headBatch(qtype.Matching, 1, qtype.Hard), headBatch(qtype.TrueFalse, 1, qtype.Easy), headBatch(qtype.TrueFalse, 1, qtype.Hard))),
			"value_error", []any{"body", "selected_modules", "173468", "question_batches"}},
		{"no batches", typedQuizBody().with("selected_modules", mod()),
			"value_error", []any{"body", "selected_modules", "173468", "question_batches"}},
		{"count not a number", typedQuizBody().with("selected_modules", mod(map[string]any{"question_type": "matching", "count": "many", "difficulty": "easy"})),
			"int_type", []any{"body", "selected_modules", "173468", "question_batches", 0.0, "count"}},
		{"difficulty missing", typedQuizBody().with("selected_modules", mod(map[string]any{"question_type": "matching", "count": 2})),
			"missing", []any{"body", "selected_modules", "173468", "question_batches", 0.0, "difficulty"}},
		{"batches not a list", typedQuizBody().with("selected_modules", map[string]any{"173468": map[string]any{"name": "CSP", "question_batches": "mc"}}),
			"list_type", []any{"body", "selected_modules", "173468", "question_batches"}},
		{"module not an object", typedQuizBody().with("selected_modules", map[string]any{"173468": "CSP"}),
			"model_type", []any{"body", "selected_modules", "173468"}},
		{"v1 selection", typedQuizBody().with("selected_modules", []any{"173468"}),
			"dict_type", []any{"body", "selected_modules"}},
		{"no modules", typedQuizBody().with("selected_modules", map[string]any{}),
			"value_error", []any{"body", "selected_modules"}},
		{"Canvas id not a number", typedQuizBody().with("selected_modules", map[string]any{"csp": map[string]any{"name": "CSP",
			"question_batches": []any{headBatch(qtype.Matching, 2, qtype.Easy)}}}),
			"value_error", []any{"body", "selected_modules", "csp", "[key]"}},
		{"manual module without content", typedQuizBody().with("selected_modules", map[string]any{"manual_abc": map[string]any{"name": "Notes",
			"source_type": "manual", "question_batches": []any{headBatch(qtype.Matching, 2, qtype.Easy)}}}),
			"value_error", []any{"body", "selected_modules", "manual_abc", "content"}},
		{"manual text too short", typedQuizBody().with("selected_modules", map[string]any{"manual_abc": map[string]any{"name": "Notes",
			"source_type": "manual", "content": "Too short.", "question_batches": []any{headBatch(qtype.Matching, 2, qtype.Easy)}}}),
			"value_error", []any{"body", "selected_modules", "manual_abc", "content"}},
		{"language", typedQuizBody().with("language", "de"), "value_error", []any{"body", "language"}},
		{"tone", typedQuizBody().with("tone", "sarcastic"), "value_error", []any{"body", "tone"}},
		{"custom instructions too long", typedQuizBody().with("custom_instructions", strings.Repeat("x", 501)),
			"value_error", []any{"body", "custom_instructions"}},
		{"custom instructions not text", typedQuizBody().with("custom_instructions", 5), "string_type", []any{"body", "custom_instructions"}},
		{"NUL in custom instructions", typedQuizBody().with("custom_instructions", "a\x00b"), "value_error", []any{"body", "custom_instructions"}},
		{"NUL in a module name", typedQuizBody().with("selected_modules", map[string]any{"173468": map[string]any{"name": "C\x00SP",
			"question_batches": []any{headBatch(qtype.Matching, 2, qtype.Easy)}}}),
			"value_error", []any{"body", "selected_modules", "173468", "name"}},
		{"title empty", typedQuizBody().with("title", ""), "string_too_short", []any{"body", "title"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			oneFieldErr(t, e.do("POST", "/quiz/", u.jwt, c.b), c.typ, c.loc...)
		})
	}
	assert.Empty(t, e.do("GET", "/quiz/", u.jwt, nil).list(), "nothing was stored")

	// Several problems are listed together.
	errs := validation(t, e.do("POST", "/quiz/", u.jwt, typedQuizBody().with("language", "de").with("selected_modules",
		mod(headBatch(qtype.MultipleChoice, 0, qtype.Easy), headBatch("essay", 2, qtype.Easy)))))
	assert.Len(t, errs, 3)
}

// The course must be one the user teaches, as for v1's create.
func TestHeadCreateQuizNotTeacher(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	r := e.do("POST", "/quiz/", u.jwt, typedQuizBody().with("canvas_course_id", fakecanvas.CourseStudent))
	assertDetail(t, r, http.StatusForbidden, "You don't have access to this course.")
}

// A typed quiz's first run counts the sum of its batches against the daily
// question limit.
func TestHeadCreateQuizLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}), withLimits(quiz.Limits{QuestionsPerDay: 30}))
	u := e.signIn(teacherID)
	e.createTyped(u, typedQuizBody()) // 20 questions
	r := e.do("POST", "/quiz/", u.jwt, typedQuizBody())
	require.Equal(t, http.StatusTooManyRequests, r.Code, r.Body.String())
	assert.Contains(t, r.detail(), "20 of 30 questions generated today, and this needs 20 more")
}

// Someone else's quiz is "Quiz not found" on every route, never 403.
func TestHeadQuizOfAnotherUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	id := e.createTyped(u, typedQuizBody())["id"].(string)
	other := e.signIn(777)
	for _, rq := range []struct{ method, path string }{
		{"GET", "/quiz/" + id}, {"GET", "/quiz/" + id + "/questions/stats"},
		{"GET", "/quiz/" + randomUUID},
	} {
		assertDetail(t, e.do(rq.method, rq.path, other.jwt, nil), http.StatusNotFound, "Quiz not found")
	}
	assert.Empty(t, e.do("GET", "/quiz/", other.jwt, nil).list())
	oneFieldErr(t, e.do("GET", "/quiz/not-a-uuid", u.jwt, nil), "uuid_parsing", "path", "quiz_id")
}

// Stats count the questions of every type that are not deleted; the
// export starts from approved questions of any type; the status follows.
func TestHeadStatsAndExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.signIn(teacherID)
	id := e.createTyped(u, typedQuizBody())["id"].(string)
	qid := uuid.MustParse(id)
	e.received(e.genURL)
	qs, err := e.store.AddQuestions(t.Context(), qid, []quiz.NewQuestion{
		{Type: qtype.TrueFalse, Data: json.RawMessage(`{"question_text": "Is a queue FIFO?", "correct_answer": true, "explanation": ""}`)},
		{Type: qtype.TrueFalse, Data: json.RawMessage(`{"question_text": "Is a stack FIFO?", "correct_answer": false, "explanation": ""}`)},
		{Type: qtype.TrueFalse, Data: json.RawMessage(`{"question_text": "Is a heap a tree?", "correct_answer": true, "explanation": ""}`)},
	})
	require.NoError(t, err)
	stats := func() map[string]any {
		r := e.do("GET", "/quiz/"+id+"/questions/stats", u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		return r.obj()
	}
	assert.Equal(t, map[string]any{"total": 3.0, "approved": 0.0}, stats())
	assertDetail(t, e.do("POST", "/quiz/"+id+"/export", u.jwt, nil), http.StatusBadRequest, "Quiz has no approved questions to export")

	e.sql(`UPDATE question SET is_approved = true, approved_at = now() WHERE id = $1`, qs[0].ID)
	e.sql(`UPDATE question SET deleted = true, deleted_at = now(), is_approved = true WHERE id = $1`, qs[2].ID)
	assert.Equal(t, map[string]any{"total": 2.0, "approved": 1.0}, stats(), "the deleted one is not counted")
	assert.Equal(t, map[string]any{"total": 0.0, "approved": 0.0}, e.do("GET", "/api/v1/quiz/"+id+"/questions/stats", u.jwt, nil).obj(),
		"v1's stats still count multiple_choice only")

	e.sql(`UPDATE quiz SET content_extraction_status = 'completed', llm_generation_status = 'completed' WHERE id = $1`, id)
	assert.Equal(t, "ready_for_review", e.do("GET", "/quiz/"+id, u.jwt, nil).obj()["status"])
	assertMessage(t, e.do("POST", "/quiz/"+id+"/export", u.jwt, nil), "Quiz export started")
	msgs := e.received(e.exportURL)
	require.Len(t, msgs, 1)
	assert.Equal(t, queue.KindExport, msgs[0].Kind)
	assert.Equal(t, "exporting_to_canvas", e.do("GET", "/quiz/"+id, u.jwt, nil).obj()["status"])
}

// The derived status and failure reason as the stages move: a partial
// run (some batches failed) is ready_for_review_partial, read from
// generation_metadata; a failure names today's reason and keeps our text
// in generation_metadata.failure_message.
func TestHeadQuizStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	id := e.createTyped(u, typedQuizBody())["id"].(string)
	get := func() map[string]any {
		r := e.do("GET", "/quiz/"+id, u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		return r.obj()
	}
	e.sql(`UPDATE quiz SET content_extraction_status = 'completed', llm_generation_status = 'processing',
		extracted_content = '{"module_173468": [{"title": "CSP", "content": "x", "type": "page"}]}' WHERE id = $1`, id)
	q := get()
	assert.Equal(t, "generating_questions", q["status"])
	assert.Equal(t, map[string]any{"173468": []any{map[string]any{"title": "CSP", "content": "x", "type": "page"}}},
		q["extracted_content"], "keyed by module id as today")

	reason := "Question generation partly failed: 1 of 5 batches failed: module 173469, 4 matching (medium): timeout"
	e.sql(`UPDATE quiz SET llm_generation_status = 'completed', failure_reason = $2,
		generation_metadata = '{"batches": 5, "completed_batches": 4, "failed_batches": [{"module_id": "173469"}]}' WHERE id = $1`, id, reason)
	q = get()
	assert.Equal(t, "ready_for_review_partial", q["status"])
	assert.Nil(t, q["failure_reason"], "not failed")
	meta := q["generation_metadata"].(map[string]any)
	assert.Equal(t, reason, meta["failure_message"])
	assert.EqualValues(t, 5, meta["batches"])
	for _, l := range e.do("GET", "/quiz/", u.jwt, nil).list() {
		assert.Equal(t, "ready_for_review_partial", l.(map[string]any)["status"])
	}

	e.sql(`UPDATE quiz SET llm_generation_status = 'failed', generation_metadata = '{}',
		failure_reason = 'Question generation failed: all 5 batches failed: ...' WHERE id = $1`, id)
	q = get()
	assert.Equal(t, "failed", q["status"])
	assert.Equal(t, "no_questions_generated", q["failure_reason"])

	e.sql(`UPDATE quiz SET export_status = 'failed', llm_generation_status = 'completed',
		failure_reason = 'Export to Canvas failed: Canvas refused 1 question' WHERE id = $1`, id)
	q = get()
	assert.Equal(t, "failed", q["status"])
	assert.Equal(t, "canvas_export_error", q["failure_reason"])

	e.sql(`UPDATE quiz SET export_status = 'completed', canvas_quiz_id = '991', exported_at = now(), failure_reason = NULL WHERE id = $1`, id)
	q = get()
	assert.Equal(t, "published", q["status"])
	assert.Equal(t, "991", q["canvas_quiz_id"])
	assertPyTime(t, q["exported_at"], "exported_at")
}
