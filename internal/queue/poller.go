package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"quizgen/internal/logging"
)

// The Poller was written against the local emulator (npm local-aws-sqs
// 2.0.2, dev/sqs), whose behaviour differs from SQS in ways a poller
// notices. Each was observed with aws-sdk-go-v2 against the emulator
// before the code below was shaped by it (queue VisibilityTimeout 1 s,
// maxReceiveCount 5, one message sent unless said otherwise):
//
//  (a) ReceiveMessage with only MessageSystemAttributeNames ["All"] returns
//      no Attributes at all; with the deprecated AttributeNames ["All"]
//      (alone or with MessageSystemAttributeNames) it returns
//      ApproximateReceiveCount, SentTimestamp, SenderId (always
//      "ABCDEFGHI1JKLMNOPQ23R") and ApproximateFirstReceiveTimestamp.
//      MessageAttributeNames ["All"] works on its own. So the poller sets
//      both attribute fields; SQS accepts both.
//  (b) A long poll does not return when a message arrives: it waits until
//      it holds MaxNumberOfMessages messages or WaitTimeSeconds is over
//      (WaitTimeSeconds 3, MaxNumberOfMessages 5: 3.04 s). A message whose
//      visibility timeout ends meanwhile is received again into the same
//      response: that poll returned the one message 4 times, with
//      ApproximateReceiveCount 1, 2, 3, 4 and four different receipt
//      handles. With MaxNumberOfMessages 1 it returned in 14 ms; a short
//      poll (WaitTimeSeconds 0) takes about 40 ms. DeleteMessage(Batch) on
//      a standard queue accepts ANY receipt handle the message was ever
//      given: the emulator decodes the message id from the handle and
//      deletes by id (the first of the four handles deleted it, and
//      deleting it again "succeeded" too). SQS, in contrast, wants the
//      most recent handle (DeleteMessage API reference: "If you use an old
//      ReceiptHandle, the request will succeed, but the message might not
//      be deleted.").
//      Hence the receive below: a long poll for ONE message (returns as
//      soon as there is work, as SQS does), then a short poll to fill the
//      batch; and repeated receipts of one message are merged, keeping the
//      first place in the batch but the LATEST receipt (highest
//      ApproximateReceiveCount, newest receipt handle), which deletes the
//      message on both the emulator and SQS and makes Job.Final honest.
//  (c) ChangeMessageVisibility counts as a receive: after one receive and
//      three ChangeMessageVisibility calls the next receive reported
//      ApproximateReceiveCount 5, and the message went to the DLQ after
//      that (second) real delivery. The Poller itself never calls it;
//      the batch handler does when built WithBackoff (after each failed
//      delivery, as under Lambda). On the emulator each failure then costs
//      two receive counts, so a failing job there runs on receives 1, 3
//      and 5 (the last flagged Final): three deliveries instead of SQS's
//      five, and a message whose last failure lands on count 4 goes to the
//      dead-letter queue without a final run. SQS counts receives only.
//  (d) A long poll whose client has gone (context cancelled) stays
//      pending in the emulator and still takes a message sent during its
//      wait: the message turns invisible for its visibility timeout and
//      comes back with ApproximateReceiveCount 2 though nobody saw
//      delivery 1. So stopping a Poller can cost a message one attempt
//      and one visibility timeout; nothing to do about it client-side.
//  (e) CreateQueue ignores the attribute VisibilityTimeout "0" (the queue
//      gets the default 30 s); SetQueueAttributes honours it. Only the
//      tests care (poller_test.go sets it to provoke quirk b).
//
// A zero ReceiveMessageInput.VisibilityTimeout is not sent by the SDK (the
// queue's applies): checked against the emulator too.

