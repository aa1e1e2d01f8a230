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

// typedItems are one valid item per New Quizzes type we export, written by
// hand from the per-type Canvas items (README "Question types").
var typedItems = map[string]string{
	"choice": `{"item": {"entry_type": "Item", "points_possible": 1, "position": 1, "entry": {
		"title": "Which search is complete?", "item_body": "<p>Which search is complete?</p>",
		"calculator_type": "none", "feedback": {"neutral": "BFS finds a goal at finite depth."}, "points_possible": 1,
		"interaction_type_slug": "choice", "scoring_algorithm": "Equivalence",
		"interaction_data": {"choices": [
			{"id": "c1", "position": 1, "item_body": "<p>Breadth-first</p>"},
			{"id": "c2", "position": 2, "item_body": "<p>Depth-first</p>"},
			{"id": "c3", "position": 3, "item_body": "<p>Greedy</p>"},
			{"id": "c4", "position": 4, "item_body": "<p>Hill climbing</p>"}]},
		"properties": {"shuffle_rules": {"choices": {"shuffled": true}}, "vary_points_by_answer": false},
		"scoring_data": {"value": "c1"}}}}`,
	"multi-answer": `{"item": {"entry_type": "Item", "points_possible": 1, "position": 2, "entry": {
		"title": "Which are uninformed?", "item_body": "<p>Which are uninformed?</p>",
		"calculator_type": "none", "feedback": {}, "points_possible": 1,
		"interaction_type_slug": "multi-answer", "scoring_algorithm": "AllOrNothing",
		"interaction_data": {"choices": [
			{"id": "m1", "position": 1, "item_body": "<p>BFS</p>"},
			{"id": "m2", "position": 2, "item_body": "<p>DFS</p>"},
			{"id": "m3", "position": 3, "item_body": "<p>A*</p>"},
			{"id": "m4", "position": 4, "item_body": "<p>Greedy</p>"},
			{"id": "m5", "position": 5, "item_body": "<p>IDS</p>"}]},
		"properties": {"shuffle_rules": {"choices": {"shuffled": true}}},
		"scoring_data": {"value": ["m1", "m2", "m5"]}}}}`,
	"true-false": `{"item": {"entry_type": "Item", "points_possible": 1, "position": 3, "entry": {
		"title": "A* is optimal with an admissible heuristic.", "item_body": "<p>A* is optimal with an admissible heuristic.</p>",
		"calculator_type": "none", "feedback": {}, "points_possible": 1,
		"interaction_type_slug": "true-false", "scoring_algorithm": "Equivalence",
		"interaction_data": {"true_choice": "True", "false_choice": "False"},
		"properties": {}, "scoring_data": {"value": true}}}}`,
	"rich-fill-blank": `{"item": {"entry_type": "Item", "points_possible": 2, "position": 4, "entry": {
		"title": "BFS uses a … and DFS a …", "item_body": "<p>BFS uses a <span id=\"b1\"></span> and DFS a <span id=\"b2\"></span>.</p>",
		"calculator_type": "none", "feedback": {}, "points_possible": 2,
		"interaction_type_slug": "rich-fill-blank", "scoring_algorithm": "MultipleMethods",
		"interaction_data": {"blanks": [{"id": "b1", "answer_type": "openEntry"}, {"id": "b2", "answer_type": "openEntry"}]},
		"properties": {"shuffle_rules": {"blanks": {"children": {"0": {"children": null}, "1": {"children": null}}}}},
		"scoring_data": {"value": [
			{"id": "b1", "scoring_algorithm": "TextInChoices", "scoring_data": {"value": ["queue", "FIFO queue"], "blank_text": "queue"}},
			{"id": "b2", "scoring_algorithm": "TextInChoices", "scoring_data": {"value": ["stack"], "blank_text": "stack"}}],
			"working_item_body": "<p>BFS uses a ` + "`queue`" + ` and DFS a ` + "`stack`" + `.</p>"}}}}`,
	"matching": `{"item": {"entry_type": "Item", "points_possible": 3, "position": 5, "entry": {
		"title": "Match the algorithm to its frontier", "item_body": "<p>Match the algorithm to its frontier</p>",
		"calculator_type": "none", "feedback": {}, "points_possible": 3,
		"interaction_type_slug": "matching", "scoring_algorithm": "PartialDeep",
		"interaction_data": {"answers": ["Queue", "Stack", "Priority queue", "Set"],
			"questions": [{"id": "q1", "item_body": "BFS"}, {"id": "q2", "item_body": "DFS"}, {"id": "q3", "item_body": "UCS"}]},
		"scoring_data": {"value": {"q1": "Queue", "q2": "Stack", "q3": "Priority queue"},
			"edit_data": {"matches": [
				{"answer_body": "Queue", "question_id": "q1", "question_body": "BFS"},
				{"answer_body": "Stack", "question_id": "q2", "question_body": "DFS"},
				{"answer_body": "Priority queue", "question_id": "q3", "question_body": "UCS"}],
				"distractors": ["Set"]}}}}}`,
	"categorization": `{"item": {"entry_type": "Item", "points_possible": 2, "position": 6, "entry": {
		"title": "Sort the animals", "item_body": "<p>Sort the animals</p>",
		"calculator_type": "none", "feedback": {}, "points_possible": 2,
		"interaction_type_slug": "categorization", "scoring_algorithm": "Categorization",
		"interaction_data": {
			"categories": {"k1": {"id": "k1", "item_body": "Mammals"}, "k2": {"id": "k2", "item_body": "Birds"}},
			"distractors": {"i1": {"id": "i1", "item_body": "Dolphin"}, "i2": {"id": "i2", "item_body": "Bat"},
				"i3": {"id": "i3", "item_body": "Penguin"}, "i4": {"id": "i4", "item_body": "Salmon"}},
			"category_order": ["k1", "k2"]},
		"properties": {"shuffle_rules": {"questions": {"shuffled": false}}},
		"scoring_data": {"value": [
			{"id": "k1", "scoring_data": {"value": ["i1", "i2"]}, "scoring_algorithm": "AllOrNothing"},
			{"id": "k2", "scoring_data": {"value": ["i3"]}, "scoring_algorithm": "AllOrNothing"}],
			"score_method": "all_or_nothing"}}}}`,
}

