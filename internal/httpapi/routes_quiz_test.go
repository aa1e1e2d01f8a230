package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/queue"
	"quizgen/internal/quiz"
)

// quizKeys are the 18 keys of the Quiz object, in model order (docs/compatibility.md, Objects and statuses),
// then failure_reason (ours).
var quizKeys = []string{"id", "owner_id", "canvas_course_id", "canvas_course_name", "selected_modules", "title",
	"question_count", "llm_model", "llm_temperature", "content_extraction_status", "llm_generation_status",
	"extracted_content", "content_extracted_at", "created_at", "updated_at", "canvas_quiz_id", "export_status",
	"exported_at", "failure_reason"}

// validQuiz is a QuizCreate body with every required field; change
// returns a copy with fields replaced (nil deletes one).
type validQuiz map[string]any

func newQuizBody() validQuiz {
	return validQuiz{"canvas_course_id": courseAI, "canvas_course_name": "INF-2600 AI",
		"selected_modules": map[string]any{"173468": "CSP"}, "title": "Midterm"}
}

func (v validQuiz) with(kv ...any) validQuiz {
	out := validQuiz{}
	for k, x := range v {
		out[k] = x
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func TestCreateQuiz(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	created := 0
	post := func(body any) resp {
		t.Helper()
		r := e.do("POST", "/api/v1/quiz/", u.jwt, body)
		if r.Code == http.StatusOK {
			created++
		}
		return r
	}

	t.Run("success has the Quiz shape", func(t *testing.T) {
		// Raw JSON: the modules' order is not sorted, one name is not ASCII,
		// and an unknown field is ignored.
		r := post(`{"canvas_course_id": 37823, "canvas_course_name": "INF-2600 AI",
			"selected_modules": {"173469": "Sheduling", "173468": "Constraint Satisfaction Problems", "183467": "Uke 1: Søk"},
			"title": "Midterm", "question_count": 20, "llm_model": "gpt-4o", "llm_temperature": 0.7, "owner_id": "someone"}`)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, quizKeys, keysInOrder(t, r.Body.Bytes()))
		raw := rawFields(t, r.Body.Bytes())
		assert.Equal(t, "0.7", string(raw["llm_temperature"]))
		q := r.obj()
		_, err := uuid.Parse(q["id"].(string))
		require.NoError(t, err)
		assert.Equal(t, u.ID.String(), q["owner_id"])
		assert.Equal(t, float64(courseAI), q["canvas_course_id"])
		assert.Equal(t, "INF-2600 AI", q["canvas_course_name"])
		assert.Equal(t, `{"173469": "Sheduling", "173468": "Constraint Satisfaction Problems", "183467": "Uke 1: S\u00f8k"}`,
			q["selected_modules"], "a JSON string in json.dumps style, in the order sent")
		assert.Equal(t, "Midterm", q["title"])
		assert.Equal(t, float64(20), q["question_count"])
		assert.Equal(t, "gpt-4o", q["llm_model"])
		for _, k := range []string{"content_extraction_status", "llm_generation_status", "export_status"} {
			assert.Equal(t, "pending", q[k], k)
		}
		for _, k := range []string{"extracted_content", "content_extracted_at", "canvas_quiz_id", "exported_at"} {
			assert.Nil(t, q[k], k)
		}
		assertPyTime(t, q["created_at"], "created_at")
		assertPyTime(t, q["updated_at"], "updated_at")

		// GET answers the same object.
		assert.Equal(t, q, e.getQuiz(u, q["id"].(string)))
	})

	t.Run("defaults", func(t *testing.T) {
		r := post(newQuizBody())
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		raw := rawFields(t, r.Body.Bytes())
		assert.Equal(t, "100", string(raw["question_count"]))
		assert.Equal(t, `"o3"`, string(raw["llm_model"]))
		assert.Equal(t, "1.0", string(raw["llm_temperature"]), "a float, as Python writes it")
		assert.Equal(t, `"{\"173468\": \"CSP\"}"`, string(raw["selected_modules"]))
	})

	t.Run("empty selected_modules and course name are allowed", func(t *testing.T) {
		r := post(newQuizBody().with("selected_modules", map[string]any{}, "canvas_course_name", ""))
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, "{}", r.obj()["selected_modules"])
		assert.Empty(t, r.obj()["canvas_course_name"])
	})

	t.Run("title length 1..255", func(t *testing.T) {
		for _, title := range []string{"T", strings.Repeat("t", 255), strings.Repeat("ø", 255), "   "} {
			r := post(newQuizBody().with("title", title))
			require.Equal(t, http.StatusOK, r.Code, "title of %d characters: %s", len([]rune(title)), r.Body.String())
			assert.Equal(t, title, r.obj()["title"], "kept as sent, not trimmed")
		}
		fe := oneFieldErr(t, post(newQuizBody().with("title", "")), "string_too_short", "body", "title")
		assert.Equal(t, map[string]any{"min_length": float64(1)}, fe.Ctx)
		assert.Equal(t, "String should have at least 1 character", fe.Msg)
		for _, title := range []string{strings.Repeat("t", 256), strings.Repeat("ø", 256)} {
			fe = oneFieldErr(t, post(newQuizBody().with("title", title)), "string_too_long", "body", "title")
			assert.Equal(t, map[string]any{"max_length": float64(255)}, fe.Ctx)
			assert.Equal(t, "String should have at most 255 characters", fe.Msg)
			assert.Equal(t, title, fe.Input)
		}
		oneFieldErr(t, post(newQuizBody().with("title", 12)), "string_type", "body", "title")
	})

	t.Run("question_count 1..200", func(t *testing.T) {
		for _, n := range []int{1, 200} {
			r := post(newQuizBody().with("question_count", n))
			require.Equal(t, http.StatusOK, r.Code, r.Body.String())
			assert.Equal(t, float64(n), r.obj()["question_count"])
		}
		for _, n := range []int{0, -1} {
			fe := oneFieldErr(t, post(newQuizBody().with("question_count", n)), "greater_than_equal", "body", "question_count")
			assert.Equal(t, map[string]any{"ge": float64(1)}, fe.Ctx)
			assert.Equal(t, "Input should be greater than or equal to 1", fe.Msg)
		}
		fe := oneFieldErr(t, post(newQuizBody().with("question_count", 201)), "less_than_equal", "body", "question_count")
		assert.Equal(t, map[string]any{"le": float64(200)}, fe.Ctx)
		oneFieldErr(t, post(newQuizBody().with("question_count", 1.5)), "int_from_float", "body", "question_count")
		oneFieldErr(t, post(newQuizBody().with("question_count", "many")), "int_parsing", "body", "question_count")
	})

	t.Run("llm_temperature 0.0..2.0", func(t *testing.T) {
		for body, want := range map[string]string{`0`: "0.0", `0.0`: "0.0", `2`: "2.0", `2.0`: "2.0", `1.25`: "1.25"} {
			r := post(`{"canvas_course_id": 37823, "canvas_course_name": "c", "selected_modules": {}, "title": "t", "llm_temperature": ` + body + `}`)
			require.Equal(t, http.StatusOK, r.Code, r.Body.String())
			assert.Equal(t, want, string(rawFields(t, r.Body.Bytes())["llm_temperature"]), "sent %s", body)
		}
		fe := oneFieldErr(t, post(newQuizBody().with("llm_temperature", -0.1)), "greater_than_equal", "body", "llm_temperature")
		assert.Equal(t, map[string]any{"ge": float64(0)}, fe.Ctx)
		assert.Equal(t, -0.1, fe.Input)
		fe = oneFieldErr(t, post(newQuizBody().with("llm_temperature", 2.1)), "less_than_equal", "body", "llm_temperature")
		assert.Equal(t, map[string]any{"le": float64(2)}, fe.Ctx)
		oneFieldErr(t, post(newQuizBody().with("llm_temperature", "hot")), "float_parsing", "body", "llm_temperature")
	})

	t.Run("selected_modules: integer keys, string values", func(t *testing.T) {
		fe := oneFieldErr(t, post(newQuizBody().with("selected_modules", map[string]any{"abc": "x"})),
			"int_parsing", "body", "selected_modules", "abc", "[key]")
		assert.Equal(t, "abc", fe.Input)
		fe = oneFieldErr(t, post(newQuizBody().with("selected_modules", map[string]any{"173468": 5})),
			"string_type", "body", "selected_modules", "173468")
		assert.Equal(t, float64(5), fe.Input)
		oneFieldErr(t, post(`{"canvas_course_id": 1, "canvas_course_name": "c", "title": "t", "selected_modules": {"1": null}}`),
			"string_type", "body", "selected_modules", "1")
		for _, v := range []any{[]any{"173468"}, "173468", 173468} {
			oneFieldErr(t, post(newQuizBody().with("selected_modules", v)), "dict_type", "body", "selected_modules")
		}
		// Every bad pair is reported.
		errs := validation(t, post(newQuizBody().with("selected_modules", map[string]any{"x": 1})))
		require.Len(t, errs, 2)
		assert.ElementsMatch(t, [][]any{{"body", "selected_modules", "x", "[key]"}, {"body", "selected_modules", "x"}},
			[][]any{errs[0].Loc, errs[1].Loc})
	})

	t.Run("missing required fields", func(t *testing.T) {
		errs := validation(t, post(map[string]any{}))
		var locs [][]any
		for _, fe := range errs {
			assert.Equal(t, "missing", fe.Type)
			assert.Equal(t, "Field required", fe.Msg)
			locs = append(locs, fe.Loc)
		}
		assert.Equal(t, [][]any{{"body", "canvas_course_id"}, {"body", "canvas_course_name"},
			{"body", "selected_modules"}, {"body", "title"}}, locs)
		for _, field := range []string{"canvas_course_id", "canvas_course_name", "selected_modules", "title"} {
			oneFieldErr(t, post(newQuizBody().with(field, nil)), "missing", "body", field)
		}
	})

	t.Run("wrong types", func(t *testing.T) {
		oneFieldErr(t, post(newQuizBody().with("canvas_course_id", "INF-2600")), "int_parsing", "body", "canvas_course_id")
		oneFieldErr(t, post(newQuizBody().with("canvas_course_name", 5)), "string_type", "body", "canvas_course_name")
		oneFieldErr(t, post(newQuizBody().with("llm_model", false)), "string_type", "body", "llm_model")
	})

	t.Run("malformed JSON", func(t *testing.T) {
		errs := validation(t, post(`{"title": "T",`))
		require.Len(t, errs, 1)
		assert.Equal(t, "json_invalid", errs[0].Type)
		require.Len(t, errs[0].Loc, 2)
		assert.Equal(t, "body", errs[0].Loc[0])
		assert.IsType(t, float64(0), errs[0].Loc[1], "the position of the error")
	})

	t.Run("a body that is not an object", func(t *testing.T) {
		for _, body := range []string{`[1, 2]`, `"quiz"`, `42`} {
			oneFieldErr(t, post(body), "model_attributes_type", "body")
		}
	})

	t.Run("no body", func(t *testing.T) {
		r := e.do("POST", "/api/v1/quiz/", u.jwt, nil)
		oneFieldErr(t, r, "missing", "body")
	})

	t.Run("only accepted requests made quizzes", func(t *testing.T) {
		r := e.do("GET", "/api/v1/quiz/", u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code)
		assert.Len(t, r.list(), created)
	})
}

func TestQuizListGetDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	other := e.signIn(777)

	t.Run("empty list", func(t *testing.T) {
		r := e.do("GET", "/api/v1/quiz/", u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code)
		assert.Equal(t, "[]", r.Body.String())
	})

	var ids []string
	for _, title := range []string{"first", "second", "third"} {
		r := e.do("POST", "/api/v1/quiz/", u.jwt, newQuizBody().with("title", title))
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		ids = append(ids, r.obj()["id"].(string))
	}
	e.createQuiz(other)

	t.Run("list is the caller's quizzes, newest first", func(t *testing.T) {
		r := e.do("GET", "/api/v1/quiz/", u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code)
		var raws []json.RawMessage
		require.NoError(t, json.Unmarshal(r.Body.Bytes(), &raws))
		require.Len(t, raws, 3)
		var got []string
		for _, raw := range raws {
			assert.Equal(t, quizKeys, keysInOrder(t, raw))
			var q map[string]any
			require.NoError(t, json.Unmarshal(raw, &q))
			got = append(got, q["title"].(string))
			assert.Equal(t, u.ID.String(), q["owner_id"])
			assert.Equal(t, "1.0", string(rawFields(t, raw)["llm_temperature"]))
		}
		assert.Equal(t, []string{"third", "second", "first"}, got)
	})

	t.Run("extracted content is a JSON string", func(t *testing.T) {
		e.sql(`UPDATE quiz SET content_extraction_status = 'completed', content_extracted_at = now(),
			extracted_content = '{"module_173468": [{"title": "CSP", "content": "Variables, domains."}]}' WHERE id = $1`, ids[0])
		q := e.getQuiz(u, ids[0])
		s, ok := q["extracted_content"].(string)
		require.True(t, ok, "extracted_content is a string: %#v", q["extracted_content"])
		var doc any
		require.NoError(t, json.Unmarshal([]byte(s), &doc))
		assert.Equal(t, map[string]any{"module_173468": []any{map[string]any{"title": "CSP", "content": "Variables, domains."}}}, doc)
		assertPyTime(t, q["content_extracted_at"], "content_extracted_at")
	})

	t.Run("get: 404 and 422", func(t *testing.T) {
		assertDetail(t, e.do("GET", "/api/v1/quiz/"+randomUUID, u.jwt, nil), http.StatusNotFound, "Quiz not found")
		fe := oneFieldErr(t, e.do("GET", "/api/v1/quiz/not-a-uuid", u.jwt, nil), "uuid_parsing", "path", "quiz_id")
		assert.Equal(t, "not-a-uuid", fe.Input)
	})

	t.Run("delete", func(t *testing.T) {
		qs := e.addQuestions(ids[1], 2)
		assertMessage(t, e.do("DELETE", "/api/v1/quiz/"+ids[1], u.jwt, nil), "Quiz deleted successfully")
		assertDetail(t, e.do("GET", "/api/v1/quiz/"+ids[1], u.jwt, nil), http.StatusNotFound, "Quiz not found")
		assertDetail(t, e.do("DELETE", "/api/v1/quiz/"+ids[1], u.jwt, nil), http.StatusNotFound, "Quiz not found")
		_, err := e.store.Question(t.Context(), qs[0].ID)
		require.ErrorIs(t, err, quiz.ErrNotFound, "the questions go with the quiz")
		assert.Len(t, e.do("GET", "/api/v1/quiz/", u.jwt, nil).list(), 2)

		assertDetail(t, e.do("DELETE", "/api/v1/quiz/"+randomUUID, u.jwt, nil), http.StatusNotFound, "Quiz not found")
		oneFieldErr(t, e.do("DELETE", "/api/v1/quiz/12345", u.jwt, nil), "uuid_parsing", "path", "quiz_id")
	})
}

