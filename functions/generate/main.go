// Command generate is the Lambda on the generate queue: for each job it
// extracts the content of the quiz's Canvas modules, then writes the
// quiz's questions with the LLM (internal/pipeline). main is the
// composition root; the handler is wired by internal/app/generator, which
// dev/fleet's drill shares. Outside Lambda (no AWS_LAMBDA_RUNTIME_API) it
// polls the queue itself and calls the same batch handler, for `make dev`
// (local.go; Lambda builds, -tags lambda.norpc, leave it out).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"quizgen/internal/app"
	"quizgen/internal/app/generator"
	"quizgen/internal/config"
	"quizgen/internal/db"
	"quizgen/internal/metrics"
)

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
	sqsClient := sqs.NewFromConfig(awsCfg)
	g, err := generator.New(cfg, generator.Deps{Store: db.NewStore(pool), SQS: sqsClient, Log: log})
	if err != nil {
		return err
	}
	poolMetrics := metrics.NewPool(os.Stdout, pool, "generate")
	batch := generator.Batch(cfg, sqsClient, g.HandleGenerate, log)
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
