package fakecanvas_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
)

func postJSON(t *testing.T, u, token, body string) (*http.Response, map[string]any) {
	t.Helper()
	resp, data := call(t, http.MethodPost, u, token, strings.NewReader(body), "application/json")
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	return resp, m
}

const validItem = `{"item": {"id": "item_1", "entry_type": "Item", "entry_id": "item_1", "position": 1,
	"item_type": "Question", "properties": {"shuffle_answers": true}, "points_possible": 1,
	"entry": {"interaction_type_slug": "choice", "item_body": "<p>Q?</p>",
		"interaction_data": {"choices": [{"id": "choice_1", "position": 1, "item_body": "<p>A</p>"}]},
		"scoring_algorithm": "Equivalence", "scoring_data": {"value": "choice_1"}}}}`

func TestQuizzes(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	tok, _ := srv.IssueToken(fakecanvas.UserID)
	quizzes := srv.URL() + "/api/quiz/v1/courses/37823/quizzes"

	resp, q := postJSON(t, quizzes, tok, `{"title": "Search", "points_possible": 2,
		"quiz_settings": {"shuffle_questions": true, "shuffle_answers": true, "time_limit": 60, "multiple_attempts": false, "scoring_policy": "keep_highest"}}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, q)
	assert.Equal(t, "10000", q["id"])
	assert.Equal(t, "Search", q["title"])
	assert.Equal(t, false, q["published"])
	assert.Equal(t, "assignment", q["quiz_type"])
	assert.InDelta(t, 60, q["quiz_settings"].(map[string]any)["time_limit"], 0)

	resp, q2 := postJSON(t, quizzes, tok, `{}`)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "10001", q2["id"])
	assert.Equal(t, "Untitled Quiz", q2["title"])
	assert.Equal(t, "keep_highest", q2["quiz_settings"].(map[string]any)["scoring_policy"])

	resp, it := postJSON(t, quizzes+"/10000/items", tok, validItem)
	require.Equal(t, http.StatusOK, resp.StatusCode, it)
	assert.Equal(t, "20000", it["id"])
	assert.Equal(t, "10000", it["quiz_id"])
	entry := it["entry"].(map[string]any)
	assert.Equal(t, "none", entry["calculator_type"])
	assert.Equal(t, "Question", entry["title"])
	resp, it = postJSON(t, quizzes+"/10001/items", tok, strings.Replace(validItem, `"position": 1,`, `"position": 3,`, 1))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "20001", it["id"], "item ids count globally")
	assert.InDelta(t, 3, it["position"], 0, "the position sent")

	resp, _ = postJSON(t, quizzes+"/99999/items", tok, validItem)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the quiz must exist")
	resp, _ = postJSON(t, quizzes+"/abc/items", tok, validItem)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, _ = postJSON(t, srv.URL()+"/api/quiz/v1/courses/37824/quizzes", tok, `{}`)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = postJSON(t, quizzes, tok, `[1]`)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	resp, body := get(t, quizzes+"/10000", tok)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"title":"Search"`)
	resp, body = get(t, quizzes+"/10000/items", tok)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"id":"20000"`)

	rec := srv.Quizzes()
	require.Len(t, rec, 2)
	assert.Equal(t, "Search", rec[0].Title)
	assert.Equal(t, int64(37823), rec[0].CourseID)
	require.Len(t, rec[0].Items, 1)
	assert.JSONEq(t, validItem, string(rec[0].Items[0].Raw))
	assert.Equal(t, 1, rec[0].Items[0].Position)

	// Quizzes returns copies.
	rec[0].Items[0].Raw[0] = 'X'
	rec[0].Response["title"] = "changed"
	again := srv.Quizzes()
	assert.JSONEq(t, validItem, string(again[0].Items[0].Raw))
	assert.Equal(t, "Search", again[0].Response["title"])
}

func TestItemValidation(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	tok, _ := srv.IssueToken(fakecanvas.UserID)
	resp, _ := postJSON(t, srv.URL()+"/api/quiz/v1/courses/37823/quizzes", tok, `{"title": "V"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	items := srv.URL() + "/api/quiz/v1/courses/37823/quizzes/10000/items"

	var valid map[string]any
	require.NoError(t, json.Unmarshal([]byte(validItem), &valid))
	mutate := func(f func(item, entry map[string]any)) string {
		var m map[string]any
		b, _ := json.Marshal(valid)
		_ = json.Unmarshal(b, &m)
		item := m["item"].(map[string]any)
		f(item, item["entry"].(map[string]any))
		out, _ := json.Marshal(m)
		return string(out)
	}
	tests := []struct {
		name, body, want string
	}{
		{"empty body", ``, "Item data is required"},
		{"empty item", `{"item": {}}`, "Item data is required"},
		{"no entry_type", mutate(func(i, _ map[string]any) { delete(i, "entry_type") }), "item[entry_type] is required"},
		{"no entry", mutate(func(i, _ map[string]any) { delete(i, "entry") }), "item[entry] is required"},
		{"no item_body", mutate(func(_, e map[string]any) { delete(e, "item_body") }), "item[entry][item_body] is required"},
		{"no slug", mutate(func(_, e map[string]any) { e["interaction_type_slug"] = nil }), "item[entry][interaction_type_slug] is required"},
		{"no interaction_data", mutate(func(_, e map[string]any) { delete(e, "interaction_data") }), "item[entry][interaction_data] is required"},
		{"no scoring_data", mutate(func(_, e map[string]any) { delete(e, "scoring_data") }), "item[entry][scoring_data] is required"},
		{"no scoring_algorithm", mutate(func(_, e map[string]any) { e["scoring_algorithm"] = "" }), "item[entry][scoring_algorithm] is required"},
		{"bad slug", mutate(func(_, e map[string]any) { e["interaction_type_slug"] = "multiple_choice" }), "not a valid interaction type"},
		{"bad calculator", mutate(func(_, e map[string]any) { e["calculator_type"] = "graphing" }), "calculator_type"},
		{"zero points", mutate(func(i, _ map[string]any) { i["points_possible"] = 0 }), "points_possible"},
	}
	for _, tt := range tests {
		resp, body := call(t, http.MethodPost, items, tok, strings.NewReader(tt.body), "application/json")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, tt.name)
		assert.Contains(t, string(body), tt.want, tt.name)
	}
	// A choice item is refused under any other slug: each type's data is
	// checked (items_test.go), and Canvas's types we never export are not
	// accepted unchecked.
	for _, slug := range []string{"multi-answer", "matching", "categorization", "file-upload", "formula", "ordering",
		"rich-fill-blank", "hot-spot", "numeric", "true-false", "essay"} {
		resp, _ := call(t, http.MethodPost, items, tok, strings.NewReader(mutate(func(_, e map[string]any) {
			e["interaction_type_slug"] = slug
		})), "application/json")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, slug)
	}
	for _, calc := range []string{"none", "basic", "scientific"} {
		resp, _ := call(t, http.MethodPost, items, tok, strings.NewReader(mutate(func(_, e map[string]any) {
			e["calculator_type"] = calc
		})), "application/json")
		assert.Equal(t, http.StatusOK, resp.StatusCode, calc)
	}
	assert.Len(t, srv.Quizzes()[0].Items, 3, "only valid items are recorded")
}
