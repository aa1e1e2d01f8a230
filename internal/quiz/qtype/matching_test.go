package qtype_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/quiz/qtype"
)

// matchBase is a valid matching question: three pairs, one distractor.
func matchBase() map[string]any {
	return map[string]any{
		"question_text": "Match each country with its capital.",
		"pairs": []any{
			map[string]any{"question": "Norway", "answer": "Oslo"},
			map[string]any{"question": "Sweden", "answer": "Stockholm"},
			map[string]any{"question": "Denmark", "answer": "Copenhagen"},
		},
		"distractors": []any{"Bergen"},
		"explanation": "Each is the seat of its government.",
	}
}

// matchPairs is n distinct pairs.
func matchPairs(n int) []any {
	return listOf(n, func(i int) any {
		return map[string]any{"question": "q" + strconv.Itoa(i), "answer": "a" + strconv.Itoa(i)}
	})
}

// matchPair sets field k of pair i to v.
func matchPair(i int, k string, v any) func(m map[string]any) {
	return func(m map[string]any) { m["pairs"].([]any)[i].(map[string]any)[k] = v }
}

func TestMatchingNormalize(t *testing.T) {
	t.Parallel()
	base := matchBase()
	set := func(f ...func(m map[string]any)) map[string]any {
		return modified(base, func(m map[string]any) {
			for _, g := range f {
				g(m)
			}
		})
	}
	field := func(k string, v any) func(m map[string]any) { return func(m map[string]any) { m[k] = v } }
	dist := func(n int) []any { return listOf(n, func(i int) any { return "d" + strconv.Itoa(i) }) }

	runNormalize(t, typeOf(t, qtype.Matching), []normCase{
		{name: "valid", data: base},
		{name: "text 2000", data: set(field("question_text", chars(2000)))},
		{name: "text 2001", data: set(field("question_text", chars(2001))), wantPaths: paths(path("question_text"))},
		{name: "text empty", data: set(field("question_text", " ")), wantPaths: paths(path("question_text"))},
		{name: "explanation 1000", data: set(field("explanation", chars(1000)))},
		{name: "explanation 1001", data: set(field("explanation", chars(1001))), wantPaths: paths(path("explanation"))},
		{name: "explanation missing", data: modified(base, func(m map[string]any) { delete(m, "explanation") })},
		{name: "2 pairs", data: set(field("pairs", matchPairs(2))), wantPaths: paths(path("pairs"))},
		{name: "3 pairs", data: set(field("pairs", matchPairs(3)))},
		{name: "10 pairs", data: set(field("pairs", matchPairs(10)))},
		{name: "11 pairs", data: set(field("pairs", matchPairs(11))), wantPaths: paths(path("pairs"))},
		{name: "pairs missing", data: modified(base, func(m map[string]any) { delete(m, "pairs") }),
			wantPaths: paths(path("pairs"))},
		{name: "question 500", data: set(matchPair(0, "question", chars(500)))},
		{name: "question 501", data: set(matchPair(0, "question", chars(501))),
			wantPaths: paths(path("pairs", 0, "question"))},
		{name: "answer 500", data: set(matchPair(2, "answer", chars(500)))},
		{name: "answer 501", data: set(matchPair(2, "answer", chars(501))),
			wantPaths: paths(path("pairs", 2, "answer"))},
		{name: "question empty", data: set(matchPair(1, "question", "")), wantPaths: paths(path("pairs", 1, "question"))},
		{name: "answer empty", data: set(matchPair(1, "answer", " ")), wantPaths: paths(path("pairs", 1, "answer"))},
		{name: "question repeated ignoring case", data: set(matchPair(2, "question", " NORWAY ")),
			wantPaths: paths(path("pairs", 2, "question"))},
		{name: "answer repeated ignoring case", data: set(matchPair(1, "answer", "oslo")),
			wantPaths: paths(path("pairs", 1, "answer"))},
		{name: "no distractors", data: set(field("distractors", []any{})), check: func(t *testing.T, out map[string]any) {
			assert.Equal(t, []any{}, out["distractors"])
		}},
		{name: "distractors null", data: set(field("distractors", nil)), check: func(t *testing.T, out map[string]any) {
			assert.Equal(t, []any{}, out["distractors"], "null becomes []")
		}},
		{name: "distractors missing", data: modified(base, func(m map[string]any) { delete(m, "distractors") })},
		{name: "5 distractors", data: set(field("distractors", dist(5)))},
		{name: "6 distractors", data: set(field("distractors", dist(6))), wantPaths: paths(path("distractors"))},
		{name: "6 distractors, 5 different", data: set(field("distractors", append(dist(5), " D1 "))),
			check: func(t *testing.T, out map[string]any) {
				assert.Equal(t, dist(5), out["distractors"], "deduplicated ignoring case, first kept")
			}},
		{name: "distractor 500", data: set(field("distractors", []any{chars(500)}))},
		{name: "distractor 501", data: set(field("distractors", []any{"x", chars(501)})),
			wantPaths: paths(path("distractors", 1))},
		{name: "distractor empty", data: set(field("distractors", []any{""})), wantPaths: paths(path("distractors", 0))},
		{name: "distractor is a correct answer", data: set(field("distractors", []any{"Bergen", "STOCKHOLM"})),
			wantPaths: paths(path("distractors", 1))},
		{name: "NUL in text", data: set(field("question_text", "a\x00")), wantPaths: paths(path("question_text"))},
		{name: "NUL in question", data: set(matchPair(0, "question", "\x00")), wantPaths: paths(path("pairs", 0, "question"))},
		{name: "NUL in answer", data: set(matchPair(0, "answer", "\x00")), wantPaths: paths(path("pairs", 0, "answer"))},
		{name: "NUL in distractor", data: set(field("distractors", []any{"\x00"})), wantPaths: paths(path("distractors", 0))},
		{name: "unknown field", data: set(field("hints", []any{})), wantPaths: paths(path("hints"))},
		{name: "unknown pair field", data: set(matchPair(0, "id", "1")), wantPaths: paths(path("id"))},
		{name: "distractor an object", data: set(field("distractors", []any{map[string]any{}})),
			wantPaths: paths(path("distractors", 0))},
		{name: "trimmed", data: set(matchPair(0, "question", " Norway\t"), field("distractors", []any{" Bergen "})),
			check: func(t *testing.T, out map[string]any) {
				assert.Equal(t, "Norway", out["pairs"].([]any)[0].(map[string]any)["question"])
				assert.Equal(t, []any{"Bergen"}, out["distractors"])
			}},
		{name: "every problem at once", data: set(
			field("question_text", ""),
			matchPair(0, "answer", chars(501)),
			matchPair(2, "question", "sweden"),
			field("distractors", []any{"stockholm", "\x00"}),
		), wantPaths: paths(
			path("question_text"),
			path("pairs", 0, "answer"),
			path("pairs", 2, "question"),
			path("distractors", 0),
			path("distractors", 1),
		)},
	})
}

