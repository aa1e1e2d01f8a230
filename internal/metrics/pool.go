// Package metrics writes the functions' pool statistics as CloudWatch
// Embedded Metric Format lines. It is apart from package health so the
// workers, which report metrics but serve no health check, do not link the
// RDS client the health check uses (its package init costs milliseconds of
// every cold start).
package metrics

import (
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"time"

	"quizgen/internal/db"
)

// Pool writes the pool's statistics as CloudWatch Embedded Metric
// Format lines: CloudWatch Logs turns them into metrics (namespace
// "quizgen", dimension Function), so dashboards and alarms need no agent.
// Counters are reported as the change since the previous line.
type Pool struct {
	w        io.Writer
	db       *db.DB
	function string
	now      func() time.Time

	mu   sync.Mutex
	last db.Stats
}

// NewPool returns a Pool for the pool of function, writing to w (stdout
// under Lambda, where CloudWatch Logs collects it).
func NewPool(w io.Writer, d *db.DB, function string) *Pool {
	return &Pool{w: w, db: d, function: function, now: time.Now}
}

// Namespace is the CloudWatch namespace of the metrics.
const Namespace = "quizgen"

type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfMeta struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

// Emit writes one EMF line. Call it at the end of each invocation (or
// every N seconds in local mode).
func (m *Pool) Emit() error {
	st := m.db.Stats()
	m.mu.Lock()
	prev := m.last
	m.last = st
	m.mu.Unlock()
	line := map[string]any{
		"_aws": emfMeta{
			Timestamp: m.now().UnixMilli(),
			CloudWatchMetrics: []emfDirective{{
				Namespace:  Namespace,
				Dimensions: [][]string{{"Function"}},
				Metrics: []emfMetric{
					{"PoolAcquired", "Count"}, {"PoolIdle", "Count"}, {"PoolTotal", "Count"},
					{"PoolWaitCount", "Count"}, {"PoolWaitDuration", "Milliseconds"},
					{"PoolAcquireCount", "Count"}, {"PoolNewConnections", "Count"},
				},
			}},
		},
		"Function":           m.function,
		"PoolAcquired":       st.AcquiredConns,
		"PoolIdle":           st.IdleConns,
		"PoolTotal":          st.TotalConns,
		"PoolWaitCount":      st.EmptyAcquireCount - prev.EmptyAcquireCount,
		"PoolWaitDuration":   ms(st.EmptyAcquireWaitTime - prev.EmptyAcquireWaitTime),
		"PoolAcquireCount":   st.AcquireCount - prev.AcquireCount,
		"PoolNewConnections": st.NewConnsCount - prev.NewConnsCount,
		"PoolMax":            st.MaxConns,
	}
	b, err := json.Marshal(line)
	if err != nil {
		return err
	}
	_, err = m.w.Write(append(b, '\n'))
	return err
}

// EmitOrLog is Emit for places that cannot return an error (the end of an
// invocation): a failure is logged.
func (m *Pool) EmitOrLog(log *slog.Logger) {
	if err := m.Emit(); err != nil {
		log.Warn("write pool metrics", "err", err)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
