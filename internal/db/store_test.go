package db_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/quiz"
)

// mustCreateUser inserts a user through the store.
func mustCreateUser(ctx context.Context, t *testing.T, s *db.Store, canvasID int64) quiz.User {
	t.Helper()
	name := fmt.Sprintf("Teacher %d", canvasID)
	u, err := s.UpsertUser(ctx, quiz.User{CanvasID: canvasID, Name: &name, AccessToken: "enc-a", RefreshToken: "enc-r"})
	require.NoError(t, err, "create user")
	return u
}

func mustCreateQuiz(ctx context.Context, t *testing.T, s *db.Store, owner quiz.ID) quiz.Quiz {
	t.Helper()
	q, err := s.CreateQuiz(ctx, quiz.NewQuiz{
		OwnerID: owner, CanvasCourseID: 37823, CanvasCourseName: "INF-2600 AI",
		SelectedModules: []quiz.Module{{ID: 173468, Name: "CSP"}, {ID: 173467, Name: "Admin"}},
		Title:           "Quiz", QuestionCount: 10, LLMModel: "o3", LLMTemperature: 1,
	})
	require.NoError(t, err, "create quiz")
	return q
}

func TestStoreQuizLifecycleViaPgBouncer(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))

	u := mustCreateUser(ctx, t, s, 12345)
	q := mustCreateQuiz(ctx, t, s, u.ID)
	assert.Equal(t, quiz.StatusPending, q.ContentExtractionStatus)
	assert.Equal(t, quiz.StatusPending, q.LLMGenerationStatus)
	assert.Equal(t, quiz.StatusPending, q.ExportStatus)
	require.NotNil(t, q.CreatedAt)
	// Module order is the teacher's, not jsonb's key order.
	assert.Equal(t, []quiz.Module{{ID: 173468, Name: "CSP"}, {ID: 173467, Name: "Admin"}}, q.SelectedModules)

	for range 20 { // enough round trips to land on different server connections
		got, err := s.Quiz(ctx, q.ID)
		require.NoError(t, err)
		assert.Equal(t, q.ID, got.ID)
	}
	list, err := s.QuizzesByOwner(ctx, u.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)

	other := mustCreateUser(ctx, t, s, 999)
	assert.ErrorIs(t, s.DeleteQuiz(ctx, other.ID, q.ID), quiz.ErrNotFound, "someone else's quiz")
	_, err = s.Quiz(ctx, uuid.New())
	assert.ErrorIs(t, err, quiz.ErrNotFound)

	added, err := s.AddQuestions(ctx, q.ID, []quiz.NewQuestion{
		{QuestionText: "Q1?", OptionA: "a", OptionB: "b", OptionC: "c", OptionD: "d", CorrectAnswer: "B"},
	})
	require.NoError(t, err)
	require.Len(t, added, 1)
	stats, err := s.QuestionStats(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, quiz.QuestionStats{Total: 1, Approved: 0}, stats)

	require.NoError(t, s.DeleteUser(ctx, u.ID))
	_, err = s.Quiz(ctx, q.ID)
	assert.ErrorIs(t, err, quiz.ErrNotFound, "quiz goes with its owner")
	qs, err := s.Questions(ctx, q.ID)
	require.NoError(t, err)
	assert.Empty(t, qs, "questions go with their quiz")
}

func TestSchemaRejectsInvalidValues(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	q := mustCreateQuiz(ctx, t, s, mustCreateUser(ctx, t, s, 1).ID)

	_, err := s.AddQuestions(ctx, q.ID, []quiz.NewQuestion{
		{QuestionText: "ok", OptionA: "a", OptionB: "b", OptionC: "c", OptionD: "d", CorrectAnswer: "A"},
		{QuestionText: "bad", OptionA: "a", OptionB: "b", OptionC: "c", OptionD: "d", CorrectAnswer: "E"},
	})
	require.Error(t, err, "correct_answer E violates the CHECK")
	stats, err := s.QuestionStats(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, 0, stats.Total, "the batch is all or nothing")

	conn := tdb.Conn(t)
	_, err = conn.Exec(ctx, "UPDATE quiz SET export_status = 'done' WHERE id = $1", q.ID)
	assert.ErrorContains(t, err, "quiz_export_status_check")
}

func TestJSONBRoundTripInExecMode(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	p := tdb.Open(t)
	mode, err := db.ExecMode(p.Config())
	require.NoError(t, err)
	require.Equal(t, pgx.QueryExecModeExec, mode, "behind PgBouncer the pool must not prepare statements")
	s := db.NewStore(p)
	q := mustCreateQuiz(ctx, t, s, mustCreateUser(ctx, t, s, 2).ID)

	content := json.RawMessage(`{"module_173468": [{"title": "CSP – ≠ naïve \"quoted\"", "content": "x\ny", "type": "page"}], "module_1": []}`)
	require.NoError(t, s.SetExtractedContent(ctx, q.ID, content))
	got, err := s.Quiz(ctx, q.ID)
	require.NoError(t, err)
	assert.JSONEq(t, string(content), string(got.ExtractedContent))
	assert.NotNil(t, got.ContentExtractedAt)

	require.NoError(t, s.SetExtractedContent(ctx, q.ID, nil))
	got, err = s.Quiz(ctx, q.ID)
	require.NoError(t, err)
	assert.Nil(t, got.ExtractedContent, "nil stores SQL NULL")
	assert.Nil(t, got.ContentExtractedAt)
}

