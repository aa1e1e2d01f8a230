package db_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/logging"
	"quizgen/internal/quiz"
)

func TestPoolConfigCarriesSettings(t *testing.T) {
	t.Parallel()
	cfg := db.DefaultConfig("postgres://u:p@127.0.0.1:6432/app?sslmode=disable", db.PoolerPgBouncer)
	cfg.MaxConns, cfg.MinConns = 3, 1
	cfg.MaxConnIdleTime, cfg.MaxConnLifetime, cfg.MaxConnLifetimeJitter = 11*time.Second, 12*time.Minute, 13*time.Second
	cfg.ConnectTimeout, cfg.PingTimeout, cfg.HealthCheckPeriod = 4*time.Second, 3*time.Second, 14*time.Second
	cfg.Password = "from-secret"
	pc, err := db.PoolConfig(cfg, logging.Discard())
	require.NoError(t, err)
	assert.EqualValues(t, 3, pc.MaxConns)
	assert.EqualValues(t, 1, pc.MinConns)
	assert.Equal(t, 11*time.Second, pc.MaxConnIdleTime)
	assert.Equal(t, 12*time.Minute, pc.MaxConnLifetime)
	assert.Equal(t, 13*time.Second, pc.MaxConnLifetimeJitter)
	assert.Equal(t, 4*time.Second, pc.ConnConfig.ConnectTimeout)
	assert.Equal(t, 3*time.Second, pc.PingTimeout)
	assert.Equal(t, 14*time.Second, pc.HealthCheckPeriod)
	assert.Equal(t, "from-secret", pc.ConnConfig.Password)
	assert.Equal(t, pgx.QueryExecModeExec, pc.ConnConfig.DefaultQueryExecMode)
	assert.Equal(t, map[string]string{"application_name": "quizgen"}, pc.ConnConfig.RuntimeParams,
		"nothing but application_name in the startup packet")

	def := db.DefaultConfig("postgres://x", db.PoolerPgBouncer)
	assert.EqualValues(t, 2, def.MaxConns, "a Lambda environment keeps a small pool")
	assert.EqualValues(t, 0, def.MinConns)
	assert.Less(t, def.MaxConnIdleTime, 300*time.Second, "below PgBouncer's client_idle_timeout")
}

func TestExecModeFollowsPooler(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		pooler   db.Pooler
		override string
		want     pgx.QueryExecMode
	}{
		{db.PoolerPgBouncer, "", pgx.QueryExecModeExec},
		{db.PoolerRDSProxy, "", pgx.QueryExecModeExec},
		{db.PoolerDirect, "", pgx.QueryExecModeCacheStatement},
		{db.PoolerPgBouncer, "cache_describe", pgx.QueryExecModeCacheDescribe},
		{db.PoolerDirect, "simple_protocol", pgx.QueryExecModeSimpleProtocol},
	} {
		t.Run(string(tt.pooler)+"/"+tt.override, func(t *testing.T) {
			t.Parallel()
			cfg := db.DefaultConfig("postgres://u@h/d", tt.pooler)
			cfg.QueryExecMode = tt.override
			pc, err := db.PoolConfig(cfg, logging.Discard())
			require.NoError(t, err)
			assert.Equal(t, tt.want, pc.ConnConfig.DefaultQueryExecMode)
		})
	}
	cfg := db.DefaultConfig("postgres://u@h/d", db.PoolerPgBouncer)
	cfg.QueryExecMode = "prepare-everything"
	_, err := db.PoolConfig(cfg, logging.Discard())
	assert.ErrorContains(t, err, `unknown query exec mode "prepare-everything"`)
}

func TestPoolRefusesStartupParametersPgBouncerRejects(t *testing.T) {
	t.Parallel()
	cfg := db.DefaultConfig("postgres://u:secretpw@h/d?search_path=app&options=-c%20statement_timeout%3D5s", db.PoolerPgBouncer)
	_, err := db.PoolConfig(cfg, logging.Discard())
	require.ErrorContains(t, err, "options, search_path")
	assert.NotContains(t, err.Error(), "secretpw")

	cfg.Pooler = db.PoolerDirect // PostgreSQL itself takes them
	_, err = db.PoolConfig(cfg, logging.Discard())
	assert.NoError(t, err)
}

