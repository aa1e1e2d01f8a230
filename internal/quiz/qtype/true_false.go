package qtype

import (
	"encoding/json"
	"fmt"
	"strings"
)

// trueFalse is one statement, true or false.
type trueFalse struct{}

// trueFalseData is true_false's question_data. CorrectAnswer is a pointer
// while decoding only, so a missing answer is told from false.
type trueFalseData struct {
	QuestionText  string `json:"question_text"`
	CorrectAnswer *bool  `json:"correct_answer"`
	Explanation   string `json:"explanation"`
}

func (trueFalse) Name() Name { return TrueFalse }

// Normalize checks question_text (1..2000 characters), correct_answer (a
// JSON boolean, required) and explanation (at most 1000, optional).
func (trueFalse) Normalize(data json.RawMessage) (json.RawMessage, error) {
	d, err := parseTrueFalse(data)
	if err != nil {
		return nil, err
	}
	return canonical(d)
}

// parseTrueFalse decodes and checks data, normalized.
func parseTrueFalse(data json.RawMessage) (trueFalseData, error) {
	var d trueFalseData
	if err := decodeStrict(TrueFalse, data, &d); err != nil {
		return d, err
	}
	c := &checker{name: TrueFalse}
	c.text(&d.QuestionText, 1, maxQuestionText, "question_text")
	if d.CorrectAnswer == nil {
		c.add("is required (true or false)", "correct_answer")
	}
	c.text(&d.Explanation, 0, maxExplanation, "explanation")
	return d, c.err()
}

// Mock states a sentence of the content, true as it stands on even
// variants and false on odd ones (its term swapped for another term); a
// sentence without its term stays true.
func (t trueFalse) Mock(m Material) (json.RawMessage, error) {
	sentence := strings.TrimSpace(m.Sentence)
	w := mockWords(m.Language)
	statement, answer := sentence, true
	explanation := fmt.Sprintf(w.isTrue, sentence)
	if m.Variant%2 == 1 {
		if others := distinctOthers(m, 1, m.Variant); len(others) == 1 {
			if s, ok := replaceTerm(sentence, m.Term, others[0]); ok {
				statement, answer = s, false
				explanation = fmt.Sprintf(w.isFalse, sentence, strings.TrimSpace(m.Term), others[0])
			}
		}
	}
	d := trueFalseData{
		QuestionText:  cut(fmt.Sprintf(w.trueOrFalse, statement), maxQuestionText),
		CorrectAnswer: &answer,
		Explanation:   cut(explanation, maxExplanation),
	}
	return mockResult(t, d)
}

// Schema is the LLM's item: the statement, a boolean and the explanation.
func (trueFalse) Schema() map[string]any {
	return objectSchema(
		"question_text", stringSchema("A statement that is either true or false."),
		"correct_answer", map[string]any{"type": "boolean", "description": "Whether the statement is true."},
		"explanation", stringSchema("Why the statement is true or false, from the content."),
	)
}

// Canvas is a "true-false" item scored by Equivalence, 1 point; it needs
// no ids. data is checked again: nothing invalid reaches Canvas.
func (trueFalse) Canvas(data json.RawMessage, _ func() string) (CanvasItem, error) {
	d, err := parseTrueFalse(data)
	if err != nil {
		return CanvasItem{}, err
	}
	const points = 1.0
	e := canvasEntry(d.QuestionText, d.Explanation, points)
	e["interaction_type_slug"] = "true-false"
	e["scoring_algorithm"] = "Equivalence"
	e["interaction_data"] = map[string]any{"true_choice": "True", "false_choice": "False"}
	e["properties"] = map[string]any{}
	e["scoring_data"] = map[string]any{"value": *d.CorrectAnswer}
	return CanvasItem{Points: points, Entry: e}, nil
}
