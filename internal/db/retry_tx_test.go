package db_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/quiz"
)

// openHooked opens a pool on tdb through PgBouncer (production settings)
// whose connections call before ahead of each statement.
func openHooked(t *testing.T, tdb *dbtest.DB, before func(ctx context.Context, sql string)) *db.DB {
	t.Helper()
	cfg := db.DefaultConfig(tdb.PoolerURL, db.PoolerPgBouncer)
	cfg.ApplicationName = "quizgen-test"
	cfg.UnavailableWait = 20 * time.Second
	p, err := db.OpenHookedForTest(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), before)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

// TestFanOutCutAfterItsListRunsAgainWithoutDuplicates: FanOutGeneration's
// unit of work fills the list of batches to publish; when its connection
// dies after the list was filled (before COMMIT), the unit runs again and
// the list holds the batches of the run that committed, each once. With
// the retry and without the list reset at the top of the unit, it held
// the first attempt's batches (rolled back, never stored) too: four
// batches for two.
func TestFanOutCutAfterItsListRunsAgainWithoutDuplicates(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	admin := tdb.Conn(t)
	u := mustCreateUser(ctx, t, s, 1410)
	q := mustCreateQuiz(ctx, t, s, u.ID) // 2 batches
	job := queueGeneration(t, s, q.ID)

	// The unit locks the quiz, plans and lists the batches, then locks the
	// quiz again to read it back: the fault comes at that second lock, in
	// the first attempt only.
	begins, locks := 0, 0
	hooked := db.NewStore(openHooked(t, tdb, func(ctx context.Context, sql string) {
		switch {
		case strings.HasPrefix(sql, "BEGIN"):
			begins++
			locks = 0
		case strings.Contains(sql, "-- name: GetQuizForUpdate "):
			locks++
			if begins == 1 && locks == 2 {
				killIdleInTx(ctx, t, admin)
			}
		}
	}))
	_, take, bs, err := hooked.FanOutGeneration(ctx, q.ID, job, quiz.GenerateLease)
	require.NoError(t, err, "cut before COMMIT: run again")
	assert.Equal(t, 2, begins, "the unit ran twice")
	assert.Equal(t, db.TakeStarted, take)

	var stored []uuid.UUID
	rows, err := admin.Query(ctx, "SELECT id FROM generation_batch WHERE quiz_id = $1 AND run_id = $2", q.ID, job)
	require.NoError(t, err)
	for rows.Next() {
		var id uuid.UUID
		require.NoError(t, rows.Scan(&id))
		stored = append(stored, id)
	}
	require.NoError(t, rows.Err())
	require.Len(t, stored, 2, "the run's batches are stored once")
	got := make([]uuid.UUID, 0, len(bs))
	for _, b := range bs {
		got = append(got, b.ID)
	}
	assert.ElementsMatch(t, stored, got, "the batches to publish are the stored ones, each once")
}