func TestConfigValidateReportsEverything(t *testing.T) {
	t.Parallel()
	cfg := db.DefaultConfig("", "pgpool")
	cfg.MaxConns, cfg.MinConns, cfg.ConnectTimeout = 0, 5, 0
	err := cfg.Validate()
	require.Error(t, err)
	for _, want := range []string{"URL is empty", `unknown pooler "pgpool"`, "max conns 0", "min conns 5", "connect timeout"} {
		assert.ErrorContains(t, err, want)
	}
}

// The Python app's concurrency test: 50 workers share the pool of one
// environment (2 connections) through PgBouncer; all succeed, and nothing
// is left acquired afterwards.
func TestFiftyGoroutinesShareTwoConnectionsThroughPgBouncer(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	p := tdb.Open(t)
	s := db.NewStore(p)
	q := mustCreateQuiz(ctx, t, s, mustCreateUser(ctx, t, s, 50).ID)

	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			_, err := s.Quiz(ctx, q.ID)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	st := p.Stats()
	assert.EqualValues(t, 0, st.AcquiredConns, "every connection was returned")
	assert.LessOrEqual(t, st.TotalConns, int32(2), "never more than MaxConns")
	assert.GreaterOrEqual(t, st.AcquireCount, int64(50))
}

func TestAcquireTimeoutIsTemporary(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	p := tdb.Open(t, func(c *db.Config) { c.MaxConns = 1; c.AcquireTimeout = 200 * time.Millisecond })
	s := db.NewStore(p)
	hold := make(chan struct{})
	held := make(chan struct{})
	failed := make(chan error, 1)
	go func() {
		failed <- db.InTxForTest(ctx, s, func(exec func(string, ...any) error) error {
			close(held)
			<-hold
			return nil
		})
	}()
	select {
	case <-held:
	case err := <-failed: // the database is not there: fail, do not hang
		t.Fatalf("hold a connection: %v", err)
	}
	_, err := s.Quiz(ctx, [16]byte{1})
	close(hold)
	require.ErrorIs(t, err, quiz.ErrTemporary, "an exhausted pool is worth a retry, not a failure")
	assert.ErrorContains(t, err, "pool exhausted")
}

