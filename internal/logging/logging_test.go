package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/logging"
)

func TestIDsFromContextReachEveryLine(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := logging.New(&buf, slog.LevelInfo).With("function", "api")
	ctx := logging.WithRequestID(context.Background(), "req-1")
	ctx = logging.WithJobID(ctx, "msg-2")
	ctx = logging.WithUserID(ctx, "user-3")
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "aws-4"})
	log.InfoContext(ctx, "quiz created", "quiz_id", "q")
	log.DebugContext(ctx, "not at info")

	var line map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line), "one JSON line: %s", buf.String())
	assert.Equal(t, "quiz created", line["msg"])
	assert.Equal(t, "req-1", line["request_id"])
	assert.Equal(t, "msg-2", line["job_id"])
	assert.Equal(t, "user-3", line["user_id"])
	assert.Equal(t, "aws-4", line["aws_request_id"])
	assert.Equal(t, "api", line["function"], "With keeps the context handler")
	assert.Equal(t, "req-1", logging.RequestID(ctx))
}

func TestParseLevel(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]slog.Level{"debug": slog.LevelDebug, "INFO": slog.LevelInfo, "": slog.LevelInfo,
		"warn": slog.LevelWarn, "warning": slog.LevelWarn, " error ": slog.LevelError} {
		got, ok := logging.ParseLevel(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	_, ok := logging.ParseLevel("verbose")
	assert.False(t, ok)
}
