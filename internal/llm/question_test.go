package llm_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/llm"
)

func validQuestion() llm.Question {
	return llm.Question{
		QuestionText:  "What does a hash table trade for constant-time lookups?",
		OptionA:       "Memory",
		OptionB:       "Ordering of keys",
		OptionC:       "Thread safety",
		OptionD:       "Compile time",
		CorrectAnswer: "A",
	}
}

func TestQuestionValidate(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		edit    func(q *llm.Question)
		wantErr string // "" means valid
	}{
		{"valid", func(*llm.Question) {}, ""},
		{"text of one character", func(q *llm.Question) { q.QuestionText = "?" }, ""},
		{"text at 2000 characters", func(q *llm.Question) { q.QuestionText = strings.Repeat("é", 2000) }, ""},
		{"text over 2000 characters", func(q *llm.Question) { q.QuestionText = strings.Repeat("é", 2001) }, "question_text has 2001 characters, more than 2000"},
		{"empty text", func(q *llm.Question) { q.QuestionText = "" }, "question_text is empty"},
		{"blank text", func(q *llm.Question) { q.QuestionText = " \n\t" }, "question_text is empty"},
		{"option at 500 characters", func(q *llm.Question) { q.OptionB = strings.Repeat("ø", 500) }, ""},
		{"option over 500 characters", func(q *llm.Question) { q.OptionC = strings.Repeat("ø", 501) }, "option_c has 501 characters, more than 500"},
		{"empty option", func(q *llm.Question) { q.OptionD = "" }, "option_d is empty"},
		{"answer B", func(q *llm.Question) { q.CorrectAnswer = "B" }, ""},
		{"answer D", func(q *llm.Question) { q.CorrectAnswer = "D" }, ""},
		{"answer E", func(q *llm.Question) { q.CorrectAnswer = "E" }, "correct_answer is not one of A, B, C, D"},
		{"answer lower case", func(q *llm.Question) { q.CorrectAnswer = "a" }, "correct_answer is not one of A, B, C, D"},
		{"answer with space", func(q *llm.Question) { q.CorrectAnswer = "A " }, "correct_answer is not one of A, B, C, D"},
		{"answer empty", func(q *llm.Question) { q.CorrectAnswer = "" }, "correct_answer is not one of A, B, C, D"},
		{"same options", func(q *llm.Question) { q.OptionC = q.OptionA }, "option_a and option_c are the same"},
		{"same options but case", func(q *llm.Question) { q.OptionD = " MEMORY " }, "option_a and option_d are the same"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := validQuestion()
			tt.edit(&q)
			err := q.Validate()
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}

	t.Run("every problem is named", func(t *testing.T) {
		t.Parallel()
		err := llm.Question{OptionA: "x", OptionB: "x", CorrectAnswer: "Z"}.Validate()
		require.Error(t, err)
		for _, want := range []string{"question_text is empty", "option_c is empty", "option_d is empty", "option_a and option_b are the same", "correct_answer"} {
			assert.Contains(t, err.Error(), want)
		}
	})
}
