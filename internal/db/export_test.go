package db

import (
	"context"
	"log/slog"
	"sync/atomic"

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

// TraceBatchStart calls before with each statement of a batch (one round
// trip: a transaction's BEGIN goes with its first statement), in order.
func (h hookTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	for _, q := range d.Batch.QueuedQueries {
		h.before(ctx, q.SQL)
	}
	return ctx
}

func (hookTracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (hookTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// OpenCountingForTest is Open, except that trips counts the round trips
// the pool's connections make for statements: one per query, exec or
// COMMIT, one per batch (its statements travel together). Connecting,
// logging in and the pool's pings are not counted.
func OpenCountingForTest(ctx context.Context, cfg Config, log *slog.Logger, trips *atomic.Int64) (*DB, error) {
	pc, err := PoolConfig(cfg, log)
	if err != nil {
		return nil, err
	}
	pc.ConnConfig.Tracer = countTracer{tracer: pc.ConnConfig.Tracer.(*tracer), trips: trips}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, err
	}
	return &DB{pool: pool, cfg: cfg, log: log}, nil
}

type countTracer struct {
	*tracer
	trips *atomic.Int64
}

func (c countTracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.trips.Add(1)
	return c.tracer.TraceQueryStart(ctx, conn, d)
}

func (c countTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.trips.Add(1)
	return ctx
}

func (countTracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (countTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// ReadFunctionPairsForTest are the reads served by a PL/pgSQL function of
// migration 000008, each with the plain statement it stands for.
var ReadFunctionPairsForTest = map[string][2]string{
	"api_visible_quizzes": {visibleQuizSummariesSQL, visibleQuizSummariesPlainSQL},
}