func TestTransactionHelper(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	conn := tdb.Conn(t)
	count := func(name string) int {
		var n int
		require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM "user" WHERE name = $1`, name).Scan(&n))
		return n
	}
	insert := func(exec func(string, ...any) error, name string) error {
		return exec(`INSERT INTO "user" (canvas_id, name) VALUES ((random()*1e9)::bigint, $1)`, name)
	}

	t.Run("success commits", func(t *testing.T) {
		err := db.InTxForTest(ctx, s, func(exec func(string, ...any) error) error { return insert(exec, "committed") })
		require.NoError(t, err)
		assert.Equal(t, 1, count("committed"))
	})
	t.Run("error rolls back", func(t *testing.T) {
		boom := errors.New("boom")
		err := db.InTxForTest(ctx, s, func(exec func(string, ...any) error) error {
			require.NoError(t, insert(exec, "rolled-back"))
			return boom
		})
		require.ErrorIs(t, err, boom)
		assert.Equal(t, 0, count("rolled-back"))
	})
	t.Run("panic rolls back and re-panics", func(t *testing.T) {
		assert.PanicsWithValue(t, "kaboom", func() {
			_ = db.InTxForTest(ctx, s, func(exec func(string, ...any) error) error {
				require.NoError(t, insert(exec, "panicked"))
				panic("kaboom")
			})
		})
		assert.Equal(t, 0, count("panicked"))
		// The connection went back to the pool clean: the next transaction works.
		require.NoError(t, db.InTxForTest(ctx, s, func(exec func(string, ...any) error) error { return insert(exec, "after-panic") }))
		assert.Equal(t, 1, count("after-panic"))
	})
	t.Run("statement timeout is transaction-local", func(t *testing.T) {
		p := tdb.Open(t, func(c *db.Config) { c.StatementTimeout = 200 * time.Millisecond })
		s := db.NewStore(p)
		err := db.InTxForTest(ctx, s, func(exec func(string, ...any) error) error { return exec("SELECT pg_sleep(2)") })
		require.ErrorContains(t, err, "statement timeout")
		// No SET leaked into the session PgBouncer hands to others.
		var v string
		require.NoError(t, conn.QueryRow(ctx, "SHOW statement_timeout").Scan(&v))
		assert.Equal(t, "0", v)
	})
}

func TestUpdateStatusSerialisesUnderRowLock(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	// Two pools, as two Lambda environments would have.
	s1, s2 := db.NewStore(tdb.Open(t)), db.NewStore(tdb.Open(t))
	q := mustCreateQuiz(ctx, t, s1, mustCreateUser(ctx, t, s1, 3).ID)
	admin := tdb.Conn(t)

	var inside atomic.Int32
	var seen sync.Map
	take := func(s *db.Store, who string) error {
		_, err := s.UpdateStatus(ctx, q.ID, quiz.StageGeneration, func(cur quiz.Quiz, _ time.Time) (quiz.Decision, error) {
			if n := inside.Add(1); n > 1 {
				t.Errorf("%s: %d deciders inside the lock at once", who, n)
			}
			defer inside.Add(-1)
			seen.Store(who, cur.LLMGenerationStatus)
			if cur.LLMGenerationStatus == quiz.StatusProcessing {
				return quiz.Decision{}, quiz.ErrConflict
			}
			// Hold the lock until Postgres shows the other waiting for it.
			if err := waitForLockWaiter(ctx, admin); err != nil {
				return quiz.Decision{}, err
			}
			return quiz.Decision{To: quiz.StatusProcessing}, nil
		})
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range []*db.Store{s1, s2} {
		wg.Go(func() { errs[i] = take(s, fmt.Sprint("env", i)) })
	}
	wg.Wait()

	wins, conflicts := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, quiz.ErrConflict):
			conflicts++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	assert.Equal(t, 1, wins, "exactly one move wins")
	assert.Equal(t, 1, conflicts, "the other sees processing once the lock is released")
	got, err := s1.Quiz(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, quiz.StatusProcessing, got.LLMGenerationStatus)
	assert.NotNil(t, got.LLMGenerationStartedAt, "taking processing stamps the lease")
}

// waitForLockWaiter returns once another session of admin's database
// waits for a lock (pg_stat_activity), or with an error after a hang
// guard of 30 s.
func waitForLockWaiter(ctx context.Context, admin *pgx.Conn) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := admin.Exec(ctx, `DO $$ BEGIN
		WHILE NOT EXISTS (SELECT FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock') LOOP
			PERFORM pg_stat_clear_snapshot();
			PERFORM pg_sleep(0.005);
		END LOOP;
	END $$`)
	if err != nil {
		return fmt.Errorf("waiting for a session waiting on a lock: %w", err)
	}
	return nil
}

func TestUpdateStatusLeaseUsesDatabaseClock(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	q := mustCreateQuiz(ctx, t, s, mustCreateUser(ctx, t, s, 4).ID)
	_, err := s.MoveStatus(ctx, q.ID, quiz.StageExport, quiz.StatusPending, quiz.StatusProcessing)
	require.NoError(t, err)
	_, err = s.MoveStatus(ctx, q.ID, quiz.StageExport, quiz.StatusPending, quiz.StatusProcessing)
	require.ErrorIs(t, err, quiz.ErrConflict, "guarded move from a stale status")

	// Pretend the run that took it started 20 minutes ago and died.
	_, err = tdb.Conn(t).Exec(ctx, "UPDATE quiz SET export_started_at = now() - interval '20 minutes' WHERE id = $1", q.ID)
	require.NoError(t, err)
	retake := func(cur quiz.Quiz, now time.Time) (quiz.Decision, error) {
		if cur.ExportStatus == quiz.StatusProcessing && !cur.LeaseExpired(quiz.StageExport, 15*time.Minute, now) {
			return quiz.Decision{}, quiz.ErrConflict
		}
		return quiz.Decision{To: quiz.StatusProcessing}, nil
	}
	got, err := s.UpdateStatus(ctx, q.ID, quiz.StageExport, retake)
	require.NoError(t, err, "an expired lease may be taken again")
	require.NotNil(t, got.ExportStartedAt)
	assert.WithinDuration(t, time.Now(), *got.ExportStartedAt, time.Minute, "the lease restarts")
	_, err = s.UpdateStatus(ctx, q.ID, quiz.StageExport, retake)
	assert.ErrorIs(t, err, quiz.ErrConflict, "a live lease is not taken")

	_, err = s.UpdateStatus(ctx, uuid.New(), quiz.StageExport, retake)
	assert.ErrorIs(t, err, quiz.ErrNotFound)
}

func TestUpdateStatusClearsContentForReextraction(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t))
	q := mustCreateQuiz(ctx, t, s, mustCreateUser(ctx, t, s, 5).ID)
	require.NoError(t, s.SetExtractedContent(ctx, q.ID, json.RawMessage(`{"module_1": []}`)))
	got, err := s.UpdateStatus(ctx, q.ID, quiz.StageExtraction, func(quiz.Quiz, time.Time) (quiz.Decision, error) {
		return quiz.Decision{To: quiz.StatusPending, SetContent: true}, nil
	})
	require.NoError(t, err)
	assert.Nil(t, got.ExtractedContent)
	assert.Nil(t, got.ContentExtractedAt)
	assert.Equal(t, quiz.StatusPending, got.LLMGenerationStatus, "other stages untouched")
}

func mustCreateUserB(b *testing.B, s *db.Store) quiz.User {
	b.Helper()
	u, err := s.UpsertUser(b.Context(), quiz.User{CanvasID: 777})
	if err != nil {
		b.Fatal(err)
	}
	return u
}

func newQuizFor(u quiz.User) quiz.NewQuiz {
	return quiz.NewQuiz{OwnerID: u.ID, CanvasCourseID: 1, CanvasCourseName: "c", Title: "t",
		QuestionCount: 10, LLMModel: "o3", LLMTemperature: 1}
}

// DB_STATEMENT_TIMEOUT bounds reads as well as writes, through PgBouncer:
// a request queued behind a migration's ACCESS EXCLUSIVE lock gives up
// after the timeout instead of waiting for the lock.
func TestStatementTimeoutBoundsReadsAndWrites(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	s := db.NewStore(tdb.Open(t, func(c *db.Config) { c.StatementTimeout = 200 * time.Millisecond }))
	q := mustCreateQuiz(ctx, t, s, mustCreateUser(ctx, t, s, 41).ID)

	locker := tdb.Conn(t)
	tx, err := locker.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(context.Background()) }()
	_, err = tx.Exec(ctx, "LOCK TABLE quiz IN ACCESS EXCLUSIVE MODE")
	require.NoError(t, err)

	// Each call must return while the lock is still held; if it does not
	// within a generous bound, the test releases the lock and fails.
	bounded := func(name string, call func() error) {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- call() }()
		select {
		case err := <-done:
			require.Error(t, err, "%s ran to completion behind the lock", name)
			assert.ErrorIs(t, err, quiz.ErrTemporary, name)
		case <-time.After(20 * time.Second):
			_ = tx.Rollback(context.Background())
			<-done
			t.Fatalf("%s waited for the lock: DB_STATEMENT_TIMEOUT did not bound it", name)
		}
	}
	bounded("read", func() error { _, err := s.Quiz(ctx, q.ID); return err })
	bounded("write", func() error { return s.DeleteQuiz(ctx, q.OwnerID, q.ID) })

	require.NoError(t, tx.Rollback(ctx))
	got, err := s.Quiz(ctx, q.ID)
	require.NoError(t, err, "the pool serves again once the lock is gone")
	assert.Equal(t, q.ID, got.ID)
}
