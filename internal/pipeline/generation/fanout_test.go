package generation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/db"
	"quizgen/internal/llm"
	"quizgen/internal/logging"
	"quizgen/internal/pipeline/generation"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// countingWriter counts the batch writes per (module, type, difficulty)
// and fails the first fail[key] writes of a key with a critical error.
type countingWriter struct {
	w     generation.BatchWriter
	mu    sync.Mutex
	calls map[string]int
	fail  map[string]int
}

func batchKey(module string, t qtype.Name, d qtype.Difficulty) string {
	return module + "/" + string(t) + "/" + string(d)
}

func (c *countingWriter) Write(ctx context.Context, r llm.BatchRequest) ([]json.RawMessage, error) {
	c.mu.Lock()
	k := batchKey(r.ModuleName, r.Type, r.Difficulty)
	c.calls[k]++
	failing := c.fail[k] > 0
	if failing {
		c.fail[k]--
	}
	c.mu.Unlock()
	if failing {
		return nil, fmt.Errorf("%w: injected refusal", llm.ErrCritical)
	}
	return c.w.Write(ctx, r)
}

func (c *countingWriter) counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.calls {
		out[k] = v
	}
	return out
}

// countingRuns counts the run decisions the batches report.
type countingRuns struct {
	generation.RunStore
	mu      sync.Mutex
	decided int
}

func (c *countingRuns) note(d bool) {
	if d {
		c.mu.Lock()
		c.decided++
		c.mu.Unlock()
	}
}

func (c *countingRuns) SaveBatch(ctx context.Context, id, batchID, jobID quiz.ID, qs []quiz.NewQuestion, check db.DuplicateCheck) (bool, error) {
	d, err := c.RunStore.SaveBatch(ctx, id, batchID, jobID, qs, check)
	c.note(d)
	return d, err
}

func (c *countingRuns) FailBatch(ctx context.Context, id, batchID, jobID quiz.ID, reason string) (bool, error) {
	d, err := c.RunStore.FailBatch(ctx, id, batchID, jobID, reason)
	c.note(d)
	return d, err
}

func (c *countingRuns) times() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.decided
}

// The four batches each module of a typed quiz asks for (2 questions each).
var typedBatches = []quiz.Batch{
	{QuestionType: qtype.MultipleChoice, Count: 2, Difficulty: qtype.Medium},
	{QuestionType: qtype.TrueFalse, Count: 2, Difficulty: qtype.Easy},
	{QuestionType: qtype.FillInBlank, Count: 2, Difficulty: qtype.Hard},
	{QuestionType: qtype.MultipleAnswer, Count: 2, Difficulty: qtype.Medium},
}

// typedQuiz makes a quiz of today's model over the fake's three modules
// with content and one manual module, each with the four typedBatches:
// the content is extracted through the v1 flow, then the quiz is turned
// into a typed one whose generation is queued for a new job; it returns
// that job's message. (The API of issue 13 creates such quizzes.)
func typedQuiz(t *testing.T, b *bundle) (quiz.Quiz, queue.Message, int) {
	t.Helper()
	q, msg := b.create(3, modules...)
	require.NoError(t, b.run(msg, 1))
	manual := strings.Repeat("Photosynthesis converts light energy into chemical energy stored in glucose. ", 6) +
		strings.Repeat("Chlorophyll absorbs mostly blue and red light and reflects green light. ", 6) +
		strings.Repeat("The Calvin cycle fixes carbon dioxide into sugars inside the stroma. ", 6)
	var mods quiz.Modules
	for i, id := range modules {
		mods = append(mods, quiz.ModuleSpec{ID: fmt.Sprint(id), Name: fmt.Sprintf("module %d", i), Source: quiz.SourceCanvas,
			Batches: typedBatches})
	}
	mods = append(mods, quiz.ModuleSpec{ID: "manual_abc123", Name: "manual", Source: quiz.SourceManual,
		Batches: typedBatches, Manual: &quiz.ManualContent{Text: manual}})
	stored, err := mods.StoredJSON()
	require.NoError(t, err)
	job := uuid.New()
	_, err = b.tdb.Conn(t).Exec(t.Context(), `DELETE FROM question WHERE quiz_id = $1`, q.ID)
	require.NoError(t, err)
	// The manual module's text, stored as its extraction stores it.
	_, err = b.tdb.Conn(t).Exec(t.Context(), `UPDATE quiz SET selected_modules = $2, v1 = false, question_count = $3,
		llm_generation_status = 'pending', llm_generation_job_id = $4,
		extracted_content = extracted_content || jsonb_build_object('module_manual_abc123',
			jsonb_build_array(jsonb_build_object('title', 'manual', 'content', $5::text, 'type', 'manual')))
		WHERE id = $1`, q.ID, stored, mods.Total(), job, manual)
	require.NoError(t, err)
	return b.quiz(q.ID), queue.Message{Version: queue.Version, Kind: queue.KindGenerate, QuizID: q.ID, JobID: job}, mods.Total()
}

