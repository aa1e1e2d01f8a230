package llm_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/llm"
	"quizgen/internal/llm/llmtest"
	"quizgen/internal/logging/logtest"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

const testKey = "sk-test-0123456789abcdef"

func newOpenAI(t *testing.T, srv *llmtest.Server, cfg llm.OpenAIConfig) llm.BatchProvider {
	t.Helper()
	cfg.BaseURL = srv.URL
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	p, err := llm.NewOpenAIBatch(cfg)
	require.NoError(t, err)
	return p
}

// askThree is a call for 3 multiple-choice questions.
func askThree(t *testing.T) llm.BatchCall {
	t.Helper()
	prompt := llm.BatchPrompt{Type: qtype.MultipleChoice, Count: 3, Difficulty: qtype.Medium, Language: qtype.English,
		ModuleName: "Algorithms", Content: "Binary search halves a sorted range at every step.",
		Avoid: []string{"What does binary search need?"}}
	system, user, err := llm.RenderBatch(prompt)
	require.NoError(t, err)
	return llm.BatchCall{Model: "gpt-4.1-mini", Temperature: 0.3, Prompt: prompt, System: system, User: user,
		Schema: llm.BatchSchema(mustType(t, qtype.MultipleChoice))}
}

func TestOpenAIModel(t *testing.T) {
	t.Parallel()

	t.Run("a configured model is pinned", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.NewServer(t)
		p := newOpenAI(t, srv, llm.OpenAIConfig{Model: "llama3.1"})
		_, err := p.Batch(t.Context(), askThree(t))
		require.NoError(t, err)
		assert.Equal(t, "llama3.1", srv.Requests()[0].Model)
	})

	t.Run("no model at all is critical", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.NewServer(t)
		p := newOpenAI(t, srv, llm.OpenAIConfig{})
		r := askThree(t)
		r.Model = ""
		_, err := p.Batch(t.Context(), r)
		require.ErrorIs(t, err, llm.ErrCritical)
		assert.Empty(t, srv.Requests())
	})

	t.Run("no key sends no Authorization", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.NewServer(t)
		p, err := llm.NewOpenAIBatch(llm.OpenAIConfig{BaseURL: srv.URL})
		require.NoError(t, err)
		_, err = p.Batch(t.Context(), askThree(t))
		require.NoError(t, err)
		assert.Empty(t, srv.Requests()[0].Authorization)
	})
}

func TestNewOpenAIRejectsBadBaseURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"api.openai.com/v1", "ftp://x/v1", "http://", "://"} {
		_, err := llm.NewOpenAIBatch(llm.OpenAIConfig{BaseURL: u, APIKey: testKey})
		require.Error(t, err, u)
		assert.NotContains(t, err.Error(), testKey)
	}
}

