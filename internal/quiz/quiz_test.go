package quiz_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
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

func TestDecideTake(t *testing.T) {
	job, other := uuid.New(), uuid.New()
	for _, tc := range []struct {
		name    string
		owner   *quiz.ID
		st      quiz.Status
		expired bool
		want    quiz.Take
	}{
		{"no job stamped", nil, quiz.StatusPending, false, quiz.TakeStale},
		{"another job's", &other, quiz.StatusPending, false, quiz.TakeStale},
		{"pending for this job", &job, quiz.StatusPending, false, quiz.TakeStarted},
		{"processing, lease live", &job, quiz.StatusProcessing, false, quiz.TakeBusy},
		{"processing, lease ran out", &job, quiz.StatusProcessing, true, quiz.TakeResumed},
		{"completed", &job, quiz.StatusCompleted, true, quiz.TakeDone},
		{"failed", &job, quiz.StatusFailed, false, quiz.TakeDone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := quiz.DecideTake(tc.owner, job, tc.st, tc.expired)
			if got != tc.want {
				t.Fatalf("DecideTake = %v, want %v", got, tc.want)
			}
			if got.Taken() != (tc.want == quiz.TakeStarted || tc.want == quiz.TakeResumed) {
				t.Fatalf("Taken() = %v for %v", got.Taken(), got)
			}
		})
	}
}
