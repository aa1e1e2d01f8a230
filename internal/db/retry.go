package db

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"quizgen/internal/backoff"
)

// Waiting for the pooler or the database (README, Database connections).
//
// A PgBouncer restart, a Postgres restart or a failover makes the database
// unreachable for a few seconds. A request that meets that waits for it,
// within its own deadline and at most Config.UnavailableWait, instead of
// failing at once: reads run again on a fresh connection, a transaction
// when its connection was lost before COMMIT was sent (nothing of it can
// have committed), never after.

const (
	// backoffBase and backoffCap shape the waits between attempts
	// (backoff.Full: capped exponential backoff with full jitter), so
	// environments that lost the pooler together do not come back in step.
	// The cap bounds how long after the pooler's return a waiting request
	// notices it (the fleet drill's goal is every environment serving
	// within 1 s; with a 1 s cap some took 1.02 s): while the pooler is
	// away an attempt is a refused connect, which costs nothing.
	backoffBase = 50 * time.Millisecond
	backoffCap  = 500 * time.Millisecond
)

// uncommittedError marks a failure of a transaction before its COMMIT was
// sent: acquiring (connecting), BEGIN, or a statement of the unit of work.
// Such a transaction has not committed; if its connection died, the
// server rolled it back, and it may run again.
type uncommittedError struct{ err error }

func (e uncommittedError) Error() string { return e.err.Error() }
func (e uncommittedError) Unwrap() error { return e.err }

// unavailable reports whether err means the pooler or the database could
// not be reached or dropped the connection (connect refused or reset, a
// dead pooled connection, PgBouncer's 08P01 errors such as "server login
// has been failing", Postgres shutting down or starting up: 57P01-57P03),
// as opposed to the statement failing or the caller's time running out.
func unavailable(err error) bool {
	if !deadConn(err) {
		return false
	}
	// PgBouncer sends its own refusals as 08P01 too; those that no wait
	// can cure (a wrong password, an unknown database or user, a startup
	// parameter it refuses) fail at once.
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		msg := strings.ToLower(pgErr.Message)
		for _, s := range pgbouncerRefusals {
			if strings.Contains(msg, s) {
				return false
			}
		}
	}
	return true
}

// pgbouncerRefusals are parts of PgBouncer's errors that a retry cannot cure.
var pgbouncerRefusals = []string{ //nolint:gochecknoglobals // read-only table
	"authentication failed", "no such database", "no such user", "not allowed", "unsupported startup parameter",
}

// connecting reports whether err happened while a connection was being
// made, so the next attempt would only connect again: worth a backoff.
// A failure on an established connection (a dead pooled one) is retried
// at once, on the next connection.
func connecting(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce)
}

// untilAvailable runs try until it returns nil, an error that is not
// retryable, or the wait ends: ctx is done, the next wait would pass ctx's
// deadline, or waiting would exceed cfg.UnavailableWait since the first
// failure. try reports whether its error may be retried. A request that had
// to wait is logged once, when it ends, with the attempts and the time.
func (s *Store) untilAvailable(ctx context.Context, op string, try func() (retry bool, err error)) error {
	var (
		attempts  int // failed attempts so far
		immediate int // retries without a wait so far
		first     time.Time
		last      error // the last unavailable error
	)
	for {
		retry, err := try()
		if err != nil && ctx.Err() != nil && last != nil {
			// The caller's time ran out while connecting again: what it
			// met is the unreachable database, not its own deadline.
			err = last
		}
		if err == nil || !retry || ctx.Err() != nil {
			s.logWait(ctx, op, attempts, first, err)
			return err
		}
		s.db.unavailable.Add(1)
		last = err
		attempts++
		if attempts == 1 {
			first = time.Now()
		}
		var wait time.Duration
		if !connecting(err) && immediate < int(s.db.cfg.MaxConns) {
			immediate++ // a dead pooled connection: the next one may be fine
		} else {
			wait = backoff.Full(attempts-immediate, backoffBase, backoffCap)
			if time.Since(first)+wait > s.db.cfg.UnavailableWait {
				s.logWait(ctx, op, attempts, first, err)
				return err
			}
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= wait {
				s.logWait(ctx, op, attempts, first, err)
				return err
			}
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				s.logWait(ctx, op, attempts, first, err)
				return err
			case <-t.C:
			}
		}
	}
}

// logWait logs a unit of work that met an unreachable database: once, at
// its end. The error is pgx's (host, port, user and database names, never
// a password).
func (s *Store) logWait(ctx context.Context, op string, failed int, first time.Time, err error) {
	if failed == 0 {
		return
	}
	attrs := []any{"op", op, "failed_attempts", failed, "waited_ms", ms(time.Since(first))}
	if err != nil {
		s.db.log.WarnContext(ctx, "database unavailable; gave up waiting", append(attrs, "err", err)...)
		return
	}
	s.db.log.WarnContext(ctx, "database unavailable; served after waiting", attrs...)
}
