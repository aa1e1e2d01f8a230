package llm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/llm"
	"quizgen/internal/logging"
	"quizgen/internal/quiz"
)

// providerFunc is a Provider written inline by a test.
type providerFunc func(ctx context.Context, r llm.Request) (string, error)

func (f providerFunc) Questions(ctx context.Context, r llm.Request) (string, error) { return f(ctx, r) }

// syllables build made-up terms, so that generated sentences differ.
var syllables = []string{"ka", "lo", "mi", "ren", "tor", "vas", "qui", "del", "bar", "sun", "pe", "zo"}

// term returns a made-up word of four syllables for i.
func term(i int) string {
	var b strings.Builder
	for range 4 {
		b.WriteString(syllables[i%len(syllables)])
		i /= len(syllables)
	}
	return b.String()
}

// course returns n chunks of about m sentences each, all distinct.
func course(n, m int) []llm.Chunk {
	chunks := make([]llm.Chunk, n)
	for c := range chunks {
		var b strings.Builder
		for s := range m {
			j := c*m + s
			fmt.Fprintf(&b, "The %s principle of %s explains how %s shapes every %s. ",
				term(j*5+1), term(j*5+2), term(j*5+3), term(j*5+4))
		}
		chunks[c] = llm.Chunk{ModuleID: fmt.Sprint(c / 4), Title: fmt.Sprintf("Page %d", c), Content: strings.TrimSpace(b.String())}
	}
	return chunks
}

// store records saved batches and checks that saves never overlap.
type store struct {
	mu      sync.Mutex
	batches [][]llm.Question
	active  atomic.Int32
	fail    error
}

func (s *store) save(_ context.Context, qs []llm.Question) error {
	if s.active.Add(1) != 1 {
		panic("concurrent saves")
	}
	defer s.active.Add(-1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.batches = append(s.batches, qs)
	return nil
}

func (s *store) questions() []llm.Question {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []llm.Question
	for _, b := range s.batches {
		all = append(all, b...)
	}
	return all
}

func texts(qs []llm.Question) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.QuestionText
	}
	return out
}

func noSleep(context.Context, time.Duration) error { return nil }

func TestWriterWritesExactlyTarget(t *testing.T) {
	t.Parallel()
	var st store
	w := &llm.Writer{Provider: llm.NewMock(0), Log: logging.Test(t), Sleep: noSleep}
	res, err := w.Write(t.Context(), llm.Job{Model: "m", Temperature: 1, Chunks: course(12, 30), Target: 100}, st.save)
	require.NoError(t, err)

	qs := st.questions()
	assert.Len(t, qs, 100)
	assert.Equal(t, 100, res.Saved)
	assert.False(t, res.Short)
	assert.Greater(t, len(st.batches), 5, "saved progressively, in batches")
	for _, b := range st.batches {
		assert.LessOrEqual(t, len(b), llm.DefaultPerCall)
	}
	seen := map[string]bool{}
	letters := map[string]int{}
	for _, q := range qs {
		require.NoError(t, q.Validate())
		assert.False(t, seen[q.QuestionText], "duplicate %q", q.QuestionText)
		seen[q.QuestionText] = true
		letters[q.CorrectAnswer]++
	}
	assert.Len(t, letters, 4, "the correct letter varies")
	assert.LessOrEqual(t, res.Calls, 24)
}

func TestWriterSpreadsOverTheContent(t *testing.T) {
	t.Parallel()
	chunks := course(12, 30)
	var mu sync.Mutex
	asked := map[string]int{}
	p := providerFunc(func(ctx context.Context, r llm.Request) (string, error) {
		mu.Lock()
		for _, c := range chunks {
			if strings.Contains(r.Content, c.Content) {
				asked[c.Title] += r.Count
			}
		}
		mu.Unlock()
		return llm.NewMock(0).Questions(ctx, r)
	})
	var st store
	w := &llm.Writer{Provider: p, PerCall: 3, Log: logging.Test(t)} // one chunk per call
	_, err := w.Write(t.Context(), llm.Job{Chunks: chunks, Target: 36}, st.save)
	require.NoError(t, err)
	assert.Len(t, asked, 12, "every chunk is asked")
	for title, n := range asked {
		assert.Equal(t, 3, n, title)
	}
}

