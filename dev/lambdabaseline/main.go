// Command lambdabaseline is the smallest Go Lambda function: aws-lambda-go
// and a handler that echoes its event. `make bench-coldstart` measures its
// size and init duration in the same run as the real functions, so their
// figures can be read as ratios to the floor this machine and the
// emulator impose.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(_ context.Context, ev json.RawMessage) (json.RawMessage, error) { return ev, nil })
}