func TestQuestionStats(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	id := e.createQuiz(u)["id"].(string)
	stats := func() resp { return e.do("GET", "/api/v1/quiz/"+id+"/questions/stats", u.jwt, nil) }

	r := stats()
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, map[string]any{"total": float64(0), "approved": float64(0)}, r.obj())

	qs := e.addQuestions(id, 3)
	r = e.do("PUT", "/api/v1/quiz/"+id+"/questions/"+qs[1].ID.String()+"/approve", u.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	r = stats()
	require.Equal(t, http.StatusOK, r.Code)
	assert.Equal(t, map[string]any{"total": float64(3), "approved": float64(1)}, r.obj())
	assert.Equal(t, []string{"total", "approved"}, keysInOrder(t, r.Body.Bytes()))

	assertDetail(t, e.do("GET", "/api/v1/quiz/"+randomUUID+"/questions/stats", u.jwt, nil), http.StatusNotFound, "Quiz not found")
	oneFieldErr(t, e.do("GET", "/api/v1/quiz/x/questions/stats", u.jwt, nil), "uuid_parsing", "path", "quiz_id")
}

// jobsEnv is a quiz whose creation's job was drained from the queue.
func jobsEnv(t *testing.T) (*env, user, string) {
	t.Helper()
	e := newEnv(t)
	u := e.signIn(teacherID)
	id := e.createQuiz(u)["id"].(string)
	require.Len(t, e.received(e.genURL), 1)
	return e, u, id
}

