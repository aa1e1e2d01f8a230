package db

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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

// OpenHookedForTest is Open, except that the pool's connections call
// before with each statement's SQL just before sending it: a test injects
// a fault at a chosen statement of a unit of work (sqlc's statements
// start with "-- name: <Query>").
func OpenHookedForTest(ctx context.Context, cfg Config, log *slog.Logger, before func(ctx context.Context, sql string)) (*DB, error) {
	pc, err := PoolConfig(cfg, log)
	if err != nil {
		return nil, err
	}
	pc.ConnConfig.Tracer = hookTracer{tracer: pc.ConnConfig.Tracer.(*tracer), before: before}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, err
	}
	return &DB{pool: pool, cfg: cfg, log: log}, nil
}

type hookTracer struct {
	*tracer
	before func(ctx context.Context, sql string)
}

func (h hookTracer) TraceQueryStart(ctx context.Context, c *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	h.before(ctx, d.SQL)
	return h.tracer.TraceQueryStart(ctx, c, d)
}
