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

// fibBase is a valid fill_in_blank question with two blanks.
func fibBase() map[string]any {
	return map[string]any{
		"question_text": "Water [blank_1] at 100 degrees and [blank_2] at 0 degrees.",
		"blanks": []any{
			map[string]any{"position": 1, "correct_answer": "boils", "answer_variations": []any{"boil"}},
			map[string]any{"position": 2, "correct_answer": "freezes", "answer_variations": nil},
		},
		"explanation": "Phase changes of water at sea level.",
	}
}

// fibBlanks is n blanks at positions 1..n and a text tagging each.
func fibBlanks(n int) (text string, blanks []any) {
	blanks = listOf(n, func(i int) any {
		text += " [blank_" + strconv.Itoa(i+1) + "]"
		return map[string]any{"position": i + 1, "correct_answer": "a" + strconv.Itoa(i)}
	})
	return "Fill" + text, blanks
}

// fibBlank sets field k of blank i to v.
func fibBlank(i int, k string, v any) func(m map[string]any) {
	return func(m map[string]any) { m["blanks"].([]any)[i].(map[string]any)[k] = v }
}

// fibVariations is the first blank's answer and variations once
// normalized (nil when it did not normalize).
func fibVariations(t *testing.T, answer string, vars ...any) []any {
	t.Helper()
	typ := typeOf(t, qtype.FillInBlank)
	data := modified(fibBase(), func(m map[string]any) {
		fibBlank(0, "correct_answer", answer)(m)
		fibBlank(0, "answer_variations", vars)(m)
	})
	b, err := json.Marshal(data)
	require.NoError(t, err)
	out, err := typ.Normalize(b)
	require.NoError(t, err)
	var q struct {
		Blanks []struct {
			AnswerVariations []any `json:"answer_variations"`
		} `json:"blanks"`
	}
	require.NoError(t, json.Unmarshal(out, &q))
	return q.Blanks[0].AnswerVariations
}

