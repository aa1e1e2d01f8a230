package db_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/quiz"
)

// chaosServices runs a command of scripts/services.sh on the chaos pair.
func chaosServices(t *testing.T, cmd string) {
	t.Helper()
	script := os.Getenv("TEST_SERVICES_SCRIPT")
	require.NotEmpty(t, script, "TEST_SERVICES_SCRIPT is set by make test")
	out, err := exec.Command(script, cmd, "test").CombinedOutput()
	require.NoError(t, err, "%s: %s", cmd, strings.TrimSpace(string(out)))
}

// stopChaosPgBouncer stops the chaos PgBouncer and starts it again when t
// ends, whatever happens in between.
func stopChaosPgBouncer(t *testing.T) {
	t.Helper()
	chaosServices(t, "pgbouncer-stop")
	t.Cleanup(func() { chaosServices(t, "pgbouncer-start") })
}

// waitUntil polls cond until it holds; the deadline is only a hang guard.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	guard := time.Now().Add(30 * time.Second)
	for !cond() {
		require.True(t, time.Now().Before(guard), "hang guard: %s", what)
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRequestsWaitForPgBouncerRestart: reads and transactions issued while
// PgBouncer is away (a restart, a deploy) wait for it and succeed once it
// is back, instead of failing at once. Before DB_UNAVAILABLE_WAIT, both
// failed with "database unavailable: ... connect: connection refused" as
// soon as they were issued.
func TestRequestsWaitForPgBouncerRestart(t *testing.T) {
	ctx := t.Context()
	env := dbtest.LookupChaos(t)
	tdb := dbtest.NewIn(t, env)
	p := tdb.Open(t, func(c *db.Config) {
		c.PingIdle = time.Hour // find the dead connection by using it
		c.UnavailableWait = 25 * time.Second
	})
	s := db.NewStore(p)
	u := mustCreateUser(ctx, t, s, 1401)
	q := mustCreateQuiz(ctx, t, s, u.ID)
	_, err := s.Quiz(ctx, q.ID)
	require.NoError(t, err)
	require.EqualValues(t, 1, p.Stats().IdleConns, "a connection the restart will kill waits in the pool")

	stopChaosPgBouncer(t)
	var (
		wg              sync.WaitGroup
		readErr, txErr  error
		read            quiz.Quiz
		token           = "token-while-away"
		upserted        quiz.User
		issued, started = time.Now(), make(chan struct{}, 2)
	)
	var finished atomic.Int32
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer finished.Add(1)
		started <- struct{}{}
		read, readErr = s.Quiz(ctx, q.ID)
	}()
	go func() {
		defer wg.Done()
		defer finished.Add(1)
		started <- struct{}{}
		upserted, txErr = s.UpsertUser(ctx, quiz.User{CanvasID: 1401, AccessToken: token, RefreshToken: "r2"})
	}()
	<-started
	<-started
	// Both have met the missing pooler (the read on its dead pooled
	// connection, then at connect; the transaction at connect) and are
	// waiting, not failed.
	waitUntil(t, "both requests find the pooler away", func() bool {
		return db.UnavailableAttemptsForTest(p) >= 4 || finished.Load() == 2
	})
	// PgBouncer stays away while both retry again (counted, not timed).
	waitUntil(t, "both requests keep waiting through more attempts", func() bool {
		return db.UnavailableAttemptsForTest(p) >= 8 || finished.Load() == 2
	})
	require.Zero(t, finished.Load(), "neither request gave up while the pooler was away")
	chaosServices(t, "pgbouncer-start")
	wg.Wait()
	t.Logf("served %s after being issued, %d unavailable attempts", time.Since(issued).Round(time.Millisecond),
		db.UnavailableAttemptsForTest(p))

	require.NoError(t, readErr, "a read issued while PgBouncer was away")
	assert.Equal(t, q.ID, read.ID)
	require.NoError(t, txErr, "a transaction issued while PgBouncer was away")
	assert.Equal(t, u.ID, upserted.ID)
	assert.Equal(t, token, upserted.AccessToken, "the sign-in's new token is stored")
	var n int
	require.NoError(t, tdb.Conn(t).QueryRow(ctx, "SELECT count(*) FROM \"user\" WHERE canvas_id = 1401").Scan(&n))
	assert.Equal(t, 1, n, "the user exists once")
}