func newCounting(b *bundle) *countingWriter {
	return &countingWriter{w: b.p.Batches, calls: map[string]int{}, fail: map[string]int{}}
}

// batchMessages returns the generate_batch messages published so far.
func (b *bundle) batchMessages() []queue.Message {
	b.jobs.mu.Lock()
	defer b.jobs.mu.Unlock()
	var out []queue.Message
	for _, j := range b.jobs.list {
		if j.Kind == queue.KindGenerateBatch {
			out = append(out, queue.Message{Version: queue.Version, Kind: j.Kind, QuizID: j.QuizID, JobID: j.ID, BatchID: j.BatchID})
		}
	}
	return out
}

// A quiz of 4 modules x 4 batches through the SQS emulator and the local
// poller: the generation job publishes 16 batch messages, every batch is
// written once, and the run is decided once, completed.
func TestSixteenBatchesThroughSQS(t *testing.T) {
	t.Parallel()
	if os.Getenv("AWS_ENDPOINT_URL_SQS") == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("AWS_ENDPOINT_URL_SQS must be set in CI (run the tests with `make test`)")
		}
		t.Skip("AWS_ENDPOINT_URL_SQS not set: run `make test`")
	}
	b := setup(t, options{})
	q, msg, total := typedQuiz(t, b)
	cw := newCounting(b)
	b.p.Batches = cw
	runs := &countingRuns{RunStore: b.store}
	b.p.Runs = runs

	cfg, err := awsconfig.LoadDefaultConfig(t.Context())
	require.NoError(t, err)
	client := sqs.NewFromConfig(cfg)
	out, err := client.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String("fanout-" + uuid.NewString()[:8]),
		Attributes: map[string]string{"VisibilityTimeout": "30"}})
	require.NoError(t, err)
	pub := queue.NewPublisher(client, *out.QueueUrl, "", 5*time.Second)
	b.p.Jobs = pub
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	poller := queue.NewPoller(client, *out.QueueUrl, queue.Batch(logging.Discard(), queue.MaxReceiveCount, time.Second, b.p.Handle),
		queue.PollerOptions{WaitTime: time.Second, InvocationTimeout: time.Minute})
	go func() { _ = poller.Run(ctx) }()

	require.NoError(t, pub.Publish(t.Context(), msg))
	require.Eventually(t, func() bool { return b.quiz(q.ID).LLMGenerationStatus == quiz.StatusCompleted }, 60*time.Second, 50*time.Millisecond)
	got := b.quiz(q.ID)
	assert.Nil(t, got.FailureReason)
	assert.False(t, quiz.GenerationPartial(got))
	calls := cw.counts()
	assert.Len(t, calls, 16, "one write per batch")
	for k, n := range calls {
		assert.Equal(t, 1, n, "batch %s written once", k)
	}
	assert.Len(t, b.questions(q.ID), 4*2, "v1 sees the multiple_choice questions only")
	all, err := b.store.AllQuestions(t.Context(), q.ID)
	require.NoError(t, err)
	assert.Len(t, all, total, "every batch saved exactly its count")
	assert.Equal(t, 1, runs.times(), "the run is decided once")
}

// One batch failing permanently leaves the quiz partial, naming it; the
// retry re-runs only that batch and completes the quiz.
func TestFailedBatchMakesPartialThenRetryRerunsOnlyIt(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	q, msg, total := typedQuiz(t, b)
	cw := newCounting(b)
	bad := batchKey("module 1", qtype.TrueFalse, qtype.Easy)
	cw.fail[bad] = 1
	b.p.Batches = cw
	require.NoError(t, b.run(msg, 1), "the batches run in the job itself without a publisher")

	got := b.quiz(q.ID)
	assert.Equal(t, quiz.StatusCompleted, got.LLMGenerationStatus)
	assert.True(t, quiz.GenerationPartial(got), "ready_for_review_partial")
	require.NotNil(t, got.FailureReason)
	assert.Contains(t, *got.FailureReason, "1 of 16 batches failed")
	assert.Contains(t, *got.FailureReason, fmt.Sprintf("module %d, 2 true_false (easy)", modules[1]))
	all, err := b.store.AllQuestions(t.Context(), q.ID)
	require.NoError(t, err)
	assert.Len(t, all, total-2)

	// The API's path (POST .../retry-failed-batches): quiz.Service.
	require.NoError(t, b.svc.RetryFailedBatches(t.Context(), b.owner.ID, q.ID, "req-retry"))
	b.p.Jobs = b.jobs
	msgs := b.batchMessages()
	require.Len(t, msgs, 1, "only the failed batch is queued again")
	assert.Equal(t, quiz.StatusProcessing, b.quiz(q.ID).LLMGenerationStatus)
	require.NoError(t, b.run(msgs[0], 1))
	got = b.quiz(q.ID)
	assert.Equal(t, quiz.StatusCompleted, got.LLMGenerationStatus)
	assert.False(t, quiz.GenerationPartial(got))
	assert.Nil(t, got.FailureReason)
	all, err = b.store.AllQuestions(t.Context(), q.ID)
	require.NoError(t, err)
	assert.Len(t, all, total)
	for k, n := range cw.counts() {
		want := 1
		if k == bad {
			want = 2
		}
		assert.Equal(t, want, n, "batch %s", k)
	}
	_, err = b.store.RetryFailedBatches(t.Context(), q.ID)
	assert.ErrorIs(t, err, quiz.ErrConflict, "nothing left to retry")
}

