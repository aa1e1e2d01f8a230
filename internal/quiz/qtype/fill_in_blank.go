package qtype

import (
	"cmp"
	"encoding/json"
	"errors"
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of a fill_in_blank question (README "Question types").
const (
	minBlanks        = 1
	maxBlanks        = 10
	maxBlankAnswer   = 200
	maxBlankVariants = 10
)

// blankTag is a well-formed blank tag: [blank_N], lower case, N written
// without leading zeros.
//
//nolint:gochecknoglobals // compiled once, read-only
var blankTag = regexp.MustCompile(`\[blank_([1-9][0-9]*)\]`)

// blankLike is anything that looks like a blank tag, well-formed or not
// ("[Blank_1]", "[blank_x]", "[blank_01]").
//
//nolint:gochecknoglobals // compiled once, read-only
var blankLike = regexp.MustCompile(`(?i)\[\s*blank_[^\]]*\]`)

// fillInBlank is the fill_in_blank type: a text with [blank_N] tags, one
// blank (position N, its answer and accepted variations) per tag.
type fillInBlank struct{}

type fibData struct {
	QuestionText string     `json:"question_text"`
	Blanks       []fibBlank `json:"blanks"`
	Explanation  string     `json:"explanation"`
}

type fibBlank struct {
	Position         int      `json:"position"`
	CorrectAnswer    string   `json:"correct_answer"`
	AnswerVariations []string `json:"answer_variations"`
}

func (fillInBlank) Name() Name { return FillInBlank }

// Normalize checks the rules (README "Question types") for fill_in_blank: 1 to 10
// blanks with unique positions (sorted on output), each [blank_N] tag of the
// text once and exactly for the blanks' positions, answers of 1 to 200
// characters, at most 10 variations (trimmed, deduplicated exactly since
// matching is case-sensitive, without the answer itself and without "1.0"
// when "1" is accepted).
func (fillInBlank) Normalize(data json.RawMessage) (json.RawMessage, error) {
	var q fibData
	if err := decodeStrict(FillInBlank, data, &q); err != nil {
		return nil, err
	}
	c := &checker{name: FillInBlank}
	c.text(&q.QuestionText, 1, maxQuestionText, "question_text")
	c.text(&q.Explanation, 0, maxExplanation, "explanation")

	if n := len(q.Blanks); n < minBlanks || n > maxBlanks {
		c.add("must have "+strconv.Itoa(minBlanks)+" to "+strconv.Itoa(maxBlanks)+" blanks", "blanks")
	}
	seen := map[int]int{} // position -> index of its first blank
	for i := range q.Blanks {
		b := &q.Blanks[i]
		if b.Position < 1 {
			c.add("must be 1 or more", "blanks", i, "position")
		} else if first, dup := seen[b.Position]; dup {
			c.add("repeats the position of blank "+strconv.Itoa(first), "blanks", i, "position")
		} else {
			seen[b.Position] = i
		}
		c.text(&b.CorrectAnswer, 1, maxBlankAnswer, "blanks", i, "correct_answer")
		b.AnswerVariations = fibVariations(c, i, b.CorrectAnswer, b.AnswerVariations)
	}

	fibCheckTags(c, q.QuestionText, seen)
	if err := c.err(); err != nil {
		return nil, err
	}
	slices.SortFunc(q.Blanks, func(a, b fibBlank) int { return cmp.Compare(a.Position, b.Position) })
	return canonical(q)
}

// fibVariations trims and checks the variations of blank i and returns them
// deduplicated, without the answer itself and without "N.0" when "N" is
// accepted (Canvas treats them as one answer). The count is checked after
// that, so repeats cost nothing.
func fibVariations(c *checker, i int, answer string, vars []string) []string {
	out := make([]string, 0, len(vars))
	accepted := map[string]bool{answer: true}
	for j := range vars {
		c.text(&vars[j], 1, maxBlankAnswer, "blanks", i, "answer_variations", j)
		if vars[j] == "" || accepted[vars[j]] {
			continue
		}
		accepted[vars[j]] = true
		out = append(out, vars[j])
	}
	out = slices.DeleteFunc(out, func(v string) bool {
		whole, ok := strings.CutSuffix(v, ".0")
		if !ok || !accepted[whole] {
			return false
		}
		_, err := strconv.ParseInt(whole, 10, 64)
		return err == nil
	})
	if len(out) > maxBlankVariants {
		c.add("must have at most "+strconv.Itoa(maxBlankVariants)+" different variations", "blanks", i, "answer_variations")
	}
	return out
}

// fibCheckTags checks that the text's tags are well-formed, each used once,
// and exactly the blanks' positions.
func fibCheckTags(c *checker, text string, positions map[int]int) {
	for _, m := range blankLike.FindAllString(text, -1) {
		if blankTag.FindString(m) != m {
			c.add("has a malformed blank tag "+strconv.Quote(m)+" (write [blank_N], N from 1)", "question_text")
		}
	}
	tagged := map[int]bool{}
	for _, m := range blankTag.FindAllStringSubmatch(text, -1) {
		n, err := strconv.Atoi(m[1])
		if err != nil {
			c.add("has a blank tag with a position out of range "+strconv.Quote(m[0]), "question_text")
			continue
		}
		if tagged[n] {
			c.add("repeats the tag "+m[0], "question_text")
			continue
		}
		tagged[n] = true
		if _, ok := positions[n]; !ok {
			c.add("has the tag "+m[0]+" but no blank with position "+m[1], "question_text")
		}
	}
	idx := make([]int, 0, len(positions))
	for pos, i := range positions {
		if !tagged[pos] {
			idx = append(idx, i)
		}
	}
	slices.Sort(idx)
	for _, i := range idx {
		c.add("has no [blank_N] tag in question_text", "blanks", i, "position")
	}
}

// Mock blanks the term in the sentence, and for odd variants also the
// term of one more sentence, each accepted in lower case too.
func (fillInBlank) Mock(m Material) (json.RawMessage, error) {
	type fact struct{ sentence, term string }
	if !mockUsable(m.Sentence, m.Term) {
		return nil, errors.New("mock fill_in_blank: the sentence does not contain its term")
	}
	facts := []fact{{m.Sentence, m.Term}}
	if n := min(len(m.Sentences), len(m.Terms)); m.Variant%2 == 1 && n > 0 {
		for i := range n {
			k := (m.Variant/2 + i) % n
			if mockUsable(m.Sentences[k], m.Terms[k]) && !strings.EqualFold(mockClean(m.Terms[k]), mockClean(m.Term)) {
				facts = append(facts, fact{m.Sentences[k], m.Terms[k]})
				break
			}
		}
	}
	lead, source := "Fill in the missing words:", "The course material states:"
	if m.Language == Norwegian {
		lead, source = "Fyll inn ordene som mangler:", "Kursmaterialet sier:"
	}
	text, explanation := []string{lead}, []string{source}
	q := fibData{Blanks: []fibBlank{}}
	for i, f := range facts {
		s := mockClean(f.sentence)
		from, to, _ := indexFold(s, mockClean(f.term))
		found := s[from:to]
		text = append(text, s[:from]+"[blank_"+strconv.Itoa(i+1)+"]"+s[to:])
		explanation = append(explanation, s)
		b := fibBlank{Position: i + 1, CorrectAnswer: found, AnswerVariations: []string{}}
		if low := strings.ToLower(found); low != found {
			b.AnswerVariations = append(b.AnswerVariations, low)
		}
		q.Blanks = append(q.Blanks, b)
	}
	q.QuestionText = strings.Join(text, " ")
	q.Explanation = mockCut(strings.Join(explanation, " "), maxExplanation)
	return canonical(q)
}

// mockUsable reports whether a mock may blank term in sentence: the term
// is short enough to be an answer and occurs in a sentence short enough
// for a question text of two of them.
func mockUsable(sentence, term string) bool {
	s, t := mockClean(sentence), mockClean(term)
	_, _, found := indexFold(s, t)
	return t != "" && found && utf8.RuneCountInString(t) <= maxBlankAnswer &&
		utf8.RuneCountInString(s) <= (maxQuestionText-100)/2
}

// indexFold finds t in s ignoring case: the byte range of its first
// occurrence.
func indexFold(s, t string) (from, to int, ok bool) {
	if i := strings.Index(s, t); i >= 0 {
		return i, i + len(t), true
	}
	n := utf8.RuneCountInString(t)
	for i := range s { // rune starts
		j, k := i, 0
		for k < n && j < len(s) {
			_, size := utf8.DecodeRuneInString(s[j:])
			j += size
			k++
		}
		if k == n && strings.EqualFold(s[i:j], t) {
			return i, j, true
		}
	}
	return 0, 0, false
}

// mockClean is s trimmed, single-spaced, without NUL and without square
// brackets (content text must not look like a blank tag).
func mockClean(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case 0:
			return -1
		case '[':
			return '('
		case ']':
			return ')'
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// mockCut is s cut to at most n characters.
func mockCut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n]))
}