func TestTriggerExtraction(t *testing.T) {
	t.Parallel()
	e, u, id := jobsEnv(t)
	path := "/api/v1/quiz/" + id + "/extract-content"
	e.sql(`UPDATE quiz SET content_extraction_status = 'completed', content_extracted_at = now(),
		extracted_content = '{"module_173468": []}', llm_generation_status = 'completed' WHERE id = $1`, id)
	e.addQuestions(id, 2)

	t.Run("starts again from pending, keeping questions and generation status", func(t *testing.T) {
		assertMessage(t, e.do("POST", path, u.jwt, nil), "Content extraction started")
		q := e.getQuiz(u, id)
		assert.Equal(t, "pending", q["content_extraction_status"])
		assert.Nil(t, q["extracted_content"])
		assert.Nil(t, q["content_extracted_at"])
		assert.Equal(t, "completed", q["llm_generation_status"])
		st := e.do("GET", "/api/v1/quiz/"+id+"/questions/stats", u.jwt, nil).obj()
		assert.Equal(t, float64(2), st["total"])
		msgs := e.received(e.genURL)
		require.Len(t, msgs, 1)
		assert.Equal(t, queue.KindExtract, msgs[0].Kind)
	})

	t.Run("409 while an extraction runs", func(t *testing.T) {
		e.sql(`UPDATE quiz SET content_extraction_status = 'processing', content_extraction_started_at = now() WHERE id = $1`, id)
		assertDetail(t, e.do("POST", path, u.jwt, nil), http.StatusConflict, "Content extraction is already in progress")
		assert.Equal(t, "processing", e.getQuiz(u, id)["content_extraction_status"])
		assert.Empty(t, e.received(e.genURL))
	})

	t.Run("a run whose lease ran out can be restarted", func(t *testing.T) {
		e.sql(`UPDATE quiz SET content_extraction_status = 'processing', content_extraction_started_at = now() - interval '1 hour' WHERE id = $1`, id)
		assertMessage(t, e.do("POST", path, u.jwt, nil), "Content extraction started")
		assert.Equal(t, "pending", e.getQuiz(u, id)["content_extraction_status"])
		assert.Len(t, e.received(e.genURL), 1)
	})

	t.Run("failed can be restarted", func(t *testing.T) {
		e.sql(`UPDATE quiz SET content_extraction_status = 'failed' WHERE id = $1`, id)
		assertMessage(t, e.do("POST", path, u.jwt, nil), "Content extraction started")
		assert.Len(t, e.received(e.genURL), 1)
	})

	t.Run("404 and 422", func(t *testing.T) {
		assertDetail(t, e.do("POST", "/api/v1/quiz/"+randomUUID+"/extract-content", u.jwt, nil), http.StatusNotFound, "Quiz not found")
		oneFieldErr(t, e.do("POST", "/api/v1/quiz/zzz/extract-content", u.jwt, nil), "uuid_parsing", "path", "quiz_id")
		assert.Empty(t, e.received(e.genURL))
	})
}

