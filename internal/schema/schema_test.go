package schema_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db/dbtest"
	"quizgen/internal/logging/logtest"
	"quizgen/internal/schema"
)

// allTables are the tables the newest migration leaves (000005, the typed
// question model, changes columns only: see typed_test.go; 000007 adds
// sharing's two).
var allTables = []string{"generation_batch", "oauth_state", "question", "quiz", "quiz_usage",
	"quizcollaborator", "quizinvite", "usage_daily", "user"}

func latest(t *testing.T) uint {
	v, err := schema.MigrationVersion()
	require.NoError(t, err)
	return v
}

func runner(t *testing.T, url string) schema.Runner {
	return schema.Runner{DirectURL: url, LockTimeout: time.Minute, Log: logtest.New(t)}
}

func tables(t *testing.T, url string) []string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer c.Close(ctx)
	rows, err := c.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY 1`)
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return names
}

func TestUpDownToZeroUp(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.NewEmpty(t)
	r := runner(t, tdb.DirectURL)
	want, err := schema.MigrationVersion()
	require.NoError(t, err)

	res, err := r.Run(ctx, schema.Command{Command: "up"})
	require.NoError(t, err)
	assert.Equal(t, schema.Result{Command: "up", Version: want, Expected: want}, res)
	assert.Equal(t, allTables, tables(t, tdb.DirectURL))

	res, err = r.Run(ctx, schema.Command{Command: "up"})
	require.NoError(t, err, "up again is a no-op")
	assert.Equal(t, want, res.Version)

	res, err = r.Run(ctx, schema.Command{Command: "down", Steps: 999})
	require.NoError(t, err)
	assert.Zero(t, res.Version)
	assert.Empty(t, tables(t, tdb.DirectURL), "every down migration removes what its up made")

	res, err = r.Run(ctx, schema.Command{Command: "up"})
	require.NoError(t, err)
	assert.Equal(t, want, res.Version)
	assert.Equal(t, allTables, tables(t, tdb.DirectURL))
}

func TestMigrationsRefuseAPooler(t *testing.T) {
	t.Parallel()
	tdb := dbtest.NewEmpty(t)
	_, err := runner(t, tdb.PoolerURL).Run(t.Context(), schema.Command{Command: "up"})
	require.ErrorIs(t, err, schema.ErrNotDirect)
	assert.ErrorContains(t, err, "DATABASE_DIRECT_URL")
	assert.Empty(t, tables(t, tdb.DirectURL), "nothing was applied")
}

func TestDirtyVersionIsReportedClearly(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.NewEmpty(t)
	r := runner(t, tdb.DirectURL)
	_, err := r.Run(ctx, schema.Command{Command: "up"})
	require.NoError(t, err)
	_, err = tdb.Conn(t).Exec(ctx, "UPDATE schema_migrations SET dirty = true")
	require.NoError(t, err)

	_, err = r.Run(ctx, schema.Command{Command: "up"})
	var dirty schema.DirtyError
	require.ErrorAs(t, err, &dirty)
	assert.Equal(t, int(latest(t)), dirty.Version)
	assert.ErrorContains(t, err, "failed halfway")
	assert.ErrorContains(t, err, fmt.Sprintf("force %d", latest(t)))

	res, err := r.Run(ctx, schema.Command{Command: "version"})
	require.Error(t, err, "version says dirty too")
	assert.True(t, res.Dirty)

	v := int(latest(t))
	res, err = r.Run(ctx, schema.Command{Command: "force", Version: &v})
	require.NoError(t, err)
	assert.False(t, res.Dirty)
}

func TestConcurrentRunsDoNotCorrupt(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.NewEmpty(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { _, errs[i] = runner(t, tdb.DirectURL).Run(ctx, schema.Command{Command: "up"}) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err, "later runs wait for the lock, then find nothing to do")
	}
	res, err := runner(t, tdb.DirectURL).Run(ctx, schema.Command{Command: "version"})
	require.NoError(t, err)
	want, _ := schema.MigrationVersion()
	assert.Equal(t, want, res.Version)
	assert.False(t, res.Dirty)
}

func TestLambdaCommands(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.NewEmpty(t)
	h := runner(t, tdb.DirectURL).Handler()
	want, _ := schema.MigrationVersion()

	out, err := h(ctx, json.RawMessage(`{"command":"version"}`))
	require.NoError(t, err)
	assert.Equal(t, schema.Result{Command: "version", Expected: want}, out)

	out, err = h(ctx, json.RawMessage(`{"command":"up"}`))
	require.NoError(t, err)
	assert.Equal(t, want, out.(schema.Result).Version)

	out, err = h(ctx, json.RawMessage(`{"command":"down","steps":1}`))
	require.NoError(t, err)
	assert.Equal(t, want-1, out.(schema.Result).Version)

	for body, msg := range map[string]string{
		`{"command":"drop"}`:            `unknown command "drop"`,
		`{"command":"down"}`:            `needs "steps"`,
		`{"command":"force"}`:           `needs "version"`,
		`{"command":"up","extra":true}`: `unknown field "extra"`,
		`not json`:                      "decode event",
	} {
		_, err := h(ctx, json.RawMessage(body))
		assert.ErrorContains(t, err, msg, body)
	}
}

// cfnServer records the answers sent to a custom resource's ResponseURL.
func cfnServer(t *testing.T) (*httptest.Server, func() map[string]any) {
	var mu sync.Mutex
	var last map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodPut, r.Method)
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		require.NoError(t, json.Unmarshal(b, &last))
	}))
	t.Cleanup(srv.Close)
	return srv, func() map[string]any { mu.Lock(); defer mu.Unlock(); return last }
}

func cfnEvent(url, requestType string) json.RawMessage {
	return json.RawMessage(`{"RequestType":"` + requestType + `","RequestId":"req-1","ResponseURL":"` + url +
		`","ResourceType":"Custom::Schema","LogicalResourceId":"Schema","StackId":"arn:aws:cloudformation:us-east-1:1:stack/s/1",
		"ResourceProperties":{"ServiceToken":"arn:aws:lambda:us-east-1:1:function:migrate","CodeVersion":"abc"}}`)
}

