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
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"quizgen/internal/auth"
	"quizgen/internal/canvas"
	"quizgen/internal/canvastoken"
	"quizgen/internal/config"
	"quizgen/internal/content"
	"quizgen/internal/db"
	"quizgen/internal/health"
	"quizgen/internal/llm"
	"quizgen/internal/logging"
	"quizgen/internal/pipeline"
	"quizgen/internal/queue"
)

// invocationMargin is kept free before the Lambda deadline so a job can
// record its outcome before the function is stopped.
const invocationMargin = 20 * time.Second

func main() {
	log := logging.New(os.Stdout, slog.LevelInfo)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, log); err != nil {
		log.Error("generate failed", "err", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger) error {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("load AWS config: %w", err)
	}
	cfg, err := config.LoadGenerate(ctx, os.Getenv, config.NewAWSFetcher(awsCfg))
	if err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	log = logging.New(os.Stdout, cfg.LogLevel).With("function", "generate")

	pool, err := db.Open(ctx, cfg.DB, log, db.WithIAMAuth(awsCfg.Credentials, awsCfg.Region))
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	store := db.NewStore(pool)
	canvasClient, err := canvas.New(canvas.Config{
		BaseURL: cfg.Canvas.BaseURL, APIURL: cfg.Canvas.APIURL, ClientID: cfg.Canvas.ClientID,
		ClientSecret: cfg.Canvas.ClientSecret.Value(), HTTPClient: &http.Client{}, Timeout: cfg.Canvas.Timeout, Log: log,
	})
	if err != nil {
		return fmt.Errorf("canvas client: %w", err)
	}
	cipher, err := auth.NewCipher(cfg.TokenKey.Value())
	if err != nil {
		return fmt.Errorf("token cipher: %w", err)
	}
	var provider llm.Provider
	switch cfg.LLM.Provider {
	case config.LLMOpenAI:
		provider, err = llm.NewOpenAI(llm.OpenAIConfig{BaseURL: cfg.LLM.BaseURL, APIKey: cfg.LLM.APIKey.Value(),
			Model: cfg.LLM.Model, Timeout: cfg.LLM.Timeout, HTTPClient: &http.Client{}})
		if err != nil {
			return fmt.Errorf("llm provider: %w", err)
		}
	default:
		provider = llm.NewMock(cfg.LLM.MockLatency)
	}
	p := &pipeline.Pipeline{
		Store:  store,
		Tokens: canvastoken.Source{Store: store, Canvas: canvasClient, Cipher: cipher},
		Extractor: &content.Extractor{Source: canvasClient, Log: log, Limits: content.Limits{
			MaxFileSize: cfg.Content.MaxFileSize, MaxTotalContentSize: cfg.Content.MaxTotalContentSize,
			MaxPagesPerModule: cfg.Content.MaxPagesPerModule, MaxContentLength: cfg.Content.MaxContentLength,
			MinContentLength: cfg.Content.MinContentLength,
		}},
		Writer: &llm.Writer{Provider: provider, Concurrency: cfg.LLM.Concurrency, MaxAttempts: cfg.LLM.MaxRetries + 1, Log: log},
		Canvas: canvasClient,
		Log:    log,
	}
	metrics := health.NewMetrics(os.Stdout, pool, "generate")
	batch := queue.Batch(log, queue.MaxReceiveCount, invocationMargin, p.Handle)
	handler := func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		defer emit(log, metrics)
		return batch(ctx, ev)
	}
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		lambda.Start(handler)
		return nil
	}
	log.Info("polling the generate queue", "queue", cfg.GenerateQueueURL)
	err = queue.NewPoller(sqs.NewFromConfig(awsCfg), cfg.GenerateQueueURL, handler,
		queue.PollerOptions{Log: log, InvocationTimeout: 15 * time.Minute}).Run(ctx)
	pool.Close()
	return err
}

func emit(log *slog.Logger, m *health.Metrics) {
	if err := m.Emit(); err != nil {
		log.Warn("write pool metrics", "err", err)
	}
}