// Schema is one fill_in_blank item as the LLM writes it.
func (fillInBlank) Schema() map[string]any {
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			"question_text": map[string]any{
				"type":        "string",
				"description": "The statement with one [blank_N] tag per blank, N = its position.",
			},
			"blanks": map[string]any{
				"type": "array",
				"items": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"position":       map[string]any{"type": "integer"},
						"correct_answer": map[string]any{"type": "string"},
						"answer_variations": map[string]any{
							"type":  []any{"array", "null"},
							"items": map[string]any{"type": "string"},
						},
					},
					"required":             []any{"position", "correct_answer", "answer_variations"},
					"additionalProperties": false,
				},
			},
			"explanation": map[string]any{"type": "string"},
		},
		"required":             []any{"question_text", "blanks", "explanation"},
		"additionalProperties": false,
	}
}

// Canvas is a rich-fill-blank item worth one point per blank: each tag of
// the body becomes an empty span with its blank's id, and the working body
// shows the answers in backticks.
func (fillInBlank) Canvas(data json.RawMessage, newID func() string) (CanvasItem, error) {
	norm, err := fillInBlank{}.Normalize(data)
	if err != nil {
		return CanvasItem{}, err
	}
	var q fibData
	if err := json.Unmarshal(norm, &q); err != nil {
		return CanvasItem{}, err
	}
	points := float64(len(q.Blanks))
	entry := canvasEntry(q.QuestionText, q.Explanation, points)

	ids := map[string]string{}     // tag -> blank id
	answers := map[string]string{} // tag -> escaped answer
	blanks := make([]any, 0, len(q.Blanks))
	values := make([]any, 0, len(q.Blanks))
	children := map[string]any{}
	for i, b := range q.Blanks {
		id := newID()
		tag := "[blank_" + strconv.Itoa(b.Position) + "]"
		ids[tag] = id
		answers[tag] = html.EscapeString(b.CorrectAnswer)
		accepted := make([]any, 0, 1+len(b.AnswerVariations))
		accepted = append(accepted, html.EscapeString(b.CorrectAnswer))
		for _, v := range b.AnswerVariations {
			accepted = append(accepted, html.EscapeString(v))
		}
		blanks = append(blanks, map[string]any{"id": id, "answer_type": "openEntry"})
		values = append(values, map[string]any{
			"id":                id,
			"scoring_algorithm": "TextInChoices",
			"scoring_data": map[string]any{
				"value":      accepted,
				"blank_text": html.EscapeString(b.CorrectAnswer),
			},
		})
		children[strconv.Itoa(i)] = map[string]any{"children": nil}
	}
	// Tags hold no character that escaping changes, so they are replaced
	// in the escaped body.
	body := paragraph(q.QuestionText)
	entry["item_body"] = blankTag.ReplaceAllStringFunc(body, func(tag string) string {
		return `<span id="` + ids[tag] + `"></span>`
	})
	working := blankTag.ReplaceAllStringFunc(body, func(tag string) string {
		return "`" + answers[tag] + "`"
	})

	entry["interaction_type_slug"] = "rich-fill-blank"
	entry["scoring_algorithm"] = "MultipleMethods"
	entry["interaction_data"] = map[string]any{"blanks": blanks}
	entry["properties"] = map[string]any{
		"shuffle_rules": map[string]any{"blanks": map[string]any{"children": children}},
	}
	entry["scoring_data"] = map[string]any{"value": values, "working_item_body": working}
	return CanvasItem{Points: points, Entry: entry}, nil
}