// PollerOptions configures a Poller. Zero fields take their defaults.
type PollerOptions struct {
	// BatchSize is the most messages handed to handle at once, 1 to 10
	// (default 5), like an event source mapping's BatchSize.
	BatchSize int
	// WaitTime is how long one receive waits for a message (long polling),
	// up to 20 s (default 10 s); it is rounded up to whole seconds.
	WaitTime time.Duration
	// VisibilityTimeout, if set, replaces the queue's visibility timeout
	// for the messages this Poller receives: a failed message comes back
	// after it. Whole seconds (rounded up), at most 12 h. Zero keeps the
	// queue's.
	VisibilityTimeout time.Duration
	// Log receives the Poller's own lines; nil discards them.
	Log *slog.Logger
	// InvocationTimeout is the deadline given to each call of handle, like
	// a Lambda function's timeout (default 5 min). It should not exceed the
	// visibility timeout, or a slow batch is delivered again while it runs.
	InvocationTimeout time.Duration
	// Now is the clock the deadline of each call of handle is read from
	// (default time.Now); tests fix it to check that deadline exactly.
	Now func() time.Time
}

// Defaults and limits of PollerOptions.
const (
	defaultBatchSize         = 5
	defaultWaitTime          = 10 * time.Second
	maxWaitTime              = 20 * time.Second
	maxVisibilityTimeout     = 12 * time.Hour
	defaultInvocationTimeout = 5 * time.Minute

	// deleteTimeout bounds the DeleteMessageBatch after a batch, which
	// runs even when Run's context is done (the work is done).
	deleteTimeout = 10 * time.Second
	// minBackoff and maxBackoff bound the wait after a failed receive.
	minBackoff = 200 * time.Millisecond
	maxBackoff = 10 * time.Second
)

// sqsAPI is the part of *sqs.Client a Poller uses.
type sqsAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, opts ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// Poller feeds a queue to an SQS batch handler outside Lambda (local mode):
// it does what Lambda's SQS event source mapping does for the function
// under AWS. It receives up to BatchSize messages, passes them to handle as
// an events.SQSEvent shaped like Lambda's, with a deadline
// InvocationTimeout away, deletes the messages that handle did not report
// in BatchItemFailures, and leaves those for SQS to deliver again after
// their visibility timeout (and to move to the dead-letter queue after
// the redrive policy's maxReceiveCount receives).
//
// As under Lambda, an error or a panic from handle, or a failure that
// names a message not in the batch, fails the whole batch.
type Poller struct {
	client   sqsAPI
	queueURL string
	arn      string
	region   string
	handle   func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)
	opts     PollerOptions
	log      *slog.Logger
	err      error // configuration problems, returned by Run
}

// NewPoller returns a Poller of the queue at queueURL that passes batches
// to handle, normally the function that Batch returns, the one main
// hands to lambda.Start under AWS. Configuration problems (an invalid
// option or queue URL, no region in client's options) are returned by Run.
func NewPoller(client *sqs.Client, queueURL string, handle func(context.Context, events.SQSEvent) (events.SQSEventResponse, error), opts PollerOptions) *Poller {
	p := &Poller{queueURL: queueURL, handle: handle, log: opts.Log}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	var problems []error
	if client == nil {
		problems = append(problems, errors.New("nil SQS client"))
	} else {
		p.client = client
		p.region = client.Options().Region
		if p.region == "" {
			problems = append(problems, errors.New("no AWS region in the SQS client's options"))
		}
	}
	if handle == nil {
		problems = append(problems, errors.New("nil handle"))
	}
	arn, err := queueARN(queueURL, p.region)
	if err != nil {
		problems = append(problems, err)
	}
	p.arn = arn
	p.opts, err = opts.withDefaults()
	if err != nil {
		problems = append(problems, err)
	}
	if len(problems) > 0 {
		p.err = fmt.Errorf("queue poller for %q: %w", queueURL, errors.Join(problems...))
	}
	return p
}

