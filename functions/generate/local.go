//go:build !lambda.norpc

package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"quizgen/internal/app/generator"
	"quizgen/internal/config"
	"quizgen/internal/queue"
)

// runLocal polls the generate queue until ctx ends: LLM_CONCURRENCY
// pollers take one message each, as that many Lambda environments would,
// so a quiz's batches run side by side. The first poller to stop (an
// error, or ctx done) stops the others.
func runLocal(ctx context.Context, log *slog.Logger, cfg config.Generate, client *sqs.Client,
	handler func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)) error {
	log.Info("polling the generate queue", "queue", cfg.GenerateQueueURL, "pollers", cfg.LLM.Concurrency)
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	errs := make(chan error, cfg.LLM.Concurrency)
	for range cfg.LLM.Concurrency {
		go func() {
			err := queue.NewPoller(client, cfg.GenerateQueueURL, handler,
				queue.PollerOptions{Log: log, BatchSize: 1, InvocationTimeout: generator.LocalInvocationTimeout}).Run(pctx)
			stop()
			errs <- err
		}()
	}
	first := <-errs
	for range cfg.LLM.Concurrency - 1 {
		<-errs
	}
	return first
}
