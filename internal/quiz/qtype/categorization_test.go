package qtype_test

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/quiz/qtype"
)

// catBase is a valid categorization question: two categories of two
// items, one distractor.
func catBase() map[string]any {
	return map[string]any{
		"question_text": "Sort the animals.",
		"categories": []any{
			map[string]any{"id": "c1", "name": "Mammals", "correct_items": []any{"i1", "i2"}},
			map[string]any{"id": "c2", "name": "Birds", "correct_items": []any{"i3", "i4"}},
		},
		"items": []any{
			map[string]any{"id": "i1", "text": "Dolphin"},
			map[string]any{"id": "i2", "text": "Bat"},
			map[string]any{"id": "i3", "text": "Penguin"},
			map[string]any{"id": "i4", "text": "Eagle"},
		},
		"distractors": []any{map[string]any{"id": "d1", "text": "Salmon"}},
		"explanation": "Mammals nurse their young; birds lay eggs and have feathers.",
	}
}

// catShape is a question of nc categories and ni items (item k in
// category k mod nc) and nd distractors.
func catShape(nc, ni, nd int) func(m map[string]any) {
	return func(m map[string]any) {
		cats := listOf(nc, func(i int) any {
			return map[string]any{"id": "c" + strconv.Itoa(i), "name": "cat" + strconv.Itoa(i), "correct_items": []any{}}
		})
		m["items"] = listOf(ni, func(k int) any {
			c := cats[k%nc].(map[string]any)
			c["correct_items"] = append(c["correct_items"].([]any), "i"+strconv.Itoa(k))
			return map[string]any{"id": "i" + strconv.Itoa(k), "text": "item" + strconv.Itoa(k)}
		})
		m["categories"] = cats
		m["distractors"] = listOf(nd, func(k int) any {
			return map[string]any{"id": "d" + strconv.Itoa(k), "text": "distractor" + strconv.Itoa(k)}
		})
	}
}

// catAt sets field k of element i of list to v.
func catAt(list string, i int, k string, v any) func(m map[string]any) {
	return func(m map[string]any) { m[list].([]any)[i].(map[string]any)[k] = v }
}

var catUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestCategorizationNormalize(t *testing.T) {
	t.Parallel()
	base := catBase()
	set := func(f ...func(m map[string]any)) map[string]any {
		return modified(base, func(m map[string]any) {
			for _, g := range f {
				g(m)
			}
		})
	}
	field := func(k string, v any) func(m map[string]any) { return func(m map[string]any) { m[k] = v } }

	runNormalize(t, typeOf(t, qtype.Categorization), []normCase{
		{name: "valid", data: base},
		{name: "text 2000", data: set(field("question_text", chars(2000)))},
		{name: "text 2001", data: set(field("question_text", chars(2001))), wantPaths: paths(path("question_text"))},
		{name: "text empty", data: set(field("question_text", "")), wantPaths: paths(path("question_text"))},
		{name: "explanation 1000", data: set(field("explanation", chars(1000)))},
		{name: "explanation 1001", data: set(field("explanation", chars(1001))), wantPaths: paths(path("explanation"))},
		{name: "explanation missing", data: modified(base, func(m map[string]any) { delete(m, "explanation") })},
		{name: "1 category", data: set(catShape(1, 4, 0)), wantPaths: paths(path("categories"))},
		{name: "2 categories", data: set(catShape(2, 4, 0))},
		{name: "8 categories", data: set(catShape(8, 8, 0))},
		{name: "9 categories", data: set(catShape(9, 9, 0)), wantPaths: paths(path("categories"))},
		{name: "3 items", data: set(catShape(2, 3, 0)), wantPaths: paths(path("items"))},
		{name: "4 items", data: set(catShape(2, 4, 0))},
		{name: "20 items", data: set(catShape(8, 20, 0))},
		{name: "21 items", data: set(catShape(8, 21, 0)), wantPaths: paths(path("items"))},
		{name: "5 distractors", data: set(catShape(2, 4, 5))},
		{name: "6 distractors", data: set(catShape(2, 4, 6)), wantPaths: paths(path("distractors"))},
		{name: "distractors null", data: set(field("distractors", nil)), check: func(t *testing.T, out map[string]any) {
			assert.Equal(t, []any{}, out["distractors"], "null becomes []")
		}},
		{name: "distractors missing", data: modified(base, func(m map[string]any) { delete(m, "distractors") })},
		{name: "name 100", data: set(catAt("categories", 0, "name", chars(100)))},
		{name: "name 101", data: set(catAt("categories", 0, "name", chars(101))),
			wantPaths: paths(path("categories", 0, "name"))},
		{name: "name empty", data: set(catAt("categories", 1, "name", " ")),
			wantPaths: paths(path("categories", 1, "name"))},
		{name: "name repeated ignoring case", data: set(catAt("categories", 1, "name", "MAMMALS")),
			wantPaths: paths(path("categories", 1, "name"))},
		{name: "item 200", data: set(catAt("items", 3, "text", chars(200)))},
		{name: "item 201", data: set(catAt("items", 3, "text", chars(201))),
			wantPaths: paths(path("items", 3, "text"))},
		{name: "item empty", data: set(catAt("items", 0, "text", "")), wantPaths: paths(path("items", 0, "text"))},
		{name: "item text repeated ignoring case", data: set(catAt("items", 1, "text", "dolphin ")),
			wantPaths: paths(path("items", 1, "text"))},
		{name: "distractor 200", data: set(catAt("distractors", 0, "text", chars(200)))},
		{name: "distractor 201", data: set(catAt("distractors", 0, "text", chars(201))),
			wantPaths: paths(path("distractors", 0, "text"))},
		{name: "distractor text repeated", data: set(field("distractors", []any{
			map[string]any{"id": "d1", "text": "Salmon"}, map[string]any{"id": "d2", "text": "salmon"},
		})), wantPaths: paths(path("distractors", 1, "text"))},
		{name: "id 100", data: set(catAt("distractors", 0, "id", chars(100)))},
		{name: "id 101", data: set(catAt("distractors", 0, "id", chars(101))),
			wantPaths: paths(path("distractors", 0, "id"))},
		{name: "id repeated", data: set(catAt("distractors", 0, "id", "c1")),
			wantPaths: paths(path("categories", 0, "id"))},
		{name: "item id repeated", data: set(catAt("items", 1, "id", "i1")),
			wantPaths: paths(path("items", 1, "id"), path("categories", 0, "correct_items", 1))},
		{name: "missing ids become uuids", data: set(catAt("categories", 0, "id", ""), catAt("distractors", 0, "id", nil)),
			check: func(t *testing.T, out map[string]any) {
				assert.Regexp(t, catUUID, out["categories"].([]any)[0].(map[string]any)["id"])
				assert.Regexp(t, catUUID, out["distractors"].([]any)[0].(map[string]any)["id"])
			}},
		{name: "item without id is in no category", data: set(catAt("items", 3, "id", ""),
			catAt("categories", 1, "correct_items", []any{"i3"})),
			wantPaths: paths(path("items", 3))},
		{name: "reference to no item", data: set(catAt("categories", 1, "correct_items", []any{"i3", "i4", "i9"})),
			wantPaths: paths(path("categories", 1, "correct_items", 2))},
		{name: "reference to a distractor", data: set(catAt("categories", 1, "correct_items", []any{"i3", "i4", "d1"})),
			wantPaths: paths(path("categories", 1, "correct_items", 2))},
		{name: "item in two categories", data: set(catAt("categories", 1, "correct_items", []any{"i3", "i4", "i1"})),
			wantPaths: paths(path("categories", 1, "correct_items", 2))},
		{name: "item twice in one category", data: set(catAt("categories", 0, "correct_items", []any{"i1", "i2", " i1"})),
			check: func(t *testing.T, out map[string]any) {
				assert.Equal(t, []any{"i1", "i2"}, out["categories"].([]any)[0].(map[string]any)["correct_items"])
			}},
		{name: "item in no category", data: set(catAt("categories", 0, "correct_items", []any{"i1"})),
			wantPaths: paths(path("items", 1))},
		{name: "category without items", data: set(catShape(2, 4, 0), catAt("categories", 0, "correct_items", []any{}),
			catAt("categories", 1, "correct_items", []any{"i0", "i1", "i2", "i3"})),
			wantPaths: paths(path("categories", 0, "correct_items"))},
		{name: "item also a distractor is removed", data: set(
			field("items", append(base["items"].([]any), map[string]any{"id": "i5", "text": " SALMON"})),
			catAt("categories", 0, "correct_items", []any{"i1", "i2", "i5"}),
		), check: func(t *testing.T, out map[string]any) {
			assert.Len(t, out["items"], 4)
			assert.Equal(t, []any{"i1", "i2"}, out["categories"].([]any)[0].(map[string]any)["correct_items"])
			assert.Len(t, out["distractors"], 1)
		}},
		{name: "items counted without those also distractors", data: set(
			catAt("items", 3, "text", "Salmon"), catAt("categories", 1, "correct_items", []any{"i3", "i4"}),
		), wantPaths: paths(path("items"))},
		{name: "NUL in text", data: set(field("question_text", "\x00")), wantPaths: paths(path("question_text"))},
		{name: "NUL in name", data: set(catAt("categories", 0, "name", "\x00")), wantPaths: paths(path("categories", 0, "name"))},
		{name: "NUL in item", data: set(catAt("items", 0, "text", "\x00")), wantPaths: paths(path("items", 0, "text"))},
		{name: "NUL in distractor", data: set(catAt("distractors", 0, "text", "\x00")),
			wantPaths: paths(path("distractors", 0, "text"))},
		{name: "NUL in id", data: set(catAt("distractors", 0, "id", "\x00")), wantPaths: paths(path("distractors", 0, "id"))},
		{name: "unknown field", data: set(field("shuffle", true)), wantPaths: paths(path("shuffle"))},
		{name: "unknown item field", data: set(catAt("items", 0, "category", "c1")), wantPaths: paths(path("category"))},
		{name: "trimmed", data: set(catAt("items", 0, "text", " Dolphin "), catAt("categories", 0, "name", "\tMammals")),
			check: func(t *testing.T, out map[string]any) {
				assert.Equal(t, "Dolphin", out["items"].([]any)[0].(map[string]any)["text"])
				assert.Equal(t, "Mammals", out["categories"].([]any)[0].(map[string]any)["name"])
			}},
		{name: "every problem at once", data: set(
			field("question_text", chars(2001)),
			catAt("categories", 1, "name", "mammals"),
			catAt("categories", 1, "correct_items", []any{"i3", "x"}),
			catAt("items", 1, "text", "\x00"),
			catAt("distractors", 0, "text", chars(201)),
		), wantPaths: paths(
			path("question_text"),
			path("distractors", 0, "text"),
			path("items", 1, "text"),
			path("categories", 1, "name"),
			path("categories", 1, "correct_items", 1),
			path("items", 3),
		)},
	})
}

