// Package backoff is the one wait between retries of this module: capped
// exponential backoff, with full jitter (Full) or equal jitter (EqualJitter), so
// that environments that failed together do not retry together
// (docs/architecture.md, Connections).
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Ceiling is the upper bound of the wait before retry number attempt (1
// for the first retry): min(ceiling, base·2^(attempt-1)). An attempt below
// 1 counts as 1.
func Ceiling(attempt int, base, ceiling time.Duration) time.Duration {
	return Grow(attempt, base, ceiling, 2)
}

// Grow is min(ceiling, base·factor^(attempt-1)), never negative, for a
// factor of at least 2; an attempt below 1 counts as 1, and a base that is
// not positive gives ceiling.
func Grow(attempt int, base, ceiling time.Duration, factor int) time.Duration {
	if base <= 0 {
		return max(ceiling, 0)
	}
	d, f := base, time.Duration(max(factor, 2))
	for i := 1; i < attempt && d < ceiling; i++ {
		if d > ceiling/f { // d·f would reach ceiling (or overflow)
			d = ceiling
			break
		}
		d *= f
	}
	return max(min(d, ceiling), 0)
}

// Full returns how long to wait before retry number attempt: a uniformly
// random duration in [0, Ceiling(attempt, base, ceiling)), "full jitter";
// 0 when that bound is 0.
func Full(attempt int, base, ceiling time.Duration) time.Duration {
	d := Ceiling(attempt, base, ceiling)
	if d <= 0 {
		return 0
	}
	return rand.N(d) //nolint:gosec // jitter, not a secret
}

// EqualJitter is d with "equal jitter": uniform in [d/2, d], so waits
// still grow with d; d itself when d <= 1, 0 when d is negative.
func EqualJitter(d time.Duration) time.Duration {
	if d <= 1 {
		return max(d, 0)
	}
	half := d / 2
	return half + rand.N(d-half+1) //nolint:gosec // jitter, not a secret
}

// Sleep waits d, or until ctx is done (then it returns ctx's error, also
// at once for a d that is not positive and a ctx already done). It is the
// wait every retry loop of this module sleeps between attempts.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