// withDefaults fills in zero fields and checks the others.
func (o PollerOptions) withDefaults() (PollerOptions, error) {
	var problems []error
	switch {
	case o.BatchSize == 0:
		o.BatchSize = defaultBatchSize
	case o.BatchSize < 1 || o.BatchSize > 10:
		problems = append(problems, fmt.Errorf("BatchSize %d: want 1 to 10", o.BatchSize))
	}
	switch {
	case o.WaitTime == 0:
		o.WaitTime = defaultWaitTime
	case o.WaitTime < 0 || o.WaitTime > maxWaitTime:
		problems = append(problems, fmt.Errorf("WaitTime %s: want 0 to %s", o.WaitTime, maxWaitTime))
	}
	if o.VisibilityTimeout < 0 || o.VisibilityTimeout > maxVisibilityTimeout {
		problems = append(problems, fmt.Errorf("VisibilityTimeout %s: want 0 to %s", o.VisibilityTimeout, maxVisibilityTimeout))
	}
	switch {
	case o.InvocationTimeout == 0:
		o.InvocationTimeout = defaultInvocationTimeout
	case o.InvocationTimeout < 0:
		problems = append(problems, fmt.Errorf("InvocationTimeout %s: want more than 0", o.InvocationTimeout))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, errors.Join(problems...)
}

// queueARN derives a queue's ARN from its URL,
// <scheme>://<host>/<account>/<name>, as Lambda names it in events.
func queueARN(queueURL, region string) (string, error) {
	u, err := url.Parse(queueURL)
	if err != nil {
		return "", fmt.Errorf("queue URL: %w", err)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return "", fmt.Errorf("queue URL %q: want http(s)://host/account/name", queueURL)
	}
	partition := "aws"
	switch {
	case strings.HasPrefix(region, "cn-"):
		partition = "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		partition = "aws-us-gov"
	}
	return fmt.Sprintf("arn:%s:sqs:%s:%s:%s", partition, region, parts[0], parts[1]), nil
}

// Run polls until ctx is done, then returns nil. A receive that fails is
// retried after a growing pause; Run returns early only with a
// configuration error: an invalid option or queue URL, a queue that does
// not exist, or credentials SQS refuses.
func (p *Poller) Run(ctx context.Context) error {
	if p.err != nil {
		return p.err
	}
	p.log.InfoContext(ctx, "polling queue", "queue", p.queueURL, "batch_size", p.opts.BatchSize,
		"wait_s", seconds(p.opts.WaitTime), "invocation_timeout_s", seconds(p.opts.InvocationTimeout))
	p.checkVisibilityTimeout(ctx)
	var backoff time.Duration
	for {
		msgs, err := p.receive(ctx)
		if ctx.Err() != nil {
			if len(msgs) > 0 {
				p.log.InfoContext(ctx, "stopping with messages received; SQS will deliver them again", "messages", len(msgs))
			}
			p.log.InfoContext(ctx, "stopped polling queue", "queue", p.queueURL)
			return nil
		}
		if err != nil {
			if isConfigError(err) {
				return fmt.Errorf("queue poller for %q: %w", p.queueURL, err)
			}
			backoff = min(max(2*backoff, minBackoff), maxBackoff)
			p.log.WarnContext(ctx, "receive failed; retrying", "err", err, "retry_in_ms", backoff.Milliseconds())
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		if len(msgs) > 0 {
			p.process(ctx, msgs)
		}
	}
}

// checkVisibilityTimeout warns when a batch may outlive its messages'
// invisibility. It is advice only: any error here is left to the receive.
func (p *Poller) checkVisibilityTimeout(ctx context.Context) {
	vt := p.opts.VisibilityTimeout
	if vt == 0 {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		out, err := p.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl:       aws.String(p.queueURL),
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameVisibilityTimeout},
		})
		if err != nil {
			p.log.DebugContext(ctx, "cannot read the queue's visibility timeout", "err", err)
			return
		}
		n, err := strconv.Atoi(out.Attributes[string(types.QueueAttributeNameVisibilityTimeout)])
		if err != nil {
			return
		}
		vt = time.Duration(n) * time.Second
	}
	if vt < p.opts.InvocationTimeout {
		p.log.WarnContext(ctx, "visibility timeout shorter than the invocation timeout: a batch still running when it ends is delivered again",
			"visibility_timeout_s", seconds(vt), "invocation_timeout_s", seconds(p.opts.InvocationTimeout))
	}
}

