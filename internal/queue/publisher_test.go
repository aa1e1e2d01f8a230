package queue_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/queue"
	"quizgen/internal/quiz"
)

// emulator returns an SQS client for the emulator make test starts, and
// two fresh queues of this test's own.
func emulator(t *testing.T) (client *sqs.Client, generateURL, exportURL string) {
	t.Helper()
	if testing.Short() {
		t.Skip("SQS emulator test; skipped with -short")
	}
	if os.Getenv("AWS_ENDPOINT_URL_SQS") == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("AWS_ENDPOINT_URL_SQS must be set in CI (run the tests with `make test`)")
		}
		t.Skip("AWS_ENDPOINT_URL_SQS not set: run `make test`")
	}
	cfg, err := awsconfig.LoadDefaultConfig(t.Context())
	require.NoError(t, err)
	client = sqs.NewFromConfig(cfg)
	mk := func(kind string) string {
		out, err := client.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String("t-" + kind + "-" + uuid.NewString()[:8])})
		require.NoError(t, err)
		return *out.QueueUrl
	}
	return client, mk("generate"), mk("export")
}

func receiveOne(t *testing.T, client *sqs.Client, url string) string {
	t.Helper()
	out, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 2, MaxNumberOfMessages: 10})
	require.NoError(t, err)
	require.Len(t, out.Messages, 1)
	return *out.Messages[0].Body
}

func TestPublishLandsOnTheRightQueue(t *testing.T) {
	t.Parallel()
	client, gen, exp := emulator(t)
	p := queue.NewPublisher(client, gen, exp, 5*time.Second)
	id := uuid.New()

	job := uuid.New()
	require.NoError(t, p.PublishJob(t.Context(), quiz.Job{Kind: quiz.JobExtract, QuizID: id, ID: job, RequestID: "r1"}))
	m, err := queue.Decode([]byte(receiveOne(t, client, gen)))
	require.NoError(t, err)
	assert.Equal(t, queue.Message{Version: 1, Kind: queue.KindExtract, QuizID: id, JobID: job, RequestID: "r1"}, m)

	require.NoError(t, p.PublishJob(t.Context(), quiz.Job{Kind: quiz.JobExport, QuizID: id, ID: job}))
	m, err = queue.Decode([]byte(receiveOne(t, client, exp)))
	require.NoError(t, err)
	assert.Equal(t, queue.KindExport, m.Kind)
}

func TestPublishFailureIsTemporary(t *testing.T) {
	t.Parallel()
	client, _, _ := emulator(t)
	// A queue that does not exist, as after a misconfiguration.
	p := queue.NewPublisher(client, "http://127.0.0.1:1/000000000000/missing", "x", 2*time.Second)
	err := p.PublishJob(context.Background(), quiz.Job{Kind: quiz.JobGenerate, QuizID: uuid.New(), ID: uuid.New()})
	require.ErrorIs(t, err, quiz.ErrTemporary)
	assert.True(t, strings.Contains(err.Error(), "publish generate_questions"), err.Error())
}