func TestFillInBlankNormalize(t *testing.T) {
	t.Parallel()
	base := fibBase()
	set := func(f ...func(m map[string]any)) map[string]any {
		return modified(base, func(m map[string]any) {
			for _, g := range f {
				g(m)
			}
		})
	}
	field := func(k string, v any) func(m map[string]any) { return func(m map[string]any) { m[k] = v } }
	tags := "[blank_1][blank_2]"
	text10, blanks10 := fibBlanks(10)
	text11, blanks11 := fibBlanks(11)
	vars := func(n int) []any { return listOf(n, func(i int) any { return "v" + strconv.Itoa(i) }) }

	runNormalize(t, typeOf(t, qtype.FillInBlank), []normCase{
		{name: "valid", data: base, check: func(t *testing.T, out map[string]any) {
			blanks := out["blanks"].([]any)
			assert.Equal(t, []any{"boil"}, blanks[0].(map[string]any)["answer_variations"])
			assert.Equal(t, []any{}, blanks[1].(map[string]any)["answer_variations"], "null becomes []")
		}},
		{name: "text 2000 characters", data: set(field("question_text", chars(2000-len(tags))+tags))},
		{name: "text 2001 characters", data: set(field("question_text", chars(2001-len(tags))+tags)),
			wantPaths: paths(path("question_text"))},
		{name: "text of spaces", data: set(field("question_text", "   ")),
			wantPaths: paths(path("question_text"), path("blanks", 0, "position"), path("blanks", 1, "position"))},
		{name: "explanation 1000", data: set(field("explanation", chars(1000)))},
		{name: "explanation 1001", data: set(field("explanation", chars(1001))), wantPaths: paths(path("explanation"))},
		{name: "explanation empty", data: set(field("explanation", ""))},
		{name: "explanation missing", data: modified(base, func(m map[string]any) { delete(m, "explanation") })},
		{name: "no blanks", data: set(field("question_text", "No tags."), field("blanks", []any{})),
			wantPaths: paths(path("blanks"))},
		{name: "blanks missing", data: modified(base, func(m map[string]any) { delete(m, "blanks"); m["question_text"] = "x" }),
			wantPaths: paths(path("blanks"))},
		{name: "10 blanks", data: set(field("question_text", text10), field("blanks", blanks10))},
		{name: "11 blanks", data: set(field("question_text", text11), field("blanks", blanks11)),
			wantPaths: paths(path("blanks"))},
		{name: "position 0", data: set(fibBlank(0, "position", 0)),
			wantPaths: paths(path("blanks", 0, "position"), path("question_text"))},
		{name: "position repeated", data: set(fibBlank(1, "position", 1)),
			wantPaths: paths(path("blanks", 1, "position"), path("question_text"))},
		{name: "positions sorted", data: set(fibBlank(0, "position", 2), fibBlank(1, "position", 1)),
			check: func(t *testing.T, out map[string]any) {
				blanks := out["blanks"].([]any)
				assert.InDelta(t, 1, blanks[0].(map[string]any)["position"], 0)
				assert.Equal(t, "freezes", blanks[0].(map[string]any)["correct_answer"])
				assert.InDelta(t, 2, blanks[1].(map[string]any)["position"], 0)
			}},
		{name: "answer 200", data: set(fibBlank(0, "correct_answer", chars(200)))},
		{name: "answer 201", data: set(fibBlank(0, "correct_answer", chars(201))),
			wantPaths: paths(path("blanks", 0, "correct_answer"))},
		{name: "answer empty", data: set(fibBlank(0, "correct_answer", " ")),
			wantPaths: paths(path("blanks", 0, "correct_answer"))},
		{name: "10 variations", data: set(fibBlank(0, "answer_variations", vars(10)))},
		{name: "11 variations", data: set(fibBlank(0, "answer_variations", vars(11))),
			wantPaths: paths(path("blanks", 0, "answer_variations"))},
		{name: "11 variations, 10 different", data: set(fibBlank(0, "answer_variations", append(vars(10), " v3 ")))},
		{name: "variation 200", data: set(fibBlank(0, "answer_variations", []any{chars(200)}))},
		{name: "variation 201", data: set(fibBlank(0, "answer_variations", []any{"ok", chars(201)})),
			wantPaths: paths(path("blanks", 0, "answer_variations", 1))},
		{name: "variation empty", data: set(fibBlank(0, "answer_variations", []any{""})),
			wantPaths: paths(path("blanks", 0, "answer_variations", 0))},
		{name: "tag without blank", data: set(field("question_text", "[blank_1] [blank_2] [blank_3]")),
			wantPaths: paths(path("question_text"))},
		{name: "blank without tag", data: set(field("question_text", "Only [blank_1].")),
			wantPaths: paths(path("blanks", 1, "position"))},
		{name: "tag repeated", data: set(field("question_text", "[blank_1] [blank_2] [blank_1]")),
			wantPaths: paths(path("question_text"))},
		{name: "tag upper case", data: set(field("question_text", "[blank_1] [BLANK_2]")),
			wantPaths: paths(path("question_text"), path("blanks", 1, "position"))},
		{name: "tag with a leading zero", data: set(field("question_text", "[blank_1] [blank_02]")),
			wantPaths: paths(path("question_text"), path("blanks", 1, "position"))},
		{name: "tag 0", data: set(field("question_text", "[blank_0] [blank_1] [blank_2]")),
			wantPaths: paths(path("question_text"))},
		{name: "NUL in text", data: set(field("question_text", tags+"\x00")), wantPaths: paths(path("question_text"))},
		{name: "NUL in answer", data: set(fibBlank(1, "correct_answer", "a\x00")),
			wantPaths: paths(path("blanks", 1, "correct_answer"))},
		{name: "NUL in variation", data: set(fibBlank(0, "answer_variations", []any{"\x00"})),
			wantPaths: paths(path("blanks", 0, "answer_variations", 0))},
		{name: "NUL in explanation", data: set(field("explanation", "\x00")), wantPaths: paths(path("explanation"))},
		{name: "unknown field", data: set(field("hint", "x")), wantPaths: paths(path("hint"))},
		{name: "unknown blank field", data: set(fibBlank(0, "case_sensitive", true)),
			wantPaths: paths(path("case_sensitive"))},
		{name: "position a string", data: set(fibBlank(0, "position", "1")),
			wantPaths: paths(path("blanks", 0, "position"))},
		{name: "an array", raw: `[]`, wantPaths: paths(path())},
		{name: "trailing data", raw: `{"question_text":"x"} {}`, wantPaths: paths(path())},
		{name: "trimmed", data: set(field("question_text", "  [blank_1] [blank_2]\n"),
			fibBlank(0, "correct_answer", " boils "), field("explanation", " e ")),
			check: func(t *testing.T, out map[string]any) {
				assert.Equal(t, "[blank_1] [blank_2]", out["question_text"])
				assert.Equal(t, "boils", out["blanks"].([]any)[0].(map[string]any)["correct_answer"])
				assert.Equal(t, "e", out["explanation"])
			}},
		{name: "every problem at once", data: set(
			field("question_text", "[blank_1] [blank_9]"),
			field("explanation", chars(1001)),
			fibBlank(0, "correct_answer", ""),
			fibBlank(1, "answer_variations", []any{"ok", "a\x00"}),
		), wantPaths: paths(
			path("explanation"),
			path("blanks", 0, "correct_answer"),
			path("blanks", 1, "answer_variations", 1),
			path("question_text"),
			path("blanks", 1, "position"),
		)},
	})
}

