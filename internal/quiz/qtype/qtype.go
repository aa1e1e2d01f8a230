// Package qtype holds the question types of today's QuizCrafter model:
// multiple_choice, multiple_answer, true_false, fill_in_blank, matching and
// categorization. Each type is one self-contained unit in its own file (its
// data shape and validation, a deterministic mock question, the LLM output
// contract as a JSON schema, and its Canvas New Quizzes item), registered
// in registry.go: a seventh type is one new file plus a registry line.
//
// A question's type data (question_data, stored as JSONB) is always the
// canonical JSON that Normalize returns: every write, generated or edited,
// goes through it, so nothing invalid is stored and export never meets a
// question it cannot send.
//
// Like package quiz, it imports no other internal package.
package qtype

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Name names a question type as the API and the database spell it.
type Name string

// The six types.
const (
	MultipleChoice Name = "multiple_choice"
	MultipleAnswer Name = "multiple_answer"
	TrueFalse      Name = "true_false"
	FillInBlank    Name = "fill_in_blank"
	Matching       Name = "matching"
	Categorization Name = "categorization"
)

// Difficulty of a question or a batch.
type Difficulty string

// The three difficulties.
const (
	Easy   Difficulty = "easy"
	Medium Difficulty = "medium"
	Hard   Difficulty = "hard"
)

// Valid reports whether d is one of the three difficulties.
func (d Difficulty) Valid() bool { return d == Easy || d == Medium || d == Hard }

// Language of a quiz's questions.
type Language string

// The two languages.
const (
	English   Language = "en"
	Norwegian Language = "no"
)

// Valid reports whether l is one of the two languages.
func (l Language) Valid() bool { return l == English || l == Norwegian }

// Type is one question type.
type Type interface {
	// Name is the type's name.
	Name() Name
	// Normalize decodes data strictly (unknown fields are refused),
	// checks every rule of the type and returns its canonical JSON:
	// surrounding space trimmed, duplicates removed and lists sorted where
	// the type says so, generated ids filled in. The error is a
	// *ValidationError naming every problem.
	Normalize(data json.RawMessage) (json.RawMessage, error)
	// Mock writes one question of the type from m, deterministically (the
	// same Material gives the same bytes), valid for Normalize, worded in
	// m.Language.
	Mock(m Material) (json.RawMessage, error)
	// Schema is the JSON schema of one question as the LLM writes it (the
	// output contract; strict: every property required, no others), for
	// providers with structured output.
	Schema() map[string]any
	// Canvas is the Canvas New Quizzes item of a normalized question:
	// the item's points and its entry object. newID makes the ids the
	// payload needs (choices, blanks, categories), in order of use.
	Canvas(data json.RawMessage, newID func() string) (CanvasItem, error)
}

// CanvasItem is a question as a New Quizzes item.
type CanvasItem struct {
	// Points is the item's points_possible (1 for most types; a blank, a
	// pair or a category each count one).
	Points float64
	// Entry is the item's entry object (interaction_type_slug,
	// interaction_data, scoring_data, ...) as Canvas takes it, with every
	// text HTML-escaped.
	Entry map[string]any
}

// Material is what the mock writes one question from, all taken from the
// course content by the caller.
type Material struct {
	// Sentence is a sentence of the content, Term one of its words (the
	// one the question turns on).
	Sentence, Term string
	// Sentences are more sentences of the content, each with its term in
	// Terms at the same index (for types that need several facts: matching
	// pairs, categorization items). At least 8 of each.
	Sentences, Terms []string
	// Others are further terms of the content, none equal to Term: the
	// distractors. At least 8.
	Others []string
	// Variant varies what the mock writes (correct position, true or
	// false, how many answers) from one question to the next.
	Variant    int
	Language   Language
	Difficulty Difficulty
}

// Problem is one broken rule, at a path inside question_data (field names
// and list indexes, as in a 422's loc).
type Problem struct {
	Path []any
	Msg  string
}

// ValidationError lists every problem of one question's data.
type ValidationError struct {
	Type     Name
	Problems []Problem
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		path := make([]string, len(p.Path))
		for j, s := range p.Path {
			path[j] = fmt.Sprint(s)
		}
		parts[i] = strings.Join(path, ".") + ": " + p.Msg
	}
	return fmt.Sprintf("invalid %s question: %s", e.Type, strings.Join(parts, "; "))
}
