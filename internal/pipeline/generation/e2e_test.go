package generation_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/llm"
	"quizgen/internal/llm/llmtest"
	"quizgen/internal/logging"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
)

// TestEndToEndThroughSQS runs the flow as deployed: the API's quiz.Service
// publishes to queues on the SQS emulator, and two pollers (the functions'
// local mode) feed queue.Batch with the pipeline, writing questions with
// the OpenAI provider against a fake OpenAI-compatible server.
func TestEndToEndThroughSQS(t *testing.T) {
	t.Parallel()
	if os.Getenv("AWS_ENDPOINT_URL_SQS") == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("AWS_ENDPOINT_URL_SQS must be set in CI (run the tests with `make test`)")
		}
		t.Skip("AWS_ENDPOINT_URL_SQS not set: run `make test`")
	}
	srv := llmtest.NewServer(t)
	provider, err := llm.NewOpenAIBatch(llm.OpenAIConfig{BaseURL: srv.URL, APIKey: "sk-test", Model: "gpt-test", Timeout: 10 * time.Second})
	require.NoError(t, err)
	b := setup(t, options{provider: provider})

	cfg, err := awsconfig.LoadDefaultConfig(t.Context())
	require.NoError(t, err)
	client := sqs.NewFromConfig(cfg)
	mk := func(kind string) string {
		out, err := client.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String("e2e-" + kind + "-" + uuid.NewString()[:8]),
			Attributes: map[string]string{"VisibilityTimeout": "30"}})
		require.NoError(t, err)
		return *out.QueueUrl
	}
	genURL, expURL := mk("generate"), mk("export")
	svc := quiz.NewService(b.store, queue.NewPublisher(client, genURL, expURL, 5*time.Second), logging.Discard())

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	handler := queue.Batch(logging.Discard(), queue.MaxReceiveCount, time.Second, b.p.Handle)
	for _, url := range []string{genURL, expURL} {
		poller := queue.NewPoller(client, url, handler, queue.PollerOptions{WaitTime: time.Second, InvocationTimeout: time.Minute})
		go func() { _ = poller.Run(ctx) }()
	}

	q, err := svc.CreateQuiz(t.Context(), quiz.NewQuiz{OwnerID: b.owner.ID, CanvasCourseID: 37823, CanvasCourseName: "AI",
		SelectedModules: []quiz.Module{{ID: 173574, Name: "Search"}, {ID: 173469, Name: "Scheduling"}},
		Title:           "E2E", QuestionCount: 15, LLMModel: "gpt-test", LLMTemperature: 0.7}, "e2e")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return b.quiz(q.ID).LLMGenerationStatus == quiz.StatusCompleted }, 30*time.Second, 50*time.Millisecond)
	assert.Equal(t, quiz.StatusCompleted, b.quiz(q.ID).ContentExtractionStatus)
	assert.Len(t, b.questions(q.ID), 15)
	assert.NotEmpty(t, srv.Requests(), "the questions came from the OpenAI-compatible endpoint")

	b.approveAll(q.ID)
	require.NoError(t, svc.StartExport(t.Context(), b.owner.ID, q.ID, "e2e"))
	require.Eventually(t, func() bool { return b.quiz(q.ID).ExportStatus == quiz.StatusCompleted }, 30*time.Second, 50*time.Millisecond)
	require.Len(t, b.canvas.Quizzes(), 1)
	assert.Len(t, b.canvas.Quizzes()[0].Items, 15)
}