// newItemQuiz starts a fake with one quiz and returns it, a token and the
// quiz's items URL.
func newItemQuiz(t *testing.T) (*fakecanvas.Server, string, string) {
	t.Helper()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	tok, _ := srv.IssueToken(fakecanvas.UserID)
	resp, _ := postJSON(t, srv.URL()+"/api/quiz/v1/courses/37823/quizzes", tok, `{"title": "Typed"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return srv, tok, srv.URL() + "/api/quiz/v1/courses/37823/quizzes/10000/items"
}

func TestItemTypesAccepted(t *testing.T) {
	t.Parallel()
	srv, tok, items := newItemQuiz(t)
	slugs := []string{"choice", "multi-answer", "true-false", "rich-fill-blank", "matching", "categorization"}
	for _, slug := range slugs {
		resp, it := postJSON(t, items, tok, typedItems[slug])
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %v", slug, it)
		assert.Equal(t, slug, it["entry"].(map[string]any)["interaction_type_slug"], slug)
	}
	rec := srv.Quizzes()[0].Items
	require.Len(t, rec, len(slugs))
	for i, slug := range slugs {
		assert.Equal(t, slug, rec[i].Slug, "recorded with its slug")
		assert.Equal(t, i+1, rec[i].Position)
		assert.JSONEq(t, typedItems[slug], string(rec[i].Raw))
	}
}

// mutateItem returns body with f applied to its item and entry.
func mutateItem(t *testing.T, body string, f func(item, entry map[string]any)) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m))
	item := m["item"].(map[string]any)
	f(item, item["entry"].(map[string]any))
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return string(out)
}

// at walks a JSON value along keys (string for objects, int for arrays).
func at(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

func TestItemTypesRefused(t *testing.T) {
	t.Parallel()
	srv, tok, items := newItemQuiz(t)
	obj := func(v any, keys ...any) map[string]any { return at(v, keys...).(map[string]any) }
	tests := []struct {
		name, slug string
		f          func(item, entry map[string]any)
		want       []string // every message expected in the errors
	}{
		// Envelope, for every type.
		{"no position", "matching", func(i, _ map[string]any) { delete(i, "position") },
			[]string{"item[position] is required"}},
		{"position not a number", "choice", func(i, _ map[string]any) { i["position"] = "1" },
			[]string{"item[position] must be an integer"}},
		{"no points", "true-false", func(i, _ map[string]any) { delete(i, "points_possible") },
			[]string{"item[points_possible] is required"}},
		{"negative points", "categorization", func(i, _ map[string]any) { i["points_possible"] = -2 },
			[]string{"item[points_possible] must be greater than 0"}},
		{"entry type", "choice", func(i, _ map[string]any) { i["entry_type"] = "Stimulus" },
			[]string{"item[entry_type] must be Item"}},
		{"title not a string", "multi-answer", func(_, e map[string]any) { e["title"] = 7 },
			[]string{"item[entry][title] must be a string"}},
		{"no item body", "rich-fill-blank", func(_, e map[string]any) { delete(e, "item_body") },
			[]string{"item[entry][item_body] is required"}},
		{"no interaction data", "categorization", func(_, e map[string]any) { delete(e, "interaction_data") },
			[]string{"item[entry][interaction_data] is required"}},
		{"scoring data not an object", "true-false", func(_, e map[string]any) { e["scoring_data"] = true },
			[]string{"item[entry][scoring_data] must be an object"}},
		{"unsupported slug", "choice", func(_, e map[string]any) { e["interaction_type_slug"] = "essay" },
			[]string{"item[entry][interaction_type_slug]"}},
		{"two problems at once", "choice", func(i, e map[string]any) {
			delete(i, "entry_type")
			e["scoring_algorithm"] = "AllOrNothing"
		}, []string{"item[entry_type] is required", "item[entry][scoring_algorithm] must be Equivalence for choice"}},

		// Wrong algorithm for the slug.
		{"choice algorithm", "choice", func(_, e map[string]any) { e["scoring_algorithm"] = "PartialScore" },
			[]string{"item[entry][scoring_algorithm] must be Equivalence for choice"}},
		{"multi-answer algorithm", "multi-answer", func(_, e map[string]any) { e["scoring_algorithm"] = "Equivalence" },
			[]string{"must be AllOrNothing for multi-answer"}},
		{"true-false algorithm", "true-false", func(_, e map[string]any) { e["scoring_algorithm"] = "AllOrNothing" },
			[]string{"must be Equivalence for true-false"}},
		{"fill-blank algorithm", "rich-fill-blank", func(_, e map[string]any) { e["scoring_algorithm"] = "TextInChoices" },
			[]string{"must be MultipleMethods for rich-fill-blank"}},
		{"matching algorithm", "matching", func(_, e map[string]any) { e["scoring_algorithm"] = "Equivalence" },
			[]string{"must be PartialDeep for matching"}},
		{"categorization algorithm", "categorization", func(_, e map[string]any) { e["scoring_algorithm"] = "PartialDeep" },
			[]string{"must be Categorization for categorization"}},

		// choice and multi-answer.
		{"choice dangling answer", "choice", func(_, e map[string]any) { obj(e, "scoring_data")["value"] = "c9" },
			[]string{`item[entry][scoring_data][value] "c9" is not the id of a choice`}},
		{"choice answer not a string", "choice", func(_, e map[string]any) { obj(e, "scoring_data")["value"] = []any{"c1"} },
			[]string{"item[entry][scoring_data][value] must be a string"}},
		{"choice without choices", "choice", func(_, e map[string]any) { obj(e, "interaction_data")["choices"] = []any{} },
			[]string{"item[entry][interaction_data][choices] must not be empty"}},
		{"choice without id", "choice", func(_, e map[string]any) { delete(obj(e, "interaction_data", "choices", 2), "id") },
			[]string{"item[entry][interaction_data][choices][2][id] is required"}},
		{"duplicate choice id", "multi-answer", func(_, e map[string]any) { obj(e, "interaction_data", "choices", 1)["id"] = "m1" },
			[]string{`item[entry][interaction_data][choices][1][id] "m1" is not unique`}},
		{"multi-answer dangling answer", "multi-answer", func(_, e map[string]any) {
			obj(e, "scoring_data")["value"] = []any{"m1", "zz"}
		}, []string{`item[entry][scoring_data][value][1] "zz" is not the id of a choice`}},
		{"multi-answer no answer", "multi-answer", func(_, e map[string]any) { obj(e, "scoring_data")["value"] = []any{} },
			[]string{"item[entry][scoring_data][value] must not be empty"}},
		{"multi-answer single string", "multi-answer", func(_, e map[string]any) { obj(e, "scoring_data")["value"] = "m1" },
			[]string{"item[entry][scoring_data][value] must be an array"}},

		// true-false.
		{"true-false string value", "true-false", func(_, e map[string]any) { obj(e, "scoring_data")["value"] = "true" },
			[]string{"item[entry][scoring_data][value] must be a boolean"}},
		{"true-false no labels", "true-false", func(_, e map[string]any) { delete(obj(e, "interaction_data"), "false_choice") },
			[]string{"item[entry][interaction_data][false_choice] is required"}},

		// rich-fill-blank.
		{"blank without span", "rich-fill-blank", func(_, e map[string]any) {
			e["item_body"] = `<p>BFS uses a <span id="b1"></span> and DFS a stack.</p>`
		}, []string{`blank "b2" has no <span id="b2"> in item[entry][item_body]`}},
		{"span without blank", "rich-fill-blank", func(_, e map[string]any) {
			e["item_body"] = e["item_body"].(string) + `<p><span id="b3"></span></p>`
		}, []string{`<span id="b3"> in item[entry][item_body] is not a blank`}},
		{"blank without scoring", "rich-fill-blank", func(_, e map[string]any) {
			sd := obj(e, "scoring_data")
			sd["value"] = sd["value"].([]any)[:1]
		}, []string{`blank "b2" has no entry in item[entry][scoring_data][value]`}},
		{"scoring of no blank", "rich-fill-blank", func(_, e map[string]any) { obj(e, "scoring_data", "value", 1)["id"] = "b7" },
			[]string{`item[entry][scoring_data][value][1][id] "b7" is not the id of a blank`}},
		{"blank without answers", "rich-fill-blank", func(_, e map[string]any) {
			obj(e, "scoring_data", "value", 0, "scoring_data")["value"] = []any{}
		}, []string{"item[entry][scoring_data][value][0][scoring_data][value] must not be empty"}},
		{"no blanks", "rich-fill-blank", func(_, e map[string]any) { delete(obj(e, "interaction_data"), "blanks") },
			[]string{"item[entry][interaction_data][blanks] is required"}},
		{"bad answer type", "rich-fill-blank", func(_, e map[string]any) {
			obj(e, "interaction_data", "blanks", 0)["answer_type"] = "essay"
		}, []string{"item[entry][interaction_data][blanks][0][answer_type]"}},

		// matching.
		{"question without answer", "matching", func(_, e map[string]any) { delete(obj(e, "scoring_data", "value"), "q3") },
			[]string{`question "q3" has no answer in item[entry][scoring_data][value]`}},
		{"answer not offered", "matching", func(_, e map[string]any) { obj(e, "scoring_data", "value")["q2"] = "Heap" },
			[]string{`item[entry][scoring_data][value][q2] "Heap" is not one of item[entry][interaction_data][answers]`}},
		{"answer of no question", "matching", func(_, e map[string]any) { obj(e, "scoring_data", "value")["q9"] = "Set" },
			[]string{`item[entry][scoring_data][value] "q9" is not the id of a question`}},
		{"matching answers not strings", "matching", func(_, e map[string]any) { obj(e, "interaction_data")["answers"] = []any{1, 2} },
			[]string{"item[entry][interaction_data][answers][0] must be a string"}},

		// categorization.
		{"order of no category", "categorization", func(_, e map[string]any) {
			obj(e, "interaction_data")["category_order"] = []any{"k1", "k2", "k3"}
		}, []string{`item[entry][interaction_data][category_order][2] "k3" is not the id of a category`}},
		{"category left out of the order", "categorization", func(_, e map[string]any) {
			obj(e, "interaction_data")["category_order"] = []any{"k1"}
		}, []string{`category "k2" is not in item[entry][interaction_data][category_order]`}},
		{"scored item missing from distractors", "categorization", func(_, e map[string]any) {
			obj(e, "scoring_data", "value", 1, "scoring_data")["value"] = []any{"i3", "i8"}
		}, []string{`item[entry][scoring_data][value][1][scoring_data][value][1] "i8" is not the id of an item in item[entry][interaction_data][distractors]`}},
		{"uncovered category", "categorization", func(_, e map[string]any) {
			sd := obj(e, "scoring_data")
			sd["value"] = sd["value"].([]any)[:1]
		}, []string{`category "k2" has no entry in item[entry][scoring_data][value]`}},
		{"category with no items", "categorization", func(_, e map[string]any) {
			obj(e, "scoring_data", "value", 1, "scoring_data")["value"] = []any{}
		}, []string{"item[entry][scoring_data][value][1][scoring_data][value] must not be empty"}},
		{"scoring of no category", "categorization", func(_, e map[string]any) { obj(e, "scoring_data", "value", 1)["id"] = "k5" },
			[]string{`item[entry][scoring_data][value][1][id] "k5" is not the id of a category`}},
		{"item in two categories", "categorization", func(_, e map[string]any) {
			obj(e, "scoring_data", "value", 1, "scoring_data")["value"] = []any{"i3", "i1"}
		}, []string{`item "i1" is in more than one category`}},
		{"category key and id differ", "categorization", func(_, e map[string]any) {
			obj(e, "interaction_data", "categories", "k2")["id"] = "kx"
		}, []string{`item[entry][interaction_data][categories][k2][id] must be "k2"`}},
	}
	for _, tt := range tests {
		body := mutateItem(t, typedItems[tt.slug], tt.f)
		resp, data := call(t, http.MethodPost, items, tok, strings.NewReader(body), "application/json")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, tt.name)
		var got struct {
			Errors []struct {
				Message string `json:"message"`
			} `json:"errors"`
		}
		require.NoError(t, json.Unmarshal(data, &got), tt.name)
		msgs := make([]string, len(got.Errors))
		for i, e := range got.Errors {
			msgs[i] = e.Message
		}
		joined := strings.Join(msgs, "\n")
		for _, w := range tt.want {
			assert.Contains(t, joined, w, tt.name)
		}
	}
	assert.Empty(t, srv.Quizzes()[0].Items, "no refused item is recorded")
}
