package qtype_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/quiz/qtype"
)

// maValid is a valid multiple_answer question_data.
func maValid() map[string]any {
	return map[string]any{
		"question_text":   "Which of these move water from the ground into the air?",
		"option_a":        "Evaporation",
		"option_b":        "Infiltration",
		"option_c":        "Transpiration",
		"option_d":        "Runoff",
		"option_e":        "Sublimation",
		"correct_answers": []any{"A", "C", "E"},
		"explanation":     "All three turn water into vapour.",
	}
}

func TestMultipleAnswerNormalize(t *testing.T) {
	t.Parallel()
	typ := typeOf(t, qtype.MultipleAnswer)
	v := maValid()
	answers := func(want ...any) func(t *testing.T, out map[string]any) {
		return func(t *testing.T, out map[string]any) {
			assert.Equal(t, want, out["correct_answers"])
		}
	}
	runNormalize(t, typ, []normCase{
		{name: "valid", data: v, check: func(t *testing.T, out map[string]any) {
			assert.Equal(t, v, out)
		}},
		{name: "question_text 2000", data: with(v, "question_text", chars(2000))},
		{name: "question_text 2001", data: with(v, "question_text", chars(2001)), wantPaths: paths(path("question_text"))},
		{name: "question_text empty", data: with(v, "question_text", " "), wantPaths: paths(path("question_text"))},
		{name: "option 500", data: with(v, "option_e", chars(500))},
		{name: "option 501", data: with(v, "option_e", chars(501)), wantPaths: paths(path("option_e"))},
		{name: "option empty", data: with(v, "option_a", ""), wantPaths: paths(path("option_a"))},
		{name: "four options", data: with(v, "option_e", nil), wantPaths: paths(path("option_e"))},
		{name: "six options", data: with(v, "option_f", "Erosion"), wantPaths: paths(path("option_f"))},
		{name: "1 correct", data: with(v, "correct_answers", []any{"B"}), wantPaths: paths(path("correct_answers"))},
		{name: "2 correct", data: with(v, "correct_answers", []any{"B", "D"}), check: answers("B", "D")},
		{name: "4 correct", data: with(v, "correct_answers", []any{"A", "B", "C", "D"}), check: answers("A", "B", "C", "D")},
		{name: "5 correct", data: with(v, "correct_answers", []any{"A", "B", "C", "D", "E"}), wantPaths: paths(path("correct_answers"))},
		{name: "none correct", data: with(v, "correct_answers", []any{}), wantPaths: paths(path("correct_answers"))},
		{name: "correct missing", data: with(v, "correct_answers", nil), wantPaths: paths(path("correct_answers"))},
		{name: "correct not a list", data: with(v, "correct_answers", "A,C"), wantPaths: paths(path("correct_answers"))},
		{name: "deduplicated and sorted", data: with(v, "correct_answers", []any{"E", " c", "a", "C", "E"}), check: answers("A", "C", "E")},
		{name: "duplicates leave 1", data: with(v, "correct_answers", []any{"A", "a", " A "}), wantPaths: paths(path("correct_answers"))},
		{name: "duplicates leave 4 of 6", data: with(v, "correct_answers", []any{"D", "A", "B", "C", "D", "A"}), check: answers("A", "B", "C", "D")},
		{name: "letter F", data: with(v, "correct_answers", []any{"A", "F"}), wantPaths: paths(path("correct_answers", 1))},
		{name: "letters out of range", data: with(v, "correct_answers", []any{"1", "A", "", "C"}),
			wantPaths: paths(path("correct_answers", 0), path("correct_answers", 2))},
		{name: "explanation 1000", data: with(v, "explanation", chars(1000))},
		{name: "explanation 1001", data: with(v, "explanation", chars(1001)), wantPaths: paths(path("explanation"))},
		{name: "explanation optional", data: with(v, "explanation", nil), check: func(t *testing.T, out map[string]any) {
			assert.Equal(t, "", out["explanation"])
		}},
		{name: "unknown field", data: with(v, "correct_answer", "A"), wantPaths: paths(path("correct_answer"))},
		{name: "NUL", data: with(v, "option_c", "\x00"), wantPaths: paths(path("option_c"))},
		{name: "NUL in explanation", data: with(v, "explanation", "why\x00"), wantPaths: paths(path("explanation"))},
		{name: "every problem at once", data: with(v,
			"question_text", chars(2001), "option_a", "", "option_d", "d\x00", "correct_answers", []any{"A", "Z"}, "explanation", chars(1001)),
			wantPaths: paths(path("question_text"), path("option_a"), path("option_d"), path("correct_answers", 1), path("explanation"))},
	})
}