// terminateBackends ends every server connection to the test database, as
// a database failover or an operator would.
func terminateBackends(t *testing.T, conn *pgx.Conn, dbName string) int {
	t.Helper()
	var n int
	err := conn.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = $1 AND pid <> pg_backend_pid()`, dbName).Scan(&n)
	require.NoError(t, err)
	return n
}

func TestReadRecoversAfterServerConnectionsAreTerminated(t *testing.T) {
	t.Parallel()
	for _, via := range []string{"pgbouncer", "direct"} {
		t.Run(via, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			tdb := dbtest.New(t)
			// No ping before use: the retry of a failed read alone must recover.
			noPing := func(c *db.Config) { c.PingIdle = time.Hour }
			p := tdb.Open(t, noPing)
			if via == "direct" {
				p = tdb.OpenDirect(t, noPing)
			}
			s := db.NewStore(p)
			q := mustCreateQuiz(ctx, t, s, mustCreateUser(ctx, t, s, 60).ID)
			_, err := s.Quiz(ctx, q.ID)
			require.NoError(t, err)

			require.Positive(t, terminateBackends(t, tdb.Conn(t), tdb.Name))
			for range 3 {
				_, err = s.Quiz(ctx, q.ID)
				require.NoError(t, err, "read after pg_terminate_backend")
			}
		})
	}
}

func TestReadRecoversAfterPgBouncerRestart(t *testing.T) {
	// Not parallel with the rest of the package's chaos: it restarts the
	// chaos PgBouncer, which no other test uses at the same time.
	ctx := t.Context()
	env := dbtest.LookupChaos(t)
	tdb := dbtest.NewIn(t, env)
	for _, tc := range []struct {
		name string
		edit func(*db.Config)
	}{
		{"retry on dead connection", func(c *db.Config) { c.PingIdle = time.Hour }},
		{"ping before use", func(c *db.Config) { c.PingIdle = 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tdb.Open(t, tc.edit)
			s := db.NewStore(p)
			q := mustCreateQuiz(ctx, t, s, mustCreateUser(ctx, t, s, time.Now().UnixNano()%1e9).ID)
			_, err := s.Quiz(ctx, q.ID)
			require.NoError(t, err)
			require.EqualValues(t, 1, p.Stats().IdleConns, "a connection waits in the pool")

			restartChaosPgBouncer(t)
			_, err = s.Quiz(ctx, q.ID)
			require.NoError(t, err, "read after PgBouncer restart")
		})
	}
}

func restartChaosPgBouncer(t *testing.T) {
	t.Helper()
	script := os.Getenv("TEST_SERVICES_SCRIPT")
	require.NotEmpty(t, script, "TEST_SERVICES_SCRIPT is set by make test")
	out, err := exec.Command(script, "pgbouncer-restart", "test").CombinedOutput()
	require.NoError(t, err, "restart PgBouncer: %s", strings.TrimSpace(string(out)))
}

func TestConfigNeverPrintsThePassword(t *testing.T) {
	t.Parallel()
	cfg := db.DefaultConfig("postgres://app:urlpw@h:6432/d", db.PoolerPgBouncer)
	cfg.Password = "fieldpw"
	var buf strings.Builder
	logging.New(&buf, slog.LevelInfo).Info("config", "db", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%s", cfg), buf.String()} {
		assert.NotContains(t, s, "urlpw")
		assert.NotContains(t, s, "fieldpw")
		assert.Contains(t, s, "6432")
	}
}

func TestIAMAuthTokenPerConnection(t *testing.T) {
	t.Parallel()
	cfg := db.DefaultConfig("postgres://app_user@proxy.proxy-abc.eu-north-1.rds.amazonaws.com:5432/quizgen", db.PoolerRDSProxy)
	cfg.IAMAuth = true
	_, err := db.Open(t.Context(), cfg, logging.Discard())
	require.ErrorContains(t, err, "no AWS credentials", "IAM auth without credentials is refused at cold start")

	p, err := db.Open(t.Context(), cfg, logging.Discard(),
		db.WithIAMAuth(credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "SECRETEXAMPLE", ""), "eu-north-1"))
	require.NoError(t, err, "Open does not connect")
	defer p.Close()
	pc, err := db.PoolConfig(cfg, logging.Discard())
	require.NoError(t, err)
	require.Nil(t, pc.BeforeConnect, "PoolConfig alone has no credentials")

	// The hook Open installed signs a token for the connection's host, port and user.
	cc := pc.ConnConfig.Copy()
	hook := db.BeforeConnectForTest(p)
	require.NotNil(t, hook)
	require.NoError(t, hook(t.Context(), cc))
	for _, want := range []string{"proxy.proxy-abc.eu-north-1.rds.amazonaws.com:5432?", "Action=connect", "DBUser=app_user", "X-Amz-Signature=", "X-Amz-Credential=AKIDEXAMPLE"} {
		assert.Contains(t, cc.Password, want)
	}
}

// TestTimeoutIsNotADeadConnection: a read that runs out of time (the
// statement timeout) is not run again, unlike one whose connection died.
func TestTimeoutIsNotADeadConnection(t *testing.T) {
	t.Parallel()
	tdb := dbtest.New(t)
	conn := tdb.Conn(t)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := conn.Exec(ctx, "SELECT pg_sleep(1)")
	require.Error(t, err)
	assert.False(t, db.DeadConnForTest(err), "timed out: %v", err)

	other := tdb.Conn(t)
	var pid int
	require.NoError(t, other.QueryRow(t.Context(), "SELECT pg_backend_pid()").Scan(&pid))
	_, err = tdb.Conn(t).Exec(t.Context(), "SELECT pg_terminate_backend($1)", pid)
	require.NoError(t, err)
	_, err = other.Exec(t.Context(), "SELECT 1")
	require.Error(t, err)
	assert.True(t, db.DeadConnForTest(err), "terminated: %v", err)
}
