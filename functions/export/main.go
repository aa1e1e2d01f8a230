// Command export is the Lambda on the export queue: for each job it pushes
// the quiz's approved questions to Canvas as a New Quizzes quiz
// (internal/pipeline), safely for redelivery. main is the composition
// root. Outside Lambda (no AWS_LAMBDA_RUNTIME_API) it polls the queue
// itself and calls the same batch handler, for `make dev` (local.go;
// Lambda builds, -tags lambda.norpc, leave it out).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"quizgen/internal/app"
	"quizgen/internal/auth"
	"quizgen/internal/canvastoken"
	"quizgen/internal/config"
	"quizgen/internal/db"
	"quizgen/internal/metrics"
	"quizgen/internal/pipeline"
	"quizgen/internal/queue"
)

// invocationMargin is kept free before the Lambda deadline so a job can
// record its outcome before the function is stopped.
const invocationMargin = 15 * time.Second

// A failed job comes back after retryBase, 4 times longer per delivery, at
// most retryMax (queue.WithBackoff), instead of after the queue's
// visibility timeout: 30 s, 2 min, 8 min, 15 min, so the last of the five
// deliveries comes within half an hour.
const (
	retryBase = 30 * time.Second
	retryMax  = 15 * time.Minute
)

func main() { app.Main("export", run) }

func run(ctx context.Context, log *slog.Logger) error {
	awsCfg, cfg, err := app.Load(ctx, config.LoadExport)
	if err != nil {
		return err
	}
	log = app.Logger("export", cfg.LogLevel)
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
	p := &pipeline.Pipeline{
		Store:  store,
		Tokens: canvastoken.Source{Store: store, Canvas: canvasClient, Cipher: cipher},
		Canvas: canvasClient,
		Log:    log,
	}
	sqsClient := sqs.NewFromConfig(awsCfg)
	poolMetrics := metrics.NewPool(os.Stdout, pool, "export")
	batch := queue.Batch(log, queue.MaxReceiveCount, invocationMargin, p.HandleExport,
		queue.WithBackoff(sqsClient, cfg.ExportQueueURL, retryBase, retryMax))
	handler := func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		defer poolMetrics.EmitOrLog(log)
		return batch(ctx, ev)
	}
	if app.OnLambda() {
		lambda.Start(handler)
		return nil
	}
	err = runLocal(ctx, log, cfg, sqsClient, handler)
	pool.Close()
	return err
}
