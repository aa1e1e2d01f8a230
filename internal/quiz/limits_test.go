package quiz_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/quiz"
)

func TestLimitsAllow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 22, 30, 0, 0, time.UTC)
	lim := quiz.Limits{QuestionsPerDay: 2000, GenerationsPerQuiz: 5, ProcessingQuizzes: 5}
	tests := []struct {
		name      string
		lim       quiz.Limits
		u         quiz.Usage
		questions int
		limit     string // "" allowed
		retry     time.Duration
	}{
		{"fresh user", lim, quiz.Usage{Now: now}, 200, "", 0},
		{"up to the daily cap", lim, quiz.Usage{Now: now, QuestionsToday: 1800}, 200, "", 0},
		{"beyond the daily cap", lim, quiz.Usage{Now: now, QuestionsToday: 1801}, 200, "LIMIT_QUESTIONS_PER_DAY", 90 * time.Minute},
		{"fifth run", lim, quiz.Usage{Now: now, Runs: 4}, 10, "", 0},
		{"sixth run", lim, quiz.Usage{Now: now, Runs: 5}, 10, "LIMIT_GENERATIONS_PER_QUIZ", 0},
		{"fifth quiz in progress", lim, quiz.Usage{Now: now, Processing: 4}, 10, "", 0},
		{"sixth quiz in progress", lim, quiz.Usage{Now: now, Processing: 5}, 10, "LIMIT_PROCESSING_QUIZZES", time.Minute},
		{"zero disables", quiz.Limits{}, quiz.Usage{Now: now, QuestionsToday: 1e6, Runs: 1e3, Processing: 1e3}, 200, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.lim.Allow(tt.u, tt.questions)
			if tt.limit == "" {
				require.NoError(t, err)
				return
			}
			var le *quiz.LimitError
			require.True(t, errors.As(err, &le), "got %v", err)
			assert.Equal(t, tt.limit, le.Limit)
			assert.Equal(t, tt.retry, le.RetryAfter)
			assert.NotEmpty(t, le.Msg)
		})
	}

	err := lim.Allow(quiz.Usage{Now: now, QuestionsToday: 1950}, 100)
	assert.EqualError(t, err, "Daily question limit reached: 1950 of 2000 questions generated today, and this needs 100 more. "+
		"The limit resets at 2026-05-02T00:00:00Z (midnight UTC).")
}
