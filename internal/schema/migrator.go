package schema

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // registers the pgx5:// driver
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"

	"quizgen/internal/db"
)

// Migrator and golang-migrate live here, not in internal/db, so that only
// functions/migrate (and tests) link them: the other functions' cold
// starts do not pay for the migration engine (README, Builds, `sam local`
// and speed).

// ErrNotDirect is returned by NewMigrator when the URL leads through a
// transaction pooler: golang-migrate holds a session advisory lock for the
// whole run, which a transaction pooler cannot keep.
var ErrNotDirect = errors.New("migrations need a direct PostgreSQL session, not a transaction pooler")

// sessionProbeParam is sent as a startup parameter by NewMigrator.
// PostgreSQL accepts any dotted custom setting at startup and reports it
// back; PgBouncer refuses unknown startup parameters or drops them, so an
// unanswered probe means the URL does not reach PostgreSQL directly.
const sessionProbeParam = "quizgen.session_probe"

// Migrator applies the embedded migrations to one database.
type Migrator struct {
	m   *migrate.Migrate
	log *slog.Logger
}

// MigrationVersion is the schema version this code expects: the newest
// embedded migration.
func MigrationVersion() (uint, error) {
	src, err := iofs.New(db.MigrationsFS(), ".")
	if err != nil {
		return 0, fmt.Errorf("read embedded migrations: %w", err)
	}
	defer src.Close()
	v, err := src.First()
	if err != nil {
		return 0, fmt.Errorf("read embedded migrations: %w", err)
	}
	for {
		next, err := src.Next(v)
		if err != nil {
			return v, nil //nolint:nilerr // os.ErrNotExist: v is the last one
		}
		v = next
	}
}

// NewMigrator connects to directURL (a postgres:// or pgx5:// URL of the
// primary itself, DATABASE_DIRECT_URL) and returns a Migrator. It refuses,
// with ErrNotDirect, a URL that reaches a transaction pooler. lockTimeout
// is how long a run waits for a concurrent run to finish.
func NewMigrator(ctx context.Context, directURL string, lockTimeout time.Duration, log *slog.Logger) (*Migrator, error) {
	pgURL, migrateURL, err := migrationURLs(directURL)
	if err != nil {
		return nil, err
	}
	if err := probeSession(ctx, pgURL); err != nil {
		return nil, err
	}
	src, err := iofs.New(db.MigrationsFS(), ".")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	m, err := migrate.NewWithSourceInstance("iofs", src, migrateURL)
	if err != nil {
		return nil, fmt.Errorf("connect for migrations: %w", db.RedactURLError(err))
	}
	m.LockTimeout = lockTimeout
	m.Log = migrateLogger{log}
	return &Migrator{m: m, log: log}, nil
}

// migrationURLs returns the URL for pgx and the pgx5:// one golang-migrate wants.
func migrationURLs(raw string) (pgURL, migrateURL string, err error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" && u.Query().Get("host") == "" {
		return "", "", errors.New("DATABASE_DIRECT_URL is not a postgres:// URL")
	}
	switch u.Scheme {
	case "postgres", "postgresql", "pgx5":
	default:
		return "", "", fmt.Errorf("DATABASE_DIRECT_URL has scheme %q; want postgres://", u.Scheme)
	}
	u.Scheme = "postgres"
	pgURL = u.String()
	u.Scheme = "pgx5"
	return pgURL, u.String(), nil
}

func probeSession(ctx context.Context, pgURL string) error {
	cfg, err := pgx.ParseConfig(pgURL)
	if err != nil {
		return fmt.Errorf("parse DATABASE_DIRECT_URL: %w", db.RedactURLError(err))
	}
	cfg.RuntimeParams[sessionProbeParam] = "on"
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		if strings.Contains(err.Error(), "unsupported startup parameter") {
			return fmt.Errorf("%w: the server refused a startup parameter, as PgBouncer does; "+
				"point DATABASE_DIRECT_URL at PostgreSQL itself", ErrNotDirect)
		}
		return fmt.Errorf("connect to DATABASE_DIRECT_URL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var got *string
	if err := conn.QueryRow(ctx, "SELECT current_setting($1, true)", sessionProbeParam).Scan(&got); err != nil {
		return fmt.Errorf("probe DATABASE_DIRECT_URL: %w", err)
	}
	if got == nil || *got != "on" {
		return fmt.Errorf("%w: a startup parameter did not reach the server, as behind PgBouncer; "+
			"point DATABASE_DIRECT_URL at PostgreSQL itself", ErrNotDirect)
	}
	return nil
}

// Up applies every pending migration. It returns nil when there is none.
func (m *Migrator) Up() error {
	return m.explain(ignoreNoChange(m.m.Up()))
}

// Down rolls back steps migrations (all of them when fewer are applied);
// steps <= 0 rolls back all of them.
func (m *Migrator) Down(steps int) error {
	if steps <= 0 {
		return m.explain(ignoreNoChange(m.m.Down()))
	}
	err := m.m.Steps(-steps)
	var short migrate.ErrShortLimit
	if errors.As(err, &short) { // fewer were applied than asked: all are rolled back now
		err = nil
	}
	return m.explain(ignoreNoChange(err))
}

// Force sets the version without running anything, to recover from a
// dirty state after the schema was repaired by hand. -1 means "no version".
func (m *Migrator) Force(version int) error {
	return m.explain(m.m.Force(version))
}

// Version returns the current version (0 when none is applied) and
// whether the last migration failed halfway (dirty).
func (m *Migrator) Version() (version uint, dirty bool, err error) {
	v, d, err := m.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, m.explain(err)
	}
	return v, d, nil
}

// Close releases the migrator's connection.
func (m *Migrator) Close() error {
	srcErr, dbErr := m.m.Close()
	return errors.Join(srcErr, dbErr)
}

func ignoreNoChange(err error) error {
	if errors.Is(err, migrate.ErrNoChange) {
		return nil
	}
	return err
}

// DirtyError reports a migration that failed halfway.
type DirtyError struct{ Version int }

func (e DirtyError) Error() string {
	return fmt.Sprintf("database schema is dirty at version %d: a migration failed halfway. "+
		"Repair the schema by hand, then run `force %d` (if the migration's changes are fully in place) "+
		"or `force %d` (if none are), and run `up` again", e.Version, e.Version, e.Version-1)
}

func (m *Migrator) explain(err error) error {
	var dirty migrate.ErrDirty
	switch {
	case err == nil:
		return nil
	case errors.As(err, &dirty):
		return DirtyError{Version: dirty.Version}
	case errors.Is(err, migrate.ErrLockTimeout):
		return fmt.Errorf("another migration run holds the migration lock (waited %s): %w", m.m.LockTimeout, err)
	}
	return db.RedactURLError(err)
}

type migrateLogger struct{ log *slog.Logger }

func (l migrateLogger) Printf(format string, v ...any) {
	l.log.Info("migrate", "msg_detail", strings.TrimSpace(fmt.Sprintf(format, v...)))
}

func (l migrateLogger) Verbose() bool { return false }
