package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/llm"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// fakeBatch is a scripted BatchProvider: call i (from 0) answers
// script(i, c). It records every call.
type fakeBatch struct {
	script func(i int, c llm.BatchCall) (string, error)
	mu     sync.Mutex
	calls  []llm.BatchCall
}

func (f *fakeBatch) Batch(_ context.Context, c llm.BatchCall) (string, error) {
	f.mu.Lock()
	i := len(f.calls)
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	return f.script(i, c)
}

// counts are the Count of each call, in order.
func (f *fakeBatch) counts() []int {
	out := make([]int, len(f.calls))
	for i, c := range f.calls {
		out[i] = c.Prompt.Count
	}
	return out
}

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

// mcQuestion is a valid multiple_choice item about fact n; each n gives a
// question unlike the others.
func mcQuestion(n int) map[string]any {
	return map[string]any{
		"question_text":  fmt.Sprintf("Which property does the element %s show in experiment %d?", term(n), n),
		"option_a":       term(n + 100),
		"option_b":       term(n + 200),
		"option_c":       term(n + 300),
		"option_d":       term(n + 400),
		"correct_answer": "B",
		"explanation":    "The content says so.",
	}
}

// answer is the JSON answer {"questions": items}.
func answer(items ...any) string {
	b, err := json.Marshal(map[string]any{"questions": items})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// freshMC answers each call with c.Prompt.Count new valid questions,
// numbered on from *next.
func freshMC(next *int) func(int, llm.BatchCall) (string, error) {
	return func(_ int, c llm.BatchCall) (string, error) {
		items := make([]any, c.Prompt.Count)
		for i := range items {
			items[i] = mcQuestion(*next)
			*next++
		}
		return answer(items...), nil
	}
}

func mcRequest(count int) llm.BatchRequest {
	return llm.BatchRequest{
		Type:       qtype.MultipleChoice,
		Count:      count,
		Difficulty: qtype.Medium,
		Language:   qtype.English,
		ModuleName: "Elements",
		Content:    "The elements of the course show their properties in experiments.",
		Model:      "gpt-test",
	}
}

func newBatchWriter(p llm.BatchProvider) (*llm.BatchWriter, *[]time.Duration) {
	var slept []time.Duration
	return &llm.BatchWriter{
		Provider: p,
		Sleep: func(_ context.Context, d time.Duration) error {
			slept = append(slept, d)
			return nil
		},
	}, &slept
}

// questionTexts are the question_text of each question.
func questionTexts(t *testing.T, qs []json.RawMessage) []string {
	t.Helper()
	out := make([]string, len(qs))
	for i, q := range qs {
		var v struct {
			QuestionText string `json:"question_text"`
		}
		require.NoError(t, json.Unmarshal(q, &v))
		out[i] = v.QuestionText
	}
	return out
}

func TestBatchWriterExactCount(t *testing.T) {
	t.Parallel()
	next := 0
	f := &fakeBatch{script: freshMC(&next)}
	w, _ := newBatchWriter(f)

	qs, err := w.Write(t.Context(), mcRequest(7))
	require.NoError(t, err)
	require.Len(t, qs, 7)
	assert.Equal(t, []int{7}, f.counts(), "one call asking for the batch's count")
	for _, q := range qs {
		_, err := mustType(t, qtype.MultipleChoice).Normalize(q)
		require.NoError(t, err, "each question is normalized question_data")
	}
}

func TestBatchWriterTooManyItemsKeepsCount(t *testing.T) {
	t.Parallel()
	f := &fakeBatch{script: func(int, llm.BatchCall) (string, error) {
		return answer(mcQuestion(1), mcQuestion(2), mcQuestion(3), mcQuestion(4)), nil
	}}
	w, _ := newBatchWriter(f)
	qs, err := w.Write(t.Context(), mcRequest(2))
	require.NoError(t, err)
	assert.Len(t, qs, 2)
	assert.Len(t, f.calls, 1)
}

func TestBatchWriterAsksOnlyForInvalidOnes(t *testing.T) {
	t.Parallel()
	next := 0
	fresh := freshMC(&next)
	f := &fakeBatch{script: func(i int, c llm.BatchCall) (string, error) {
		if i > 0 {
			return fresh(i, c)
		}
		bad := mcQuestion(1000)
		bad["correct_answer"] = "F"
		return answer(mcQuestion(901), mcQuestion(902), bad, mcQuestion(903), mcQuestion(904)), nil
	}}
	w, _ := newBatchWriter(f)

	qs, err := w.Write(t.Context(), mcRequest(5))
	require.NoError(t, err)
	require.Len(t, qs, 5)
	assert.Equal(t, []int{5, 1}, f.counts(), "the second call asks for the one invalid item only")

	// The second call avoids the four accepted questions.
	second := f.calls[1]
	require.Len(t, second.Prompt.Avoid, 4)
	for _, text := range questionTexts(t, qs[:4]) {
		assert.Contains(t, second.User, text, "an accepted question is listed to avoid")
	}
}

func TestBatchWriterDropsDuplicates(t *testing.T) {
	t.Parallel()
	existing := mcQuestion(50)
	existingKey := llm.QuestionKey(qtype.MultipleChoice, mustNormalize(t, qtype.MultipleChoice, existing))
	near := mcQuestion(1)
	near["question_text"] = strings.ToUpper(near["question_text"].(string)) + "!!"
	f := &fakeBatch{script: func(i int, c llm.BatchCall) (string, error) {
		switch i {
		case 0: // one of the quiz's, a repeat within the answer, a near repeat, one new
			return answer(existing, mcQuestion(1), mcQuestion(1), near), nil
		default:
			return answer(mcQuestion(2), mcQuestion(3)), nil
		}
	}}
	w, _ := newBatchWriter(f)
	r := mcRequest(3)
	r.Existing = []string{existingKey}

	qs, err := w.Write(t.Context(), r)
	require.NoError(t, err)
	require.Len(t, qs, 3)
	assert.Equal(t, []int{3, 2}, f.counts(), "three duplicates dropped, two asked for again")
	texts := questionTexts(t, qs)
	assert.Equal(t, []string{
		mcQuestion(1)["question_text"].(string),
		mcQuestion(2)["question_text"].(string),
		mcQuestion(3)["question_text"].(string),
	}, texts)
	assert.Equal(t, []string{existingKey, llm.QuestionKey(qtype.MultipleChoice, qs[0])}, f.calls[1].Prompt.Avoid,
		"the second call avoids the existing and the accepted questions")
}

func TestBatchWriterGarbageIsBounded(t *testing.T) {
	t.Parallel()
	f := &fakeBatch{script: func(i int, _ llm.BatchCall) (string, error) {
		if i == 0 {
			return answer(mcQuestion(1), map[string]any{"question_text": "no options"}), nil
		}
		return "I cannot write questions about this.", nil
	}}
	w, slept := newBatchWriter(f)

	qs, err := w.Write(t.Context(), mcRequest(4))
	require.Len(t, qs, 1, "the valid question is returned with the error")
	var short *llm.ShortBatchError
	require.ErrorAs(t, err, &short)
	assert.Equal(t, llm.ShortBatchError{Type: qtype.MultipleChoice, Want: 4, Got: 1, Rounds: llm.DefaultMaxRounds, Invalid: 3}, *short)
	assert.Equal(t, "the model wrote 1 of 4 valid multiple_choice questions in 3 rounds (3 invalid, 0 duplicates)", err.Error())
	assert.Equal(t, []int{4, 3, 3}, f.counts(), "bounded: DefaultMaxRounds calls, each for the missing number")
	assert.Empty(t, *slept, "an answer, even a useless one, is asked again at once")
}

func TestBatchWriterCriticalStopsAtOnce(t *testing.T) {
	t.Parallel()
	for name, failure := range map[string]error{
		"wrapped":  fmt.Errorf("%w: the LLM provider rejected the API key", llm.ErrCritical),
		"by text":  errors.New("invalid_api_key: no such key"),
		"rendered": nil,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := &fakeBatch{script: func(int, llm.BatchCall) (string, error) { return "", failure }}
			w, slept := newBatchWriter(f)
			r := mcRequest(3)
			if failure == nil { // not a valid batch: nothing is sent
				r.Count = 21
			}
			qs, err := w.Write(t.Context(), r)
			require.ErrorIs(t, err, llm.ErrCritical)
			assert.Empty(t, qs)
			assert.Empty(t, *slept)
			if failure == nil {
				assert.Empty(t, f.calls)
			} else {
				assert.Len(t, f.calls, 1)
			}
		})
	}
}