func TestOpenAIErrors(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		reply     llmtest.Reply
		temporary bool   // else critical
		reason    string // part of the message
	}{
		{"rate limit", llmtest.Error(429, "requests", "rate_limit_exceeded", "Rate limit reached"), true, "HTTP 429 rate_limit_exceeded"},
		{"rate limit without body", llmtest.Reply{Status: 429, Body: "Too Many Requests", ContentType: "text/plain"}, true, "HTTP 429"},
		{"server error", llmtest.Error(500, "server_error", "", "The server had an error"), true, "HTTP 500"},
		{"bad gateway page", llmtest.Reply{Status: 502, Body: "<html>bad gateway</html>", ContentType: "text/html"}, true, "HTTP 502"},
		{"overloaded", llmtest.Error(503, "server_error", "", "overloaded"), true, "HTTP 503"},
		{"invalid key", llmtest.Error(401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided: "+testKey+". You can find your API key at https://platform.openai.com/account/api-keys."), false, "rejected the API key (HTTP 401 invalid_api_key)"},
		{"forbidden", llmtest.Error(403, "invalid_request_error", "unsupported_country_region_territory", "Country, region, or territory not supported"), false, "denied access (HTTP 403 unsupported_country_region_territory): Country"},
		{"unknown model", llmtest.Error(404, "invalid_request_error", "model_not_found", "The model `o9` does not exist or you do not have access to it."), false, `model "gpt-4.1-mini" or the endpoint was not found (HTTP 404 model_not_found)`},
		{"context length", llmtest.Error(400, "invalid_request_error", "context_length_exceeded", "This model's maximum context length is 8192 tokens."), false, "too long for the model (HTTP 400 context_length_exceeded)"},
		{"quota", llmtest.Error(429, "insufficient_quota", "insufficient_quota", "You exceeded your current quota"), false, "no quota left (HTTP 429 insufficient_quota)"},
		{"bad request", llmtest.Error(400, "invalid_request_error", "unsupported_value", "Unsupported value: 'temperature' does not support 0.3 with this model."), false, "refused the request (HTTP 400 unsupported_value): Unsupported value"},
		{"not JSON", llmtest.Reply{Status: 200, Body: "<html>login</html>", ContentType: "text/html"}, false, `answered "text/html", not JSON`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := llmtest.NewServer(t)
			srv.Push(tt.reply)
			p := newOpenAI(t, srv, llm.OpenAIConfig{})
			_, err := p.Batch(t.Context(), askThree(t))
			require.Error(t, err)
			if tt.temporary {
				require.ErrorIs(t, err, quiz.ErrTemporary)
				assert.NotErrorIs(t, err, llm.ErrCritical)
			} else {
				require.ErrorIs(t, err, llm.ErrCritical)
				assert.NotErrorIs(t, err, quiz.ErrTemporary)
				assert.True(t, strings.HasPrefix(err.Error(), llm.ErrCritical.Error()+": "), err.Error())
			}
			assert.Contains(t, err.Error(), tt.reason)
			assert.NotContains(t, err.Error(), testKey)
			assert.NotContains(t, err.Error(), "sk-")
			assert.Len(t, srv.Requests(), 1, "the provider does not retry; BatchWriter does")
		})
	}
}

func TestOpenAIInvalidAnswers(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"no choices": `{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[]}`,
		"refusal":    `{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":null,"refusal":"I can't help with that."}}]}`,
		"empty":      llmtest.Completion("  "),
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := llmtest.NewServer(t)
			srv.Push(llmtest.Reply{Body: body})
			_, err := newOpenAI(t, srv, llm.OpenAIConfig{}).Batch(t.Context(), askThree(t))
			require.ErrorIs(t, err, llm.ErrInvalidAnswer)
		})
	}
}

func TestOpenAITimeout(t *testing.T) {
	t.Parallel()

	t.Run("a slow reply beyond the timeout is temporary", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.NewServer(t)
		srv.Push(llmtest.Reply{Delay: time.Hour})
		p := newOpenAI(t, srv, llm.OpenAIConfig{Timeout: 100 * time.Millisecond})
		call := askThree(t)
		done := make(chan error, 1)
		go func() {
			_, err := p.Batch(t.Context(), call)
			done <- err
		}()
		var err error
		select {
		case err = <-done:
		case <-time.After(time.Minute): // a hang guard, far beyond the timeout and far below the reply's delay
			t.Fatal("hang guard: the call outlived its 100 ms timeout by far")
		}
		require.ErrorIs(t, err, quiz.ErrTemporary)
		assert.Contains(t, err.Error(), "timed out after 100ms")
	})

	t.Run("the HTTP client's own timeout is temporary too", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.NewServer(t)
		srv.Push(llmtest.Reply{Delay: 5 * time.Second})
		p := newOpenAI(t, srv, llm.OpenAIConfig{HTTPClient: &http.Client{Timeout: 100 * time.Millisecond}})
		_, err := p.Batch(t.Context(), askThree(t))
		require.ErrorIs(t, err, quiz.ErrTemporary)
	})

	t.Run("the caller's deadline is the caller's error", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.NewServer(t)
		srv.Push(llmtest.Reply{Delay: 5 * time.Second})
		p := newOpenAI(t, srv, llm.OpenAIConfig{})
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		_, err := p.Batch(ctx, askThree(t))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.NotErrorIs(t, err, quiz.ErrTemporary)
	})

	t.Run("a server that is gone is temporary", func(t *testing.T) {
		t.Parallel()
		p, err := llm.NewOpenAIBatch(llm.OpenAIConfig{BaseURL: "http://127.0.0.1:1/v1", APIKey: testKey})
		require.NoError(t, err)
		_, err = p.Batch(t.Context(), askThree(t))
		require.ErrorIs(t, err, quiz.ErrTemporary)
		assert.NotContains(t, err.Error(), testKey)
	})
}

