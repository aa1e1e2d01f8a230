package queue_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/queue"
)

// sqsClient returns a client of the emulator make test starts. Like
// emulator (publisher_test.go) it skips without one, and fails in CI.
func sqsClient(t *testing.T) *sqs.Client {
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
	return sqs.NewFromConfig(cfg)
}

// newQueue creates a queue of the test's own with attrs and deletes it
// when the test ends.
func newQueue(t *testing.T, client *sqs.Client, attrs map[string]string) (url, arn string) {
	t.Helper()
	out, err := client.CreateQueue(t.Context(), &sqs.CreateQueueInput{
		QueueName:  aws.String("t-poller-" + uuid.NewString()[:8]),
		Attributes: attrs,
	})
	require.NoError(t, err)
	url = *out.QueueUrl
	t.Cleanup(func() {
		_, _ = client.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: &url})
	})
	a, err := client.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{
		QueueUrl: &url, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
	})
	require.NoError(t, err)
	return url, a.Attributes[string(types.QueueAttributeNameQueueArn)]
}

// newQueueWithDLQ creates a queue whose redrive policy moves a message to
// its own dead-letter queue after maxReceives receives.
func newQueueWithDLQ(t *testing.T, client *sqs.Client, visibility time.Duration, maxReceives int) (url, arn, dlqURL string) {
	t.Helper()
	dlqURL, dlqARN := newQueue(t, client, nil)
	url, arn = newQueue(t, client, map[string]string{
		"VisibilityTimeout": strconv.Itoa(int(visibility / time.Second)),
		"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"%d"}`, dlqARN, maxReceives),
	})
	return url, arn, dlqURL
}

// publish sends messages of kind to url with the API's Publisher and
// returns them.
func publish(t *testing.T, client *sqs.Client, url string, kind queue.Kind, n int) []queue.Message {
	t.Helper()
	p := queue.NewPublisher(client, url, url, 5*time.Second)
	var ms []queue.Message
	for range n {
		m, _ := newMessage(t, kind)
		require.NoError(t, p.Publish(t.Context(), m))
		ms = append(ms, m)
	}
	return ms
}

// run runs p until the test ends or stop is called; stop returns Run's
// result, or an error if Run did not return within 10 s of the cancel (a
// hang guard, half the longest long poll).
func run(t *testing.T, p *queue.Poller) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				err = errors.New("Run did not return within 10 s of its context's end")
			}
		})
		return err
	}
	t.Cleanup(func() { assert.NoError(t, stop()) })
	return stop
}

// watchReceives returns a client like client whose every ReceiveMessage
// request sends on receives (dropped when one is already waiting) as it
// goes out, so a test knows the poller is inside a receive.
func watchReceives(client *sqs.Client) (watched *sqs.Client, receives <-chan struct{}) {
	ch := make(chan struct{}, 1)
	opts := client.Options()
	next := opts.HTTPClient
	opts.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
		if r.Header.Get("X-Amz-Target") == "AmazonSQS.ReceiveMessage" {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
		return next.Do(r)
	})
	return sqs.New(opts), ch
}

// doFunc is an sqs.HTTPClient made of a function.
type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// queueCounts returns the queue's visible and in-flight message counts.
func queueCounts(t *testing.T, client *sqs.Client, url string) (visible, inFlight int) {
	t.Helper()
	out, err := client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{
		types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
	}})
	require.NoError(t, err)
	visible, _ = strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)])
	inFlight, _ = strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])
	return visible, inFlight
}

func assertQueueEmpty(t *testing.T, client *sqs.Client, url string) {
	t.Helper()
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		visible, inFlight := queueCounts(t, client, url)
		assert.Zero(c, visible, "visible messages")
		assert.Zero(c, inFlight, "in-flight messages")
	}, 30*time.Second, 50*time.Millisecond)
}

// jobLog is a Handler that records the jobs it sees.
type jobLog struct {
	mu   sync.Mutex
	jobs []queue.Job
	err  func(queue.Job) error // nil: every job succeeds
}

func (l *jobLog) handle(_ context.Context, job queue.Job) error {
	l.mu.Lock()
	l.jobs = append(l.jobs, job)
	l.mu.Unlock()
	if l.err != nil {
		return l.err(job)
	}
	return nil
}

