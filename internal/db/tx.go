package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// lazyTx is the transaction of one txOnce. It sends no BEGIN round trip
// of its own: BEGIN, SET LOCAL statement_timeout and the reading of the
// transaction's id go in one batch with the unit's first statement (one
// round trip, one Sync), so a transaction of n statements costs n + 1
// round trips, COMMIT included (README, Database connections).
//
// The id is read with txid_current(), which assigns one at once: what
// Postgres can tell of the outcome when the connection dies during COMMIT
// (txid_status). Every unit of inTx writes when it succeeds, so the id
// would be assigned at its first write anyway.
type lazyTx struct {
	conn    *pgx.Conn
	timeout time.Duration // statement_timeout, 0: none
	began   bool          // BEGIN was sent
	xid     int64         // the transaction's id, once began
}

// begin sends BEGIN and its companions with the first statement sql and
// returns the batch positioned on that statement's result.
func (t *lazyTx) begin(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	t.began = true
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	if t.timeout > 0 {
		b.Queue(fmt.Sprintf("SET LOCAL statement_timeout = %d", t.timeout.Milliseconds()))
	}
	b.Queue("SELECT txid_current()")
	b.Queue(sql, args...)
	br := t.conn.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		_ = br.Close()
		return nil, fmt.Errorf("begin: %w", err)
	}
	if t.timeout > 0 {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return nil, fmt.Errorf("begin: %w", err)
		}
	}
	if err := br.QueryRow().Scan(&t.xid); err != nil {
		_ = br.Close()
		return nil, fmt.Errorf("transaction id: %w", err)
	}
	return br, nil
}

// Exec, Query and QueryRow make lazyTx the DBTX of dbsqlc.

func (t *lazyTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if t.began {
		return t.conn.Exec(ctx, sql, args...)
	}
	br, err := t.begin(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	return tag, firstErr(err, br.Close())
}

func (t *lazyTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if t.began {
		return t.conn.Query(ctx, sql, args...)
	}
	br, err := t.begin(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (t *lazyTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if t.began {
		return t.conn.QueryRow(ctx, sql, args...)
	}
	br, err := t.begin(ctx, sql, args)
	if err != nil {
		return errRow{err}
	}
	return batchRow{row: br.QueryRow(), br: br}
}

// commit ends the transaction. A unit that sent no statement has nothing
// to commit. COMMIT of a transaction a failed statement aborted answers
// ROLLBACK: an error, as pgx's Tx.Commit makes it.
func (t *lazyTx) commit(ctx context.Context) error {
	if !t.began {
		return nil
	}
	tag, err := t.conn.Exec(ctx, "COMMIT")
	if err != nil {
		return err
	}
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// rollback ends the transaction even when ctx is done. An error leaves
// the connection in a transaction, and the pool destroys a connection
// released so.
func (t *lazyTx) rollback(ctx context.Context) {
	if !t.began {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, _ = t.conn.Exec(rctx, "ROLLBACK")
}

// batchRow is the first statement's row: reading it also reads the end of
// its batch, so the connection is free for the next statement.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	return firstErr(err, r.br.Close())
}

// batchRows is the first statement's rows; closing them closes the batch.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults
	err error
}

func (r *batchRows) Close() {
	r.Rows.Close()
	if r.br != nil {
		r.err = r.br.Close()
		r.br = nil
	}
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// firstErr is err, or else cerr (closing a batch after its statement).
func firstErr(err, cerr error) error {
	if err != nil {
		return err
	}
	return cerr
}

// errRow is a row whose statement could not be sent.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
