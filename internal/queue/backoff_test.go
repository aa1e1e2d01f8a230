package queue_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/queue"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{0, 30 * time.Second}, // no receive count in the event
		{1, 30 * time.Second},
		{2, 2 * time.Minute},
		{3, 8 * time.Minute},
		{4, 15 * time.Minute}, // 32 min, capped
		{50, 15 * time.Minute},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, queue.Backoff(30*time.Second, 15*time.Minute, tt.attempt), "attempt %d", tt.attempt)
	}
}

// changes records ChangeMessageVisibility calls.
type changes struct {
	mu    sync.Mutex
	calls []sqs.ChangeMessageVisibilityInput
	err   error
}

func (c *changes) ChangeMessageVisibility(_ context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, *in)
	return &sqs.ChangeMessageVisibilityOutput{}, c.err
}

// A failed message's visibility is shortened by its receive count, with
// the receipt handle of its latest receive; a message that succeeded is
// left alone; a failed call still reports the failure.
func TestBatchBacksOffFailedMessages(t *testing.T) {
	t.Parallel()
	_, body := newMessage(t, queue.KindExport)
	rec := func(id, receipt string, attempt int) events.SQSMessage {
		r := record(id, body, attempt)
		r.ReceiptHandle = receipt
		return r
	}
	ev := events.SQSEvent{Records: []events.SQSMessage{
		rec("ok", "h-ok", 1), rec("bad", "h-bad-2", 2), rec("bad", "h-bad-3", 3),
	}}
	r := &recorder{fail: map[string]bool{"bad": true}}
	c := &changes{}
	resp, err := queue.Batch(nil, 5, 0, r.handle, queue.WithBackoff(c, "http://sqs/1/q", 10*time.Second, time.Hour))(t.Context(), ev)
	require.NoError(t, err)
	assert.Equal(t, []string{"bad"}, failures(resp))
	require.Len(t, c.calls, 1, "only the failed message")
	assert.Equal(t, "http://sqs/1/q", aws.ToString(c.calls[0].QueueUrl))
	assert.Equal(t, "h-bad-3", aws.ToString(c.calls[0].ReceiptHandle), "the latest receipt")
	assert.Equal(t, int32(160), c.calls[0].VisibilityTimeout, "10 s x 4 x 4 for the third receive")

	c.err = errors.New("access denied")
	resp, err = queue.Batch(nil, 5, 0, r.handle, queue.WithBackoff(c, "http://sqs/1/q", 10*time.Second, time.Hour))(t.Context(), ev)
	require.NoError(t, err)
	assert.Equal(t, []string{"bad"}, failures(resp), "still reported failed")
}

// Through the emulator and the Poller: a failed message comes back after
// the backoff, long before the queue's own visibility timeout (an hour).
func TestPollerFailedMessageComesBackAfterBackoff(t *testing.T) {
	t.Parallel()
	client := sqsClient(t)
	url, _ := newQueue(t, client, map[string]string{"VisibilityTimeout": "3600"})
	publish(t, client, url, queue.KindExport, 1)

	jobs := jobLog{err: func(j queue.Job) error {
		if j.Attempt == 1 {
			return errors.New("canvas said 503")
		}
		return nil
	}}
	log, _ := newLog(t)
	h := queue.Batch(log, queue.MaxReceiveCount, 100*time.Millisecond, jobs.handle,
		queue.WithBackoff(client, url, time.Second, time.Second))
	run(t, queue.NewPoller(client, url, h, queue.PollerOptions{WaitTime: time.Second, InvocationTimeout: 5 * time.Second, Log: log}))

	// A hang guard, not a timing assertion: without the backoff the
	// message would be invisible for the queue's hour.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Len(c, jobs.snapshot(), 2)
	}, 30*time.Second, 50*time.Millisecond, "the failed message is delivered again")
	assertQueueEmpty(t, client, url)
}
