package qtype

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// A multiple_answer question has exactly 5 options and 2 to 4 correct ones.
const (
	multipleAnswerOptions = 5
	minCorrectAnswers     = 2
	maxCorrectAnswers     = 4
)

// multipleAnswer is one question with five options, two to four of them
// correct, scored all or nothing.
type multipleAnswer struct{}

// multipleAnswerData is multiple_answer's question_data.
type multipleAnswerData struct {
	QuestionText   string   `json:"question_text"`
	OptionA        string   `json:"option_a"`
	OptionB        string   `json:"option_b"`
	OptionC        string   `json:"option_c"`
	OptionD        string   `json:"option_d"`
	OptionE        string   `json:"option_e"`
	CorrectAnswers []string `json:"correct_answers"`
	Explanation    string   `json:"explanation"`
}

func (multipleAnswer) Name() Name { return MultipleAnswer }

// options are the five options in letter order, with their field names.
func (d *multipleAnswerData) options() []option {
	return []option{
		{"option_a", &d.OptionA}, {"option_b", &d.OptionB}, {"option_c", &d.OptionC},
		{"option_d", &d.OptionD}, {"option_e", &d.OptionE},
	}
}

// Normalize checks question_text (1..2000 characters), the five options
// (1..500 each), correct_answers (letters A-E, deduplicated and sorted,
// then 2 to 4 of them; a lower-case letter is upper-cased) and explanation
// (at most 1000, optional).
func (multipleAnswer) Normalize(data json.RawMessage) (json.RawMessage, error) {
	d, err := parseMultipleAnswer(data)
	if err != nil {
		return nil, err
	}
	return canonical(d)
}

// parseMultipleAnswer decodes and checks data, normalized.
func parseMultipleAnswer(data json.RawMessage) (multipleAnswerData, error) {
	var d multipleAnswerData
	if err := decodeStrict(MultipleAnswer, data, &d); err != nil {
		return d, err
	}
	c := &checker{name: MultipleAnswer}
	c.text(&d.QuestionText, 1, maxQuestionText, "question_text")
	for _, o := range d.options() {
		c.text(o.text, 1, maxOption, o.field)
	}
	valid := true
	answers := make([]string, 0, len(d.CorrectAnswers))
	for i, a := range d.CorrectAnswers {
		a = strings.ToUpper(strings.TrimSpace(a))
		if letterIndex(a, multipleAnswerOptions) < 0 {
			c.add("must be one of A, B, C, D, E", "correct_answers", i)
			valid = false
			continue
		}
		answers = append(answers, a)
	}
	slices.Sort(answers)
	d.CorrectAnswers = slices.Compact(answers)
	if valid && (len(d.CorrectAnswers) < minCorrectAnswers || len(d.CorrectAnswers) > maxCorrectAnswers) {
		c.add("must name 2 to 4 different letters", "correct_answers")
	}
	c.text(&d.Explanation, 0, maxExplanation, "explanation")
	return d, c.err()
}

// Mock lists five statements of the content, some with their term swapped
// for another term (false), and asks which agree with the content: 2 to 4
// are true, their letters moving with m.Variant.
func (t multipleAnswer) Mock(m Material) (json.RawMessage, error) {
	n := len(m.Sentences)
	if n < multipleAnswerOptions || len(m.Terms) < n {
		return nil, fmt.Errorf("mock %s: the material has fewer than 5 sentences with terms", MultipleAnswer)
	}
	others := distinctOthers(m, multipleAnswerOptions, m.Variant)
	if len(others) == 0 {
		return nil, fmt.Errorf("mock %s: the material has no distractors", MultipleAnswer)
	}
	count := minCorrectAnswers + m.Variant%(maxCorrectAnswers-minCorrectAnswers+1)
	first := (m.Variant / 3) % multipleAnswerOptions
	correct := make([]bool, multipleAnswerOptions)
	for k := range count {
		correct[(first+k)%multipleAnswerOptions] = true
	}
	w := mockWords(m.Language)
	var opts, correctLetters, quotes []string
	for p := range multipleAnswerOptions {
		j := (m.Variant + p) % n
		s := strings.TrimSpace(m.Sentences[j])
		if correct[p] {
			correctLetters = append(correctLetters, letters[p:p+1])
			quotes = append(quotes, fmt.Sprintf(quoteFormat(m.Language), s))
		} else {
			s, _ = replaceTerm(s, m.Terms[j], others[p%len(others)])
		}
		opts = append(opts, cut(s, maxOption))
	}
	d := multipleAnswerData{
		QuestionText:   w.agree[difficultyIndex(m.Difficulty)],
		OptionA:        opts[0],
		OptionB:        opts[1],
		OptionC:        opts[2],
		OptionD:        opts[3],
		OptionE:        opts[4],
		CorrectAnswers: correctLetters,
		Explanation: cut(fmt.Sprintf(w.correctAre,
			strings.Join(correctLetters, ", "), strings.Join(quotes, " ")), maxExplanation),
	}
	return mockResult(t, d)
}

// quoteFormat quotes content text the way the language does.
func quoteFormat(l Language) string {
	if l == Norwegian {
		return "«%s»"
	}
	return "\"%s\""
}

// Schema is the LLM's item: strings, and the correct letters as an array
// of the enum A-E.
func (multipleAnswer) Schema() map[string]any {
	return objectSchema(
		"question_text", stringSchema("The question, understandable on its own."),
		"option_a", stringSchema(),
		"option_b", stringSchema(),
		"option_c", stringSchema(),
		"option_d", stringSchema(),
		"option_e", stringSchema(),
		"correct_answers", map[string]any{
			"type":        "array",
			"items":       map[string]any{"type": "string", "enum": []any{"A", "B", "C", "D", "E"}},
			"description": "The letters of the 2 to 4 correct options.",
		},
		"explanation", stringSchema("Why the correct options are right, from the content."),
	)
}

// Canvas is a "multi-answer" item scored AllOrNothing, 1 point, its five
// choices shuffled; newID names the choices A to E. data is checked again:
// nothing invalid reaches Canvas.
func (multipleAnswer) Canvas(data json.RawMessage, newID func() string) (CanvasItem, error) {
	d, err := parseMultipleAnswer(data)
	if err != nil {
		return CanvasItem{}, err
	}
	choices, ids := canvasChoices(d.options(), newID)
	value := make([]any, 0, len(d.CorrectAnswers))
	for _, a := range d.CorrectAnswers {
		value = append(value, ids[letterIndex(a, multipleAnswerOptions)])
	}
	const points = 1.0
	e := canvasEntry(d.QuestionText, d.Explanation, points)
	e["interaction_type_slug"] = "multi-answer"
	e["scoring_algorithm"] = "AllOrNothing"
	e["interaction_data"] = map[string]any{"choices": choices}
	e["properties"] = map[string]any{
		"shuffle_rules": map[string]any{"choices": map[string]any{"shuffled": true}},
	}
	e["scoring_data"] = map[string]any{"value": value}
	return CanvasItem{Points: points, Entry: e}, nil
}
