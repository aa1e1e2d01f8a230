// Package dbtest gives each test its own PostgreSQL database, cloned from
// a template migrated once per server, reachable both directly and through
// PgBouncer in transaction pooling mode with the production pool settings.
//
// Connection URLs come from the environment `make test` sets up
// (TEST_DATABASE_URL: a direct URL of a role that may CREATE DATABASE;
// TEST_PGBOUNCER_URL: the same role through PgBouncer, whose `*` entry
// reaches any database). Without them, a test built with -tags docker
// (`make test-docker`) gets Postgres and PgBouncer from testcontainers-go,
// with the committed pgbouncer/pgbouncer.ini, and fails when no Docker
// engine answers (containers.go); built without the tag, the test fails
// when CI is set and is skipped with a hint when it is not.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"quizgen/internal/db"
	"quizgen/internal/logging"
	"quizgen/internal/schema"
)

// DB is one test's database.
type DB struct {
	// Name is the database's name.
	Name string
	// DirectURL reaches it straight at PostgreSQL.
	DirectURL string
	// PoolerURL reaches it through PgBouncer in transaction mode.
	PoolerURL string
}

// Env is where the test databases live.
type Env struct {
	AdminURL  string // direct, a role that may create databases
	PoolerURL string // the same role through PgBouncer
}

// Lookup returns the test environment, or skips or fails the test when
// there is none (see the package comment).
func Lookup(t testing.TB) Env {
	t.Helper()
	if testing.Short() {
		t.Skip("database test; skipped with -short")
	}
	admin, pooler := os.Getenv("TEST_DATABASE_URL"), os.Getenv("TEST_PGBOUNCER_URL")
	if admin != "" && pooler != "" {
		return Env{AdminURL: admin, PoolerURL: pooler}
	}
	if env, ok := containers(t); ok {
		return env
	}
	if os.Getenv("CI") != "" {
		t.Fatal("TEST_DATABASE_URL and TEST_PGBOUNCER_URL must be set in CI (run the tests with `make test`)")
	}
	t.Skip("TEST_DATABASE_URL / TEST_PGBOUNCER_URL not set: run `make test` (or `make test-docker` with a Docker engine), " +
		"or `make services-test` and `. $(scripts/services.sh env test)` before go test")
	return Env{}
}

// LookupChaos returns the separate PostgreSQL and PgBouncer pair that
// destructive tests may stop and restart (TEST_CHAOS_DATABASE_URL,
// TEST_CHAOS_PGBOUNCER_URL) without disturbing tests running in parallel.
// Tests using it must not run in parallel with each other.
func LookupChaos(t testing.TB) Env {
	t.Helper()
	if testing.Short() {
		t.Skip("database test; skipped with -short")
	}
	admin, pooler := os.Getenv("TEST_CHAOS_DATABASE_URL"), os.Getenv("TEST_CHAOS_PGBOUNCER_URL")
	if admin != "" && pooler != "" {
		lockChaos(t, admin)
		return Env{AdminURL: admin, PoolerURL: pooler}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("TEST_CHAOS_DATABASE_URL and TEST_CHAOS_PGBOUNCER_URL must be set in CI (run the tests with `make test`)")
	}
	t.Skip("TEST_CHAOS_* not set: run `make test`")
	return Env{}
}

