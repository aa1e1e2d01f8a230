package backoff_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/backoff"
)

func TestCeilingDoublesUpToTheCap(t *testing.T) {
	t.Parallel()
	s := time.Second
	var got []time.Duration
	for attempt := 0; attempt <= 7; attempt++ {
		got = append(got, backoff.Ceiling(attempt, s, 30*s))
	}
	assert.Equal(t, []time.Duration{s, s, 2 * s, 4 * s, 8 * s, 16 * s, 30 * s, 30 * s}, got)
	assert.Equal(t, 30*s, backoff.Ceiling(64, s, 30*s), "no overflow")
	assert.Equal(t, 30*s, backoff.Ceiling(1000, s, 30*s), "no overflow")
	assert.Equal(t, time.Duration(0), backoff.Ceiling(3, 0, 0))
}

func TestFullIsCappedFullJitter(t *testing.T) {
	t.Parallel()
	base, ceiling := 50*time.Millisecond, time.Second
	for attempt, upper := range map[int]time.Duration{1: 50 * time.Millisecond, 2: 100 * time.Millisecond,
		4: 400 * time.Millisecond, 5: 800 * time.Millisecond, 6: time.Second, 40: time.Second, 0: 50 * time.Millisecond} {
		var most time.Duration
		for range 2000 {
			d := backoff.Full(attempt, base, ceiling)
			require.GreaterOrEqual(t, d, time.Duration(0))
			require.Less(t, d, upper, "attempt %d", attempt)
			most = max(most, d)
		}
		assert.Greater(t, most, upper/2, "attempt %d spreads over [0, %s)", attempt, upper)
	}
	assert.Zero(t, backoff.Full(1, 0, 0))
}

func TestGrowByFactor(t *testing.T) {
	t.Parallel()
	s := time.Second
	var got []time.Duration
	for attempt := 0; attempt <= 6; attempt++ {
		got = append(got, backoff.Grow(attempt, 30*s, 15*time.Minute, 4))
	}
	assert.Equal(t, []time.Duration{30 * s, 30 * s, 2 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute, 15 * time.Minute}, got)
	assert.Equal(t, 15*time.Minute, backoff.Grow(1000, 30*s, 15*time.Minute, 4), "no overflow")
	assert.Equal(t, time.Duration(1<<62), backoff.Grow(1000, s, 1<<62, 10), "no overflow near the top")
	assert.Equal(t, 5*s, backoff.Grow(1, 10*s, 5*s, 4), "base above the ceiling")
	assert.Equal(t, 5*s, backoff.Grow(3, 0, 5*s, 4), "no base")
}

// TestEqualStaysInItsBounds: equal jitter waits at least half the ceiling
// and at most all of it, and spreads over that range.
func TestEqualStaysInItsBounds(t *testing.T) {
	t.Parallel()
	base, ceiling := 100*time.Millisecond, 2*time.Second
	for attempt, upper := range map[int]time.Duration{0: base, 1: base, 2: 2 * base, 5: 16 * base, 6: ceiling, 99: ceiling} {
		lo, hi := upper, time.Duration(0)
		for range 2000 {
			d := backoff.EqualJitter(backoff.Ceiling(attempt, base, ceiling))
			require.GreaterOrEqual(t, d, upper/2, "attempt %d", attempt)
			require.LessOrEqual(t, d, upper, "attempt %d", attempt)
			lo, hi = min(lo, d), max(hi, d)
		}
		assert.Less(t, lo, upper/2+upper/8, "attempt %d reaches the low end", attempt)
		assert.Greater(t, hi, upper-upper/8, "attempt %d reaches the high end", attempt)
	}
	assert.Equal(t, time.Duration(1), backoff.EqualJitter(1))
	assert.Zero(t, backoff.EqualJitter(0))
	assert.Zero(t, backoff.EqualJitter(-time.Second))
	assert.Zero(t, backoff.EqualJitter(backoff.Ceiling(1, 0, 0)))
}

// TestSleepObeysContext: a cancelled context ends the wait at once (with
// the context's error), an hour notwithstanding; a short wait returns nil.
func TestSleepObeysContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	done := make(chan error, 1)
	go func() { done <- backoff.Sleep(ctx, time.Hour) }()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(time.Minute): // a hang guard, far below the hour
		t.Fatal("hang guard: Sleep waited out its duration despite the cancelled context")
	}
	require.NoError(t, backoff.Sleep(t.Context(), time.Millisecond))
	require.ErrorIs(t, backoff.Sleep(ctx, 0), context.Canceled, "no wait, a context already done")
}