func TestBatchWriterRetriesTemporaryErrors(t *testing.T) {
	t.Parallel()
	next := 0
	fresh := freshMC(&next)
	f := &fakeBatch{script: func(i int, c llm.BatchCall) (string, error) {
		if i < 2 {
			return "", fmt.Errorf("rate limited: %w", quiz.ErrTemporary)
		}
		return fresh(i, c)
	}}
	w, slept := newBatchWriter(f)
	qs, err := w.Write(t.Context(), mcRequest(3))
	require.NoError(t, err)
	assert.Len(t, qs, 3)
	// Full jitter (backoff.Full): below 1 s, then below 2 s.
	require.Len(t, *slept, 2)
	for i, upper := range []time.Duration{time.Second, 2 * time.Second} {
		assert.GreaterOrEqual(t, (*slept)[i], time.Duration(0))
		assert.Less(t, (*slept)[i], upper, "retry %d", i+1)
	}

	// Still failing after MaxAttempts: temporary, with what was accepted.
	f = &fakeBatch{script: func(i int, c llm.BatchCall) (string, error) {
		if i == 0 {
			return answer(mcQuestion(1)), nil
		}
		return "", errors.New("connection reset")
	}}
	w, _ = newBatchWriter(f)
	qs, err = w.Write(t.Context(), mcRequest(3))
	require.ErrorIs(t, err, quiz.ErrTemporary)
	assert.Len(t, qs, 1)
	assert.Len(t, f.calls, 1+llm.DefaultMaxAttempts)
}