func (l *jobLog) snapshot() []queue.Job {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.jobs)
}

func TestPollerHandlesAndDeletes(t *testing.T) {
	t.Parallel()
	client := sqsClient(t)
	url, _ := newQueue(t, client, nil)
	sent := publish(t, client, url, queue.KindExport, 7)

	var (
		jobs    jobLog
		mu      sync.Mutex
		batches []int
	)
	h := queue.Batch(nil, queue.MaxReceiveCount, 100*time.Millisecond, jobs.handle)
	handle := func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		mu.Lock()
		batches = append(batches, len(ev.Records))
		mu.Unlock()
		return h(ctx, ev)
	}
	log, _ := newLog(t)
	run(t, queue.NewPoller(client, url, handle, queue.PollerOptions{BatchSize: 5, WaitTime: time.Second, Log: log}))

	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Len(c, jobs.snapshot(), len(sent))
	}, 30*time.Second, 20*time.Millisecond)
	var got []queue.Message
	for _, j := range jobs.snapshot() {
		got = append(got, j.Message)
		assert.Equal(t, 1, j.Attempt)
	}
	assert.ElementsMatch(t, sent, got, "each message handled once")
	assertQueueEmpty(t, client, url)

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 5, slices.Max(batches), "batches fill up to BatchSize")
}

func TestPollerRedeliversThenDeadLetters(t *testing.T) {
	t.Parallel()
	client := sqsClient(t)
	const maxReceives = 3
	url, arn, dlq := newQueueWithDLQ(t, client, time.Second, maxReceives)
	sent := publish(t, client, url, queue.KindGenerate, 1)[0]

	jobs := jobLog{err: func(queue.Job) error { return errors.New("llm said 429") }}
	log, _ := newLog(t)
	run(t, queue.NewPoller(client, url, queue.Batch(log, maxReceives, 100*time.Millisecond, jobs.handle),
		queue.PollerOptions{WaitTime: time.Second, InvocationTimeout: time.Second, Log: log}))

	out, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{
		QueueUrl: &dlq, WaitTimeSeconds: 10, MaxNumberOfMessages: 1,
		//lint:ignore SA1019 the emulator needs the deprecated field (poller.go, quirk a)
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}, //nolint:staticcheck // SA1019: poller.go, quirk a
	})
	require.NoError(t, err)
	require.Len(t, out.Messages, 1, "the message reaches the dead-letter queue")
	body, err := queue.Decode([]byte(aws.ToString(out.Messages[0].Body)))
	require.NoError(t, err)
	assert.Equal(t, sent, body)
	assert.Equal(t, arn, out.Messages[0].Attributes["DeadLetterQueueSourceArn"])

	var attempts []int
	var finals []bool
	for _, j := range jobs.snapshot() {
		assert.Equal(t, sent, j.Message)
		attempts = append(attempts, j.Attempt)
		finals = append(finals, j.Final)
	}
	assert.Equal(t, []int{1, 2, 3}, attempts, "one run per delivery, with a growing receive count")
	assert.Equal(t, []bool{false, false, true}, finals)
	assertQueueEmpty(t, client, url)
}

func TestPollerVisibilityTimeoutOption(t *testing.T) {
	t.Parallel()
	client := sqsClient(t)
	url, _ := newQueue(t, client, map[string]string{"VisibilityTimeout": "30"})
	publish(t, client, url, queue.KindExport, 1)

	jobs := jobLog{err: func(j queue.Job) error {
		if j.Attempt == 1 {
			return errors.New("first try fails")
		}
		return nil
	}}
	run(t, queue.NewPoller(client, url, queue.Batch(nil, 5, 100*time.Millisecond, jobs.handle),
		queue.PollerOptions{WaitTime: time.Second, VisibilityTimeout: time.Second, InvocationTimeout: time.Second}))

	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Len(c, jobs.snapshot(), 2)
	}, 20*time.Second, 20*time.Millisecond, "with the queue's 30 s it would not come back in time")
	assertQueueEmpty(t, client, url)
}

