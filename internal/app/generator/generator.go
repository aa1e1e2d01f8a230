// Package generator wires the generate function's job handler: what
// functions/generate runs and what dev/fleet's jobs scenario runs in each
// simulated environment, from one place. It is apart from internal/app so
// that the other functions do not link extraction and the LLM client.
package generator

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"quizgen/internal/app"
	"quizgen/internal/auth"
	"quizgen/internal/canvastoken"
	"quizgen/internal/config"
	"quizgen/internal/content"
	"quizgen/internal/db"
	"quizgen/internal/llm"
	"quizgen/internal/pipeline"
	"quizgen/internal/pipeline/generation"
	"quizgen/internal/queue"
)

// InvocationMargin is kept free before the Lambda deadline so a job can
// record its outcome before the function is stopped.
const InvocationMargin = 20 * time.Second

// A failed job comes back after RetryBase, 4 times longer per delivery, at
// most RetryMax (queue.WithBackoff), instead of after the queue's
// visibility timeout: 30 s, 2 min, 8 min, 15 min, so the last of the five
// deliveries comes within half an hour.
const (
	RetryBase = 30 * time.Second
	RetryMax  = 15 * time.Minute
)

// PublishTimeout bounds the send of one batch message.
const PublishTimeout = 10 * time.Second

// LocalInvocationTimeout is the local poller's stand-in for the Lambda
// timeout (template.yaml's GenerateFunction Timeout).
const LocalInvocationTimeout = 15 * time.Minute

// Deps are what the generator is built on beside its configuration.
type Deps struct {
	Store *db.Store
	SQS   *sqs.Client
	Log   *slog.Logger
	// Runs, when set, is the generator's RunStore instead of Store (the
	// fleet drill counts decisions through it).
	Runs generation.RunStore
}

// New builds the generate job's handler as functions/generate runs it:
// Canvas client, token cipher, extractor with cfg's limits, the configured
// LLM provider behind a BatchWriter, and a publisher of batch messages on
// the generate queue (README, Background jobs).
func New(cfg config.Generate, d Deps) (*generation.Generator, error) {
	canvasClient, err := app.Canvas(cfg.Canvas, "", d.Log)
	if err != nil {
		return nil, err
	}
	cipher, err := auth.NewCipher(cfg.TokenKey.Value())
	if err != nil {
		return nil, fmt.Errorf("token cipher: %w", err)
	}
	provider, err := Provider(cfg.LLM)
	if err != nil {
		return nil, err
	}
	runs := d.Runs
	if runs == nil {
		runs = d.Store
	}
	return &generation.Generator{
		Pipeline: &pipeline.Pipeline{
			Store:  d.Store,
			Tokens: canvastoken.Source{Store: d.Store, Canvas: canvasClient, Cipher: cipher},
			Canvas: canvasClient,
			Log:    d.Log,
		},
		Extractor: &content.Extractor{Source: canvasClient, Log: d.Log, Limits: content.Limits{
			MaxFileSize: cfg.Content.MaxFileSize, MaxTotalContentSize: cfg.Content.MaxTotalContentSize,
			MaxPagesPerModule: cfg.Content.MaxPagesPerModule, MaxContentLength: cfg.Content.MaxContentLength,
			MinContentLength: cfg.Content.MinContentLength,
		}},
		Runs:    runs,
		Batches: &llm.BatchWriter{Provider: provider, MaxAttempts: cfg.LLM.MaxRetries + 1, Log: d.Log},
		// Each batch of a run is its own message on this queue (README, Background jobs).
		Jobs: queue.NewPublisher(d.SQS, cfg.GenerateQueueURL, "", PublishTimeout),
	}, nil
}

// Provider is the configured LLM provider: OpenAI-compatible or the mock.
func Provider(c config.LLM) (llm.BatchProvider, error) {
	if c.Provider != config.LLMOpenAI {
		return llm.NewBatchMock(c.MockLatency), nil
	}
	p, err := llm.NewOpenAIBatch(llm.OpenAIConfig{BaseURL: c.BaseURL, APIKey: c.APIKey.Value(),
		Model: c.Model, Timeout: c.Timeout, HTTPClient: &http.Client{}})
	if err != nil {
		return nil, fmt.Errorf("llm provider: %w", err)
	}
	return p, nil
}

// Batch is the SQS batch handler over handle: each message a job, within
// the invocation's deadline less InvocationMargin, a failed one back after
// the backoff of RetryBase and RetryMax.
func Batch(cfg config.Generate, client *sqs.Client, handle queue.Handler, log *slog.Logger) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	return queue.Batch(log, queue.MaxReceiveCount, InvocationMargin, handle,
		queue.WithBackoff(client, cfg.GenerateQueueURL, RetryBase, RetryMax))
}
