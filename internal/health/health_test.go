package health_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/health"
	"quizgen/internal/logging"
	"quizgen/internal/quiz"
)

func adminURL(t *testing.T, name string) string {
	t.Helper()
	u := os.Getenv(name)
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s must be set in CI (run the tests with `make test`)", name)
		}
		t.Skipf("%s not set: run `make test`", name)
	}
	return u
}

func report(t *testing.T, c *health.Checker) (health.Report, int) {
	t.Helper()
	// The chaos pools below let requests wait an hour for an unreachable
	// database: a check that waited with them trips this hang guard.
	type answer struct {
		body   any
		status int
	}
	done := make(chan answer, 1)
	go func() {
		body, status := c.Check(t.Context())
		done <- answer{body, status}
	}()
	var a answer
	select {
	case a = <-done:
	case <-time.After(time.Minute):
		t.Fatal("hang guard: the health check waits with the pool's requests instead of answering")
	}
	body, status := a.body, a.status
	r, ok := body.(health.Report)
	require.True(t, ok)
	// The body is what the endpoint sends: it must encode.
	_, err := json.Marshal(r)
	require.NoError(t, err)
	return r, status
}

func parts(r health.Report) []string {
	var out []string
	for _, p := range r.Problems {
		out = append(out, p.Part+": "+p.Reason)
	}
	return out
}

func TestHealthyThroughPgBouncer(t *testing.T) {
	t.Parallel()
	tdb := dbtest.New(t)
	p := tdb.Open(t, func(c *db.Config) { c.MaxConns = 3 })
	c := health.New(p, health.Config{PgBouncerAdminURL: adminURL(t, "TEST_PGBOUNCER_ADMIN_URL")}, logging.Discard())

	r, status := report(t, c)
	require.Equal(t, http.StatusOK, status, parts(r))
	assert.Equal(t, health.Healthy, r.Status)
	assert.Empty(t, r.Problems)
	assert.True(t, r.Database.OK)
	assert.True(t, strings.HasPrefix(r.Database.ServerVersion, "15"), r.Database.ServerVersion)
	require.NotNil(t, r.Database.Primary)
	assert.True(t, *r.Database.Primary)
	assert.Equal(t, "pool", r.Database.Via)
	assert.Positive(t, r.Database.LatencyMS)
	assert.Equal(t, "pgbouncer", r.Pooler.Kind)
	assert.True(t, r.Pooler.OK)
	assert.Contains(t, r.Pooler.Version, "PgBouncer")
	require.NotEmpty(t, r.Pooler.Pools, "SHOW POOLS has the test database")
	assert.Equal(t, tdb.Name, r.Pooler.Pools[0].Database)
	assert.Equal(t, "transaction", r.Pooler.Pools[0].PoolMode)
	require.NotNil(t, r.Pooler.Stats)
	// The original's keys and arithmetic.
	assert.EqualValues(t, 3, r.PoolSize)
	assert.Equal(t, r.Total-r.PoolSize, r.Overflow)
	assert.Equal(t, r.PoolSize-r.CheckedOutConnections, r.Available)
	assert.EqualValues(t, 3, r.Pool.MaxConns)

	// Hold two connections open inside transactions, as two slow requests
	// would: the report sees them acquired, and the probe does not take
	// the last free one (it uses a connection of its own).
	store := db.NewStore(p)
	owner, err := store.UpsertUser(t.Context(), quiz.User{CanvasID: 1})
	require.NoError(t, err)
	qz, err := store.CreateQuiz(t.Context(), quiz.NewQuiz{OwnerID: owner.ID, Title: "t", QuestionCount: 1, LLMModel: "o3"})
	require.NoError(t, err)
	release := make(chan struct{})
	var held, done sync.WaitGroup
	for _, stage := range []quiz.Stage{quiz.StageExport, quiz.StageGeneration} {
		held.Add(1)
		done.Go(func() {
			_, _ = store.UpdateStatus(context.Background(), qz.ID, stage, func(quiz.Quiz, time.Time) (quiz.Decision, error) {
				held.Done()
				<-release
				return quiz.Decision{}, quiz.ErrConflict
			})
		})
		held.Wait() // one at a time: the row lock serialises them anyway
		if stage == quiz.StageExport {
			r, _ = report(t, c)
			assert.EqualValues(t, 1, r.CheckedOutConnections, "one request holds a connection")
			assert.Equal(t, "pool", r.Database.Via)
			close(release)
			done.Wait()
			release = make(chan struct{})
		}
	}
	r, _ = report(t, c)
	assert.EqualValues(t, 1, r.Pool.AcquiredConns)
	close(release)
	done.Wait()
}