func TestWriterNeverSavesMoreThanNeeded(t *testing.T) {
	t.Parallel()
	// A provider that always writes 15 new questions, whatever it is asked.
	var n atomic.Int64
	p := providerFunc(func(_ context.Context, r llm.Request) (string, error) {
		var qs []string
		for range 15 {
			k := n.Add(1)
			qs = append(qs, fmt.Sprintf(`{"question_text":"Question %d about %s?","option_a":"a","option_b":"b","option_c":"c","option_d":"d","correct_answer":"B"}`, k, term(int(k))))
		}
		return `{"questions":[` + strings.Join(qs, ",") + `]}`, nil
	})
	var st store
	w := &llm.Writer{Provider: p, Concurrency: 8, Log: logging.Test(t)}
	res, err := w.Write(t.Context(), llm.Job{Chunks: course(3, 5), Target: 47, Existing: []string{"Old one?", "Old two?"}}, st.save)
	require.NoError(t, err)
	assert.Len(t, st.questions(), 45)
	assert.Equal(t, 45, res.Saved)

	res, err = w.Write(t.Context(), llm.Job{Chunks: course(3, 5), Target: 2, Existing: []string{"Old one?", "Old two?", "Old three?"}}, st.save)
	require.NoError(t, err)
	assert.Equal(t, llm.Result{}, res, "nothing to do")
}

func TestWriterResumes(t *testing.T) {
	t.Parallel()
	chunks := course(4, 20)
	w := &llm.Writer{Provider: llm.NewMock(0), Log: logging.Test(t)}

	// A first delivery stops after 17 questions (its deadline passed).
	var first store
	_, err := w.Write(t.Context(), llm.Job{Chunks: chunks, Target: 17}, first.save)
	require.NoError(t, err)
	existing := texts(first.questions())
	require.Len(t, existing, 17)

	// The redelivered job writes only the 23 missing questions.
	var second store
	res, err := w.Write(t.Context(), llm.Job{Chunks: chunks, Target: 40, Existing: existing}, second.save)
	require.NoError(t, err)
	assert.Equal(t, 23, res.Saved)
	added := texts(second.questions())
	assert.Len(t, added, 23)
	for _, q := range added {
		assert.NotContains(t, existing, q)
	}
	assert.Zero(t, res.Duplicates, "the existing questions are given to the model to avoid")
}

func TestWriterDropsNearDuplicates(t *testing.T) {
	t.Parallel()
	// A provider that repeats itself, with cosmetic changes.
	variants := []string{
		"What is the role of a stack frame?",
		"what is the role of a stack frame",
		"What is the role of a STACK FRAME??",
		"What, of a stack frame, is the role?", // the same words
		"Why does recursion need a base case?",
	}
	p := providerFunc(func(_ context.Context, r llm.Request) (string, error) {
		var qs []string
		for _, v := range variants[:min(r.Count, len(variants))] {
			qs = append(qs, fmt.Sprintf(`{"question_text":%q,"option_a":"a","option_b":"b","option_c":"c","option_d":"d","correct_answer":"C"}`, v))
		}
		return `{"questions":[` + strings.Join(qs, ",") + `]}`, nil
	})
	var st store
	w := &llm.Writer{Provider: p, Log: logging.Test(t)}
	res, err := w.Write(t.Context(), llm.Job{Chunks: course(1, 5), Target: 10, Existing: []string{"Why does recursion need a base case"}}, st.save)
	require.NoError(t, err)
	assert.Equal(t, []string{"What is the role of a stack frame?"}, texts(st.questions()))
	assert.True(t, res.Short)
	assert.Equal(t, 1, res.Saved)
	assert.Equal(t, 4+5, res.Duplicates, "four of the first answer, all five of the second")
}

func TestWriterBoundsConcurrency(t *testing.T) {
	t.Parallel()
	var inflight, most atomic.Int32
	p := providerFunc(func(ctx context.Context, r llm.Request) (string, error) {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		return llm.NewMock(0).Questions(ctx, r)
	})
	var st store
	w := &llm.Writer{Provider: p, Concurrency: 3, PerCall: 2, Log: logging.Test(t)}
	res, err := w.Write(t.Context(), llm.Job{Chunks: course(10, 10), Target: 40}, st.save)
	require.NoError(t, err)
	assert.Equal(t, 40, res.Saved)
	assert.Equal(t, int32(3), most.Load())
}

