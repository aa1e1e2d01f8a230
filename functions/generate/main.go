// Command generate is the Lambda on the generate queue: for each job it
// extracts the content of the quiz's Canvas modules, then writes the
// quiz's questions with the LLM (internal/pipeline). main is the
// composition root. Outside Lambda (no AWS_LAMBDA_RUNTIME_API) it polls the
// queue itself and calls the same batch handler, for `make dev`.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"quizgen/internal/app"
	"quizgen/internal/auth"
	"quizgen/internal/canvastoken"
	"quizgen/internal/config"
	"quizgen/internal/content"
	"quizgen/internal/db"
	"quizgen/internal/llm"
	"quizgen/internal/metrics"
	"quizgen/internal/pipeline"
	"quizgen/internal/pipeline/generation"
	"quizgen/internal/queue"
)

// invocationMargin is kept free before the Lambda deadline so a job can
// record its outcome before the function is stopped.
const invocationMargin = 20 * time.Second

// A failed job comes back after retryBase, 4 times longer per delivery, at
// most retryMax (queue.WithBackoff), instead of after the queue's
// visibility timeout: 30 s, 2 min, 8 min, 15 min, so the last of the five
// deliveries comes within half an hour.
const (
	retryBase = 30 * time.Second
	retryMax  = 15 * time.Minute
)

// publishTimeout bounds the send of one batch message.
const publishTimeout = 10 * time.Second

func main() { app.Main("generate", run) }

func run(ctx context.Context, log *slog.Logger) error {
	awsCfg, cfg, err := app.Load(ctx, config.LoadGenerate)
	if err != nil {
		return err
	}
	log = app.Logger("generate", cfg.LogLevel)
	pool, err := db.Open(ctx, cfg.DB, log, db.WithIAMAuth(awsCfg.Credentials, awsCfg.Region))
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	store := db.NewStore(pool)
	canvasClient, err := app.Canvas(cfg.Canvas, "", log)
	if err != nil {
		return err
	}
	cipher, err := auth.NewCipher(cfg.TokenKey.Value())
	if err != nil {
		return fmt.Errorf("token cipher: %w", err)
	}
	var provider llm.BatchProvider
	switch cfg.LLM.Provider {
	case config.LLMOpenAI:
		provider, err = llm.NewOpenAIBatch(llm.OpenAIConfig{BaseURL: cfg.LLM.BaseURL, APIKey: cfg.LLM.APIKey.Value(),
			Model: cfg.LLM.Model, Timeout: cfg.LLM.Timeout, HTTPClient: &http.Client{}})
		if err != nil {
			return fmt.Errorf("llm provider: %w", err)
		}
	default:
		provider = llm.NewBatchMock(cfg.LLM.MockLatency)
	}
	sqsClient := sqs.NewFromConfig(awsCfg)
	p := &generation.Generator{
		Pipeline: &pipeline.Pipeline{
			Store:  store,
			Tokens: canvastoken.Source{Store: store, Canvas: canvasClient, Cipher: cipher},
			Canvas: canvasClient,
			Log:    log,
		},
		Extractor: &content.Extractor{Source: canvasClient, Log: log, Limits: content.Limits{
			MaxFileSize: cfg.Content.MaxFileSize, MaxTotalContentSize: cfg.Content.MaxTotalContentSize,
			MaxPagesPerModule: cfg.Content.MaxPagesPerModule, MaxContentLength: cfg.Content.MaxContentLength,
			MinContentLength: cfg.Content.MinContentLength,
		}},
		Runs:    store,
		Batches: &llm.BatchWriter{Provider: provider, MaxAttempts: cfg.LLM.MaxRetries + 1, Log: log},
		// Each batch of a run is its own message on this queue (README, Background jobs).
		Jobs: queue.NewPublisher(sqsClient, cfg.GenerateQueueURL, "", publishTimeout),
	}
	poolMetrics := metrics.NewPool(os.Stdout, pool, "generate")
	batch := queue.Batch(log, queue.MaxReceiveCount, invocationMargin, p.HandleGenerate,
		queue.WithBackoff(sqsClient, cfg.GenerateQueueURL, retryBase, retryMax))
	handler := func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		defer poolMetrics.EmitOrLog(log)
		return batch(ctx, ev)
	}
	if app.OnLambda() {
		lambda.Start(handler)
		return nil
	}
	// Locally, LLM_CONCURRENCY pollers take one message each, as that many
	// Lambda environments would, so a quiz's batches run side by side.
	log.Info("polling the generate queue", "queue", cfg.GenerateQueueURL, "pollers", cfg.LLM.Concurrency)
	// The first poller to stop (an error, or ctx done) stops the others.
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	errs := make(chan error, cfg.LLM.Concurrency)
	for range cfg.LLM.Concurrency {
		go func() {
			err := queue.NewPoller(sqsClient, cfg.GenerateQueueURL, handler,
				queue.PollerOptions{Log: log, BatchSize: 1, InvocationTimeout: 15 * time.Minute}).Run(pctx)
			stop()
			errs <- err
		}()
	}
	first := <-errs
	for range cfg.LLM.Concurrency - 1 {
		<-errs
	}
	pool.Close()
	return first
}
