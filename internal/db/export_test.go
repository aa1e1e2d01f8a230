package db

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// InTxForTest exposes inTx to the external tests: fn gets an exec function
// bound to the transaction.
func InTxForTest(ctx context.Context, s *Store, fn func(exec func(sql string, args ...any) error) error) error {
	return s.inTx(ctx, func(q txQueries) error {
		return fn(func(sql string, args ...any) error {
			_, err := q.tx.Exec(ctx, sql, args...)
			return err
		})
	})
}

// BeforeConnectForTest returns the BeforeConnect hook of d's pool.
func BeforeConnectForTest(d *DB) func(context.Context, *pgx.ConnConfig) error {
	return d.pool.Config().BeforeConnect
}

// DeadConnForTest exposes deadConn.
func DeadConnForTest(err error) bool { return deadConn(err) }

// UnavailableAttemptsForTest returns how many attempts of d's units of work
// found the pooler or the database unreachable.
func UnavailableAttemptsForTest(d *DB) int64 { return d.unavailable.Load() }

// UnavailableForTest exposes unavailable.
func UnavailableForTest(err error) bool { return unavailable(err) }