func TestPollerMergesRepeatedReceipts(t *testing.T) {
	t.Parallel()
	client := sqsClient(t)
	// With no visibility timeout the emulator hands out the message again
	// on each of its 10 ms rounds while the poll to fill the batch runs.
	// It ignores VisibilityTimeout "0" in CreateQueue (the queue gets 30)
	// but honours it in SetQueueAttributes.
	url, _ := newQueue(t, client, nil)
	_, err := client.SetQueueAttributes(t.Context(), &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"VisibilityTimeout": "0"}})
	require.NoError(t, err)
	sent := publish(t, client, url, queue.KindGenerate, 1)[0]

	var (
		mu   sync.Mutex
		seen []events.SQSEvent
		jobs jobLog
	)
	h := queue.Batch(nil, 100, 100*time.Millisecond, jobs.handle)
	handle := func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		mu.Lock()
		seen = append(seen, ev)
		mu.Unlock()
		return h(ctx, ev)
	}
	log, logs := newLog(t)
	stop := run(t, queue.NewPoller(client, url, handle, queue.PollerOptions{WaitTime: time.Second, Log: log}))

	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.NotEmpty(c, jobs.snapshot())
	}, 30*time.Second, 20*time.Millisecond)
	assertQueueEmpty(t, client, url)
	require.NoError(t, stop())

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 1, "handled once, then deleted")
	require.Len(t, seen[0].Records, 1, "one record per message")
	merged := logs.lines(t, "message received more than once in one batch; keeping its latest receipt")
	require.Len(t, merged, 1, "the emulator repeated the message (quirk b); if not, this test proves nothing")
	repeats := int(merged[0]["repeats"].(float64))
	t.Logf("the emulator returned the message %d more times in the batch", repeats)
	assert.Equal(t, strconv.Itoa(1+repeats), seen[0].Records[0].Attributes["ApproximateReceiveCount"],
		"the record carries the latest receipt")
	assert.Equal(t, sent, jobs.snapshot()[0].Message)
}

func TestPollerFailsTheWholeBatch(t *testing.T) {
	t.Parallel()
	client := sqsClient(t)
	// What Lambda does when the function errs, panics or names a message
	// that is not in the batch: every message of the batch comes back.
	tests := []struct {
		name    string
		misstep func(ev events.SQSEvent) (events.SQSEventResponse, error)
		logged  string
	}{
		{"error", func(events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{}, errors.New("database unreachable")
		}, "batch handler failed; SQS will deliver the whole batch again"},
		{"panic", func(events.SQSEvent) (events.SQSEventResponse, error) {
			panic("nil map")
		}, "batch handler panicked; SQS will deliver the whole batch again"},
		{"unknown item", func(events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: "not-in-batch"}}}, nil
		}, "batch handler reported a message not in the batch; SQS will deliver the whole batch again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url, _ := newQueue(t, client, nil)
			publish(t, client, url, queue.KindExport, 2)
			var (
				mu    sync.Mutex
				calls [][]string // message ids of each call
			)
			handle := func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
				mu.Lock()
				var ids []string
				for _, r := range ev.Records {
					ids = append(ids, r.MessageId)
				}
				calls = append(calls, ids)
				first := len(calls) == 1
				mu.Unlock()
				if first {
					return tt.misstep(ev)
				}
				return events.SQSEventResponse{}, nil
			}
			log, logs := newLog(t)
			run(t, queue.NewPoller(client, url, handle, queue.PollerOptions{WaitTime: time.Second, VisibilityTimeout: time.Second, Log: log}))

			require.EventuallyWithT(t, func(c *assert.CollectT) {
				mu.Lock()
				defer mu.Unlock()
				assert.GreaterOrEqual(c, len(calls), 2)
			}, 30*time.Second, 20*time.Millisecond)
			assertQueueEmpty(t, client, url)
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, calls[0], 2)
			assert.ElementsMatch(t, calls[0], slices.Concat(calls[1:]...), "both messages come back")
			assert.Len(t, logs.lines(t, tt.logged), 1)
		})
	}
}

// shape is what a handler may rely on in an SQS event record.
type shape struct {
	Keys              []string // JSON keys of the record
	Attributes        []string
	MessageAttributes map[string]string // name → data type
	ListsNotNull      bool              // stringListValues and binaryListValues are [] rather than null
	Md5OfBodyRight    bool
	HasMd5OfAttrs     bool
	HasReceiptHandle  bool
	EventSource       string
}

