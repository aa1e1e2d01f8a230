package qtype

import (
	"encoding/json"
	"fmt"
	"strings"
)

// maxOption is the length of a choice's text, in characters.
const maxOption = 500

// multipleChoice is one question with four options and one correct letter.
type multipleChoice struct{}

// multipleChoiceData is multiple_choice's question_data.
type multipleChoiceData struct {
	QuestionText  string `json:"question_text"`
	OptionA       string `json:"option_a"`
	OptionB       string `json:"option_b"`
	OptionC       string `json:"option_c"`
	OptionD       string `json:"option_d"`
	CorrectAnswer string `json:"correct_answer"`
	Explanation   string `json:"explanation"`
}

func (multipleChoice) Name() Name { return MultipleChoice }

// options are the four options in letter order, with their field names.
func (d *multipleChoiceData) options() []option {
	return []option{
		{"option_a", &d.OptionA}, {"option_b", &d.OptionB},
		{"option_c", &d.OptionC}, {"option_d", &d.OptionD},
	}
}

// Normalize checks question_text (1..2000 characters), the four options
// (1..500 each), correct_answer (a letter A-D; a lower-case letter is
// upper-cased) and explanation (at most 1000, optional).
func (multipleChoice) Normalize(data json.RawMessage) (json.RawMessage, error) {
	d, err := parseMultipleChoice(data)
	if err != nil {
		return nil, err
	}
	return canonical(d)
}

// parseMultipleChoice decodes and checks data, normalized.
func parseMultipleChoice(data json.RawMessage) (multipleChoiceData, error) {
	var d multipleChoiceData
	if err := decodeStrict(MultipleChoice, data, &d); err != nil {
		return d, err
	}
	c := &checker{name: MultipleChoice}
	c.text(&d.QuestionText, 1, maxQuestionText, "question_text")
	for _, o := range d.options() {
		c.text(o.text, 1, maxOption, o.field)
	}
	d.CorrectAnswer = strings.ToUpper(strings.TrimSpace(d.CorrectAnswer))
	if letterIndex(d.CorrectAnswer, 4) < 0 {
		c.add("must be one of A, B, C, D", "correct_answer")
	}
	c.text(&d.Explanation, 0, maxExplanation, "explanation")
	return d, c.err()
}

// Mock asks which term completes a sentence of the content; the correct
// letter moves over A-D with m.Variant.
func (t multipleChoice) Mock(m Material) (json.RawMessage, error) {
	others := distinctOthers(m, 3, m.Variant)
	if len(others) < 3 {
		return nil, fmt.Errorf("mock %s: the material has fewer than 3 distractors", MultipleChoice)
	}
	correct := m.Variant % 4
	opts := make([]string, 0, 4)
	opts = append(opts, others[:correct]...)
	opts = append(opts, m.Term)
	opts = append(opts, others[correct:]...)
	for i := range opts {
		opts[i] = cut(opts[i], maxOption)
	}
	w := mockWords(m.Language)
	d := multipleChoiceData{
		QuestionText:  cut(fmt.Sprintf(w.completes[difficultyIndex(m.Difficulty)], blanked(m.Sentence, m.Term)), maxQuestionText),
		OptionA:       opts[0],
		OptionB:       opts[1],
		OptionC:       opts[2],
		OptionD:       opts[3],
		CorrectAnswer: letters[correct : correct+1],
		Explanation:   cut(fmt.Sprintf(w.states, m.Sentence), maxExplanation),
	}
	return mockResult(t, d)
}

// Schema is the LLM's item: every field a string, the letter an enum.
func (multipleChoice) Schema() map[string]any {
	return objectSchema(
		"question_text", stringSchema("The question, understandable on its own."),
		"option_a", stringSchema(),
		"option_b", stringSchema(),
		"option_c", stringSchema(),
		"option_d", stringSchema(),
		"correct_answer", map[string]any{
			"type": "string", "enum": []any{"A", "B", "C", "D"},
			"description": "The letter of the one correct option.",
		},
		"explanation", stringSchema("Why the correct option is right, from the content."),
	)
}

// Canvas is a "choice" item scored by Equivalence, 1 point, its four
// choices shuffled; newID names the choices A to D. data is checked
// again: nothing invalid reaches Canvas.
func (multipleChoice) Canvas(data json.RawMessage, newID func() string) (CanvasItem, error) {
	d, err := parseMultipleChoice(data)
	if err != nil {
		return CanvasItem{}, err
	}
	correct := letterIndex(d.CorrectAnswer, 4)
	choices, ids := canvasChoices(d.options(), newID)
	const points = 1.0
	e := canvasEntry(d.QuestionText, d.Explanation, points)
	e["interaction_type_slug"] = "choice"
	e["scoring_algorithm"] = "Equivalence"
	e["interaction_data"] = map[string]any{"choices": choices}
	e["properties"] = map[string]any{
		"shuffle_rules":         map[string]any{"choices": map[string]any{"shuffled": true}},
		"vary_points_by_answer": false,
	}
	e["scoring_data"] = map[string]any{"value": ids[correct]}
	return CanvasItem{Points: points, Entry: e}, nil
}