func TestMultipleAnswerMock(t *testing.T) {
	t.Parallel()
	typ := typeOf(t, qtype.MultipleAnswer)
	counts := map[int]int{}
	correctLetters := map[any]int{}
	checkMocks(t, typ, func(l qtype.Language, m map[string]any) bool {
		q, _ := m["question_text"].(string)
		if l == qtype.Norwegian {
			return strings.HasPrefix(q, "Hvilke av disse påstandene")
		}
		return strings.HasPrefix(q, "Which of these statements")
	}, func(mat qtype.Material, m map[string]any) {
		correct, _ := m["correct_answers"].([]any)
		counts[len(correct)]++
		for _, c := range correct {
			correctLetters[c]++
		}
		// A correct option is a sentence of the content, a wrong one is not.
		for _, letter := range "ABCDE" {
			opt := m["option_"+strings.ToLower(string(letter))]
			isCorrect := false
			for _, c := range correct {
				isCorrect = isCorrect || c == string(letter)
			}
			assert.Equal(t, isCorrect, containsString(mat.Sentences, opt), "option %c of %v", letter, m)
		}
	})
	for n := 2; n <= 4; n++ {
		assert.GreaterOrEqual(t, counts[n], 30, "2 to 4 correct answers: %v", counts)
	}
	for _, letter := range []string{"A", "B", "C", "D", "E"} {
		// 100 questions with 3 correct of 5 on average: each letter is
		// correct about 60 times, and wrong about 40.
		assert.InDelta(t, 60, correctLetters[letter], 15, "every letter is correct in some questions and wrong in others: %v", correctLetters)
	}
}

// containsString reports whether v is one of list.
func containsString(list []string, v any) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func TestMultipleAnswerSchema(t *testing.T) {
	t.Parallel()
	checkSchema(t, typeOf(t, qtype.MultipleAnswer))
}

func TestMultipleAnswerCanvasGolden(t *testing.T) {
	t.Parallel()
	typ := typeOf(t, qtype.MultipleAnswer)
	data, err := typ.Normalize(mustJSON(t, maValid()))
	require.NoError(t, err)
	item, err := typ.Canvas(data, counterIDs())
	require.NoError(t, err)
	assert.InDelta(t, 1.0, item.Points, 0)
	golden(t, "multiple_answer.canvas.golden.json", canvasJSON(t, item))
}

func TestMultipleAnswerCanvasEscapes(t *testing.T) {
	t.Parallel()
	typ := typeOf(t, qtype.MultipleAnswer)
	const raw, escaped = `<b>&"`, `&lt;b&gt;&amp;&#34;`
	data, err := typ.Normalize(mustJSON(t, with(maValid(),
		"question_text", raw, "option_b", raw, "option_e", raw, "explanation", raw, "correct_answers", []any{"E", "B"})))
	require.NoError(t, err)
	item, err := typ.Canvas(data, counterIDs())
	require.NoError(t, err)
	e := roundTrip(t, item.Entry)
	assert.Equal(t, "<p>"+escaped+"</p>", e["item_body"])
	assert.Equal(t, map[string]any{"neutral": escaped}, e["feedback"])
	choices := e["interaction_data"].(map[string]any)["choices"].([]any) //nolint:forcetypeassert // checked by golden
	require.Len(t, choices, 5)
	assert.Equal(t, "<p>"+escaped+"</p>", choices[1].(map[string]any)["item_body"])
	assert.Equal(t, "<p>"+escaped+"</p>", choices[4].(map[string]any)["item_body"])
	assert.Equal(t, map[string]any{"value": []any{"id-2", "id-5"}}, e["scoring_data"], "B's and E's ids")
}

func TestMultipleAnswerCanvasRefusesInvalid(t *testing.T) {
	t.Parallel()
	_, err := typeOf(t, qtype.MultipleAnswer).Canvas(mustJSON(t, with(maValid(), "correct_answers", []any{"A"})), counterIDs())
	require.Error(t, err)
	assert.True(t, errorsAsValidation(err))
}