func TestNoSpareConnectionUsesItsOwn(t *testing.T) {
	t.Parallel()
	tdb := dbtest.New(t)
	p := tdb.Open(t, func(c *db.Config) { c.MaxConns = 1 })
	store := db.NewStore(p)
	owner, err := store.UpsertUser(t.Context(), quiz.User{CanvasID: 2})
	require.NoError(t, err)
	qz, err := store.CreateQuiz(t.Context(), quiz.NewQuiz{OwnerID: owner.ID, Title: "t", QuestionCount: 1, LLMModel: "o3"})
	require.NoError(t, err)
	inside, release := make(chan struct{}), make(chan struct{})
	go func() {
		_, _ = store.UpdateStatus(context.Background(), qz.ID, quiz.StageExport, func(quiz.Quiz, time.Time) (quiz.Decision, error) {
			close(inside)
			<-release
			return quiz.Decision{}, quiz.ErrConflict
		})
	}()
	<-inside
	defer close(release)
	c := health.New(p, health.Config{}, logging.Discard())
	r, status := report(t, c)
	assert.Equal(t, http.StatusOK, status, "degraded is still 200")
	assert.Equal(t, health.Degraded, r.Status)
	assert.Equal(t, "dedicated", r.Database.Via, "the check never waits for the pool's only connection")
	assert.True(t, r.Database.OK)
	assert.Contains(t, parts(r), "pool: every pool connection is in use (1 of 1)")
}

func TestWrongAdminCredentials(t *testing.T) {
	t.Parallel()
	tdb := dbtest.New(t)
	c := health.New(tdb.Open(t), health.Config{PgBouncerAdminURL: adminURL(t, "TEST_PGBOUNCER_ADMIN_URL"),
		PgBouncerAdminPassword: "wrong-password"}, logging.Discard())
	r, status := report(t, c)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, health.Degraded, r.Status)
	assert.True(t, r.Database.OK, "the rest still works")
	assert.False(t, r.Pooler.OK)
	assert.Contains(t, r.Pooler.Error, "refused the login")
	assert.NotContains(t, r.Pooler.Error, "wrong-password")
}

func TestDirectHasNoPooler(t *testing.T) {
	t.Parallel()
	tdb := dbtest.New(t)
	c := health.New(tdb.OpenDirect(t), health.Config{}, logging.Discard())
	r, status := report(t, c)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "direct", r.Pooler.Kind)
	assert.Contains(t, r.Pooler.Note, "no pooler")
}

func TestPoolerAnswersAreCached(t *testing.T) {
	t.Parallel()
	tdb := dbtest.New(t)
	c := health.New(tdb.Open(t), health.Config{PgBouncerAdminURL: adminURL(t, "TEST_PGBOUNCER_ADMIN_URL"), CacheTTL: time.Minute}, logging.Discard())
	first, _ := report(t, c)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			r, _ := report(t, c)
			assert.Equal(t, first.Pooler.Version, r.Pooler.Version)
			assert.Positive(t, r.Pooler.AgeMS, "a storm of checks reuses the cached console answer")
		})
	}
	wg.Wait()
}

func services(t *testing.T, cmd string) {
	t.Helper()
	script := os.Getenv("TEST_SERVICES_SCRIPT")
	require.NotEmpty(t, script)
	out, err := exec.Command(script, cmd, "test").CombinedOutput()
	require.NoError(t, err, "%s: %s", cmd, out)
}

// chaos returns a checker over a fresh database of the chaos pair, which
// this test may stop and start. Its pool lets requests wait an hour for an
// unreachable database (DB_UNAVAILABLE_WAIT): the check must not wait with
// them (report's hang guard).
func chaos(t *testing.T) *health.Checker {
	t.Helper()
	env := dbtest.LookupChaos(t)
	tdb := dbtest.NewIn(t, env)
	p := tdb.Open(t, func(c *db.Config) { c.ConnectTimeout, c.UnavailableWait = time.Second, time.Hour })
	return health.New(p, health.Config{PgBouncerAdminURL: adminURL(t, "TEST_CHAOS_PGBOUNCER_ADMIN_URL"), CacheTTL: time.Millisecond,
		MaxWaitDegraded: 200 * time.Millisecond}, logging.Discard())
}

