package backoff_test

import (
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
