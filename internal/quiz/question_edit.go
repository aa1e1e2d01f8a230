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

// Bounds of today's review tools (README, Question types): a bulk call
// takes 1..MaxBulkQuestions distinct ids, and rejection feedback is at most
// MaxRejectionFeedback characters (the column's size).
const (
	MaxBulkQuestions     = 100
	MaxRejectionFeedback = 500
)

// RejectionReasons are the reasons a teacher may give for deleting a
// question, in the order today's contract lists them. The export records
// reasons of its own (canvas_refused, invalid_for_export) that a teacher
// cannot send.
func RejectionReasons() []string {
	return []string{"incorrect_answer", "poor_wording", "irrelevant_content", "duplicate_question",
		"too_easy", "too_hard", "quota_reached", "topic_coverage", "other"}
}

// Rejection is why a teacher deleted questions; a nil field was not given.
type Rejection struct {
	Reason   *string
	Feedback *string
}

// BulkResult is what a bulk approve or delete did: the ids it applied to
// and those the quiz has no live question for (unknown, of another quiz,
// or deleted), each in the order they were asked.
type BulkResult struct {
	Done   []ID
	Failed []ID
}