func TestPgBouncerStoppedThenBack(t *testing.T) {
	c := chaos(t)
	r, _ := report(t, c)
	require.Equal(t, health.Healthy, r.Status, parts(r))

	services(t, "pgbouncer-stop")
	t.Cleanup(func() { services(t, "pgbouncer-start") })
	r, status := report(t, c)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t, health.Unhealthy, r.Status)
	assert.False(t, r.Database.OK, "no round trip")
	assert.False(t, r.Pooler.Reachable)
	assert.NotEmpty(t, r.Pooler.Error)
	require.NotEmpty(t, r.Problems)
	assert.Equal(t, "pooler", r.Problems[0].Part, parts(r))

	services(t, "pgbouncer-start")
	r, status = report(t, c)
	assert.Equal(t, http.StatusOK, status, parts(r))
	assert.Equal(t, health.Healthy, r.Status, "healthy again without restarting anything")
}

// TestHealthDoesNotWaitWithRequests: while PgBouncer is away a request
// waits for it (DB_UNAVAILABLE_WAIT), but the health check answers 503 at
// once, within its own timeout, from the same pool; the waiting request is
// served when PgBouncer returns.
func TestHealthDoesNotWaitWithRequests(t *testing.T) {
	env := dbtest.LookupChaos(t)
	tdb := dbtest.NewIn(t, env)
	p := tdb.Open(t, func(c *db.Config) { c.ConnectTimeout, c.UnavailableWait, c.MaxConns = time.Second, time.Hour, 3 })
	c := health.New(p, health.Config{PgBouncerAdminURL: adminURL(t, "TEST_CHAOS_PGBOUNCER_ADMIN_URL"), CacheTTL: time.Millisecond,
		Timeout: 2 * time.Second}, logging.Discard())
	s := db.NewStore(p)
	u, err := s.UpsertUser(t.Context(), quiz.User{CanvasID: 1403, AccessToken: "a", RefreshToken: "r"})
	require.NoError(t, err)

	services(t, "pgbouncer-stop")
	t.Cleanup(func() { services(t, "pgbouncer-start") })
	readErr := make(chan error, 1)
	go func() {
		_, err := s.User(context.Background(), u.ID)
		readErr <- err
	}()
	for range 3 {
		r, status := report(t, c) // its hang guard: the check does not wait for the pooler
		assert.Equal(t, http.StatusServiceUnavailable, status, parts(r))
		assert.False(t, r.Pooler.Reachable)
	}
	select {
	case err := <-readErr:
		t.Fatalf("the request gave up instead of waiting for PgBouncer: %v", err)
	default:
	}
	services(t, "pgbouncer-start")
	select {
	case err := <-readErr:
		require.NoError(t, err, "the waiting request is served once PgBouncer is back")
	case <-time.After(30 * time.Second):
		t.Fatal("hang guard: the waiting request was not served")
	}
}

func TestPostgresStoppedBehindPgBouncer(t *testing.T) {
	c := chaos(t)
	services(t, "postgres-stop")
	t.Cleanup(func() { services(t, "postgres-start") })
	r, status := report(t, c)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t, health.Unhealthy, r.Status)
	assert.True(t, r.Pooler.Reachable, "PgBouncer itself answers")
	require.NotEmpty(t, r.Problems)
	assert.Equal(t, "database", r.Problems[0].Part, "the database is named as the failing part: %v", parts(r))
}

func TestClientsQueuedAtPgBouncer(t *testing.T) {
	env := dbtest.LookupChaos(t)
	tdb := dbtest.NewIn(t, env)
	// Any measured wait degrades: the test waits for PgBouncer to count a
	// waiting client, not for a wall-clock length of wait.
	c := health.New(tdb.Open(t), health.Config{PgBouncerAdminURL: adminURL(t, "TEST_CHAOS_PGBOUNCER_ADMIN_URL"),
		CacheTTL: time.Millisecond, MaxWaitDegraded: time.Nanosecond}, logging.Discard())
	ctx := t.Context()
	// Hold every server connection of the database's PgBouncer pool
	// (default_pool_size 20) inside transactions; the reserve of 5 opens
	// only after reserve_pool_timeout (3 s), longer than this test looks.
	var holders []pgx.Tx
	for i := range 20 {
		conn, err := pgx.Connect(ctx, tdb.PoolerURL)
		require.NoError(t, err, "client %d", i)
		t.Cleanup(func() { conn.Close(context.Background()) })
		tx, err := conn.Begin(ctx)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, "SELECT 1")
		require.NoError(t, err)
		holders = append(holders, tx)
	}
	// One more client now waits for a server connection.
	waiter, err := pgx.Connect(ctx, tdb.PoolerURL)
	require.NoError(t, err)
	waited := make(chan struct{})
	go func() {
		defer close(waited)
		_, _ = waiter.Exec(context.Background(), "SELECT 1")
	}()
	waitClientWaiting(t, tdb.Name)

	r, status := report(t, c)
	assert.Equal(t, http.StatusServiceUnavailable, status, "our own round trip queues behind them too: %v", parts(r))
	var waiting int64
	for _, p := range r.Pooler.Pools {
		waiting += p.ClWaiting
	}
	assert.GreaterOrEqual(t, waiting, int64(1), "the waiting clients are counted")
	found := false
	for _, p := range r.Problems {
		if p.Part == "pooler" && strings.Contains(p.Reason, "waiting at the pooler") {
			found = true
		}
	}
	assert.True(t, found, "the waits are named: %v", parts(r))
	for _, tx := range holders {
		_ = tx.Rollback(ctx)
	}
	<-waited // served once a server connection is free
	waiter.Close(context.Background())
}

