package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// PATCH /quiz/{id} renames the quiz or changes its model, temperature or
// language; absent and null keep a setting; it answers today's Quiz.
func TestHeadQuizUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	id := e.createTyped(u, typedQuizBody())["id"].(string)
	path := "/quiz/" + id

	r := e.do("PATCH", path, u.jwt, map[string]any{"title": "Renamed", "llm_model": nil})
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, headQuizKeys, keysInOrder(t, r.Body.Bytes()))
	q := r.obj()
	assert.Equal(t, "Renamed", q["title"])
	assert.Equal(t, "o3", q["llm_model"], "null keeps it")
	assert.Equal(t, "no", q["language"])
	assert.EqualValues(t, 20, q["question_count"])

	r = e.do("PATCH", path, u.jwt, map[string]any{"llm_model": "gpt-5-mini", "llm_temperature": 0.3, "language": "en"})
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	q = r.obj()
	assert.Equal(t, "Renamed", q["title"], "absent keeps it")
	assert.Equal(t, "gpt-5-mini", q["llm_model"])
	assert.InDelta(t, 0.3, q["llm_temperature"], 1e-9)
	assert.Equal(t, "en", q["language"])
	assert.Equal(t, "Renamed", e.do("GET", path, u.jwt, nil).obj()["title"], "stored")
	assert.Equal(t, http.StatusOK, e.do("PATCH", path, u.jwt, map[string]any{}).Code, "nothing to change")

	for _, c := range []struct {
		name  string
		body  any
		typ   string
		field string
	}{
		{"empty title", map[string]any{"title": ""}, "string_too_short", "title"},
		{"long title", map[string]any{"title": strings.Repeat("x", 256)}, "string_too_long", "title"},
		{"title not a string", map[string]any{"title": 5}, "string_type", "title"},
		{"temperature too high", map[string]any{"llm_temperature": 2.5}, "less_than_equal", "llm_temperature"},
		{"temperature not a number", map[string]any{"llm_temperature": []any{}}, "float_type", "llm_temperature"},
		{"unknown language", map[string]any{"language": "de"}, "value_error", "language"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("PATCH", path, u.jwt, c.body)
			require.Equal(t, http.StatusUnprocessableEntity, r.Code, r.Body.String())
			oneFieldErr(t, r, c.typ, "body", c.field)
		})
	}
	assert.Equal(t, "Renamed", e.do("GET", path, u.jwt, nil).obj()["title"], "a refused patch changes nothing")

	other := e.signIn(777)
	assertDetail(t, e.do("PATCH", path, other.jwt, map[string]any{"title": "Mine"}), http.StatusNotFound, "Quiz not found")
	assertDetail(t, e.do("PATCH", "/quiz/"+randomUUID, u.jwt, map[string]any{"title": "x"}), http.StatusNotFound, "Quiz not found")
}

// DELETE /quiz/{id} deletes the owner's quiz with its questions and
// answers 200 null, as today's client expects; anyone else gets 404 and
// the quiz stays.
func TestHeadQuizDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	id := e.createTyped(u, typedQuizBody())["id"].(string)
	e.addTypedQuestions(id)
	other := e.signIn(777)

	assertDetail(t, e.do("DELETE", "/quiz/"+id, other.jwt, nil), http.StatusNotFound, "Quiz not found")
	assert.Equal(t, http.StatusOK, e.do("GET", "/quiz/"+id, u.jwt, nil).Code, "still there")

	r := e.do("DELETE", "/quiz/"+id, u.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, "null", r.Body.String())
	assertDetail(t, e.do("GET", "/quiz/"+id, u.jwt, nil), http.StatusNotFound, "Quiz not found")
	assertDetail(t, e.do("DELETE", "/quiz/"+id, u.jwt, nil), http.StatusNotFound, "Quiz not found")
	assert.Empty(t, e.do("GET", "/quiz/", u.jwt, nil).list())
	oneFieldErr(t, e.do("DELETE", "/quiz/not-a-uuid", u.jwt, nil), "uuid_parsing", "path", "quiz_id")
}
