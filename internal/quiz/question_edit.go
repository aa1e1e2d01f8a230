package quiz

import (
	"encoding/json"

	"quizgen/internal/quiz/qtype"
)

// QuestionFilter selects a page of a quiz's questions that are not
// deleted, in creation order (today's question list, README, Question
// types).
type QuestionFilter struct {
	// Type keeps only questions of this type; "" keeps every type.
	Type qtype.Name
	// ApprovedOnly keeps only approved questions.
	ApprovedOnly bool
	// Limit is the most questions to return; 0 returns every one.
	Limit int
	// Offset skips this many questions first.
	Offset int
}

// QuestionEdit is an edit of a question of any type; a nil field keeps
// what the question has.
type QuestionEdit struct {
	// Data replaces the question's data whole; it must be valid for the
	// question's type (the store normalizes it by that type).
	Data       json.RawMessage
	Difficulty *qtype.Difficulty
	// Tags replaces the tags when not nil (an empty list clears them).
	Tags *[]string
}

// Empty reports whether e changes nothing.
func (e QuestionEdit) Empty() bool { return e.Data == nil && e.Difficulty == nil && e.Tags == nil }

// EditLogEntry is one changed top-level field of an edited question's
// data, as the question's edit log keeps it (never shown by the API).
type EditLogEntry struct {
	Field    string          `json:"field"`
	OldValue json.RawMessage `json:"old_value"`
	NewValue json.RawMessage `json:"new_value"`
}
