package generation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db"
	"quizgen/internal/pipeline"
	"quizgen/internal/pipeline/generation"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
)

// errReset is what a write lost to a connection reset at the pooler
// returns (db.classify's shape).
var errReset = fmt.Errorf("%w: database unavailable: write tcp 127.0.0.1:6432: connection reset by peer", quiz.ErrTemporary)

// flakyStore fails chosen calls of the store the jobs use. A key is a
// method name ("CompleteStage:export" for a stage's CompleteStage;
// "SetCanvasItemID:<question id>" for one question's item write).
type flakyStore struct {
	pipeline.Store
	runs generation.RunStore
	mu   sync.Mutex
	// once: keys whose first call fails; always: keys every call fails.
	once, always map[string]bool
	failed       map[string]int
}

func newFlaky(s *db.Store) *flakyStore {
	return &flakyStore{Store: s, runs: s, once: map[string]bool{}, always: map[string]bool{}, failed: map[string]int{}}
}

// The generation run's store (generation.RunStore).

func (f *flakyStore) FanOutGeneration(ctx context.Context, id, jobID quiz.ID, lease time.Duration) (quiz.Quiz, quiz.Take, []quiz.GenerationBatch, error) {
	if err := f.hit("FanOutGeneration"); err != nil {
		return quiz.Quiz{}, 0, nil, err
	}
	return f.runs.FanOutGeneration(ctx, id, jobID, lease)
}

func (f *flakyStore) TakeBatch(ctx context.Context, id, batchID, jobID quiz.ID, lease time.Duration) (quiz.Quiz, quiz.GenerationBatch, quiz.Take, error) {
	if err := f.hit("TakeBatch"); err != nil {
		return quiz.Quiz{}, quiz.GenerationBatch{}, 0, err
	}
	return f.runs.TakeBatch(ctx, id, batchID, jobID, lease)
}

func (f *flakyStore) SaveBatch(ctx context.Context, id, batchID, jobID quiz.ID, qs []quiz.NewQuestion, check db.DuplicateCheck) (bool, error) {
	if err := f.hit("SaveBatch"); err != nil {
		return false, err
	}
	return f.runs.SaveBatch(ctx, id, batchID, jobID, qs, check)
}

func (f *flakyStore) FailBatch(ctx context.Context, id, batchID, jobID quiz.ID, reason string) (bool, error) {
	return f.runs.FailBatch(ctx, id, batchID, jobID, reason)
}

func (f *flakyStore) ReleaseBatch(ctx context.Context, id, batchID, jobID quiz.ID) error {
	return f.runs.ReleaseBatch(ctx, id, batchID, jobID)
}

func (f *flakyStore) QuestionData(ctx context.Context, id quiz.ID) ([]db.StoredQuestion, error) {
	if err := f.hit("QuestionData"); err != nil {
		return nil, err
	}
	return f.runs.QuestionData(ctx, id)
}

func (f *flakyStore) set(m map[string]bool, keys ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		m[k] = true
	}
}

func (f *flakyStore) heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.always)
}

func (f *flakyStore) hit(keys ...string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		if f.always[k] || f.once[k] {
			delete(f.once, k)
			f.failed[k]++
			return errReset
		}
	}
	return nil
}

func (f *flakyStore) TakeStage(ctx context.Context, id quiz.ID, stage quiz.Stage, jobID quiz.ID, lease time.Duration) (quiz.Quiz, quiz.Take, error) {
	if err := f.hit("TakeStage:" + string(stage)); err != nil {
		return quiz.Quiz{}, 0, err
	}
	return f.Store.TakeStage(ctx, id, stage, jobID, lease)
}

func (f *flakyStore) CompleteStage(ctx context.Context, id quiz.ID, stage quiz.Stage, jobID quiz.ID) error {
	if err := f.hit("CompleteStage:" + string(stage)); err != nil {
		return err
	}
	return f.Store.CompleteStage(ctx, id, stage, jobID)
}

func (f *flakyStore) FinishExtraction(ctx context.Context, id, jobID quiz.ID, content json.RawMessage, lease time.Duration) (bool, error) {
	if err := f.hit("FinishExtraction"); err != nil {
		return false, err
	}
	return f.Store.FinishExtraction(ctx, id, jobID, content, lease)
}

func (f *flakyStore) ApprovedQuestions(ctx context.Context, id quiz.ID) ([]quiz.Question, error) {
	if err := f.hit("ApprovedQuestions"); err != nil {
		return nil, err
	}
	return f.Store.ApprovedQuestions(ctx, id)
}