func TestCategorizationNormalizeKeepsIDs(t *testing.T) {
	t.Parallel()
	typ := typeOf(t, qtype.Categorization)
	data := modified(catBase(), catAt("categories", 0, "id", ""))
	b, err := json.Marshal(data)
	require.NoError(t, err)
	out, err := typ.Normalize(b)
	require.NoError(t, err)
	again, err := typ.Normalize(out)
	require.NoError(t, err)
	assert.Equal(t, string(out), string(again), "a generated id is kept from then on")
}

func TestCategorizationMock(t *testing.T) {
	t.Parallel()
	typ := typeOf(t, qtype.Categorization)
	all := mocksByLanguage(t, typ, map[qtype.Language]string{
		qtype.English:   "Place each word under the concept",
		qtype.Norwegian: "Plasser hvert ord under begrepet",
	})
	for l, qs := range all {
		cats, distractors := map[int]int{}, map[int]int{}
		for _, q := range qs {
			cats[len(q["categories"].([]any))]++
			distractors[len(q["distractors"].([]any))]++
		}
		assert.Positive(t, cats[2], "%s: some questions have 2 categories", l)
		assert.Positive(t, cats[3], "%s: some questions have 3 categories", l)
		for n := range 3 {
			assert.Positive(t, distractors[n], "%s: some questions have %d distractors", l, n)
		}
	}

	_, err := typ.Mock(qtype.Material{Sentences: []string{"a b", "c d"}, Terms: []string{"a", "c"}})
	require.Error(t, err, "sentences without words besides their terms make no categories")
}

func TestCategorizationSchema(t *testing.T) {
	t.Parallel()
	checkSchema(t, typeOf(t, qtype.Categorization))
}

func TestCategorizationCanvasGolden(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(catBase())
	require.NoError(t, err)
	item, err := typeOf(t, qtype.Categorization).Canvas(b, counterIDs())
	require.NoError(t, err)
	assert.InDelta(t, 2, item.Points, 0, "one point per category")
	golden(t, "categorization.canvas.golden.json", canvasJSON(t, item))
}

func TestCategorizationCanvasEscapes(t *testing.T) {
	t.Parallel()
	const hostile = `<b>&"`
	data := modified(catBase(), func(m map[string]any) {
		m["question_text"] = hostile
		m["explanation"] = hostile
		catAt("categories", 0, "name", hostile)(m)
		catAt("items", 0, "text", hostile)(m)
		catAt("distractors", 0, "text", hostile+"x")(m)
	})
	b, err := json.Marshal(data)
	require.NoError(t, err)
	item, err := typeOf(t, qtype.Categorization).Canvas(b, counterIDs())
	require.NoError(t, err)
	e := entryJSON(t, item)
	const esc = "&lt;b&gt;&amp;&#34;"
	assert.Equal(t, "<p>"+esc+"</p>", e["item_body"])
	idata := e["interaction_data"].(map[string]any)
	// ids: categories id-1, id-2; items id-3..id-6; distractor id-7.
	assert.Equal(t, esc, idata["categories"].(map[string]any)["id-1"].(map[string]any)["item_body"])
	assert.Equal(t, esc, idata["distractors"].(map[string]any)["id-3"].(map[string]any)["item_body"])
	assert.Equal(t, esc+"x", idata["distractors"].(map[string]any)["id-7"].(map[string]any)["item_body"])
	delete(e, "title")
	raw, err := json.Marshal(e)
	require.NoError(t, err)
	assert.NotContains(t, strings.ReplaceAll(string(raw), `\u003c`, "<"), "<b>")
}

func TestCategorizationCanvasRefusesInvalid(t *testing.T) {
	t.Parallel()
	data := modified(catBase(), catAt("categories", 1, "correct_items", []any{"i3"}))
	b, err := json.Marshal(data)
	require.NoError(t, err)
	_, err = typeOf(t, qtype.Categorization).Canvas(b, counterIDs())
	var ve *qtype.ValidationError
	require.ErrorAs(t, err, &ve, "an invalid question is never sent")
}
