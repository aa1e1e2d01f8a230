package llm_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/llm"
)

func TestMock(t *testing.T) {
	t.Parallel()
	content := course(1, 12)[0].Content
	req := llm.Request{Model: "mock", Temperature: 1, Content: "# Page 0\n\n" + content, Count: 8}

	t.Run("deterministic and valid", func(t *testing.T) {
		t.Parallel()
		m := llm.NewMock(0)
		a, err := m.Questions(t.Context(), req)
		require.NoError(t, err)
		b, err := llm.NewMock(0).Questions(t.Context(), req)
		require.NoError(t, err)
		assert.Equal(t, a, b, "same request, same answer")

		qs, err := llm.ParseAnswer(a)
		require.NoError(t, err)
		require.Len(t, qs, 8)
		letters := map[string]bool{}
		for _, q := range qs {
			require.NoError(t, q.Validate())
			assert.Contains(t, q.QuestionText, "_____")
			assert.NotContains(t, q.QuestionText, "Page 0", "headings are not asked about")
			letters[q.CorrectAnswer] = true
			// The correct option is the blanked word.
			opts := q.Options()
			right := opts[q.CorrectAnswer[0]-'A']
			assert.Contains(t, content, right)
		}
		assert.Greater(t, len(letters), 1, "the correct letter varies")
	})

	t.Run("honours Avoid and runs out", func(t *testing.T) {
		t.Parallel()
		m := llm.NewMock(0)
		first, err := m.Questions(t.Context(), req)
		require.NoError(t, err)
		qs, err := llm.ParseAnswer(first)
		require.NoError(t, err)

		r := req
		r.Avoid = texts(qs)
		second, err := m.Questions(t.Context(), r)
		require.NoError(t, err)
		more, err := llm.ParseAnswer(second)
		require.NoError(t, err)
		assert.Len(t, more, 4, "12 sentences, 8 avoided")
		for _, q := range more {
			assert.NotContains(t, r.Avoid, q.QuestionText)
		}
	})

	t.Run("waits its latency unless the context ends", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		_, err := llm.NewMock(30*time.Millisecond).Questions(t.Context(), req)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)

		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
		defer cancel()
		_, err = llm.NewMock(time.Minute).Questions(ctx, req)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})

	t.Run("tiny content", func(t *testing.T) {
		t.Parallel()
		raw, err := llm.NewMock(0).Questions(t.Context(), llm.Request{Content: "Photosynthesis converts sunlight into chemical energy.", Count: 3})
		require.NoError(t, err)
		qs, err := llm.ParseAnswer(raw)
		require.NoError(t, err)
		require.Len(t, qs, 1, "one sentence, one question")
		require.NoError(t, qs[0].Validate())
	})
}
