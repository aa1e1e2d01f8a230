package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"quizgen/internal/db/dbsqlc"
	"quizgen/internal/quiz"
)

// Store is the persistence of quizgen: every read and write of users,
// quizzes and questions. It is safe for concurrent use.
type Store struct {
	db *DB
}

// NewStore returns a Store over d.
func NewStore(d *DB) *Store { return &Store{db: d} }

// acquire takes a connection, waiting at most AcquireTimeout for one when
// every connection is busy (the counterpart of DATABASE_POOL_TIMEOUT).
func (s *Store) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	actx, cancel := context.WithTimeout(ctx, s.db.cfg.AcquireTimeout)
	defer cancel()
	c, err := s.db.pool.Acquire(actx)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("acquire connection: pool exhausted for %s: %w", s.db.cfg.AcquireTimeout, quiz.ErrTemporary)
		}
		return nil, fmt.Errorf("acquire connection: %w", classify(err))
	}
	return c, nil
}

// read runs fn, a read-only unit of work, on a pooled connection with the
// statement timeout as deadline. If it fails because its connection died
// (a Lambda thawed with a connection the pooler had closed, a restarted
// pooler) or no connection could be made (the pooler or the database is
// restarting), it runs fn again on a new connection, waiting with backoff
// for at most DB_UNAVAILABLE_WAIT within ctx (untilAvailable): a read can
// safely run twice. Writes go through inTx, which runs again only what
// cannot have committed.
func (s *Store) read(ctx context.Context, fn func(ctx context.Context, q *dbsqlc.Queries) error) error {
	return s.readConn(ctx, func(ctx context.Context, c *pgxpool.Conn) error { return fn(ctx, dbsqlc.New(c)) })
}

// readConn is read for work that needs the connection itself (a batch).
func (s *Store) readConn(ctx context.Context, fn func(ctx context.Context, c *pgxpool.Conn) error) error {
	err := s.untilAvailable(ctx, "read", func() (bool, error) {
		err := s.readConnOnce(ctx, fn)
		return unavailable(err), err
	})
	return classify(err)
}

// readConnOnce runs fn on one pooled connection. fn must use the context
// it is given: it carries the statement timeout as a deadline, the only way
// to bound a read outside a transaction without leaving session state on a
// pooled server connection (README, Database connections: reads and writes are both bounded by
// DB_STATEMENT_TIMEOUT; writes with SET LOCAL, reads with this deadline).
func (s *Store) readConnOnce(ctx context.Context, fn func(ctx context.Context, c *pgxpool.Conn) error) error {
	c, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	st := s.db.cfg.StatementTimeout
	if st <= 0 {
		return fn(ctx, c)
	}
	sctx, cancel := context.WithTimeout(ctx, st)
	defer cancel()
	err = fn(sctx, c)
	if err != nil && ctx.Err() == nil && errors.Is(sctx.Err(), context.DeadlineExceeded) {
		// Our own bound, not the caller's: the database is slow or a lock
		// is held (a deploy's migration); the request may be tried again.
		return fmt.Errorf("%w: read exceeded the statement timeout (%s): %w", quiz.ErrTemporary, st, err)
	}
	return err
}

// inTx runs fn in one transaction: it commits if fn returns nil and rolls
// back if fn returns an error or panics (the panic goes on). It is the only
// way this package opens a transaction. statement_timeout is set with SET
// LOCAL in the BEGIN round trip, so it ends with the transaction and no
// session state is left behind on a pooled server connection.
//
// If the pooler or the database cannot be reached, or the connection dies
// before COMMIT is sent (at BEGIN, or under one of fn's statements: a
// PgBouncer or Postgres restart, a terminated backend), the server has
// rolled the transaction back, and the whole unit runs again on a new
// connection, waiting for the database as a read does (untilAvailable).
// If the connection dies during COMMIT, Postgres is asked on a new
// connection whether the transaction committed (txid_status): committed
// is success, rolled back runs the unit again, and an outcome it cannot
// tell is returned as the error (a temporary one, the API's 503). A
// statement's own error, the statement timeout and the caller's deadline
// are never retried.
//
// So fn may run more than once; it must assign, not accumulate, what it
// hands out: a variable it fills for the caller (a slice appended to, a
// counter, a map, a flag set on some paths) starts from scratch at the top
// of fn, and fn has no effect outside the transaction.
func (s *Store) inTx(ctx context.Context, fn func(q txQueries) error) error {
	err := s.untilAvailable(ctx, "transaction", func() (bool, error) {
		err := s.txOnce(ctx, fn)
		var cu commitUnknownError
		if errors.As(err, &cu) {
			done, rerr := s.committed(ctx, cu.xid)
			switch {
			case rerr != nil:
				return false, err // still unknown
			case done:
				return false, nil
			}
			return true, uncommittedError{err} // rolled back: run again
		}
		var te uncommittedError
		return errors.As(err, &te) && unavailable(te.err), err
	})
	return classify(err)
}