// receive returns up to BatchSize distinct messages, waiting up to WaitTime
// for the first (quirk b above: one long poll for one message, then a short
// poll for the rest).
func (p *Poller) receive(ctx context.Context) ([]types.Message, error) {
	out, err := p.client.ReceiveMessage(ctx, p.receiveInput(1, p.opts.WaitTime))
	if err != nil {
		return nil, fmt.Errorf("receive: %w", err)
	}
	msgs := out.Messages
	if len(msgs) > 0 && p.opts.BatchSize > 1 {
		more, err := p.client.ReceiveMessage(ctx, p.receiveInput(p.opts.BatchSize-len(msgs), 0))
		switch {
		case err != nil && ctx.Err() == nil:
			// Go on with what we hold rather than leave it invisible.
			p.log.WarnContext(ctx, "receive to fill the batch failed", "err", err)
		case err == nil:
			msgs = append(msgs, more.Messages...)
		}
	}
	msgs, dups := distinct(msgs)
	if dups > 0 {
		p.log.DebugContext(ctx, "message received more than once in one batch; keeping its latest receipt", "repeats", dups)
	}
	return msgs, nil
}

func (p *Poller) receiveInput(n int, wait time.Duration) *sqs.ReceiveMessageInput {
	return &sqs.ReceiveMessageInput{
		QueueUrl:            aws.String(p.queueURL),
		MaxNumberOfMessages: int32(n),
		WaitTimeSeconds:     int32(seconds(wait)),
		VisibilityTimeout:   int32(seconds(p.opts.VisibilityTimeout)),
		// Both: the emulator returns the attributes only for the
		// deprecated field (quirk a above).
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		//lint:ignore SA1019 the emulator needs the deprecated field (quirk a above)
		AttributeNames:        []types.QueueAttributeName{types.QueueAttributeNameAll}, //nolint:staticcheck // SA1019: quirk a above
		MessageAttributeNames: []string{"All"},
	}
}

// distinct merges repeated receipts of one message (quirk b above): the
// message keeps its first place and takes the receipt with the highest
// ApproximateReceiveCount, the latest one.
func distinct(msgs []types.Message) (out []types.Message, repeats int) {
	out = make([]types.Message, 0, len(msgs))
	at := make(map[string]int, len(msgs))
	for _, m := range msgs {
		id := aws.ToString(m.MessageId)
		i, ok := at[id]
		if !ok {
			at[id] = len(out)
			out = append(out, m)
			continue
		}
		repeats++
		if receiveCount(m) >= receiveCount(out[i]) {
			out[i] = m
		}
	}
	return out, repeats
}

func receiveCount(m types.Message) int {
	n, _ := strconv.Atoi(m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)])
	return n
}

// process runs one batch through handle and deletes what it did not report
// failed.
func (p *Poller) process(ctx context.Context, msgs []types.Message) {
	ev := p.event(msgs)
	resp, err := p.invoke(ctx, ev)
	var pe *panicError
	switch {
	case errors.As(err, &pe):
		p.log.ErrorContext(ctx, "batch handler panicked; SQS will deliver the whole batch again",
			"panic", fmt.Sprint(pe.value), "stack", string(pe.stack), "messages", len(msgs))
		return
	case err != nil:
		p.log.ErrorContext(ctx, "batch handler failed; SQS will deliver the whole batch again", "err", err, "messages", len(msgs))
		return
	}
	failed := make(map[string]bool, len(resp.BatchItemFailures))
	for _, f := range resp.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	for id := range failed {
		if !containsID(msgs, id) {
			// Lambda treats an unknown item identifier as a failure of
			// the whole batch.
			p.log.ErrorContext(ctx, "batch handler reported a message not in the batch; SQS will deliver the whole batch again", "item", id)
			return
		}
	}
	var done []types.Message
	for _, m := range msgs {
		if !failed[aws.ToString(m.MessageId)] {
			done = append(done, m)
		}
	}
	p.log.DebugContext(ctx, "batch handled", "messages", len(msgs), "failed", len(failed))
	if len(done) > 0 {
		p.delete(ctx, done)
	}
}