// The same batch message delivered 5 times at once saves one set of
// questions.
func TestSameBatchMessageFiveTimesAtOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, options{provider: llm.NewBatchMock(20 * time.Millisecond)})
	q, msg, _ := typedQuiz(t, b)
	b.p.Jobs = b.jobs
	require.NoError(t, b.run(msg, 1))
	msgs := b.batchMessages()
	require.Len(t, msgs, 16)
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range 5 {
		wg.Go(func() { errs[i] = b.run(msgs[0], 1) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			require.ErrorIs(t, err, quiz.ErrTemporary, "delivery %d", i)
			require.NoError(t, b.run(msgs[0], 2))
		}
	}
	all, err := b.store.AllQuestions(t.Context(), q.ID)
	require.NoError(t, err)
	assert.Len(t, all, 2, "one set of the batch's 2 questions")
}

// failingJobs publishes the first n jobs, then fails like an unreachable
// SQS (the process died between the commit and the last publish).
type failingJobs struct {
	*jobs
	n int
}

func (f *failingJobs) PublishJob(ctx context.Context, j quiz.Job) error {
	f.mu.Lock()
	full := len(f.list) >= f.n
	f.mu.Unlock()
	if full {
		return fmt.Errorf("%w: sqs unreachable", quiz.ErrTemporary)
	}
	return f.jobs.PublishJob(ctx, j)
}

// A generation job that stored its batches but published only some is
// redelivered and publishes the rest; the batches run once each and the
// quiz completes.
func TestCrashBetweenCommitAndPublishRecoveredByRedelivery(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	q, msg, total := typedQuiz(t, b)
	cw := newCounting(b)
	b.p.Batches = cw
	b.jobs.mu.Lock()
	before := len(b.jobs.list)
	b.jobs.mu.Unlock()
	b.p.Jobs = &failingJobs{jobs: b.jobs, n: before + 5}
	err := b.run(msg, 1)
	require.ErrorIs(t, err, quiz.ErrTemporary, "SQS delivers the generation job again")
	assert.Len(t, b.batchMessages(), 5)
	assert.Equal(t, quiz.StatusProcessing, b.quiz(q.ID).LLMGenerationStatus, "the stage moved with the batches")

	b.p.Jobs = b.jobs
	require.NoError(t, b.run(msg, 2), "the redelivery publishes what is still pending")
	msgs := b.batchMessages()
	assert.Len(t, msgs, 5+16, "the 16 pending batches, 5 of them a second time")
	for _, m := range msgs {
		require.NoError(t, b.run(m, 1))
	}
	got := b.quiz(q.ID)
	assert.Equal(t, quiz.StatusCompleted, got.LLMGenerationStatus)
	all, err := b.store.AllQuestions(t.Context(), q.ID)
	require.NoError(t, err)
	assert.Len(t, all, total)
	for k, n := range cw.counts() {
		assert.Equal(t, 1, n, "batch %s written once", k)
	}
	require.NoError(t, b.run(msg, 3), "a later redelivery finds the run done")
	assert.Len(t, b.batchMessages(), 21)
}

// A v1 quiz's generation still appends its question_count (as batches of
// at most 20): 45 questions over one module are 3 batches.
func TestV1GenerationAppendsQuestionCountInBatches(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	q, msg := b.create(45, modules[2])
	b.p.Jobs = b.jobs
	require.NoError(t, b.run(msg, 1))
	msgs := b.batchMessages()
	require.Len(t, msgs, 3)
	for _, m := range msgs {
		require.NoError(t, b.run(m, 1))
	}
	got := b.quiz(q.ID)
	assert.Equal(t, quiz.StatusCompleted, got.LLMGenerationStatus, "%v", got.FailureReason)
	assert.Len(t, b.questions(q.ID), 45)
	bs, err := b.store.RunBatches(t.Context(), q.ID, *got.LLMGenerationJobID)
	require.NoError(t, err)
	var counts []int
	for _, x := range bs {
		counts = append(counts, x.Count)
	}
	assert.ElementsMatch(t, []int{20, 20, 5}, counts)
}