func (f *flakyStore) SetCanvasQuizID(ctx context.Context, id, jobID quiz.ID, canvasQuizID string) error {
	if err := f.hit("SetCanvasQuizID"); err != nil {
		return err
	}
	return f.Store.SetCanvasQuizID(ctx, id, jobID, canvasQuizID)
}

func (f *flakyStore) SetCanvasItemID(ctx context.Context, id, jobID, questionID quiz.ID, itemID string) error {
	if err := f.hit("SetCanvasItemID", "SetCanvasItemID:"+questionID.String()); err != nil {
		return err
	}
	return f.Store.SetCanvasItemID(ctx, id, jobID, questionID, itemID)
}

// generated makes a quiz of n generated, approved questions and returns
// its export message, with the store of the jobs replaced by a flakyStore.
func generated(t *testing.T, n int) (*bundle, *flakyStore, quiz.Quiz, queue.Message) {
	t.Helper()
	b := setup(t, options{})
	q, msg := b.create(n, modules...)
	require.NoError(t, b.run(msg, 1))
	b.approveAll(q.ID)
	require.NoError(t, b.svc.StartExport(t.Context(), b.owner.ID, q.ID, "req"))
	f := newFlaky(b.store)
	b.p.Store = f
	return b, f, q, b.jobs.last(t)
}

// redeliver runs msg as SQS would until it succeeds: each failed delivery
// comes back after its lease ran out, at most MaxReceiveCount times.
func (b *bundle) redeliver(t *testing.T, id quiz.ID, msg queue.Message, column string) int {
	t.Helper()
	for attempt := 1; attempt <= queue.MaxReceiveCount; attempt++ {
		if err := b.run(msg, attempt); err == nil {
			return attempt
		}
		_, err := b.tdb.Conn(t).Exec(t.Context(), "UPDATE quiz SET "+column+" = now() - interval '1 hour' WHERE id = $1", id)
		require.NoError(t, err)
	}
	t.Fatalf("still failing after %d deliveries", queue.MaxReceiveCount)
	return 0
}

// assertExportedOnce checks that Canvas holds exactly one quiz for q,
// holding each approved question exactly once, and that the quiz is
// exported with every item id recorded.
func (b *bundle) assertExportedOnce(t *testing.T, q quiz.Quiz) {
	t.Helper()
	got := b.quiz(q.ID)
	assert.Equal(t, quiz.StatusCompleted, got.ExportStatus)
	recorded := b.canvas.Quizzes()
	require.Equal(t, 1, len(recorded), "exactly one Canvas quiz in the course")
	require.NotNil(t, got.CanvasQuizID)
	assert.Equal(t, recorded[0].ID, *got.CanvasQuizID)
	texts := map[string]int{}
	for _, it := range recorded[0].Items {
		var body struct {
			Item struct {
				Entry struct {
					ItemBody string `json:"item_body"`
				} `json:"entry"`
			} `json:"item"`
		}
		require.NoError(t, json.Unmarshal(it.Raw, &body))
		texts[body.Item.Entry.ItemBody]++
	}
	qs := b.questions(q.ID)
	assert.Len(t, recorded[0].Items, len(qs), "one item per approved question")
	ids := map[string]bool{}
	for _, it := range recorded[0].Items {
		ids[it.ID] = true
	}
	for _, qn := range qs {
		require.NotNil(t, qn.CanvasItemID, "question %s has its item id", qn.ID)
		assert.True(t, ids[*qn.CanvasItemID], "the recorded item id is an item of the quiz")
	}
	assert.Len(t, texts, len(qs), "no question twice")
}

// Each write of the export's progress fails once, as a connection reset
// at the pooler would: the export still creates one quiz, each question
// once.
func TestExportSurvivesEachWriteFailingOnce(t *testing.T) {
	t.Parallel()
	b, f, q, msg := generated(t, 8)
	f.set(f.once, "SetCanvasQuizID", "CompleteStage:export")
	for _, qn := range b.questions(q.ID) {
		f.set(f.once, "SetCanvasItemID:"+qn.ID.String())
	}
	b.redeliver(t, q.ID, msg, "export_started_at")
	assert.Len(t, f.failed, 10, "each write failed once")
	b.assertExportedOnce(t, q)
}