// invoke calls handle as the Lambda runtime would: with a deadline, and
// turning a panic into an error.
func (p *Poller) invoke(ctx context.Context, ev events.SQSEvent) (resp events.SQSEventResponse, err error) {
	ctx, cancel := context.WithDeadline(ctx, p.opts.Now().Add(p.opts.InvocationTimeout))
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return p.handle(ctx, ev)
}

func containsID(msgs []types.Message, id string) bool {
	for _, m := range msgs {
		if aws.ToString(m.MessageId) == id {
			return true
		}
	}
	return false
}

// delete removes msgs from the queue. It runs even when ctx is done: the
// jobs are done, and deleting spares them another run.
func (p *Poller) delete(ctx context.Context, msgs []types.Message) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deleteTimeout)
	defer cancel()
	entries := make([]types.DeleteMessageBatchRequestEntry, len(msgs))
	for i, m := range msgs {
		entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
	}
	out, err := p.client.DeleteMessageBatch(dctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(p.queueURL), Entries: entries})
	if err != nil {
		p.log.WarnContext(ctx, "delete failed; SQS will deliver the handled messages again", "err", err, "messages", len(msgs))
		return
	}
	for _, f := range out.Failed {
		i, err := strconv.Atoi(aws.ToString(f.Id))
		if err != nil || i < 0 || i >= len(msgs) {
			continue
		}
		p.log.WarnContext(logging.WithJobID(ctx, aws.ToString(msgs[i].MessageId)),
			"message not deleted; SQS will deliver it again", "code", aws.ToString(f.Code), "err", aws.ToString(f.Message))
	}
}

// event builds the event Lambda's SQS event source mapping would pass for
// msgs.
func (p *Poller) event(msgs []types.Message) events.SQSEvent {
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(msgs))}
	for i, m := range msgs {
		attrs := make(map[string]string, len(m.Attributes))
		maps.Copy(attrs, m.Attributes)
		mattrs := make(map[string]events.SQSMessageAttribute, len(m.MessageAttributes))
		for k, v := range m.MessageAttributes {
			mattrs[k] = events.SQSMessageAttribute{
				DataType:         aws.ToString(v.DataType),
				StringValue:      v.StringValue,
				BinaryValue:      v.BinaryValue,
				StringListValues: orEmpty(v.StringListValues),
				BinaryListValues: orEmpty(v.BinaryListValues),
			}
		}
		ev.Records[i] = events.SQSMessage{
			MessageId:              aws.ToString(m.MessageId),
			ReceiptHandle:          aws.ToString(m.ReceiptHandle),
			Body:                   aws.ToString(m.Body),
			Md5OfBody:              aws.ToString(m.MD5OfBody),
			Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
			Attributes:             attrs,
			MessageAttributes:      mattrs,
			EventSourceARN:         p.arn,
			EventSource:            "aws:sqs",
			AWSRegion:              p.region,
		}
	}
	return ev
}

// orEmpty returns s, or an empty slice for nil: Lambda's events have [].
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// isConfigError reports whether err from a receive means the Poller is
// pointed at the wrong queue or lacks the right to read it: waiting will
// not fix it.
func isConfigError(err error) bool {
	var missing *types.QueueDoesNotExist
	if errors.As(err, &missing) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "AWS.SimpleQueueService.NonExistentQueue", "InvalidAddress", "AccessDenied",
			"InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "InvalidSecurity":
			return true
		}
	}
	return false
}

// seconds rounds d up to whole seconds.
func seconds(d time.Duration) int {
	return int(math.Ceil(d.Seconds()))
}