func TestFillInBlankVariations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		answer string
		vars   []any
		want   []any
	}{
		{"trimmed and deduplicated", "boils", []any{" boil ", "boil", "boiling"}, []any{"boil", "boiling"}},
		{"the answer itself dropped", "boils", []any{"boils", " boils"}, []any{}},
		{"case kept: matching is case-sensitive", "Oslo", []any{"oslo", "OSLO", "oslo"}, []any{"oslo", "OSLO"}},
		{"1.0 dropped when 1 is the answer", "1", []any{"1.0", "one"}, []any{"one"}},
		{"1.0 dropped when 1 is a variation", "one", []any{"1.0", "1"}, []any{"1"}},
		{"1.0 kept alone", "one", []any{"1.0"}, []any{"1.0"}},
		{"a.0 kept: not a number", "a", []any{"a.0"}, []any{"a.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, fibVariations(t, tt.answer, tt.vars...))
		})
	}
}

func TestFillInBlankMock(t *testing.T) {
	t.Parallel()
	typ := typeOf(t, qtype.FillInBlank)
	all := mocksByLanguage(t, typ, map[qtype.Language]string{
		qtype.English: "Fill in the missing words:", qtype.Norwegian: "Fyll inn ordene som mangler:",
	})
	for l, qs := range all {
		counts, texts := map[int]int{}, map[string]bool{}
		for _, q := range qs {
			counts[len(q["blanks"].([]any))]++
			texts[q["question_text"].(string)] = true
		}
		assert.Positive(t, counts[1], "%s: some questions have one blank", l)
		assert.Positive(t, counts[2], "%s: some questions have two blanks", l)
		assert.GreaterOrEqual(t, len(texts), 8, "%s: the questions vary", l)
	}

	_, err := typ.Mock(qtype.Material{Sentence: "Nothing here.", Term: "absent"})
	require.Error(t, err, "a term not in its sentence cannot be blanked")
}

func TestFillInBlankSchema(t *testing.T) {
	t.Parallel()
	checkSchema(t, typeOf(t, qtype.FillInBlank))
}

func TestFillInBlankCanvasGolden(t *testing.T) {
	t.Parallel()
	data := modified(fibBase(), func(m map[string]any) {
		m["question_text"] = "At sea level, water [blank_1] at 100 degrees Celsius and [blank_2] at 0 degrees Celsius."
	})
	b, err := json.Marshal(data)
	require.NoError(t, err)
	item, err := typeOf(t, qtype.FillInBlank).Canvas(b, counterIDs())
	require.NoError(t, err)
	assert.InDelta(t, 2, item.Points, 0, "one point per blank")
	golden(t, "fill_in_blank.canvas.golden.json", canvasJSON(t, item))

	// Every span of the body is a blank of the list, in order, as the fake
	// Canvas checks.
	e := entryJSON(t, item)
	spans := regexp.MustCompile(`<span id="([^"]+)"></span>`).FindAllStringSubmatch(e["item_body"].(string), -1)
	blanks := e["interaction_data"].(map[string]any)["blanks"].([]any)
	require.Len(t, spans, len(blanks))
	for i, s := range spans {
		assert.Equal(t, blanks[i].(map[string]any)["id"], s[1])
	}
}

func TestFillInBlankCanvasEscapes(t *testing.T) {
	t.Parallel()
	const hostile = `<b>&"`
	data := modified(fibBase(), func(m map[string]any) {
		m["question_text"] = hostile + " [blank_1] [blank_2]"
		m["explanation"] = hostile
		fibBlank(0, "correct_answer", hostile)(m)
		fibBlank(0, "answer_variations", []any{hostile + "x"})(m)
	})
	b, err := json.Marshal(data)
	require.NoError(t, err)
	item, err := typeOf(t, qtype.FillInBlank).Canvas(b, counterIDs())
	require.NoError(t, err)
	e := entryJSON(t, item)
	assert.Equal(t, `<p>&lt;b&gt;&amp;&#34; <span id="id-1"></span> <span id="id-2"></span></p>`, e["item_body"])
	assert.Equal(t, map[string]any{"neutral": "&lt;b&gt;&amp;&#34;"}, e["feedback"])
	sd := e["scoring_data"].(map[string]any)
	assert.Equal(t, "<p>&lt;b&gt;&amp;&#34; `&lt;b&gt;&amp;&#34;` `freezes`</p>", sd["working_item_body"])
	first := sd["value"].([]any)[0].(map[string]any)["scoring_data"].(map[string]any)
	assert.Equal(t, []any{"&lt;b&gt;&amp;&#34;", "&lt;b&gt;&amp;&#34;x"}, first["value"])
	assert.Equal(t, "&lt;b&gt;&amp;&#34;", first["blank_text"])
	delete(e, "title") // the title is plain text, not HTML
	raw, err := json.Marshal(e)
	require.NoError(t, err)
	assert.NotContains(t, strings.ReplaceAll(string(raw), `\u003c`, "<"), "<b>")
}

func TestFillInBlankCanvasRefusesInvalid(t *testing.T) {
	t.Parallel()
	data := modified(fibBase(), func(m map[string]any) { m["question_text"] = "No tags." })
	b, err := json.Marshal(data)
	require.NoError(t, err)
	_, err = typeOf(t, qtype.FillInBlank).Canvas(b, counterIDs())
	var ve *qtype.ValidationError
	require.ErrorAs(t, err, &ve, "an invalid question is never sent")
}