// lockChaos takes an exclusive lock on the chaos pair until t ends: test
// packages run in parallel processes, and two of them stopping and
// starting the same PgBouncer or Postgres would break each other.
func lockChaos(t testing.TB, key string) {
	t.Helper()
	sum := sha256.Sum256([]byte(key))
	path := filepath.Join(os.TempDir(), "quizgen-chaos-"+hex.EncodeToString(sum[:6])+".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("dbtest: chaos lock: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("dbtest: chaos lock: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
}

// New creates a database for t, cloned from the migrated template, and
// drops it when t ends.
func New(t testing.TB) *DB {
	t.Helper()
	return NewIn(t, Lookup(t))
}

// NewIn is New in the given environment.
func NewIn(t testing.TB, env Env) *DB {
	t.Helper()
	return create(t, env, true)
}

// NewEmpty creates an empty database for t (no migrations applied), for
// tests of the migrations themselves, and drops it when t ends.
func NewEmpty(t testing.TB) *DB {
	t.Helper()
	return create(t, Lookup(t), false)
}

func create(t testing.TB, env Env, migrated bool) *DB {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, env.AdminURL)
	if err != nil {
		t.Fatalf("dbtest: connect to TEST_DATABASE_URL: %v", err)
	}
	defer conn.Close(ctx)

	name := "test_" + strings.ToLower(rand.Text()[:16])
	stmt := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if migrated {
		tmpl, err := ensureTemplate(ctx, conn, env.AdminURL)
		if err != nil {
			t.Fatalf("dbtest: template: %v", err)
		}
		stmt += " TEMPLATE " + pgx.Identifier{tmpl}.Sanitize()
	}
	// CREATE DATABASE fails while another session is connected to the
	// template; only the template builder connects, briefly, so retry.
	for attempt := 0; ; attempt++ {
		_, err = conn.Exec(ctx, stmt)
		if err == nil || attempt == 50 || !strings.Contains(err.Error(), "is being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		c, err := pgx.Connect(ctx, env.AdminURL)
		if err != nil {
			t.Errorf("dbtest: drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("dbtest: drop %s: %v", name, err)
		}
	})
	return &DB{Name: name, DirectURL: WithDatabase(env.AdminURL, name), PoolerURL: WithDatabase(env.PoolerURL, name)}
}

// Open returns a pool on d through PgBouncer with the production settings
// (db.DefaultConfig for PgBouncer), adjusted by the optional edits. It is
// closed when t ends.
func (d *DB) Open(t testing.TB, edits ...func(*db.Config)) *db.DB {
	t.Helper()
	return open(t, db.DefaultConfig(d.PoolerURL, db.PoolerPgBouncer), edits)
}

// OpenDirect returns a pool straight to PostgreSQL (DB_POOLER=direct).
func (d *DB) OpenDirect(t testing.TB, edits ...func(*db.Config)) *db.DB {
	t.Helper()
	return open(t, db.DefaultConfig(d.DirectURL, db.PoolerDirect), edits)
}

func open(t testing.TB, cfg db.Config, edits []func(*db.Config)) *db.DB {
	t.Helper()
	cfg.ApplicationName = "quizgen-test"
	for _, e := range edits {
		e(&cfg)
	}
	// Not logging.Test: pools log from background goroutines that may
	// outlive the test, and t.Log then panics.
	p, err := db.Open(context.Background(), cfg, logging.New(os.Stderr, logLevel()))
	if err != nil {
		t.Fatalf("dbtest: open pool: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// Conn returns a plain direct connection to d, for assertions and for
// setting up states the application cannot reach. It is closed when t ends.
func (d *DB) Conn(t testing.TB) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), d.DirectURL)
	if err != nil {
		t.Fatalf("dbtest: connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// WithDatabase returns rawURL with its database replaced by name.
func WithDatabase(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(fmt.Sprintf("dbtest: bad URL: %v", err))
	}
	u.Path = "/" + name
	return u.String()
}

// templateName changes whenever a migration changes, so a stale template
// is never used.
func templateName() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(db.MigrationsFS(), ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(db.MigrationsFS(), p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path.Base(p), len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return "quizgen_tmpl_" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// ensureTemplate creates and migrates the template database once per
// server. Packages test in parallel processes, so the work is serialised
// with an advisory lock on conn, a direct session.
func ensureTemplate(ctx context.Context, conn *pgx.Conn, adminURL string) (string, error) {
	name, err := templateName()
	if err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(727262)"); err != nil {
		return "", fmt.Errorf("lock: %w", err)
	}
	defer conn.Exec(ctx, "SELECT pg_advisory_unlock(727262)") //nolint:errcheck // session ends soon anyway

	var ready bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", name).Scan(&ready)
	if err != nil || ready {
		return name, err
	}
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return "", err
	}
	m, err := schema.NewMigrator(ctx, WithDatabase(adminURL, name), time.Minute, logging.Discard())
	if err != nil {
		return "", err
	}
	upErr := m.Up()
	if err := m.Close(); err != nil && upErr == nil {
		upErr = err
	}
	if upErr != nil {
		return "", fmt.Errorf("migrate: %w", upErr)
	}
	// Marking it a template only after migrating means a half-built one
	// is rebuilt by the next run.
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident+" WITH is_template true"); err != nil {
		return "", err
	}
	return name, nil
}

// logLevel is warn, or debug with TEST_DB_DEBUG set (connection events).
func logLevel() slog.Level {
	if os.Getenv("TEST_DB_DEBUG") != "" {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}