// txQueries is what a unit of work inside inTx gets: the generated
// queries bound to the transaction, and the transaction itself for a
// statement sqlc cannot express (none in a transaction today; tests use it
// through InTxForTest).
type txQueries struct {
	*dbsqlc.Queries
	tx *lazyTx
}

// txOnce runs fn in one transaction on one connection; BEGIN travels with
// fn's first statement (lazyTx). A failure before COMMIT was sent
// (acquiring a connection, BEGIN, or fn) is an uncommittedError: the
// transaction cannot have committed. A COMMIT whose connection died is a
// commitUnknownError naming the transaction.
func (s *Store) txOnce(ctx context.Context, fn func(q txQueries) error) (err error) {
	c, err := s.acquire(ctx)
	if err != nil {
		return uncommittedError{err}
	}
	defer c.Release()
	tx := &lazyTx{conn: c.Conn(), timeout: max(s.db.cfg.StatementTimeout, 0)}
	defer func() {
		if p := recover(); p != nil {
			tx.rollback(ctx)
			panic(p)
		}
		if err != nil {
			tx.rollback(ctx)
		}
	}()
	if err := fn(txQueries{dbsqlc.New(tx), tx}); err != nil {
		return uncommittedError{err}
	}
	if err := tx.commit(ctx); err != nil {
		err = fmt.Errorf("commit: %w", err)
		if tx.began && unavailable(err) {
			return commitUnknownError{xid: tx.xid, err: err}
		}
		return err
	}
	return nil
}

// commitUnknownError is a COMMIT whose connection died before its answer
// came: the transaction xid may or may not have committed.
type commitUnknownError struct {
	xid int64
	err error
}

func (e commitUnknownError) Error() string { return e.err.Error() }
func (e commitUnknownError) Unwrap() error { return e.err }

// errStillRunning is txid_status's "in progress": the server has not yet
// finished the COMMIT whose connection died.
var errStillRunning = errors.New("the transaction is still in progress")

// committed asks Postgres, on another connection, whether transaction xid
// committed (txid_status, meant for a COMMIT whose connection was lost),
// waiting for the database as a read does. An error means the outcome
// stays unknown.
func (s *Store) committed(ctx context.Context, xid int64) (bool, error) {
	var status *string
	err := s.untilAvailable(ctx, "commit outcome", func() (bool, error) {
		err := s.readConnOnce(ctx, func(ctx context.Context, c *pgxpool.Conn) error {
			return c.QueryRow(ctx, "SELECT txid_status($1)", xid).Scan(&status)
		})
		if err == nil && status != nil && *status == "in progress" {
			return true, errStillRunning
		}
		return unavailable(err), err
	})
	switch {
	case err != nil:
		return false, err
	case status == nil: // too old to tell
		return false, errors.New("txid_status: unknown transaction")
	}
	return *status == "committed", nil
}

// deadConn reports whether err means the connection itself failed (as
// opposed to the statement), so a read may run again on a new one.
func deadConn(err error) bool {
	// A deadline or cancellation (the statement timeout, the caller giving
	// up) is not a dead connection: running the read again would only
	// double the wait. pgx reports it as a net.Error too, hence first.
	if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	if pgconn.SafeToRetry(err) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case len(pgErr.Code) == 5 && pgErr.Code[:2] == "08": // connection_exception, incl. PgBouncer's 08P01
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // admin/crash shutdown, cannot connect now
			return true
		}
		return false
	}
	var netErr net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, net.ErrClosed) ||
		errors.As(err, &netErr)
}

// classify translates driver errors into quiz errors at the boundary:
// no rows is ErrNotFound, a unique or serialization conflict is
// ErrConflict, and a dead connection or an unreachable database is
// ErrTemporary (a job that meets it should be delivered again).
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return quiz.ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w: %s", quiz.ErrConflict, pgErr.ConstraintName)
		case "40001", "40P01", "55P03", // serialization failure, deadlock, lock not available
			"57014": // query_canceled: the statement timeout of a write (SET LOCAL)
			return fmt.Errorf("%w: %w", quiz.ErrTemporary, err)
		}
	}
	if deadConn(err) || errors.Is(err, quiz.ErrTemporary) {
		if errors.Is(err, quiz.ErrTemporary) {
			return err
		}
		return fmt.Errorf("%w: database unavailable: %w", quiz.ErrTemporary, err)
	}
	return err
}