func TestMatchingMock(t *testing.T) {
	t.Parallel()
	typ := typeOf(t, qtype.Matching)
	all := mocksByLanguage(t, typ, map[qtype.Language]string{
		qtype.English:   "Match each description with the term it describes.",
		qtype.Norwegian: "Koble hver beskrivelse til begrepet den beskriver.",
	})
	for l, qs := range all {
		pairs, distractors := map[int]int{}, map[int]int{}
		for _, q := range qs {
			pairs[len(q["pairs"].([]any))]++
			distractors[len(q["distractors"].([]any))]++
			for _, p := range q["pairs"].([]any) {
				pm := p.(map[string]any)
				assert.NotContains(t, strings.ToLower(pm["question"].(string)), strings.ToLower(pm["answer"].(string)),
					"%s: the description hides its term", l)
			}
		}
		for n := 3; n <= 6; n++ {
			assert.Positive(t, pairs[n], "%s: some questions have %d pairs", l, n)
		}
		for n := range 3 {
			assert.Positive(t, distractors[n], "%s: some questions have %d distractors", l, n)
		}
	}

	_, err := typ.Mock(qtype.Material{Sentences: []string{"a b"}, Terms: []string{"a"}})
	require.Error(t, err, "fewer than three facts make no matching question")
}

func TestMatchingSchema(t *testing.T) {
	t.Parallel()
	checkSchema(t, typeOf(t, qtype.Matching))
}

func TestMatchingCanvasGolden(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(matchBase())
	require.NoError(t, err)
	item, err := typeOf(t, qtype.Matching).Canvas(b, counterIDs())
	require.NoError(t, err)
	assert.InDelta(t, 3, item.Points, 0, "one point per pair")
	assert.NotContains(t, item.Entry, "properties", "a matching entry has no properties")
	golden(t, "matching.canvas.golden.json", canvasJSON(t, item))
}

func TestMatchingCanvasEscapes(t *testing.T) {
	t.Parallel()
	const hostile = `<b>&"`
	data := modified(matchBase(), func(m map[string]any) {
		m["question_text"] = hostile
		m["explanation"] = hostile
		matchPair(0, "question", hostile)(m)
		matchPair(0, "answer", hostile)(m)
		m["distractors"] = []any{hostile + "x"}
	})
	b, err := json.Marshal(data)
	require.NoError(t, err)
	item, err := typeOf(t, qtype.Matching).Canvas(b, counterIDs())
	require.NoError(t, err)
	e := entryJSON(t, item)
	const esc = "&lt;b&gt;&amp;&#34;"
	assert.Equal(t, "<p>"+esc+"</p>", e["item_body"])
	id := e["interaction_data"].(map[string]any)["questions"].([]any)[0].(map[string]any)
	assert.Equal(t, esc, id["item_body"])
	answers := e["interaction_data"].(map[string]any)["answers"].([]any)
	assert.Equal(t, []any{esc, "Stockholm", "Copenhagen", esc + "x"}, answers)
	sd := e["scoring_data"].(map[string]any)
	assert.Equal(t, esc, sd["value"].(map[string]any)[id["id"].(string)], "the scored answer is one of the answers")
	assert.Equal(t, []any{esc + "x"}, sd["edit_data"].(map[string]any)["distractors"])
	delete(e, "title")
	raw, err := json.Marshal(e)
	require.NoError(t, err)
	assert.NotContains(t, strings.ReplaceAll(string(raw), `\u003c`, "<"), "<b>")
}

func TestMatchingCanvasRefusesInvalid(t *testing.T) {
	t.Parallel()
	data := modified(matchBase(), func(m map[string]any) { m["pairs"] = matchPairs(2) })
	b, err := json.Marshal(data)
	require.NoError(t, err)
	_, err = typeOf(t, qtype.Matching).Canvas(b, counterIDs())
	var ve *qtype.ValidationError
	require.ErrorAs(t, err, &ve, "an invalid question is never sent")
}
