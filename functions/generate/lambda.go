//go:build lambda.norpc

package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"quizgen/internal/config"
)

// runLocal is left out of Lambda builds (-tags lambda.norpc): the local
// queue poller is for `make dev`, which builds without the tag.
func runLocal(context.Context, *slog.Logger, config.Generate, *sqs.Client,
	func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)) error {
	return errors.New("this bootstrap is a Lambda build (-tags lambda.norpc): run it under Lambda " +
		"(AWS_LAMBDA_RUNTIME_API), or build without the tag to poll the queue locally")
}