// --- users -----------------------------------------------------------------

// UpsertUser creates the user with the given Canvas id, or replaces the
// tokens and expiry of the existing one (sign-in).
func (s *Store) UpsertUser(ctx context.Context, u quiz.User) (quiz.User, error) {
	if u.ID == uuid.Nil {
		u.ID = uuid.New()
	}
	var out quiz.User
	err := s.inTx(ctx, func(q txQueries) error {
		row, err := q.UpsertUser(ctx, dbsqlc.UpsertUserParams{
			ID: u.ID, CanvasID: u.CanvasID, Name: u.Name,
			AccessToken: u.AccessToken, RefreshToken: u.RefreshToken, ExpiresAt: u.ExpiresAt,
		})
		out = userOf(row)
		return err
	})
	if err != nil {
		return quiz.User{}, fmt.Errorf("upsert user canvas_id=%d: %w", u.CanvasID, err)
	}
	return out, nil
}

// User returns the user with id, or quiz.ErrNotFound.
func (s *Store) User(ctx context.Context, id quiz.ID) (quiz.User, error) {
	var out quiz.User
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) error {
		row, err := q.GetUser(ctx, id)
		out = userOf(row)
		return err
	})
	if err != nil {
		return quiz.User{}, fmt.Errorf("get user %s: %w", id, err)
	}
	return out, nil
}

// DeleteUser deletes the user and, by cascade, their quizzes and
// questions. It returns quiz.ErrNotFound if there is no such user.
func (s *Store) DeleteUser(ctx context.Context, id quiz.ID) error {
	return s.inTx(ctx, func(q txQueries) error {
		n, err := q.DeleteUser(ctx, id)
		if err == nil && n == 0 {
			err = quiz.ErrNotFound
		}
		return err
	})
}

func userOf(r dbsqlc.User) quiz.User {
	return quiz.User{
		ID: r.ID, CanvasID: r.CanvasID, Name: r.Name, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		AccessToken: r.AccessToken, RefreshToken: r.RefreshToken, ExpiresAt: r.ExpiresAt,
		TokenType: r.TokenType, OnboardingCompleted: r.OnboardingCompleted, SessionVersion: int(r.SessionVersion),
	}
}

// --- quizzes ---------------------------------------------------------------

// CreateQuiz stores a new quiz (quizParams: a v1 one, or one of today's
// model when n.Typed()) with all three statuses pending.
func (s *Store) CreateQuiz(ctx context.Context, n quiz.NewQuiz) (quiz.Quiz, error) {
	p, err := quizParams(n)
	if err != nil {
		return quiz.Quiz{}, err
	}
	var out quiz.Quiz
	err = s.inTx(ctx, func(q txQueries) (err error) {
		out, err = insertQuizIn(ctx, q, p)
		return err
	})
	if err != nil {
		return quiz.Quiz{}, fmt.Errorf("create quiz: %w", err)
	}
	return out, nil
}

// insertQuizIn inserts the quiz p (a new id) in q.
func insertQuizIn(ctx context.Context, q txQueries, p dbsqlc.InsertQuizParams) (quiz.Quiz, error) {
	p.ID = uuid.New()
	row, err := q.InsertQuiz(ctx, p)
	if err != nil {
		return quiz.Quiz{}, err
	}
	return quizOf(row)
}

// Quiz returns the quiz with id, or quiz.ErrNotFound.
func (s *Store) Quiz(ctx context.Context, id quiz.ID) (quiz.Quiz, error) {
	var out quiz.Quiz
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) error {
		row, err := q.GetQuiz(ctx, id)
		if err != nil {
			return err
		}
		out, err = quizOf(row)
		return err
	})
	if err != nil {
		return quiz.Quiz{}, fmt.Errorf("get quiz %s: %w", id, err)
	}
	return out, nil
}

// QuizzesByOwner returns the owner's quizzes, newest first.
func (s *Store) QuizzesByOwner(ctx context.Context, owner quiz.ID) ([]quiz.Quiz, error) {
	var out []quiz.Quiz
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) error {
		rows, err := q.ListQuizzesByOwner(ctx, owner)
		if err != nil {
			return err
		}
		out = make([]quiz.Quiz, 0, len(rows))
		for _, r := range rows {
			qz, err := quizOf(r)
			if err != nil {
				return err
			}
			out = append(out, qz)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list quizzes of %s: %w", owner, err)
	}
	return out, nil
}