// rdsServer answers DescribeDBProxyTargets in the AWS Query protocol.
func rdsServer(t *testing.T, status int, body string) health.RDS {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		assert.Equal(t, "DescribeDBProxyTargets", r.Form.Get("Action"))
		assert.Equal(t, "quizgen-proxy", r.Form.Get("DBProxyName"))
		assert.Contains(t, r.Header.Get("Authorization"), "/eu-north-1/rds/aws4_request", "signed for RDS")
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return health.NewRDS(aws.Config{Region: "eu-north-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
}

func targetsXML(state, reason, desc string) string {
	return fmt.Sprintf(`<DescribeDBProxyTargetsResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <DescribeDBProxyTargetsResult>
    <Targets>
      <member>
        <Endpoint>db1.abc.eu-north-1.rds.amazonaws.com</Endpoint>
        <Type>RDS_INSTANCE</Type>
        <Role>READ_WRITE</Role>
        <Port>5432</Port>
        <TargetHealth><State>%s</State><Reason>%s</Reason><Description>%s</Description></TargetHealth>
      </member>
    </Targets>
  </DescribeDBProxyTargetsResult>
  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>
</DescribeDBProxyTargetsResponse>`, state, reason, desc)
}

func TestRDSProxyTargets(t *testing.T) {
	t.Parallel()
	tdb := dbtest.New(t)
	p := tdb.Open(t) // the round trip still goes through PgBouncer here
	for _, tc := range []struct {
		name, body string
		code       int
		want       string
		problem    string
	}{
		{"available", targetsXML("AVAILABLE", "", ""), 200, health.Healthy, ""},
		{"unavailable", targetsXML("UNAVAILABLE", "CONNECTION_FAILED", "Database is unreachable"), 200, health.Degraded, "is UNAVAILABLE: CONNECTION_FAILED Database is unreachable"},
		{"api error", `<ErrorResponse><Error><Type>Sender</Type><Code>DBProxyNotFoundFault</Code><Message>DBProxy quizgen-proxy not found</Message></Error><RequestId>r-2</RequestId></ErrorResponse>`, 404, health.Degraded, "DescribeDBProxyTargets"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := health.New(p, health.Config{Pooler: db.PoolerRDSProxy, RDSProxyName: "quizgen-proxy", RDS: rdsServer(t, tc.code, tc.body)}, logging.Discard())
			r, status := report(t, c)
			assert.Equal(t, http.StatusOK, status)
			assert.Equal(t, tc.want, r.Status, parts(r))
			assert.Equal(t, "rds-proxy", r.Pooler.Kind)
			if tc.problem != "" {
				assert.Contains(t, strings.Join(parts(r), "\n"), tc.problem)
			} else {
				require.Len(t, r.Pooler.Targets, 1)
				assert.Equal(t, "AVAILABLE", r.Pooler.Targets[0].State)
			}
		})
	}
}

// waitClientWaiting returns once the chaos PgBouncer's SHOW POOLS counts a
// client of database name waiting (cl_waiting) for a measured time
// (maxwait_us or maxwait); the deadline is only a hang guard.
func waitClientWaiting(t *testing.T, name string) {
	t.Helper()
	cfg, err := pgx.ParseConfig(adminURL(t, "TEST_CHAOS_PGBOUNCER_ADMIN_URL"))
	require.NoError(t, err)
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	admin, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	defer admin.Close(context.Background())
	for {
		rows, err := admin.Query(ctx, "SHOW POOLS")
		require.NoError(t, err, "hang guard or admin console: no client seen waiting")
		waiting := false
		for rows.Next() {
			vals, err := rows.Values()
			require.NoError(t, err)
			col := map[string]string{}
			for i, f := range rows.FieldDescriptions() {
				col[f.Name] = fmt.Sprint(vals[i])
			}
			if col["database"] == name && col["cl_waiting"] != "0" && (col["maxwait_us"] != "0" || col["maxwait"] != "0") {
				waiting = true
			}
		}
		require.NoError(t, rows.Err())
		if waiting {
			return
		}
	}
}
