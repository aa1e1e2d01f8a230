package main

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFleetSmall is the CI-sized drill (issue 14): N = 10 and 100
// environments through the drill's own PgBouncer, then one PgBouncer
// restart under load at N = 100. It checks what users and Postgres rely
// on, not timings: Postgres never sees more server connections than the
// pool plus its reserve, no request fails at N = 10 or 100, a restart
// fails no request (read or write), hangs none past its deadline and
// loses or doubles no write (edits answered 200 = edit_log entries
// added), and every environment serves again before the scenario ends.
func TestFleetSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own Postgres cluster and PgBouncer")
	}
	o := options{
		ns: "10,100", requests: 1000, scenarios: "pgbouncer-restart", scenarioN: 100,
		scenarioDur: 12 * time.Second, down: 2 * time.Second, deadline: 20 * time.Second,
		idleTimeout: 5,
	}
	drillPorts(t, &o)
	rep, err := run(t.Context(), o, io.Discard)
	require.NoError(t, err)
	require.Len(t, rep.Pooled, 2)
	for _, st := range rep.Pooled {
		assert.Empty(t, st.StartError, "N=%d", st.Envs)
		assert.Zero(t, total(st.Errors), "N=%d: errors %v", st.Envs, st.Errors)
		assert.LessOrEqual(t, st.PeakServer, rep.ceiling(), "N=%d: server connections", st.Envs)
		assert.Positive(t, st.PeakServer, "N=%d: the monitor saw no server connection", st.Envs)
	}
	assert.Equal(t, 100, rep.pooled(100).PeakClients, "each of 100 environments holds one client connection at PgBouncer")
	sc := rep.scenario("pgbouncer-restart")
	require.NotNil(t, sc)
	assert.LessOrEqual(t, sc.Stats.PeakServer, rep.ceiling(), "server connections during the restart")
	assert.Zero(t, total(sc.Stats.Errors), "failed requests during the restart (%d reads, %d writes): %v",
		sc.Stats.FailedReads, sc.Stats.FailedWrite, sc.Stats.Errors)
	assert.Zero(t, sc.Stats.Hung, "requests past their deadline")
	assert.Equal(t, sc.Edits200, sc.EditRows, "edits answered 200 against edit_log entries added: none lost or doubled")
	assert.Empty(t, sc.Note)
	assert.Positive(t, sc.Stats.OK, "no request succeeded")
}
