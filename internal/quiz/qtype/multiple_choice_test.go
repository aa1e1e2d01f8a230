package qtype_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/quiz/qtype"
)

// mcValid is a valid multiple_choice question_data.
func mcValid() map[string]any {
	return map[string]any{
		"question_text":  "Which process turns liquid water into vapour?",
		"option_a":       "Condensation",
		"option_b":       "Evaporation",
		"option_c":       "Precipitation",
		"option_d":       "Infiltration",
		"correct_answer": "B",
		"explanation":    "Heat from the sun evaporates water.",
	}
}

func TestMultipleChoiceNormalize(t *testing.T) {
	t.Parallel()
	typ := typeOf(t, qtype.MultipleChoice)
	v := mcValid()
	runNormalize(t, typ, []normCase{
		{name: "valid", data: v, check: func(t *testing.T, out map[string]any) {
			assert.Equal(t, v, out)
		}},
		{name: "question_text 1", data: with(v, "question_text", "Q")},
		{name: "question_text 2000", data: with(v, "question_text", chars(2000))},
		{name: "question_text 2001", data: with(v, "question_text", chars(2001)), wantPaths: paths(path("question_text"))},
		{name: "question_text empty", data: with(v, "question_text", ""), wantPaths: paths(path("question_text"))},
		{name: "question_text spaces", data: with(v, "question_text", " \n\t "), wantPaths: paths(path("question_text"))},
		{name: "question_text missing", data: with(v, "question_text", nil), wantPaths: paths(path("question_text"))},
		{name: "question_text null", raw: `{"question_text":null,"option_a":"a","option_b":"b","option_c":"c","option_d":"d","correct_answer":"A","explanation":""}`,
			wantPaths: paths(path("question_text"))},
		{name: "option 500", data: with(v, "option_a", chars(500), "option_d", chars(500))},
		{name: "option 501", data: with(v, "option_c", chars(501)), wantPaths: paths(path("option_c"))},
		{name: "option empty", data: with(v, "option_b", "  "), wantPaths: paths(path("option_b"))},
		{name: "option missing", data: with(v, "option_d", nil), wantPaths: paths(path("option_d"))},
		{name: "option_e unknown", data: with(v, "option_e", "Runoff"), wantPaths: paths(path("option_e"))},
		{name: "correct A", data: with(v, "correct_answer", "A")},
		{name: "correct D", data: with(v, "correct_answer", "D")},
		{name: "correct E", data: with(v, "correct_answer", "E"), wantPaths: paths(path("correct_answer"))},
		{name: "correct AB", data: with(v, "correct_answer", "AB"), wantPaths: paths(path("correct_answer"))},
		{name: "correct missing", data: with(v, "correct_answer", nil), wantPaths: paths(path("correct_answer"))},
		{name: "correct number", data: with(v, "correct_answer", 1), wantPaths: paths(path("correct_answer"))},
		{name: "correct lower case and spaces", data: with(v, "correct_answer", " c "), check: func(t *testing.T, out map[string]any) {
			assert.Equal(t, "C", out["correct_answer"])
		}},
		{name: "explanation 1000", data: with(v, "explanation", chars(1000))},
		{name: "explanation 1001", data: with(v, "explanation", chars(1001)), wantPaths: paths(path("explanation"))},
		{name: "explanation optional", data: with(v, "explanation", nil), check: func(t *testing.T, out map[string]any) {
			assert.Equal(t, "", out["explanation"])
		}},
		{name: "explanation null", raw: `{"question_text":"Q","option_a":"a","option_b":"b","option_c":"c","option_d":"d","correct_answer":"A","explanation":null}`},
		{name: "trimmed", data: with(v, "question_text", "  Q?\n", "option_a", "\ta "), check: func(t *testing.T, out map[string]any) {
			assert.Equal(t, "Q?", out["question_text"])
			assert.Equal(t, "a", out["option_a"])
		}},
		{name: "unknown field", data: with(v, "difficulty", "easy"), wantPaths: paths(path("difficulty"))},
		{name: "NUL in text", data: with(v, "question_text", "Q\x00?"), wantPaths: paths(path("question_text"))},
		{name: "NUL in option", data: with(v, "option_a", "a\x00"), wantPaths: paths(path("option_a"))},
		{name: "not an object", raw: `["Q"]`, wantPaths: paths(nil)},
		{name: "trailing data", raw: `{"question_text":"Q","option_a":"a","option_b":"b","option_c":"c","option_d":"d","correct_answer":"A"} {}`,
			wantPaths: paths(nil)},
		{name: "every problem at once", data: with(v,
			"question_text", "", "option_b", chars(501), "option_c", "", "correct_answer", "F", "explanation", chars(1001)),
			wantPaths: paths(path("question_text"), path("option_b"), path("option_c"), path("correct_answer"), path("explanation"))},
	})
}