func shapeOf(t *testing.T, rec events.SQSMessage, raw json.RawMessage) shape {
	t.Helper()
	var keys map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &keys))
	sum := md5.Sum([]byte(rec.Body))
	s := shape{
		Keys:              slices.Sorted(maps.Keys(keys)),
		Attributes:        slices.Sorted(maps.Keys(rec.Attributes)),
		MessageAttributes: map[string]string{},
		ListsNotNull:      true,
		Md5OfBodyRight:    rec.Md5OfBody == hex.EncodeToString(sum[:]),
		HasMd5OfAttrs:     rec.Md5OfMessageAttributes != "",
		HasReceiptHandle:  rec.ReceiptHandle != "",
		EventSource:       rec.EventSource,
	}
	for k, v := range rec.MessageAttributes {
		s.MessageAttributes[k] = v.DataType
		s.ListsNotNull = s.ListsNotNull && v.StringListValues != nil && v.BinaryListValues != nil
	}
	return s
}

func TestPollerEventIsShapedLikeLambdas(t *testing.T) {
	t.Parallel()
	client := sqsClient(t)
	url, arn := newQueue(t, client, nil)
	sent := publish(t, client, url, queue.KindGenerate, 1)[0]

	type call struct {
		ev       events.SQSEvent
		deadline time.Time
	}
	calls := make(chan call, 1)
	var jobs jobLog
	h := queue.Batch(nil, queue.MaxReceiveCount, time.Second, jobs.handle)
	handle := func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		d, _ := ctx.Deadline()
		calls <- call{ev: ev, deadline: d}
		return h(ctx, ev)
	}
	// A fixed clock, far ahead so the deadline never passes: the deadline
	// handle sees is exactly the clock's reading plus InvocationTimeout.
	now := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	run(t, queue.NewPoller(client, url, handle, queue.PollerOptions{WaitTime: time.Second, InvocationTimeout: 7 * time.Second, Now: clock}))

	var c call
	select {
	case c = <-calls:
	case <-time.After(30 * time.Second):
		t.Fatal("no batch within 30 s")
	}
	assert.Equal(t, now.Add(7*time.Second), c.deadline, "the batch runs under InvocationTimeout")

	lambda, raw := readEvent(t)
	var rawLambda struct{ Records []json.RawMessage }
	require.NoError(t, json.Unmarshal(raw, &rawLambda))
	require.Len(t, c.ev.Records, 1)
	ours, err := json.Marshal(c.ev.Records[0])
	require.NoError(t, err)
	assert.Equal(t, shapeOf(t, lambda.Records[0], rawLambda.Records[0]), shapeOf(t, c.ev.Records[0], ours))

	rec := c.ev.Records[0]
	assert.Equal(t, arn, rec.EventSourceARN, "the ARN derived from the URL is the queue's")
	assert.Equal(t, client.Options().Region, rec.AWSRegion)
	assert.Equal(t, "1", rec.Attributes["ApproximateReceiveCount"])
	assert.Equal(t, string(queue.KindGenerate), aws.ToString(rec.MessageAttributes["type"].StringValue))

	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Len(c, jobs.snapshot(), 1)
	}, 30*time.Second, 10*time.Millisecond)
	assert.Equal(t, queue.Job{Message: sent, ID: rec.MessageId, Attempt: 1}, jobs.snapshot()[0])
}

func TestPollerStopsPromptly(t *testing.T) {
	t.Parallel()
	client := sqsClient(t)

	t.Run("while polling", func(t *testing.T) {
		t.Parallel()
		url, _ := newQueue(t, client, nil)
		h := func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{}, nil
		}
		polling, receives := watchReceives(client)
		stop := run(t, queue.NewPoller(polling, url, h, queue.PollerOptions{WaitTime: 20 * time.Second}))
		select {
		case <-receives: // inside the long poll
		case <-time.After(30 * time.Second):
			t.Fatal("no ReceiveMessage within 30 s")
		}
		// stop's hang guard (10 s) is half the 20 s long poll: it
		// passes only if stop ends the poll instead of waiting it out.
		require.NoError(t, stop())
	})

	t.Run("while a job runs", func(t *testing.T) {
		t.Parallel()
		url, _ := newQueue(t, client, nil)
		publish(t, client, url, queue.KindExport, 1)
		started := make(chan struct{})
		slow := func(ctx context.Context, _ queue.Job) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		}
		stop := run(t, queue.NewPoller(client, url, queue.Batch(nil, 5, 0, slow), queue.PollerOptions{WaitTime: 20 * time.Second}))
		select {
		case <-started:
		case <-time.After(30 * time.Second):
			t.Fatal("job did not start within 30 s")
		}
		// stop's hang guard (10 s) is half the 20 s long poll and the
		// job never ends by itself: stop must cancel the job and not poll
		// again.
		require.NoError(t, stop())
		_, inFlight := queueCounts(t, client, url)
		assert.Equal(t, 1, inFlight, "the unfinished message stays for redelivery")
	})
}

