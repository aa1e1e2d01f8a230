package qtype

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// letters name the options of the lettered types (multiple_choice uses
// A-D, multiple_answer A-E).
const letters = "ABCDE"

// option is one lettered option: its field name and its text.
type option struct {
	field string
	text  *string
}

// letterIndex is the index of letter among the first n letters, or -1.
func letterIndex(letter string, n int) int {
	if len(letter) != 1 {
		return -1
	}
	return strings.Index(letters[:n], letter)
}

// canvasChoices are the New Quizzes choices of lettered options, in
// order, with positions from 1 and ids from newID; ids[i] is option i's.
func canvasChoices(opts []option, newID func() string) (choices []any, ids []string) {
	for i, o := range opts {
		id := newID()
		ids = append(ids, id)
		choices = append(choices, map[string]any{
			"id":        id,
			"position":  i + 1,
			"item_body": paragraph(*o.text),
		})
	}
	return choices, ids
}

// stringSchema is the JSON schema of a string, with a description for
// the model when desc is not empty.
func stringSchema(desc ...string) map[string]any {
	s := map[string]any{"type": "string"}
	if len(desc) > 0 {
		s["description"] = desc[0]
	}
	return s
}

// objectSchema is a strict object schema of (name, schema) pairs: every
// property required, no others.
func objectSchema(pairs ...any) map[string]any {
	props := map[string]any{}
	required := make([]any, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		name := pairs[i].(string) //nolint:forcetypeassert // callers pass names at even positions
		props[name] = pairs[i+1]
		required = append(required, name)
	}
	return map[string]any{
		"type":                 "object",
		"properties":           props,
		"required":             required,
		"additionalProperties": false,
	}
}

// mockResult is the canonical JSON of a mock question d of type t: the
// mock goes through Normalize like any other write.
func mockResult(t Type, d any) (json.RawMessage, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("mock %s: %w", t.Name(), err)
	}
	out, err := t.Normalize(b)
	if err != nil {
		return nil, fmt.Errorf("mock %s: %w", t.Name(), err)
	}
	return out, nil
}

// distinctOthers are up to n of m.Others from index start on (wrapping),
// trimmed, non-empty, distinct and unlike m.Term (ignoring case).
func distinctOthers(m Material, n, start int) []string {
	seen := map[string]bool{strings.ToLower(strings.TrimSpace(m.Term)): true}
	var out []string
	for i := range m.Others {
		if len(out) == n {
			break
		}
		o := strings.TrimSpace(m.Others[(start+i)%len(m.Others)])
		if o == "" || seen[strings.ToLower(o)] {
			continue
		}
		seen[strings.ToLower(o)] = true
		out = append(out, o)
	}
	return out
}

// cut is s trimmed and shortened to at most n characters (the last one an
// ellipsis when shortened).
func cut(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n-1])) + "…"
}

// replaceTerm replaces the first occurrence of term in sentence (ignoring
// case) with repl; ok is false when sentence does not contain term.
func replaceTerm(sentence, term, repl string) (string, bool) {
	term = strings.TrimSpace(term)
	if term == "" {
		return sentence, false
	}
	ls, lt := strings.ToLower(sentence), strings.ToLower(term)
	i := strings.Index(ls, lt)
	if i < 0 || len(ls) != len(sentence) || len(lt) != len(term) {
		// Not found, or lower-casing changed byte lengths (rare letters):
		// try the exact spelling only.
		i = strings.Index(sentence, term)
		if i < 0 {
			return sentence, false
		}
	}
	return sentence[:i] + repl + sentence[i+len(term):], true
}

// blanked is sentence with its term replaced by a gap and without its
// final full stop (it is quoted inside a question); a sentence without the
// term gets the gap at its end.
func blanked(sentence, term string) string {
	s, ok := replaceTerm(strings.TrimSuffix(strings.TrimSpace(sentence), "."), term, "___")
	if !ok {
		return s + " (___)"
	}
	return s
}

// difficultyIndex is 0, 1, 2 for easy, medium (or unset), hard.
func difficultyIndex(d Difficulty) int {
	switch d {
	case Easy:
		return 0
	case Hard:
		return 2
	default:
		return 1
	}
}

// mockWording is the fixed wording of the lettered and true/false mocks in
// one language. %s verbs take content text.
type mockWording struct {
	completes   [3]string // multiple_choice, by difficulty
	agree       [3]string // multiple_answer, by difficulty
	trueOrFalse string    // true_false question
	states      string    // an explanation quoting the content
	correctAre  string    // multiple_answer explanation: the letters, then the quotes
	isTrue      string    // true_false explanation of a true statement
	isFalse     string    // true_false explanation of a false one: quote, term, other
}

// mockWords is the wording for l (English unless Norwegian).
func mockWords(l Language) mockWording {
	if l == Norwegian {
		return mockWording{
			completes: [3]string{
				"Hvilket begrep passer i luken: «%s»?",
				"Hvilket begrep fullfører denne påstanden riktig: «%s»?",
				"Hvilket begrep må stå i luken for at påstanden skal stemme: «%s»?",
			},
			agree: [3]string{
				"Hvilke av disse påstandene står i innholdet? Velg alle som passer.",
				"Hvilke av disse påstandene stemmer med innholdet? Velg alle som passer.",
				"Hvilke av disse påstandene holder når du sammenligner dem nøye med innholdet? Velg alle som passer.",
			},
			trueOrFalse: "Sant eller usant: %s",
			states:      "Innholdet sier: «%s»",
			correctAre:  "Riktige svar: %s. Innholdet sier: %s",
			isTrue:      "Sant. Innholdet sier: «%s»",
			isFalse:     "Usant. Innholdet sier: «%s» (%s, ikke %s).",
		}
	}
	return mockWording{
		completes: [3]string{
			"Which term fills the gap: \"%s\"?",
			"Which term completes this statement correctly: \"%s\"?",
			"Which term must fill the gap for this statement to hold: \"%s\"?",
		},
		agree: [3]string{
			"Which of these statements appear in the content? Choose all that apply.",
			"Which of these statements agree with the content? Choose all that apply.",
			"Which of these statements hold when you compare them closely with the content? Choose all that apply.",
		},
		trueOrFalse: "True or false: %s",
		states:      "The content says: \"%s\"",
		correctAre:  "Correct answers: %s. The content says: %s",
		isTrue:      "True. The content says: \"%s\"",
		isFalse:     "False. The content says: \"%s\" (%s, not %s).",
	}
}