func TestBatchWriterStopsWhenContextDone(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	f := &fakeBatch{script: func(int, llm.BatchCall) (string, error) {
		cancel()
		return "", fmt.Errorf("LLM request: %w", context.Canceled)
	}}
	w, _ := newBatchWriter(f)
	_, err := w.Write(ctx, mcRequest(3))
	require.ErrorIs(t, err, context.Canceled)
	assert.Len(t, f.calls, 1)
}

func TestBatchWriterSendsPromptAndSchema(t *testing.T) {
	t.Parallel()
	next := 0
	f := &fakeBatch{script: freshMC(&next)}
	w, _ := newBatchWriter(f)
	r := llm.BatchRequest{
		Type: qtype.Matching, Count: 2, Difficulty: qtype.Hard, Language: qtype.Norwegian,
		Tone: "casual", CustomInstructions: "Bruk eksempler.", ModuleName: "Vann",
		Content:  "Vannets kretsløp driver været.",
		Existing: []string{"Koble begrepene"},
		Model:    "gpt-test", Temperature: 0.4,
	}
	_, _ = w.Write(t.Context(), r) // the answers are of another type: short

	require.NotEmpty(t, f.calls)
	c := f.calls[0]
	want := llm.BatchPrompt{
		Type: r.Type, Count: 2, Difficulty: r.Difficulty, Language: r.Language, Tone: r.Tone,
		CustomInstructions: r.CustomInstructions, ModuleName: r.ModuleName, Content: r.Content,
		Avoid: r.Existing,
	}
	assert.Equal(t, want, c.Prompt)
	system, user, err := llm.RenderBatch(want)
	require.NoError(t, err)
	assert.Equal(t, system, c.System)
	assert.Equal(t, user, c.User)
	assert.Equal(t, llm.BatchSchema(mustType(t, qtype.Matching)), c.Schema)
	assert.Equal(t, "gpt-test", c.Model)
	assert.InDelta(t, 0.4, c.Temperature, 1e-9)
}

func TestBatchWriterAcceptsLooseAnswers(t *testing.T) {
	t.Parallel()
	item, err := json.Marshal(mcQuestion(1))
	require.NoError(t, err)
	for name, raw := range map[string]string{
		"object":      answer(mcQuestion(1)),
		"fenced":      "Here you go:\n```json\n" + answer(mcQuestion(1)) + "\n```",
		"bare array":  "[" + string(item) + "]",
		"another key": `{"items": [` + string(item) + `]}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := &fakeBatch{script: func(int, llm.BatchCall) (string, error) { return raw, nil }}
			w, _ := newBatchWriter(f)
			qs, err := w.Write(t.Context(), mcRequest(1))
			require.NoError(t, err)
			assert.Len(t, qs, 1)
		})
	}
}

func TestQuestionKey(t *testing.T) {
	t.Parallel()
	q := mcQuestion(1)
	mc := mustNormalize(t, qtype.MultipleChoice, q)
	assert.Equal(t, q["question_text"], llm.QuestionKey(qtype.MultipleChoice, mc), "the stem alone")

	ma := mustNormalize(t, qtype.MultipleAnswer, map[string]any{
		"question_text": "Which are mammals?",
		"option_a":      "Whale", "option_b": "Owl", "option_c": "Bat", "option_d": "Trout", "option_e": "Eel",
		"correct_answers": []any{"A", "C"},
		"explanation":     "Whales and bats are mammals.",
	})
	assert.Equal(t, "Which are mammals? | Whale | Owl | Bat | Trout | Eel", llm.QuestionKey(qtype.MultipleAnswer, ma),
		"the stem and options; no letters, no explanation")

	cat := mustNormalize(t, qtype.Categorization, map[string]any{
		"question_text": "Sort the animals.",
		"categories": []any{
			map[string]any{"id": "c1", "name": "Mammals", "correct_items": []any{"i1", "i2"}},
			map[string]any{"id": "c2", "name": "Birds", "correct_items": []any{"i3", "i4"}},
		},
		"items": []any{
			map[string]any{"id": "i1", "text": "Whale"}, map[string]any{"id": "i2", "text": "Bat"},
			map[string]any{"id": "i3", "text": "Penguin"}, map[string]any{"id": "i4", "text": "Owl"},
		},
		"distractors": []any{},
		"explanation": "Whales and bats are mammals.",
	})
	assert.Equal(t, "Sort the animals. | Mammals | Birds | Whale | Bat | Penguin | Owl", llm.QuestionKey(qtype.Categorization, cat),
		"ids and the explanation left out")
}

func mustType(t *testing.T, n qtype.Name) qtype.Type {
	t.Helper()
	typ, ok := qtype.Lookup(n)
	require.True(t, ok)
	return typ
}

func mustNormalize(t *testing.T, n qtype.Name, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	out, err := mustType(t, n).Normalize(b)
	require.NoError(t, err)
	return out
}