func TestCustomResourceAlwaysAnswered(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.NewEmpty(t)
	srv, last := cfnServer(t)
	h := runner(t, tdb.DirectURL).Handler()

	_, err := h(ctx, cfnEvent(srv.URL, "Create"))
	require.NoError(t, err)
	got := last()
	assert.Equal(t, "SUCCESS", got["Status"])
	assert.Equal(t, "quizgen-schema", got["PhysicalResourceId"])
	assert.Equal(t, "req-1", got["RequestId"])
	assert.Equal(t, map[string]any{"Version": fmt.Sprint(latest(t))}, got["Data"])
	assert.Equal(t, allTables, tables(t, tdb.DirectURL))

	_, err = h(ctx, cfnEvent(srv.URL, "Delete"))
	require.NoError(t, err)
	assert.Equal(t, "SUCCESS", last()["Status"])
	assert.NotEmpty(t, tables(t, tdb.DirectURL), "deleting the stack keeps the data")

	// A failing migration is answered FAILED with a reason free of secrets.
	bad := runner(t, tdb.PoolerURL).Handler()
	_, err = bad(ctx, cfnEvent(srv.URL, "Update"))
	require.NoError(t, err)
	got = last()
	assert.Equal(t, "FAILED", got["Status"])
	assert.Contains(t, got["Reason"], "direct PostgreSQL session")
	assert.NotContains(t, got["Reason"], passwordOf(tdb.PoolerURL))
}

func passwordOf(u string) string {
	at := strings.LastIndex(u, "@")
	colon := strings.LastIndex(u[:at], ":")
	return u[colon+1 : at]
}

func TestCLI(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.NewEmpty(t)
	r := runner(t, tdb.DirectURL)
	var out strings.Builder
	n := latest(t)
	require.NoError(t, r.CLI(ctx, []string{"up"}, &out))
	assert.Contains(t, out.String(), fmt.Sprintf(`"version":%d`, n))
	out.Reset()
	require.NoError(t, r.CLI(ctx, []string{"down", "1"}, &out))
	assert.Contains(t, out.String(), fmt.Sprintf(`"version":%d`, n-1))
	out.Reset()
	require.NoError(t, r.CLI(ctx, []string{"version"}, &out))
	assert.JSONEq(t, fmt.Sprintf(`{"command":"version","version":%d,"dirty":false,"expected":%d}`, n-1, n), out.String())
	assert.ErrorContains(t, r.CLI(ctx, []string{"down", "x"}, &out), "not a number")
	assert.ErrorContains(t, r.CLI(ctx, nil, &out), "usage")
}