// The writes keep failing for a whole delivery (the database is away
// longer than the write's retries): the next delivery finds the quiz and
// the items that delivery created in Canvas by their markers.
func TestExportRedeliveredAfterLostWritesCreatesNothingTwice(t *testing.T) {
	t.Parallel()
	b, f, q, msg := generated(t, 8)
	column := "export_started_at"
	expire := func() {
		_, err := b.tdb.Conn(t).Exec(t.Context(), "UPDATE quiz SET "+column+" = now() - interval '1 hour' WHERE id = $1", q.ID)
		require.NoError(t, err)
	}

	// Delivery 1 creates the Canvas quiz and cannot record it.
	f.set(f.always, "SetCanvasQuizID")
	require.ErrorIs(t, b.run(msg, 1), quiz.ErrTemporary)
	require.Len(t, b.canvas.Quizzes(), 1)
	f.heal()
	expire()

	// Delivery 2 creates items 1-4 and cannot record the fourth.
	qs := b.questions(q.ID)
	f.set(f.always, "SetCanvasItemID:"+qs[3].ID.String())
	require.ErrorIs(t, b.run(msg, 2), quiz.ErrTemporary)
	f.heal()
	expire()

	// Delivery 3 finishes.
	require.NoError(t, b.run(msg, 3))
	b.assertExportedOnce(t, q)
}

// On the last delivery every step's error is recorded on the quiz: the
// stage ends failed with a reason, never left processing.
func TestLastDeliveryRecordsEveryStepsFailure(t *testing.T) {
	t.Parallel()
	exportSteps := []string{"TakeStage:export", "ApprovedQuestions", "SetCanvasQuizID", "SetCanvasItemID", "CompleteStage:export"}
	for _, step := range exportSteps {
		t.Run(step, func(t *testing.T) {
			t.Parallel()
			b, f, q, msg := generated(t, 3)
			f.set(f.always, step)
			require.NoError(t, b.run(msg, queue.MaxReceiveCount), "the last delivery settles the job")
			got := b.quiz(q.ID)
			assert.Equal(t, quiz.StatusFailed, got.ExportStatus)
			require.NotNil(t, got.FailureReason)
			assert.Contains(t, *got.FailureReason, "Export to Canvas failed")
		})
	}
	generateSteps := []struct {
		step  string
		stage quiz.Stage
	}{
		{"TakeStage:content_extraction", quiz.StageExtraction},
		{"FinishExtraction", quiz.StageExtraction},
		// The generation fans out (batches.go): the run, then its one
		// batch's steps; a batch failed on its last delivery fails the run.
		{"FanOutGeneration", quiz.StageGeneration},
		{"TakeBatch", quiz.StageGeneration},
		{"QuestionData", quiz.StageGeneration},
		{"SaveBatch", quiz.StageGeneration},
	}
	for _, tt := range generateSteps {
		t.Run(tt.step, func(t *testing.T) {
			t.Parallel()
			b := setup(t, options{})
			f := newFlaky(b.store)
			b.p.Store, b.p.Runs = f, f
			q, msg := b.create(3, modules[0])
			f.set(f.always, tt.step)
			require.NoError(t, b.run(msg, queue.MaxReceiveCount), "the last delivery settles the job")
			got := b.quiz(q.ID)
			assert.Equal(t, quiz.StatusFailed, got.Status(tt.stage))
			require.NotNil(t, got.FailureReason)
			assert.Contains(t, *got.FailureReason, "failed")
		})
	}
}

// An item id is stored only while the export job holds the stage: a run
// that lost it (a newer export, or a takeover) writes nothing.
func TestItemWriteChecksJobOwnership(t *testing.T) {
	t.Parallel()
	b, _, q, msg := generated(t, 2)
	qs := b.questions(q.ID)
	_, take, err := b.store.TakeStage(t.Context(), q.ID, quiz.StageExport, msg.JobID, quiz.ExportLease)
	require.NoError(t, err)
	require.Equal(t, quiz.TakeStarted, take)

	err = b.store.SetCanvasItemID(t.Context(), q.ID, uuid.New(), qs[0].ID, "999")
	require.ErrorIs(t, err, quiz.ErrConflict, "another job id")
	require.NoError(t, b.store.SetCanvasItemID(t.Context(), q.ID, msg.JobID, qs[0].ID, "20000"))
	require.NoError(t, b.store.CompleteStage(t.Context(), q.ID, quiz.StageExport, msg.JobID))
	err = b.store.SetCanvasItemID(t.Context(), q.ID, msg.JobID, qs[1].ID, "20001")
	require.ErrorIs(t, err, quiz.ErrConflict, "the stage is no longer processing")

	got := b.questions(q.ID)
	require.NotNil(t, got[0].CanvasItemID)
	assert.Equal(t, "20000", *got[0].CanvasItemID)
	assert.Nil(t, got[1].CanvasItemID)
}
