package qtype_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/quiz/qtype"
)

// tfValid is a valid true_false question_data.
func tfValid() map[string]any {
	return map[string]any{
		"question_text":  "Condensation forms clouds.",
		"correct_answer": true,
		"explanation":    "Cooling vapour condenses into droplets.",
	}
}

func TestTrueFalseNormalize(t *testing.T) {
	t.Parallel()
	typ := typeOf(t, qtype.TrueFalse)
	v := tfValid()
	runNormalize(t, typ, []normCase{
		{name: "valid", data: v, check: func(t *testing.T, out map[string]any) {
			assert.Equal(t, v, out)
		}},
		{name: "false", data: with(v, "correct_answer", false), check: func(t *testing.T, out map[string]any) {
			assert.Equal(t, false, out["correct_answer"])
		}},
		{name: "question_text 1", data: with(v, "question_text", "Q")},
		{name: "question_text 2000", data: with(v, "question_text", chars(2000))},
		{name: "question_text 2001", data: with(v, "question_text", chars(2001)), wantPaths: paths(path("question_text"))},
		{name: "question_text empty", data: with(v, "question_text", "\n"), wantPaths: paths(path("question_text"))},
		{name: "question_text missing", data: with(v, "question_text", nil), wantPaths: paths(path("question_text"))},
		{name: "answer missing", data: with(v, "correct_answer", nil), wantPaths: paths(path("correct_answer"))},
		{name: "answer null", raw: `{"question_text":"Q","correct_answer":null,"explanation":""}`, wantPaths: paths(path("correct_answer"))},
		{name: "answer a string", data: with(v, "correct_answer", "true"), wantPaths: paths(path("correct_answer"))},
		{name: "answer a number", data: with(v, "correct_answer", 1), wantPaths: paths(path("correct_answer"))},
		{name: "explanation 1000", data: with(v, "explanation", chars(1000))},
		{name: "explanation 1001", data: with(v, "explanation", chars(1001)), wantPaths: paths(path("explanation"))},
		{name: "explanation optional", data: with(v, "explanation", nil), check: func(t *testing.T, out map[string]any) {
			assert.Equal(t, "", out["explanation"])
		}},
		{name: "trimmed", data: with(v, "question_text", " Q ", "explanation", " E\n"), check: func(t *testing.T, out map[string]any) {
			assert.Equal(t, "Q", out["question_text"])
			assert.Equal(t, "E", out["explanation"])
		}},
		{name: "unknown field", data: with(v, "options", []any{"True", "False"}), wantPaths: paths(path("options"))},
		{name: "NUL", data: with(v, "question_text", "\x00"), wantPaths: paths(path("question_text"))},
		{name: "every problem at once", raw: `{"question_text":"","explanation":"` + chars(1001) + `"}`,
			wantPaths: paths(path("question_text"), path("correct_answer"), path("explanation"))},
	})
}

func TestTrueFalseCanonicalOrder(t *testing.T) {
	t.Parallel()
	out, err := typeOf(t, qtype.TrueFalse).Normalize([]byte(`{"correct_answer":false,"question_text":"Q"}`))
	require.NoError(t, err)
	assert.Equal(t, `{"question_text":"Q","correct_answer":false,"explanation":""}`, string(out))
}

func TestTrueFalseMock(t *testing.T) {
	t.Parallel()
	typ := typeOf(t, qtype.TrueFalse)
	answers := map[qtype.Language]map[bool]int{qtype.English: {}, qtype.Norwegian: {}}
	checkMocks(t, typ, func(l qtype.Language, m map[string]any) bool {
		q, _ := m["question_text"].(string)
		if l == qtype.Norwegian {
			return strings.HasPrefix(q, "Sant eller usant: ")
		}
		return strings.HasPrefix(q, "True or false: ")
	}, func(mat qtype.Material, m map[string]any) {
		answer, _ := m["correct_answer"].(bool)
		answers[mat.Language][answer]++
		q, _ := m["question_text"].(string)
		stated := q[strings.Index(q, ": ")+2:]
		assert.Equal(t, answer, stated == mat.Sentence, "true exactly when the content's sentence is stated: %v", m)
	})
	for l, counts := range answers {
		assert.Equal(t, 25, counts[true], "%s: half true: %v", l, counts)
		assert.Equal(t, 25, counts[false], "%s: half false: %v", l, counts)
	}
}

func TestTrueFalseMockWithoutTermStaysTrue(t *testing.T) {
	t.Parallel()
	m := material(qtype.English, 1, qtype.Easy)
	m.Term = "glacier" // not in the sentence: no false statement can be made from it
	out, err := typeOf(t, qtype.TrueFalse).Mock(m)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"correct_answer":true`)
}

func TestTrueFalseSchema(t *testing.T) {
	t.Parallel()
	checkSchema(t, typeOf(t, qtype.TrueFalse))
}

func TestTrueFalseCanvasGolden(t *testing.T) {
	t.Parallel()
	typ := typeOf(t, qtype.TrueFalse)
	for _, answer := range []bool{true, false} {
		data, err := typ.Normalize(mustJSON(t, with(tfValid(), "correct_answer", answer, "explanation", "")))
		require.NoError(t, err)
		item, err := typ.Canvas(data, func() string { panic("true_false needs no ids") })
		require.NoError(t, err)
		assert.InDelta(t, 1.0, item.Points, 0)
		e := roundTrip(t, item.Entry)
		assert.Equal(t, map[string]any{"value": answer}, e["scoring_data"])
		assert.Equal(t, map[string]any{}, e["feedback"])
	}
	data, err := typ.Normalize(mustJSON(t, tfValid()))
	require.NoError(t, err)
	item, err := typ.Canvas(data, counterIDs())
	require.NoError(t, err)
	golden(t, "true_false.canvas.golden.json", canvasJSON(t, item))
}

func TestTrueFalseCanvasEscapes(t *testing.T) {
	t.Parallel()
	typ := typeOf(t, qtype.TrueFalse)
	const raw, escaped = `<b>&"`, `&lt;b&gt;&amp;&#34;`
	data, err := typ.Normalize(mustJSON(t, with(tfValid(), "question_text", raw, "explanation", raw)))
	require.NoError(t, err)
	item, err := typ.Canvas(data, counterIDs())
	require.NoError(t, err)
	e := roundTrip(t, item.Entry)
	assert.Equal(t, "<p>"+escaped+"</p>", e["item_body"])
	assert.Equal(t, map[string]any{"neutral": escaped}, e["feedback"])
}

func TestTrueFalseCanvasRefusesInvalid(t *testing.T) {
	t.Parallel()
	_, err := typeOf(t, qtype.TrueFalse).Canvas([]byte(`{"question_text":"Q"}`), counterIDs())
	require.Error(t, err)
	assert.True(t, errorsAsValidation(err))
}