// TestWaitEndsWithTheCallersDeadline: a request whose context ends before
// the pooler returns fails with the temporary error (the API's 503), and
// does not hang past its deadline.
func TestWaitEndsWithTheCallersDeadline(t *testing.T) {
	env := dbtest.LookupChaos(t)
	tdb := dbtest.NewIn(t, env)
	p := tdb.Open(t, func(c *db.Config) { c.UnavailableWait = time.Minute })
	s := db.NewStore(p)
	u := mustCreateUser(t.Context(), t, s, 1402)

	stopChaosPgBouncer(t)
	for name, call := range map[string]func(ctx context.Context) error{
		"read": func(ctx context.Context) error { _, err := s.User(ctx, u.ID); return err },
		"transaction": func(ctx context.Context) error {
			_, err := s.UpsertUser(ctx, quiz.User{CanvasID: 1402, AccessToken: "a", RefreshToken: "r"})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			before := db.UnavailableAttemptsForTest(p)
			ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- call(ctx) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("hang guard: the request outlived its deadline by far")
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, quiz.ErrTemporary, "the API answers 503: %v", err)
			assert.False(t, errors.Is(err, context.DeadlineExceeded), "the error names the database, not the caller's deadline: %v", err)
			assert.Greater(t, db.UnavailableAttemptsForTest(p)-before, int64(1), "it waited (more than one attempt) before giving up")
		})
	}
}

