package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// maxJSONStarts bounds how many '{' or '[' positions ParseAnswer tries to
// decode a JSON value from, so that hostile answers cost linear time.
const maxJSONStarts = 8

// maxProblems bounds how many invalid entries an error lists by name.
const maxProblems = 5

// answerFields are the keys of one question in an answer (SPEC 3.2).
//
//nolint:gochecknoglobals // read-only table
var answerFields = [6]string{"question_text", "option_a", "option_b", "option_c", "option_d", "correct_answer"}

// ParseAnswer reads the questions in a model's answer. It expects a JSON
// object {"questions": [{"question_text", "option_a", "option_b",
// "option_c", "option_d", "correct_answer"}, ...]} and also accepts, as
// SPEC 3.2's parser did, a bare array of questions, a single question
// object, an object whose only key holds the array, code fences and text
// around the JSON: it reads the first JSON value, starting at one of the
// first eight '{' or '[', that holds a valid question. Field values must be
// strings; they are trimmed, and a one-letter correct answer is
// upper-cased. Extra keys are ignored.
//
// It returns the questions that pass Validate, in answer order; an empty
// list is a valid answer (the model found nothing more to ask). If some
// entries are invalid it returns the valid ones together with an error
// wrapping ErrInvalidAnswer that names the invalid entries (by position,
// never by content); if none is valid, or the answer holds no JSON of the
// expected shape, it returns no questions and such an error.
func ParseAnswer(raw string) ([]Question, error) {
	var firstErr error
	s := raw
	for tries := 0; tries < maxJSONStarts; tries++ {
		i := strings.IndexAny(s, "{[")
		if i < 0 {
			break
		}
		s = s[i:]
		qs, err := parseAt(s)
		if len(qs) > 0 || err == nil {
			return qs, err
		}
		if firstErr == nil {
			firstErr = err
		}
		s = s[1:]
	}
	if firstErr == nil {
		return nil, fmt.Errorf("%w: no JSON in the answer", ErrInvalidAnswer)
	}
	return nil, firstErr
}

// parseAt reads the answer whose JSON starts at the beginning of s, and
// ignores what follows it.
func parseAt(s string) ([]Question, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: no questions in the answer: %v", ErrInvalidAnswer, err)
	}
	entries, ok := entriesOf(v)
	if !ok {
		return nil, fmt.Errorf("%w: no questions in the answer: JSON of another shape", ErrInvalidAnswer)
	}
	qs := make([]Question, 0, len(entries))
	var problems []string
	for i, e := range entries {
		q, err := questionOf(e)
		if err != nil {
			problems = append(problems, fmt.Sprintf("entry %d: %v", i+1, err))
			continue
		}
		qs = append(qs, q)
	}
	if len(problems) == 0 {
		return qs, nil
	}
	n := len(problems)
	if n > maxProblems {
		problems = append(problems[:maxProblems], fmt.Sprintf("%d more", n-maxProblems))
	}
	return qs, fmt.Errorf("%w: %d of %d entries rejected: %s", ErrInvalidAnswer, n, len(entries), strings.Join(problems, "; "))
}

// entriesOf returns the question entries of an answer value, and false if
// the value does not look like an answer.
func entriesOf(v any) ([]any, bool) {
	switch v := v.(type) {
	case []any:
		return v, true
	case map[string]any:
		if qs, ok := v["questions"].([]any); ok {
			return qs, true
		}
		if _, ok := v["question_text"]; ok {
			return []any{v}, true
		}
		if len(v) == 1 {
			for _, x := range v {
				if qs, ok := x.([]any); ok {
					return qs, true
				}
			}
		}
	}
	return nil, false
}

// questionOf turns one answer entry into a valid question.
func questionOf(e any) (Question, error) {
	m, ok := e.(map[string]any)
	if !ok {
		return Question{}, errors.New("not an object")
	}
	var vals [len(answerFields)]string
	var problems []string
	for i, k := range answerFields {
		x, ok := m[k]
		if !ok {
			problems = append(problems, "missing "+k)
			continue
		}
		s, ok := x.(string)
		if !ok {
			problems = append(problems, k+" is not a string")
			continue
		}
		vals[i] = strings.TrimSpace(s)
	}
	if len(problems) > 0 {
		return Question{}, errors.New(strings.Join(problems, ", "))
	}
	answer := vals[5]
	if len(answer) == 1 {
		answer = strings.ToUpper(answer)
	}
	q := Question{
		QuestionText:  vals[0],
		OptionA:       vals[1],
		OptionB:       vals[2],
		OptionC:       vals[3],
		OptionD:       vals[4],
		CorrectAnswer: answer,
	}
	if err := q.Validate(); err != nil {
		return Question{}, err
	}
	return q, nil
}
