// Command export is the Lambda on the export queue: for each job it pushes
// the quiz's approved questions to Canvas as a New Quizzes quiz
// (internal/pipeline), safely for redelivery. main is the composition
// root. Outside Lambda (no AWS_LAMBDA_RUNTIME_API) it polls the queue
// itself and calls the same batch handler, for `make dev`.
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
	"quizgen/internal/db"
	"quizgen/internal/health"
	"quizgen/internal/logging"
	"quizgen/internal/pipeline"
	"quizgen/internal/queue"
)

// invocationMargin is kept free before the Lambda deadline so a job can
// record its outcome before the function is stopped.
const invocationMargin = 15 * time.Second

func main() {
	log := logging.New(os.Stdout, slog.LevelInfo)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, log); err != nil {
		log.Error("export failed", "err", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger) error {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("load AWS config: %w", err)
	}
	cfg, err := config.LoadExport(ctx, os.Getenv, config.NewAWSFetcher(awsCfg))
	if err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	log = logging.New(os.Stdout, cfg.LogLevel).With("function", "export")

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
	p := &pipeline.Pipeline{
		Store:  store,
		Tokens: canvastoken.Source{Store: store, Canvas: canvasClient, Cipher: cipher},
		Canvas: canvasClient,
		Log:    log,
	}
	metrics := health.NewMetrics(os.Stdout, pool, "export")
	batch := queue.Batch(log, queue.MaxReceiveCount, invocationMargin, p.Handle)
	handler := func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		defer emit(log, metrics)
		return batch(ctx, ev)
	}
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		lambda.Start(handler)
		return nil
	}
	log.Info("polling the export queue", "queue", cfg.ExportQueueURL)
	err = queue.NewPoller(sqs.NewFromConfig(awsCfg), cfg.ExportQueueURL, handler,
		queue.PollerOptions{Log: log, InvocationTimeout: 10 * time.Minute}).Run(ctx)
	pool.Close()
	return err
}

func emit(log *slog.Logger, m *health.Metrics) {
	if err := m.Emit(); err != nil {
		log.Warn("write pool metrics", "err", err)
	}
}
