package generation_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/llm"
	"quizgen/internal/pipeline/generation"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
)

// barrierWriter holds the first n writes until all n have started, so n
// batches read the quiz's questions before any of them saves (as n Lambda
// environments running at once would), and counts the writes. With
// ignoreExisting it writes as a model that disregards the questions to
// avoid: the same questions every time.
type barrierWriter struct {
	w              generation.BatchWriter
	n              int
	ignoreExisting bool
	all            chan struct{} // closed once n writes have started
	mu             sync.Mutex
	calls          int
}

func newBarrier(w generation.BatchWriter, n int) *barrierWriter {
	return &barrierWriter{w: w, n: n, all: make(chan struct{})}
}

func (b *barrierWriter) Write(ctx context.Context, r llm.BatchRequest) ([]json.RawMessage, error) {
	b.mu.Lock()
	b.calls++
	k := b.calls
	if k == b.n {
		close(b.all)
	}
	b.mu.Unlock()
	if k <= b.n {
		select {
		case <-b.all:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if b.ignoreExisting {
		r.Existing = nil
	}
	return b.w.Write(ctx, r)
}

func (b *barrierWriter) writes() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls
}

// runAtOnce runs the messages side by side, each delivered once.
func runAtOnce(t *testing.T, b *bundle, msgs []queue.Message) []error {
	t.Helper()
	errs := make([]error, len(msgs))
	var wg sync.WaitGroup
	for i, m := range msgs {
		wg.Go(func() { errs[i] = b.run(m, 1) })
	}
	wg.Wait()
	return errs
}

// questionKeys returns the QuestionKey of every question of quiz id.
func questionKeys(t *testing.T, b *bundle, id quiz.ID) []string {
	t.Helper()
	all, err := b.store.AllQuestions(t.Context(), id)
	require.NoError(t, err)
	keys := make([]string, len(all))
	for i, q := range all {
		keys[i] = llm.QuestionKey(q.Type, q.Data)
	}
	return keys
}

// Two batches of the same module and type (a v1 quiz of 40 questions
// over one module: 2 batches of 20 multiple_choice) run at the same time:
// both read the quiz's questions before either saves, and the mock writes
// the same questions from the same content. The second save finds them
// already saved, asks for as many replacements and saves those: the quiz
// ends with 40 questions and no near-duplicate.
func TestConcurrentBatchesSaveNoNearDuplicates(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	q, msg := b.create(40, modules[2])
	bw := newBarrier(b.p.Batches, 2)
	b.p.Batches = bw
	b.p.Jobs = b.jobs
	require.NoError(t, b.run(msg, 1))
	msgs := b.batchMessages()
	require.Len(t, msgs, 2)
	for i, err := range runAtOnce(t, b, msgs) {
		require.NoError(t, err, "batch %d", i)
	}

	keys := questionKeys(t, b, q.ID)
	assert.Empty(t, llm.NearDuplicates(nil, keys), "no question is a near-duplicate of another")
	assert.Equal(t, 40, len(keys))
	got := b.quiz(q.ID)
	assert.Equal(t, quiz.StatusCompleted, got.LLMGenerationStatus)
	assert.False(t, quiz.GenerationPartial(got), "%v", got.FailureReason)
	assert.Equal(t, 3, bw.writes(), "one write per batch and one for the replacements")
}

// A model that writes the same questions whatever it is told to avoid:
// the batch that saves second finds them duplicates at every save and,
// after its tries, fails as a short batch does; the quiz keeps one set.
func TestConcurrentBatchStillDuplicatingFails(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	q, msg := b.create(40, modules[2])
	bw := newBarrier(b.p.Batches, 2)
	bw.ignoreExisting = true
	b.p.Batches = bw
	b.p.Jobs = b.jobs
	runs := &countingRuns{RunStore: b.store}
	b.p.Runs = runs
	require.NoError(t, b.run(msg, 1))
	msgs := b.batchMessages()
	require.Len(t, msgs, 2)
	for i, err := range runAtOnce(t, b, msgs) {
		require.NoError(t, err, "batch %d: a permanent failure is recorded, not retried", i)
	}

	keys := questionKeys(t, b, q.ID)
	assert.Empty(t, llm.NearDuplicates(nil, keys), "no question is a near-duplicate of another")
	assert.Equal(t, 20, len(keys), "one batch saved")
	got := b.quiz(q.ID)
	assert.Equal(t, quiz.StatusCompleted, got.LLMGenerationStatus)
	assert.True(t, quiz.GenerationPartial(got))
	require.NotNil(t, got.FailureReason)
	assert.Contains(t, *got.FailureReason, "1 of 2 batches failed")
	assert.Contains(t, *got.FailureReason, "duplicate")
	assert.Equal(t, 2+generation.SaveTries-1, bw.writes(), "a replacement write between saves, and no more")
	assert.Equal(t, 1, runs.times(), "the run is decided once")
}