// DeleteQuiz deletes the owner's quiz and its questions. It returns
// quiz.ErrNotFound if the quiz does not exist or belongs to someone else.
func (s *Store) DeleteQuiz(ctx context.Context, owner, id quiz.ID) error {
	err := s.inTx(ctx, func(q txQueries) error {
		n, err := q.DeleteQuiz(ctx, dbsqlc.DeleteQuizParams{ID: id, OwnerID: owner})
		if err == nil && n == 0 {
			err = quiz.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete quiz %s: %w", id, err)
	}
	return nil
}

// UpdateStatus is get_quiz_for_update followed by a status update, in one
// short transaction: it locks the quiz row (SELECT ... FOR UPDATE), hands
// the locked quiz and the database's clock to decide, and writes the status
// decide returns for stage. Moving to processing records the time (the
// job's lease). If decide returns an error, nothing changes and that error
// is returned (wrap quiz.ErrConflict for "not in a state that allows
// this"). It returns quiz.ErrNotFound for a missing quiz. decide must not
// do I/O: the row is locked while it runs.
func (s *Store) UpdateStatus(ctx context.Context, id quiz.ID, stage quiz.Stage,
	decide quiz.Decide) (quiz.Quiz, error) {
	var out quiz.Quiz
	err := s.inTx(ctx, func(q txQueries) (err error) {
		out, err = updateStatusIn(ctx, q, id, stage, decide)
		return err
	})
	if err != nil {
		return quiz.Quiz{}, fmt.Errorf("update %s status of quiz %s: %w", stage, id, err)
	}
	return out, nil
}

// updateStatusIn is UpdateStatus inside the transaction q.
func updateStatusIn(ctx context.Context, q txQueries, id quiz.ID, stage quiz.Stage, decide quiz.Decide) (quiz.Quiz, error) {
	if !stage.Valid() {
		return quiz.Quiz{}, fmt.Errorf("unknown stage %q", stage)
	}
	row, err := q.GetQuizForUpdate(ctx, id)
	if err != nil {
		return quiz.Quiz{}, err
	}
	cur, err := quizOf(row.Quiz)
	if err != nil {
		return quiz.Quiz{}, err
	}
	d, err := decide(cur, row.DbNow)
	if err != nil {
		return quiz.Quiz{}, err
	}
	if !d.To.Valid() {
		return quiz.Quiz{}, fmt.Errorf("decided invalid status %q", d.To)
	}
	if d.SetContent && stage != quiz.StageExtraction {
		return quiz.Quiz{}, fmt.Errorf("set content outside the extraction stage")
	}
	var r dbsqlc.Quiz
	switch stage {
	case quiz.StageExtraction:
		var content json.RawMessage // SQL NULL unless there is content
		if len(d.Content) > 0 {
			content = d.Content
		}
		r, err = q.UpdateExtractionStatus(ctx, dbsqlc.UpdateExtractionStatusParams{
			ID: id, Status: string(d.To), SetJobID: d.SetJobID, JobID: d.JobID,
			SetContent: d.SetContent, Content: content, ContentAt: d.ContentAt,
		})
	case quiz.StageGeneration:
		r, err = q.UpdateGenerationStatus(ctx, dbsqlc.UpdateGenerationStatusParams{
			ID: id, Status: string(d.To), SetJobID: d.SetJobID, JobID: d.JobID,
		})
	case quiz.StageExport:
		r, err = q.UpdateExportStatus(ctx, dbsqlc.UpdateExportStatusParams{
			ID: id, Status: string(d.To), SetJobID: d.SetJobID, JobID: d.JobID,
		})
	}
	if err != nil {
		return quiz.Quiz{}, err
	}
	return quizOf(r)
}

// MoveStatus changes stage of quiz id from one status to another in one
// guarded statement. It returns quiz.ErrConflict if the quiz is not in
// status from and quiz.ErrNotFound if it does not exist.
func (s *Store) MoveStatus(ctx context.Context, id quiz.ID, stage quiz.Stage, from, to quiz.Status) (quiz.Quiz, error) {
	return s.UpdateStatus(ctx, id, stage, func(q quiz.Quiz, _ time.Time) (quiz.Decision, error) {
		if q.Status(stage) != from {
			return quiz.Decision{}, fmt.Errorf("%s is %s, not %s: %w", stage, q.Status(stage), from, quiz.ErrConflict)
		}
		return quiz.Decision{To: to}, nil
	})
}

// SetExtractedContent stores the extracted content of quiz id (nil stores
// NULL) and the time it was extracted.
func (s *Store) SetExtractedContent(ctx context.Context, id quiz.ID, content json.RawMessage) error {
	return s.inTx(ctx, func(q txQueries) error {
		n, err := q.SetExtractedContent(ctx, dbsqlc.SetExtractedContentParams{ID: id, ExtractedContent: content})
		if err == nil && n == 0 {
			err = quiz.ErrNotFound
		}
		return err
	})
}