func TestWriterStopsOnCriticalError(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	p := providerFunc(func(ctx context.Context, r llm.Request) (string, error) {
		if calls.Add(1) == 3 {
			return "", fmt.Errorf("%w: the LLM account has no quota left (HTTP 429 insufficient_quota)", llm.ErrCritical)
		}
		return llm.NewMock(0).Questions(ctx, r)
	})
	var st store
	w := &llm.Writer{Provider: p, Concurrency: 1, Log: logging.Test(t), Sleep: func(context.Context, time.Duration) error {
		t.Error("a critical error is not retried")
		return nil
	}}
	res, err := w.Write(t.Context(), llm.Job{Chunks: course(10, 20), Target: 100}, st.save)
	require.ErrorIs(t, err, llm.ErrCritical)
	assert.Equal(t, "critical error during question generation: the LLM account has no quota left (HTTP 429 insufficient_quota)", err.Error(),
		"the provider's reason, unchanged, to store on the quiz")
	assert.Len(t, st.questions(), 20, "questions saved before the error stay")
	assert.Equal(t, llm.Result{Saved: 20, Calls: 3}, res)
}

func TestWriterCriticalPatternsOfOtherProviders(t *testing.T) {
	t.Parallel()
	p := providerFunc(func(context.Context, llm.Request) (string, error) {
		return "", errors.New("Error code: 401 - invalid_api_key")
	})
	w := &llm.Writer{Provider: p, Log: logging.Test(t), Sleep: noSleep}
	res, err := w.Write(t.Context(), llm.Job{Chunks: course(1, 5), Target: 3}, (&store{}).save)
	require.ErrorIs(t, err, llm.ErrCritical)
	assert.Equal(t, 1, res.Calls)
}

func TestWriterShortWhenContentRunsOut(t *testing.T) {
	t.Parallel()
	var st store
	w := &llm.Writer{Provider: llm.NewMock(0), Log: logging.Test(t), Sleep: func(context.Context, time.Duration) error {
		t.Error("an answer with no more questions is not retried")
		return nil
	}}
	res, err := w.Write(t.Context(), llm.Job{Chunks: course(2, 4), Target: 20}, st.save)
	require.NoError(t, err)
	assert.True(t, res.Short)
	assert.Equal(t, 8, res.Saved, "one question per sentence")
	assert.Len(t, st.questions(), 8)

	res, err = w.Write(t.Context(), llm.Job{Target: 5}, st.save)
	require.NoError(t, err)
	assert.Equal(t, llm.Result{Short: true}, res, "no content at all")
}

func TestWriterRetries(t *testing.T) {
	t.Parallel()

	t.Run("invalid answers are retried, then the part is given up", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int32
		p := providerFunc(func(context.Context, llm.Request) (string, error) {
			calls.Add(1)
			return `{"questions":[{"question_text":"Why?","correct_answer":"E"}]}`, nil
		})
		var slept []time.Duration
		w := &llm.Writer{Provider: p, Concurrency: 1, MaxAttempts: 4, Log: logging.Test(t), Sleep: func(_ context.Context, d time.Duration) error {
			slept = append(slept, d)
			return nil
		}}
		res, err := w.Write(t.Context(), llm.Job{Chunks: course(1, 5), Target: 3}, (&store{}).save)
		require.NoError(t, err)
		assert.Equal(t, llm.Result{Calls: 4, Retries: 3, Invalid: 4, Short: true}, res)
		assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, slept, "exponential backoff")
	})

	t.Run("temporary failures after every attempt make the job temporary", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int32
		p := providerFunc(func(ctx context.Context, r llm.Request) (string, error) {
			if strings.Contains(r.Content, "Page 1\n") {
				return "", fmt.Errorf("LLM request: HTTP 503: %w", quiz.ErrTemporary)
			}
			calls.Add(1)
			return llm.NewMock(0).Questions(ctx, r)
		})
		var st store
		w := &llm.Writer{Provider: p, Concurrency: 2, Log: logging.Test(t), Sleep: noSleep}
		res, err := w.Write(t.Context(), llm.Job{Chunks: course(2, 20), Target: 40}, st.save)
		require.ErrorIs(t, err, quiz.ErrTemporary)
		assert.Contains(t, err.Error(), "HTTP 503")
		assert.Equal(t, 3+int(calls.Load()), res.Calls)
		assert.Equal(t, res.Saved, len(st.questions()), "what arrived is kept for the next run")
		assert.Positive(t, res.Saved)
	})

	t.Run("unclassified failures are temporary", func(t *testing.T) {
		t.Parallel()
		p := providerFunc(func(context.Context, llm.Request) (string, error) { return "", errors.New("boom") })
		w := &llm.Writer{Provider: p, MaxAttempts: 2, Log: logging.Test(t), Sleep: noSleep}
		res, err := w.Write(t.Context(), llm.Job{Chunks: course(1, 5), Target: 3}, (&store{}).save)
		require.ErrorIs(t, err, quiz.ErrTemporary)
		assert.Equal(t, 2, res.Calls)
	})
}

func TestWriterStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	var calls atomic.Int32
	p := providerFunc(func(ctx context.Context, r llm.Request) (string, error) {
		if calls.Add(1) == 2 {
			cancel()
		}
		return llm.NewMock(0).Questions(ctx, r)
	})
	w := &llm.Writer{Provider: p, Concurrency: 1, Log: logging.Test(t)}
	var st store
	res, err := w.Write(ctx, llm.Job{Chunks: course(4, 20), Target: 40}, st.save)
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, quiz.ErrTemporary)
	assert.Equal(t, 10, res.Saved)
	assert.Equal(t, 2, res.Calls)
}

func TestWriterReturnsSaveErrors(t *testing.T) {
	t.Parallel()
	var saves atomic.Int32
	save := func(context.Context, []llm.Question) error {
		saves.Add(1)
		return fmt.Errorf("insert questions: %w", quiz.ErrTemporary)
	}
	w := &llm.Writer{Provider: llm.NewMock(time.Millisecond), Concurrency: 4, Log: logging.Test(t)}
	res, err := w.Write(t.Context(), llm.Job{Chunks: course(4, 20), Target: 40}, save)
	require.ErrorIs(t, err, quiz.ErrTemporary)
	assert.Contains(t, err.Error(), "save questions: insert questions")
	assert.Zero(t, res.Saved)
	assert.Equal(t, int32(1), saves.Load(), "nothing more is saved after a failed save")
}

func TestWriterAsksOneLargeChunkForMany(t *testing.T) {
	t.Parallel()
	// More questions from one part than a prompt lists to avoid.
	var st store
	w := &llm.Writer{Provider: llm.NewMock(0), Log: logging.Test(t)}
	res, err := w.Write(t.Context(), llm.Job{Chunks: course(1, 120), Target: 100}, st.save)
	require.NoError(t, err)
	assert.Equal(t, 100, res.Saved)
	assert.Zero(t, res.Duplicates)
	assert.Equal(t, 10, res.Calls)
}

func TestWriterPacksSmallChunks(t *testing.T) {
	t.Parallel()
	// 200 pages of 2 sentences: one call per page would be 200 calls.
	chunks := course(200, 2)
	var st store
	w := &llm.Writer{Provider: llm.NewMock(0), Log: logging.Test(t)}
	res, err := w.Write(t.Context(), llm.Job{Chunks: chunks, Target: 200}, st.save)
	require.NoError(t, err)
	assert.Equal(t, 200, res.Saved)
	assert.LessOrEqual(t, res.Calls, 40, "sequential call slots stay few enough for the speed goal")
}

func TestWriter200Questions(t *testing.T) {
	t.Parallel()
	var st store
	w := &llm.Writer{Provider: llm.NewMock(0), Log: logging.Test(t)}
	res, err := w.Write(t.Context(), llm.Job{Chunks: course(12, 40), Target: 200}, st.save)
	require.NoError(t, err)
	assert.Equal(t, 200, res.Saved)
	assert.LessOrEqual(t, res.Calls, 30)
}

func BenchmarkWriter200(b *testing.B) {
	chunks := course(12, 40)
	w := &llm.Writer{Provider: llm.NewMock(0), Log: logging.Discard()}
	b.ReportAllocs()
	for b.Loop() {
		saved := 0
		res, err := w.Write(b.Context(), llm.Job{Model: "mock", Temperature: 1, Chunks: chunks, Target: 200}, func(_ context.Context, qs []llm.Question) error {
			saved += len(qs)
			return nil
		})
		if err != nil || res.Saved != 200 || saved != 200 {
			b.Fatalf("saved %d (%d), err %v", res.Saved, saved, err)
		}
	}
}
