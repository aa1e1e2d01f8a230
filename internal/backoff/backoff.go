// Package backoff is the one wait between retries of this module: capped
// exponential backoff with full jitter, so that environments that failed
// together do not retry together (docs/architecture.md, Connections).
package backoff

import (
	"math/rand/v2"
	"time"
)

// Ceiling is the upper bound of the wait before retry number attempt (1
// for the first retry): min(ceiling, base·2^(attempt-1)). An attempt below
// 1 counts as 1.
func Ceiling(attempt int, base, ceiling time.Duration) time.Duration {
	attempt = max(attempt, 1)
	d := ceiling
	if attempt <= 62 {
		if e := base << (attempt - 1); e > 0 && e < ceiling && e>>(attempt-1) == base {
			d = e
		}
	}
	return max(d, 0)
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
