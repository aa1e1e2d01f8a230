package quiz_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"quizgen/internal/quiz"
)

func TestLeaseExpired(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	tests := []struct {
		name    string
		status  quiz.Status
		started *time.Time
		want    bool
	}{
		{"pending is never leased", quiz.StatusPending, ago(time.Hour), false},
		{"completed is never leased", quiz.StatusCompleted, nil, false},
		{"fresh processing", quiz.StatusProcessing, ago(time.Minute), false},
		{"processing at the limit", quiz.StatusProcessing, ago(15 * time.Minute), true},
		{"stale processing", quiz.StatusProcessing, ago(time.Hour), true},
		{"processing with no start time (older rows)", quiz.StatusProcessing, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := quiz.Quiz{LLMGenerationStatus: tt.status, LLMGenerationStartedAt: tt.started}
			assert.Equal(t, tt.want, q.LeaseExpired(quiz.StageGeneration, 15*time.Minute, now))
			assert.False(t, q.LeaseExpired(quiz.StageExport, 15*time.Minute, now), "other stages are separate")
		})
	}
}

func TestStatusAndStageValid(t *testing.T) {
	t.Parallel()
	for _, s := range []quiz.Status{quiz.StatusPending, quiz.StatusProcessing, quiz.StatusCompleted, quiz.StatusFailed} {
		assert.True(t, s.Valid(), s)
	}
	assert.False(t, quiz.Status("done").Valid())
	assert.False(t, quiz.Status("").Valid())
	for _, s := range []quiz.Stage{quiz.StageExtraction, quiz.StageGeneration, quiz.StageExport} {
		assert.True(t, s.Valid(), s)
	}
	assert.False(t, quiz.Stage("status").Valid())
}