func TestTriggerGeneration(t *testing.T) {
	t.Parallel()
	e, u, id := jobsEnv(t)
	path := "/api/v1/quiz/" + id + "/generate-questions"
	const notExtracted = "Content extraction must be completed before generating questions"

	t.Run("400 until the content is extracted", func(t *testing.T) {
		for _, st := range []string{"pending", "processing", "failed"} {
			e.sql(`UPDATE quiz SET content_extraction_status = $2, content_extraction_started_at = now() WHERE id = $1`, id, st)
			assertDetail(t, e.do("POST", path, u.jwt, nil), http.StatusBadRequest, notExtracted)
		}
		// The 400 comes before the 409.
		e.sql(`UPDATE quiz SET content_extraction_status = 'pending', llm_generation_status = 'processing',
			llm_generation_started_at = now() WHERE id = $1`, id)
		assertDetail(t, e.do("POST", path, u.jwt, nil), http.StatusBadRequest, notExtracted)
		assert.Empty(t, e.received(e.genURL))
	})

	t.Run("409 while a generation runs", func(t *testing.T) {
		e.sql(`UPDATE quiz SET content_extraction_status = 'completed', llm_generation_status = 'processing',
			llm_generation_started_at = now() WHERE id = $1`, id)
		assertDetail(t, e.do("POST", path, u.jwt, nil), http.StatusConflict, "Question generation is already in progress")
		assert.Equal(t, "processing", e.getQuiz(u, id)["llm_generation_status"])
		assert.Empty(t, e.received(e.genURL))
	})

	t.Run("a run whose lease ran out can be restarted", func(t *testing.T) {
		e.sql(`UPDATE quiz SET llm_generation_status = 'processing', llm_generation_started_at = now() - interval '1 hour' WHERE id = $1`, id)
		assertMessage(t, e.do("POST", path, u.jwt, nil), "Question generation started")
		assert.Equal(t, "pending", e.getQuiz(u, id)["llm_generation_status"])
		msgs := e.received(e.genURL)
		require.Len(t, msgs, 1)
		assert.Equal(t, queue.KindGenerate, msgs[0].Kind)
	})

	t.Run("completed or failed can generate again", func(t *testing.T) {
		for _, st := range []string{"completed", "failed"} {
			e.sql(`UPDATE quiz SET llm_generation_status = $2 WHERE id = $1`, id, st)
			assertMessage(t, e.do("POST", path, u.jwt, nil), "Question generation started")
			assert.Equal(t, "pending", e.getQuiz(u, id)["llm_generation_status"])
		}
		assert.Len(t, e.received(e.genURL), 2)
	})

	t.Run("404 and 422", func(t *testing.T) {
		assertDetail(t, e.do("POST", "/api/v1/quiz/"+randomUUID+"/generate-questions", u.jwt, nil), http.StatusNotFound, "Quiz not found")
		oneFieldErr(t, e.do("POST", "/api/v1/quiz/1/generate-questions", u.jwt, nil), "uuid_parsing", "path", "quiz_id")
	})
}

