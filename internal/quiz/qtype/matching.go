package qtype

import (
	"encoding/json"
	"errors"
	"html"
	"strconv"
	"strings"
)

// Limits of a matching question (README "Question types"). The original
// states no length for a pair's texts; they get the limit of an option.
const (
	minPairs          = 3
	maxPairs          = 10
	maxPairText       = 500
	maxMatchDistracts = 5
)

// matching is the matching type: pairs of a question (left) and its
// answer (right), plus wrong answers that match nothing.
type matching struct{}

type matchingData struct {
	QuestionText string         `json:"question_text"`
	Pairs        []matchingPair `json:"pairs"`
	Distractors  []string       `json:"distractors"`
	Explanation  string         `json:"explanation"`
}

type matchingPair struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

func (matching) Name() Name { return Matching }

// Normalize checks the rules (README "Question types") for matching: 3 to 10 pairs
// of 1 to 500 characters each side, no question or answer twice (ignoring
// case), at most 5 distractors (deduplicated ignoring case, the count taken
// after that), none equal to a correct answer.
func (matching) Normalize(data json.RawMessage) (json.RawMessage, error) {
	var q matchingData
	if err := decodeStrict(Matching, data, &q); err != nil {
		return nil, err
	}
	c := &checker{name: Matching}
	c.text(&q.QuestionText, 1, maxQuestionText, "question_text")
	c.text(&q.Explanation, 0, maxExplanation, "explanation")

	if n := len(q.Pairs); n < minPairs || n > maxPairs {
		c.add("must have "+strconv.Itoa(minPairs)+" to "+strconv.Itoa(maxPairs)+" pairs", "pairs")
	}
	questions, answers := map[string]int{}, map[string]int{}
	for i := range q.Pairs {
		p := &q.Pairs[i]
		c.text(&p.Question, 1, maxPairText, "pairs", i, "question")
		c.text(&p.Answer, 1, maxPairText, "pairs", i, "answer")
		uniqueFold(c, questions, p.Question, i, "repeats the question of pair ", "pairs", i, "question")
		uniqueFold(c, answers, p.Answer, i, "repeats the answer of pair ", "pairs", i, "answer")
	}

	distractors := make([]string, 0, len(q.Distractors))
	kept := map[string]bool{}
	for j := range q.Distractors {
		c.text(&q.Distractors[j], 1, maxPairText, "distractors", j)
		d := q.Distractors[j]
		key := strings.ToLower(d)
		if i, ok := answers[key]; ok && d != "" {
			c.add("equals the answer of pair "+strconv.Itoa(i), "distractors", j)
		}
		if d == "" || kept[key] {
			continue
		}
		kept[key] = true
		distractors = append(distractors, d)
	}
	if len(distractors) > maxMatchDistracts {
		c.add("must have at most "+strconv.Itoa(maxMatchDistracts)+" different distractors", "distractors")
	}
	q.Distractors = distractors
	if err := c.err(); err != nil {
		return nil, err
	}
	return canonical(q)
}

// uniqueFold records s (ignoring case) in seen at index i, or a problem
// at path when an earlier index has it. Empty texts are reported elsewhere.
func uniqueFold(c *checker, seen map[string]int, s string, i int, msg string, path ...any) {
	if s == "" {
		return
	}
	key := strings.ToLower(s)
	if first, dup := seen[key]; dup {
		c.add(msg+strconv.Itoa(first)+" (ignoring case)", path...)
		return
	}
	seen[key] = i
}

