// Package health answers GET /api/v1/utils/health/db: the pool of this
// execution environment, a round trip to PostgreSQL through the pooler,
// and a verdict. It keeps the original's keys (SPEC 4) so old dashboards
// keep working.
package health

import (
	"context"
	"net/http"
	"time"

	"quizgen/internal/db"
)

// Checker checks the database of one environment.
type Checker struct {
	db      *db.DB
	timeout time.Duration
}

// New returns a Checker over d.
func New(d *db.DB) *Checker { return &Checker{db: d, timeout: 2 * time.Second} }

// Report is the body of the health endpoint.
type Report struct {
	Status                string  `json:"status"`
	PoolSize              int32   `json:"pool_size"`
	CheckedOutConnections int32   `json:"checked_out_connections"`
	Overflow              int32   `json:"overflow"`
	Total                 int32   `json:"total"`
	Available             int32   `json:"available"`
	RoundTripMS           float64 `json:"round_trip_ms,omitempty"`
	Error                 string  `json:"error,omitempty"`
}

// Check returns the report and its HTTP status: 200 healthy, 503 not.
func (c *Checker) Check(ctx context.Context) (any, int) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	rt, err := c.db.RoundTrip(ctx)
	st := c.db.Stats()
	r := Report{
		Status: "healthy", PoolSize: st.MaxConns, CheckedOutConnections: st.AcquiredConns,
		Overflow: st.TotalConns - st.MaxConns, Total: st.TotalConns, Available: st.MaxConns - st.AcquiredConns,
		RoundTripMS: float64(rt.Microseconds()) / 1000,
	}
	if err != nil {
		r.Status, r.Error = "unhealthy", "database round trip failed"
		return r, http.StatusServiceUnavailable
	}
	return r, http.StatusOK
}