func TestMultipleChoiceCanonicalOrder(t *testing.T) {
	t.Parallel()
	out, err := typeOf(t, qtype.MultipleChoice).Normalize(json.RawMessage(
		`{"explanation":" E ","correct_answer":"d","option_d":"4","option_c":"3","option_b":"2","option_a":"1","question_text":" Q "}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"question_text":"Q","option_a":"1","option_b":"2","option_c":"3","option_d":"4","correct_answer":"D","explanation":"E"}`, string(out))
	assert.Equal(t, `{"question_text":"Q","option_a":"1","option_b":"2","option_c":"3","option_d":"4","correct_answer":"D","explanation":"E"}`, string(out))
}

func TestMultipleChoiceMock(t *testing.T) {
	t.Parallel()
	typ := typeOf(t, qtype.MultipleChoice)
	letters := map[qtype.Language]map[string]int{qtype.English: {}, qtype.Norwegian: {}}
	checkMocks(t, typ, func(l qtype.Language, m map[string]any) bool {
		q, _ := m["question_text"].(string)
		if l == qtype.Norwegian {
			return strings.HasPrefix(q, "Hvilket begrep")
		}
		return strings.HasPrefix(q, "Which term")
	}, func(mat qtype.Material, m map[string]any) {
		letter, _ := m["correct_answer"].(string)
		letters[mat.Language][letter]++
		assert.Equal(t, mat.Term, m["option_"+strings.ToLower(letter)], "the correct option is the term")
		assert.Contains(t, m["question_text"], "___", "the term is left out of the question")
		assert.NotContains(t, m["question_text"], ".\"?", "no full stop before the question mark")
		assert.NotContains(t, m["question_text"], ".»?", "no full stop before the question mark")
	})
	for l, counts := range letters {
		for _, letter := range []string{"A", "B", "C", "D"} {
			assert.GreaterOrEqual(t, counts[letter], 10, "%s: correct letters spread over A-D: %v", l, counts)
		}
	}
}

func TestMultipleChoiceMockNeedsDistractors(t *testing.T) {
	t.Parallel()
	m := material(qtype.English, 0, qtype.Easy)
	m.Others = []string{"Erosion", "erosion ", m.Term}
	_, err := typeOf(t, qtype.MultipleChoice).Mock(m)
	require.Error(t, err)
}

func TestMultipleChoiceSchema(t *testing.T) {
	t.Parallel()
	checkSchema(t, typeOf(t, qtype.MultipleChoice))
}

func TestMultipleChoiceCanvasGolden(t *testing.T) {
	t.Parallel()
	typ := typeOf(t, qtype.MultipleChoice)
	data, err := typ.Normalize(mustJSON(t, mcValid()))
	require.NoError(t, err)
	item, err := typ.Canvas(data, counterIDs())
	require.NoError(t, err)
	assert.InDelta(t, 1.0, item.Points, 0)
	assert.Equal(t, "choice", item.Entry["interaction_type_slug"])
	golden(t, "multiple_choice.canvas.golden.json", canvasJSON(t, item))
}

func TestMultipleChoiceCanvasEscapes(t *testing.T) {
	t.Parallel()
	typ := typeOf(t, qtype.MultipleChoice)
	const raw, escaped = `<b>&"`, `&lt;b&gt;&amp;&#34;`
	data, err := typ.Normalize(mustJSON(t, with(mcValid(),
		"question_text", raw, "option_a", raw, "option_d", raw, "explanation", raw, "correct_answer", "D")))
	require.NoError(t, err)
	item, err := typ.Canvas(data, counterIDs())
	require.NoError(t, err)
	e := roundTrip(t, item.Entry)
	assert.Equal(t, "<p>"+escaped+"</p>", e["item_body"])
	assert.Equal(t, map[string]any{"neutral": escaped}, e["feedback"])
	choices := e["interaction_data"].(map[string]any)["choices"].([]any) //nolint:forcetypeassert // checked by golden
	assert.Equal(t, "<p>"+escaped+"</p>", choices[0].(map[string]any)["item_body"])
	assert.Equal(t, "<p>"+escaped+"</p>", choices[3].(map[string]any)["item_body"])
	assert.Equal(t, "<p>Evaporation</p>", choices[1].(map[string]any)["item_body"])
	assert.Equal(t, map[string]any{"value": "id-4"}, e["scoring_data"], "the correct choice is D's")
}

func TestCanvasTitleAndFeedback(t *testing.T) {
	t.Parallel()
	typ := typeOf(t, qtype.MultipleChoice)
	for _, tc := range []struct {
		text, explanation string
		title             string
		feedback          map[string]any
	}{
		{chars(70), "", chars(70), map[string]any{}},
		{chars(71), "Why.", chars(70) + "…", map[string]any{"neutral": "Why."}},
		{"a < b", " ", "a < b", map[string]any{}},
	} {
		data, err := typ.Normalize(mustJSON(t, with(mcValid(), "question_text", tc.text, "explanation", tc.explanation)))
		require.NoError(t, err)
		item, err := typ.Canvas(data, counterIDs())
		require.NoError(t, err)
		e := roundTrip(t, item.Entry)
		assert.Equal(t, tc.title, e["title"])
		assert.Equal(t, tc.feedback, e["feedback"])
		assert.Equal(t, "none", e["calculator_type"])
		assert.InDelta(t, 1.0, e["points_possible"], 0)
	}
}

func TestMultipleChoiceCanvasRefusesInvalid(t *testing.T) {
	t.Parallel()
	_, err := typeOf(t, qtype.MultipleChoice).Canvas(mustJSON(t, with(mcValid(), "correct_answer", "E")), counterIDs())
	require.Error(t, err)
	assert.True(t, errorsAsValidation(err))
}

// mustJSON is v as JSON.
func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// roundTrip is v through JSON, as Canvas receives it.
func roundTrip(t *testing.T, v any) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(mustJSON(t, v), &m))
	return m
}

func TestMultipleChoiceMockTermNotInSentence(t *testing.T) {
	t.Parallel()
	m := material(qtype.English, 2, qtype.Easy)
	m.Term = "Hydrology" // not in the sentence: the gap goes at its end
	out, err := typeOf(t, qtype.MultipleChoice).Mock(m)
	require.NoError(t, err)
	var d map[string]any
	require.NoError(t, json.Unmarshal(out, &d))
	assert.Equal(t, `Which term fills the gap: "Precipitation returns water to the ground as rain, snow or hail (___)"?`, d["question_text"])
	assert.Equal(t, "Hydrology", d["option_c"])
}