// The scenarios, end to end through the BatchWriter and the fake
// server.
func TestOpenAIWithBatchWriter(t *testing.T) {
	t.Parallel()

	setup := func(t *testing.T, cfg llm.OpenAIConfig, replies ...llmtest.Reply) (*llmtest.Server, *llm.BatchWriter, *[]time.Duration) {
		srv := llmtest.NewServer(t)
		srv.Push(replies...)
		var slept []time.Duration
		w := &llm.BatchWriter{
			Provider: newOpenAI(t, srv, cfg),
			Log:      logtest.New(t),
			Sleep: func(_ context.Context, d time.Duration) error {
				slept = append(slept, d)
				return nil
			},
		}
		return srv, w, &slept
	}

	t.Run("429 then success is retried", func(t *testing.T) {
		t.Parallel()
		srv, w, slept := setup(t, llm.OpenAIConfig{}, llmtest.Error(429, "requests", "rate_limit_exceeded", "slow down"))
		qs, err := w.Write(t.Context(), mcRequest(3))
		require.NoError(t, err)
		assert.Len(t, qs, 3)
		assert.Len(t, srv.Requests(), 2)
		require.Len(t, *slept, 1)
		assert.Less(t, (*slept)[0], time.Second, "full jitter below the first retry's 1 s")
	})

	t.Run("invalid JSON then valid is asked again", func(t *testing.T) {
		t.Parallel()
		srv, w, _ := setup(t, llm.OpenAIConfig{}, llmtest.Answer(`{"questions": [{"question_text": "Why`))
		qs, err := w.Write(t.Context(), mcRequest(3))
		require.NoError(t, err)
		assert.Len(t, qs, 3)
		assert.Len(t, srv.Requests(), 2)
	})

	t.Run("an invalid API key fails fast with a reason", func(t *testing.T) {
		t.Parallel()
		srv, w, slept := setup(t, llm.OpenAIConfig{}, llmtest.Error(401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided: "+testKey))
		qs, err := w.Write(t.Context(), mcRequest(3))
		require.ErrorIs(t, err, llm.ErrCritical)
		assert.Equal(t, "critical error during question generation: the LLM provider rejected the API key (HTTP 401 invalid_api_key)", err.Error())
		assert.NotContains(t, err.Error(), testKey)
		assert.Empty(t, qs)
		assert.Len(t, srv.Requests(), 1, "no retry")
		assert.Empty(t, *slept)
	})

	t.Run("timeouts on every attempt are temporary", func(t *testing.T) {
		t.Parallel()
		slow := llmtest.Reply{Delay: 5 * time.Second}
		srv, w, _ := setup(t, llm.OpenAIConfig{Timeout: 50 * time.Millisecond}, slow, slow, slow)
		_, err := w.Write(t.Context(), mcRequest(3))
		require.ErrorIs(t, err, quiz.ErrTemporary)
		assert.Contains(t, err.Error(), "timed out")
		assert.Len(t, srv.Requests(), llm.DefaultMaxAttempts)
	})
}

func TestOpenAIErrorIsOurs(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewServer(t)
	srv.Push(llmtest.Error(500, "server_error", "", "boom"))
	_, err := newOpenAI(t, srv, llm.OpenAIConfig{}).Batch(t.Context(), askThree(t))
	var target interface{ RawJSON() string }
	assert.False(t, errors.As(err, &target), "callers never see a client library's error types (docs/style.md, Errors)")
}