func TestPollerConfigurationErrors(t *testing.T) {
	t.Parallel()
	client := sqs.New(sqs.Options{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}})
	const url = "http://127.0.0.1:1/123456789012/q"
	h := func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
		return events.SQSEventResponse{}, nil
	}
	tests := []struct {
		name   string
		client *sqs.Client
		url    string
		handle func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)
		opts   queue.PollerOptions
		want   string
	}{
		{"batch too big", client, url, h, queue.PollerOptions{BatchSize: 11}, "BatchSize 11"},
		{"batch negative", client, url, h, queue.PollerOptions{BatchSize: -1}, "BatchSize -1"},
		{"wait too long", client, url, h, queue.PollerOptions{WaitTime: 21 * time.Second}, "WaitTime 21s"},
		{"negative visibility", client, url, h, queue.PollerOptions{VisibilityTimeout: -time.Second}, "VisibilityTimeout -1s"},
		{"negative timeout", client, url, h, queue.PollerOptions{InvocationTimeout: -time.Second}, "InvocationTimeout -1s"},
		{"not a queue URL", client, "quizgen-generate", h, queue.PollerOptions{}, "want http(s)://host/account/name"},
		{"no account in URL", client, "http://127.0.0.1:9324/q", h, queue.PollerOptions{}, "want http(s)://host/account/name"},
		{"no handler", client, url, nil, queue.PollerOptions{}, "nil handle"},
		{"no client", nil, url, h, queue.PollerOptions{}, "nil SQS client"},
		{"no region", sqs.New(sqs.Options{}), url, h, queue.PollerOptions{}, "no AWS region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := queue.NewPoller(tt.client, tt.url, tt.handle, tt.opts).Run(t.Context())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}

	t.Run("every problem at once", func(t *testing.T) {
		t.Parallel()
		err := queue.NewPoller(client, url, nil, queue.PollerOptions{BatchSize: 11, WaitTime: time.Hour}).Run(t.Context())
		require.Error(t, err)
		for _, want := range []string{"nil handle", "BatchSize 11", "WaitTime 1h0m0s"} {
			assert.Contains(t, err.Error(), want)
		}
	})

	t.Run("queue that does not exist", func(t *testing.T) {
		t.Parallel()
		client := sqsClient(t)
		endpoint := os.Getenv("AWS_ENDPOINT_URL_SQS")
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		err := queue.NewPoller(client, endpoint+"/123456789012/t-missing-"+uuid.NewString()[:8], h, queue.PollerOptions{}).Run(ctx)
		require.Error(t, err, "Run must give up rather than poll a queue that is not there")
		var missing *types.QueueDoesNotExist
		assert.ErrorAs(t, err, &missing)
	})
}

func TestPollerRetriesAfterNetworkErrors(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1; the SDK's own retries are off so that
	// the poller's back-off shows.
	client := sqs.New(sqs.Options{
		Region:           "us-east-1",
		Credentials:      aws.AnonymousCredentials{},
		BaseEndpoint:     aws.String("http://127.0.0.1:1"),
		RetryMaxAttempts: 1,
	})
	log, logs := newLog(t)
	h := func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
		return events.SQSEventResponse{}, nil
	}
	ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
	defer cancel()
	err := queue.NewPoller(client, "http://127.0.0.1:1/123456789012/q", h, queue.PollerOptions{Log: log}).Run(ctx)
	require.NoError(t, err, "network errors are retried until the context ends")

	retries := logs.lines(t, "receive failed; retrying")
	require.GreaterOrEqual(t, len(retries), 2)
	assert.Equal(t, "WARN", retries[0]["level"])
	assert.Less(t, retries[0]["retry_in_ms"], retries[1]["retry_in_ms"], "the pause grows")
}