func TestTriggerExport(t *testing.T) {
	t.Parallel()
	e, u, id := jobsEnv(t)
	path := "/api/v1/quiz/" + id + "/export"
	qs := e.addQuestions(id, 2)
	const exported, inProgress = "Quiz has already been exported to Canvas", "Quiz export is already in progress"
	noJob := func(t *testing.T) {
		t.Helper()
		assert.Empty(t, e.received(e.exportURL), "no export queued")
	}
	started := func(t *testing.T) {
		t.Helper()
		assertMessage(t, e.do("POST", path, u.jwt, nil), "Quiz export started")
		msgs := e.received(e.exportURL)
		require.Len(t, msgs, 1)
		assert.Equal(t, queue.KindExport, msgs[0].Kind)
	}

	t.Run("400 without approved questions", func(t *testing.T) {
		assertDetail(t, e.do("POST", path, u.jwt, nil), http.StatusBadRequest, "Quiz has no approved questions to export")
		noJob(t)
	})

	t.Run("409s come before the 400", func(t *testing.T) {
		e.sql(`UPDATE quiz SET export_status = 'completed', canvas_quiz_id = 'cq-1', exported_at = now() WHERE id = $1`, id)
		assertDetail(t, e.do("POST", path, u.jwt, nil), http.StatusConflict, exported)
		e.sql(`UPDATE quiz SET export_status = 'processing', canvas_quiz_id = NULL, export_started_at = now() WHERE id = $1`, id)
		assertDetail(t, e.do("POST", path, u.jwt, nil), http.StatusConflict, inProgress)
		noJob(t)
	})

	e.sql(`UPDATE question SET is_approved = true, approved_at = now() WHERE id = $1`, qs[0].ID)

	t.Run("409 when exported", func(t *testing.T) {
		e.sql(`UPDATE quiz SET export_status = 'completed', canvas_quiz_id = 'cq-1' WHERE id = $1`, id)
		assertDetail(t, e.do("POST", path, u.jwt, nil), http.StatusConflict, exported)
		q := e.getQuiz(u, id)
		assert.Equal(t, "completed", q["export_status"])
		assert.Equal(t, "cq-1", q["canvas_quiz_id"])
		noJob(t)
	})

	t.Run("409 while an export runs", func(t *testing.T) {
		e.sql(`UPDATE quiz SET export_status = 'processing', canvas_quiz_id = NULL, export_started_at = now() WHERE id = $1`, id)
		assertDetail(t, e.do("POST", path, u.jwt, nil), http.StatusConflict, inProgress)
		assert.Equal(t, "processing", e.getQuiz(u, id)["export_status"])
		noJob(t)
	})

	t.Run("an export whose lease ran out can be restarted", func(t *testing.T) {
		e.sql(`UPDATE quiz SET export_status = 'processing', export_started_at = now() - interval '1 hour' WHERE id = $1`, id)
		started(t)
	})

	t.Run("a failed export can be exported again", func(t *testing.T) {
		e.sql(`UPDATE quiz SET export_status = 'failed' WHERE id = $1`, id)
		started(t)
	})

	t.Run("completed without a Canvas quiz id is not exported", func(t *testing.T) {
		e.sql(`UPDATE quiz SET export_status = 'completed', canvas_quiz_id = NULL WHERE id = $1`, id)
		started(t)
	})

	t.Run("404 and 422", func(t *testing.T) {
		assertDetail(t, e.do("POST", "/api/v1/quiz/"+randomUUID+"/export", u.jwt, nil), http.StatusNotFound, "Quiz not found")
		oneFieldErr(t, e.do("POST", "/api/v1/quiz/"+randomUUID[:35]+"/export", u.jwt, nil), "uuid_parsing", "path", "quiz_id")
		noJob(t)
	})
}