// killIdleInTx terminates the server connection of the transaction
// waiting between two statements in the test's database (only one runs at
// a time there), and waits until it is gone.
func killIdleInTx(ctx context.Context, t *testing.T, admin *pgx.Conn) {
	t.Helper()
	var killed int
	require.NoError(t, admin.QueryRow(ctx, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 20000))
		FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
		AND state LIKE 'idle in transaction%'`).Scan(&killed))
	require.Equal(t, 1, killed, "one transaction was waiting to be cut")
}

// TestTransactionCutBeforeCommitRunsAgain: a transaction whose server
// connection dies before COMMIT is sent was rolled back by Postgres, so it
// runs again on a new connection and commits once (a PgBouncer restart
// under load no longer fails the writes in flight); one cut as its COMMIT
// is sent runs again only because Postgres says it rolled back
// (TestCommitWhoseAnswerIsLostIsNotRunAgain: it committed). Before, both
// failed with "database unavailable" (503).
func TestTransactionCutBeforeCommitRunsAgain(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	admin := tdb.Conn(t)
	atCommit := false // armed: cut the connection as COMMIT is sent
	s := db.NewStore(openHooked(t, tdb, func(ctx context.Context, sql string) {
		if atCommit && strings.EqualFold(sql, "commit") {
			atCommit = false
			killIdleInTx(ctx, t, admin)
		}
	}))
	_, err := admin.Exec(ctx, "CREATE TABLE fault_probe (n int)")
	require.NoError(t, err)

	for _, tc := range []struct {
		name      string
		moreWork  bool // a statement after the fault (else the fault meets COMMIT)
		wantCalls int
		wantRows  map[int]int // n -> rows committed
	}{
		{"fault before the next statement", true, 2, map[int]int{1: 1, 2: 1}},
		// Cut as COMMIT is sent, before it arrives: Postgres tells that
		// the transaction rolled back (txid_status), so it runs again.
		{"fault at commit", false, 2, map[int]int{1: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := admin.Exec(ctx, "TRUNCATE fault_probe")
			require.NoError(t, err)
			calls := 0
			err = db.InTxForTest(ctx, s, func(exec func(string, ...any) error) error {
				calls++
				if err := exec("INSERT INTO fault_probe VALUES (1)"); err != nil {
					return err
				}
				switch { // the fault, in the first attempt only
				case calls == 1 && tc.moreWork:
					// The server connection of this transaction dies
					// after the INSERT ran.
					killIdleInTx(ctx, t, admin)
				case calls == 1:
					atCommit = true
				}
				if tc.moreWork {
					return exec("INSERT INTO fault_probe VALUES (2)")
				}
				return nil
			})
			require.NoError(t, err, "rolled back by the cut: run again")
			assert.Equal(t, tc.wantCalls, calls, "times the unit of work ran")
			rows, err := admin.Query(ctx, "SELECT n, count(*)::int FROM fault_probe GROUP BY n")
			require.NoError(t, err)
			got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (kv [2]int, err error) {
				return kv, r.Scan(&kv[0], &kv[1])
			})
			require.NoError(t, err)
			gotRows := map[int]int{}
			for _, kv := range got {
				gotRows[kv[0]] = kv[1]
			}
			assert.Equal(t, tc.wantRows, gotRows, "rows committed: each once, and none by the cut attempt")
		})
	}
}

// TestStatementErrorsAreNotRunAgain: a statement's own error, the
// statement timeout and the caller's deadline fail the transaction at
// once: only a lost connection makes it run again.
func TestStatementErrorsAreNotRunAgain(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t, func(c *db.Config) {
		c.UnavailableWait = 20 * time.Second
		c.StatementTimeout = 200 * time.Millisecond
	}))
	for name, tc := range map[string]struct {
		sql  string
		want error
	}{
		"a statement's error":   {"SELECT 1/0", nil},
		"the statement timeout": {"SELECT pg_sleep(5)", quiz.ErrTemporary},
	} {
		t.Run(name, func(t *testing.T) {
			calls := 0
			err := db.InTxForTest(ctx, s, func(exec func(string, ...any) error) error {
				calls++
				return exec(tc.sql)
			})
			require.Error(t, err)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
			}
			assert.Equal(t, 1, calls)
		})
	}
	t.Run("the caller's deadline", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		calls := 0
		err := db.InTxForTest(cctx, s, func(exec func(string, ...any) error) error {
			calls++
			cancel()
			return exec("SELECT 1")
		})
		require.Error(t, err)
		assert.Equal(t, 1, calls)
	})
}

// TestWhatIsWorthWaitingFor: the errors of a restarting pooler or database
// are waited for; PgBouncer's refusals that no wait cures, a statement's
// own error and the caller's deadline are not.
func TestWhatIsWorthWaitingFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "08P01", Message: "server login has been failing, try again later (server_login_retry)"}, true},
		{&pgconn.PgError{Code: "08P01", Message: "client_login_timeout (server down)"}, true},
		{&pgconn.PgError{Code: "08P01", Message: "pgbouncer is shutting down"}, true},
		{&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, true},
		{&pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}, true},
		{&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{io.ErrUnexpectedEOF, true},
		{&pgconn.PgError{Code: "08P01", Message: "password authentication failed"}, false},
		{&pgconn.PgError{Code: "08P01", Message: "no such database: quizgen2"}, false},
		{&pgconn.PgError{Code: "08P01", Message: "unsupported startup parameter: search_path"}, false},
		{&pgconn.PgError{Code: "28P01", Message: "password authentication failed for user \"quizgen\""}, false},
		{&pgconn.PgError{Code: "23505", Message: "duplicate key value violates unique constraint"}, false},
		{context.DeadlineExceeded, false},
		{context.Canceled, false},
	} {
		assert.Equal(t, tc.want, db.UnavailableForTest(fmt.Errorf("wrapped: %w", tc.err)), "%v", tc.err)
	}
}

// TestPauseResumeAroundAPostgresRestart: the restart pgbouncer/README.md
// recommends (PAUSE, restart Postgres, RESUME) costs a waiting request
// latency, not an error.
func TestPauseResumeAroundAPostgresRestart(t *testing.T) {
	ctx := t.Context()
	env := dbtest.LookupChaos(t)
	tdb := dbtest.NewIn(t, env)
	s := db.NewStore(tdb.Open(t))
	u := mustCreateUser(ctx, t, s, 1404)

	admin := os.Getenv("TEST_CHAOS_PGBOUNCER_ADMIN_SUPER_URL")
	require.NotEmpty(t, admin, "set by make test")
	cfg, err := pgx.ParseConfig(admin)
	require.NoError(t, err)
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	cfg.RuntimeParams = map[string]string{}
	console, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	defer console.Close(context.Background())
	_, err = console.Exec(ctx, "PAUSE "+tdb.Name)
	require.NoError(t, err)
	resumed := false
	t.Cleanup(func() {
		if !resumed {
			_, _ = console.Exec(context.Background(), "RESUME "+tdb.Name)
		}
	})

	read := make(chan error, 1)
	go func() { _, err := s.User(ctx, u.ID); read <- err }()
	chaosServices(t, "postgres-stop")
	chaosServices(t, "postgres-start")
	select {
	case err := <-read:
		t.Fatalf("the read did not wait for RESUME: %v", err)
	default:
	}
	_, err = console.Exec(ctx, "RESUME "+tdb.Name)
	require.NoError(t, err)
	resumed = true
	select {
	case err := <-read:
		require.NoError(t, err, "served after RESUME")
	case <-time.After(30 * time.Second):
		t.Fatal("hang guard: not served after RESUME")
	}
}