// TestTransactionCutByAPgBouncerRestartRunsAgain: PgBouncer stopped
// (SIGTERM: every client connection cut) while a transaction is between
// two statements, and started again: the transaction waits for it, runs
// again and commits once. Before, it failed with "database unavailable"
// (the fleet drill's failed writes through a PgBouncer restart).
func TestTransactionCutByAPgBouncerRestartRunsAgain(t *testing.T) {
	ctx := t.Context()
	env := dbtest.LookupChaos(t)
	tdb := dbtest.NewIn(t, env)
	p := tdb.Open(t, func(c *db.Config) { c.UnavailableWait = 25 * time.Second })
	s := db.NewStore(p)
	admin := tdb.Conn(t)
	_, err := admin.Exec(ctx, "CREATE TABLE fault_probe (n int)")
	require.NoError(t, err)
	script := os.Getenv("TEST_SERVICES_SCRIPT")
	require.NotEmpty(t, script, "TEST_SERVICES_SCRIPT is set by make test")

	calls := 0
	restarted := make(chan error, 1)
	defer func() {
		if calls == 0 {
			restarted <- nil // the goroutine never started
		}
	}()
	err = db.InTxForTest(ctx, s, func(run func(string, ...any) error) error {
		calls++
		if err := run("INSERT INTO fault_probe VALUES (1)"); err != nil {
			return err
		}
		if calls == 1 {
			stopChaosPgBouncer(t)
			before := db.UnavailableAttemptsForTest(p)
			go func() {
				// Back once the transaction has met the missing pooler at
				// least twice (cut, then refused); the guard only ends a hang.
				for guard := time.Now().Add(30 * time.Second); db.UnavailableAttemptsForTest(p) < before+2 &&
					time.Now().Before(guard); {
					time.Sleep(20 * time.Millisecond)
				}
				out, err := exec.Command(script, "pgbouncer-start", "test").CombinedOutput()
				if err != nil {
					err = &startError{err, strings.TrimSpace(string(out))}
				}
				restarted <- err
			}()
		}
		return run("INSERT INTO fault_probe VALUES (2)")
	})
	require.NoError(t, <-restarted, "pgbouncer-start")
	require.NoError(t, err, "cut by the restart before COMMIT: run again")
	assert.Equal(t, 2, calls, "times the unit of work ran")
	assert.GreaterOrEqual(t, db.UnavailableAttemptsForTest(p), int64(2), "it met the missing pooler")
	var n1, n2 int
	require.NoError(t, admin.QueryRow(ctx,
		"SELECT count(*) FILTER (WHERE n = 1), count(*) FILTER (WHERE n = 2) FROM fault_probe").Scan(&n1, &n2))
	assert.Equal(t, [2]int{1, 1}, [2]int{n1, n2}, "each row committed once")
}

type startError struct {
	err error
	out string
}

func (e *startError) Error() string { return e.err.Error() + ": " + e.out }

// cutAfterAnswerProxy forwards connections to target and, the first time
// the server's answer carries command tag (a CommandComplete "COMMIT" or
// "UPDATE 1"), closes that connection instead of passing it on: the
// statement took effect and the client never hears so. onCut, if not nil,
// runs before the connection is closed. It returns the proxy's address and
// whether it cut.
func cutAfterAnswerProxy(t *testing.T, target, tag string, onCut func()) (string, *atomic.Bool) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	cut := new(atomic.Bool)
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				_ = client.Close()
				continue
			}
			go func() { _, _ = io.Copy(server, client); _ = server.Close() }()
			go func() {
				defer client.Close()
				defer server.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := server.Read(buf)
					if n > 0 && bytes.Contains(buf[:n], []byte(tag+"\x00")) && cut.CompareAndSwap(false, true) {
						if onCut != nil {
							onCut()
						}
						return
					}
					if n > 0 {
						if _, werr := client.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), cut
}

// TestCommitWhoseAnswerIsLostIsNotRunAgain: when the connection dies
// after the server committed but before its answer arrives, the
// transaction's outcome is asked of Postgres (txid_status): it committed,
// so the write succeeds and is not run again. Before, the caller got a
// 503 for a write that was stored (the fleet drill's edits counted more
// edit_log entries than edits answered 200).
func TestCommitWhoseAnswerIsLostIsNotRunAgain(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	admin := tdb.Conn(t)
	_, err := admin.Exec(ctx, "CREATE TABLE fault_probe (n int)")
	require.NoError(t, err)
	u, err := url.Parse(tdb.PoolerURL)
	require.NoError(t, err)
	var cut *atomic.Bool
	u.Host, cut = cutAfterAnswerProxy(t, u.Host, "COMMIT", nil)
	cfg := db.DefaultConfig(u.String(), db.PoolerPgBouncer)
	cfg.UnavailableWait = 20 * time.Second
	p, err := db.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(p.Close)
	s := db.NewStore(p)

	calls := 0
	err = db.InTxForTest(ctx, s, func(run func(string, ...any) error) error {
		calls++
		return run("INSERT INTO fault_probe VALUES (1)")
	})
	require.NoError(t, err, "committed: success")
	assert.Equal(t, 1, calls, "not run again")
	assert.True(t, cut.Load(), "the commit's answer was lost")
	var n int
	require.NoError(t, admin.QueryRow(ctx, "SELECT count(*) FROM fault_probe").Scan(&n))
	assert.Equal(t, 1, n, "stored once")
}
