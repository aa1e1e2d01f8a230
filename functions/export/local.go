//go:build !lambda.norpc

package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"quizgen/internal/config"
	"quizgen/internal/queue"
)

// runLocal polls the export queue until ctx ends and calls handler as the
// event source mapping would.
func runLocal(ctx context.Context, log *slog.Logger, cfg config.Export, client *sqs.Client,
	handler func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)) error {
	log.Info("polling the export queue", "queue", cfg.ExportQueueURL)
	return queue.NewPoller(client, cfg.ExportQueueURL, handler,
		queue.PollerOptions{Log: log, InvocationTimeout: 10 * time.Minute}).Run(ctx)
}