// Mock pairs descriptions (sentences with their term hidden) with the
// terms, 3 to 6 pairs and 0 to 2 distractors as the variant goes.
func (matching) Mock(m Material) (json.RawMessage, error) {
	hidden := "___"
	q := matchingData{
		QuestionText: "Match each description with the term it describes.",
		Explanation:  "Each term is the one its description is about in the course material.",
		Pairs:        []matchingPair{},
		Distractors:  []string{},
	}
	if m.Language == Norwegian {
		q.QuestionText = "Koble hver beskrivelse til begrepet den beskriver."
		q.Explanation = "Hvert begrep er det beskrivelsen handler om i kursmaterialet."
	}
	want := minPairs + m.Variant%4
	n := min(len(m.Sentences), len(m.Terms))
	questions, answers := map[string]bool{}, map[string]bool{}
	for i := 0; i < n && len(q.Pairs) < want; i++ {
		k := (m.Variant + i) % n
		term := mockClean(m.Terms[k])
		s := mockClean(m.Sentences[k])
		if from, to, ok := indexFold(s, term); ok {
			s = s[:from] + hidden + s[to:]
		}
		s = mockCut(s, maxPairText)
		if term == "" || len([]rune(term)) > maxPairText || s == "" ||
			questions[strings.ToLower(s)] || answers[strings.ToLower(term)] {
			continue
		}
		questions[strings.ToLower(s)], answers[strings.ToLower(term)] = true, true
		q.Pairs = append(q.Pairs, matchingPair{Question: s, Answer: term})
	}
	if len(q.Pairs) < minPairs {
		return nil, errors.New("mock matching: fewer than 3 distinct sentences with their terms")
	}
	for i := 0; i < len(m.Others) && len(q.Distractors) < m.Variant%3; i++ {
		d := mockCut(mockClean(m.Others[(m.Variant+i)%len(m.Others)]), maxPairText)
		if d == "" || answers[strings.ToLower(d)] {
			continue
		}
		answers[strings.ToLower(d)] = true
		q.Distractors = append(q.Distractors, d)
	}
	return canonical(q)
}

// Schema is one matching item as the LLM writes it.
func (matching) Schema() map[string]any {
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			"question_text": map[string]any{"type": "string"},
			"pairs": map[string]any{
				"type": "array",
				"items": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"question": map[string]any{"type": "string", "description": "The left column: a term or description."},
						"answer":   map[string]any{"type": "string", "description": "The right column: its one correct match."},
					},
					"required":             []any{"question", "answer"},
					"additionalProperties": false,
				},
			},
			"distractors": map[string]any{
				"type":        []any{"array", "null"},
				"items":       map[string]any{"type": "string"},
				"description": "Wrong answers that match no question.",
			},
			"explanation": map[string]any{"type": "string"},
		},
		"required":             []any{"question_text", "pairs", "distractors", "explanation"},
		"additionalProperties": false,
	}
}

// Canvas is a matching item worth one point per pair; the answers list
// the pairs' answers, then the distractors.
func (matching) Canvas(data json.RawMessage, newID func() string) (CanvasItem, error) {
	norm, err := matching{}.Normalize(data)
	if err != nil {
		return CanvasItem{}, err
	}
	var q matchingData
	if err := json.Unmarshal(norm, &q); err != nil {
		return CanvasItem{}, err
	}
	points := float64(len(q.Pairs))
	entry := canvasEntry(q.QuestionText, q.Explanation, points)

	answers := make([]any, 0, len(q.Pairs)+len(q.Distractors))
	questions := make([]any, 0, len(q.Pairs))
	value := map[string]any{}
	matches := make([]any, 0, len(q.Pairs))
	for _, p := range q.Pairs {
		id := newID()
		question, answer := html.EscapeString(p.Question), html.EscapeString(p.Answer)
		answers = append(answers, answer)
		questions = append(questions, map[string]any{"id": id, "item_body": question})
		value[id] = answer
		matches = append(matches, map[string]any{
			"answer_body": answer, "question_id": id, "question_body": question,
		})
	}
	distractors := make([]any, 0, len(q.Distractors))
	for _, d := range q.Distractors {
		answers = append(answers, html.EscapeString(d))
		distractors = append(distractors, html.EscapeString(d))
	}

	entry["interaction_type_slug"] = "matching"
	entry["scoring_algorithm"] = "PartialDeep"
	entry["interaction_data"] = map[string]any{"answers": answers, "questions": questions}
	entry["scoring_data"] = map[string]any{
		"value":     value,
		"edit_data": map[string]any{"matches": matches, "distractors": distractors},
	}
	return CanvasItem{Points: points, Entry: entry}, nil
}
