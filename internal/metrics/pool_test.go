package metrics_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/metrics"
)

func TestEMFLines(t *testing.T) {
	t.Parallel()
	tdb := dbtest.New(t)
	p := tdb.Open(t)
	var buf bytes.Buffer
	m := metrics.NewPool(&buf, p, "api")
	require.NoError(t, m.Emit())
	_, err := db.NewStore(p).QuizzesByOwner(t.Context(), [16]byte{})
	require.NoError(t, err)
	require.NoError(t, m.Emit())

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	for _, l := range lines {
		var v struct {
			AWS struct {
				Timestamp         int64 `json:"Timestamp"`
				CloudWatchMetrics []struct {
					Namespace  string     `json:"Namespace"`
					Dimensions [][]string `json:"Dimensions"`
					Metrics    []struct{ Name, Unit string }
				} `json:"CloudWatchMetrics"`
			} `json:"_aws"`
			Function     string  `json:"Function"`
			PoolAcquired *int    `json:"PoolAcquired"`
			PoolIdle     *int    `json:"PoolIdle"`
			WaitCount    *int    `json:"PoolWaitCount"`
			WaitDuration float64 `json:"PoolWaitDuration"`
			AcquireCount int     `json:"PoolAcquireCount"`
		}
		require.NoError(t, json.Unmarshal([]byte(l), &v), l)
		assert.InDelta(t, time.Now().UnixMilli(), v.AWS.Timestamp, 60_000)
		require.Len(t, v.AWS.CloudWatchMetrics, 1)
		d := v.AWS.CloudWatchMetrics[0]
		assert.Equal(t, "quizgen", d.Namespace)
		assert.Equal(t, [][]string{{"Function"}}, d.Dimensions)
		assert.Equal(t, "api", v.Function, "the dimension's value is on the line")
		require.NotNil(t, v.PoolAcquired)
		require.NotNil(t, v.PoolIdle)
		require.NotNil(t, v.WaitCount)
		for _, mt := range d.Metrics {
			var all map[string]any
			require.NoError(t, json.Unmarshal([]byte(l), &all))
			assert.Contains(t, all, mt.Name, "every declared metric has a value")
		}
	}
	var second map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &second))
	assert.EqualValues(t, 1, second["PoolAcquireCount"], "counters are deltas since the previous line")
}
