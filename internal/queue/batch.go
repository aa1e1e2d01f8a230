package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"quizgen/internal/backoff"
	"quizgen/internal/logging"
)

// Handler runs one job. It returns nil when the job reached a final state
// (done, or a failure recorded on the quiz) and an error when SQS should
// deliver the message again (docs/style.md, SQS jobs). SQS delivers at least once, so
// a Handler must be idempotent. When job.Final is set an error sends the
// message to the dead-letter queue instead: record the failure on the quiz
// and return nil.
//
// ctx carries the job's deadline (the invocation's, minus Batch's margin),
// the job id (the SQS message id) and the request id of the API request
// that queued the job, for logging.
type Handler func(ctx context.Context, job Job) error

// Job is one delivery of a message.
type Job struct {
	// Message is the decoded body.
	Message Message
	// ID is the SQS message id, the same on every delivery of the message.
	ID string
	// Attempt is SQS's ApproximateReceiveCount for this delivery: 1 on the
	// first. It is 0 if the event did not carry the attribute.
	Attempt int
	// Final is set on the last delivery (Attempt >= maxReceives): if the
	// job fails now, SQS moves the message to the dead-letter queue.
	Final bool
}

// Batch adapts h to an SQS-triggered Lambda whose event source mapping has
// ReportBatchItemFailures enabled: it runs h once per message, one message
// at a time, and returns the messages SQS must deliver again. It never
// returns an error, which would make SQS deliver the whole batch again.
//
// maxReceives must equal the queue's redrive policy maxReceiveCount
// (MaxReceiveCount). Each job runs with the invocation deadline minus
// margin, so that it can record a failure before Lambda stops it; when
// less than margin is left (or ctx is done) before a message starts, that
// message and the rest are reported failed without running.
//
// A message whose body Decode rejects is logged at error and dropped (not
// reported failed): retrying cannot fix it. A handler error is logged at
// warn (at error on the final delivery) and reported failed. A panic in h
// is recovered, logged with its stack and reported failed; the rest of the
// batch goes on. A message id that appears twice in one event runs once.
//
// By default a message reported failed comes back after the queue's
// visibility timeout; WithBackoff makes it come back sooner.
//
// A nil log discards the adapter's lines. Batch panics if maxReceives < 1,
// margin < 0 or h is nil: those are wiring mistakes.
func Batch(log *slog.Logger, maxReceives int, margin time.Duration, h Handler, opts ...BatchOption) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	switch {
	case maxReceives < 1:
		panic(fmt.Sprintf("queue.Batch: maxReceives %d < 1", maxReceives))
	case margin < 0:
		panic(fmt.Sprintf("queue.Batch: negative margin %s", margin))
	case h == nil:
		panic("queue.Batch: nil Handler")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := batch{log: log, maxReceives: maxReceives, margin: margin, h: h}
	for _, o := range opts {
		o(&b)
	}
	return b.run
}

// BatchOption configures Batch.
type BatchOption func(*batch)

// VisibilityChanger is the part of *sqs.Client that WithBackoff uses.
type VisibilityChanger interface {
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// WithBackoff makes Batch shorten the visibility timeout of each message
// it runs and reports failed (ChangeMessageVisibility on the delivery's
// receipt handle, before answering), so that SQS delivers it again after
// Backoff(base, limit, attempt) rather than after the queue's visibility
// timeout (an hour or more, sized for the longest run): a temporary
// failure is retried within minutes. It works the same under Lambda
// (the event source mapping leaves a failed message's visibility as it
// finds it) and with the Poller. If the call fails the message keeps the
// queue's timeout. Messages not run for want of time keep it too.
// WithBackoff panics if client is nil, base <= 0 or limit < base.
func WithBackoff(client VisibilityChanger, queueURL string, base, limit time.Duration) BatchOption {
	if client == nil || base <= 0 || limit < base {
		panic(fmt.Sprintf("queue.WithBackoff: client %v, base %s, limit %s", client != nil, base, limit))
	}
	return func(b *batch) {
		b.visibility, b.queueURL, b.backoffBase, b.backoffMax = client, queueURL, base, limit
	}
}

// Backoff is the wait before delivery attempt+1 of a message whose
// delivery attempt failed: base, then 4 times longer per attempt, at most
// limit (with base 30 s: 30 s, 2 min, 8 min, 32 min...).
func Backoff(base, limit time.Duration, attempt int) time.Duration {
	return backoff.Grow(attempt, base, limit, 4)
}

// changeTimeout bounds one ChangeMessageVisibility call.
const changeTimeout = 3 * time.Second

type batch struct {
	log         *slog.Logger
	maxReceives int
	margin      time.Duration
	h           Handler

	visibility              VisibilityChanger // nil: no backoff
	queueURL                string
	backoffBase, backoffMax time.Duration
}

// delivery is one distinct message of an event.
type delivery struct {
	id      string
	body    string
	receipt string // the receipt handle of the latest receive
	attempt int
	counted bool // the event carried ApproximateReceiveCount
}

func (b batch) run(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	ds := deliveries(ev.Records)
	for i, d := range ds {
		if why := b.noTimeLeft(ctx); why != "" {
			b.log.WarnContext(ctx, "no time left for the rest of the batch; SQS will deliver it again",
				"reason", why, "messages", len(ds)-i)
			for _, d := range ds[i:] {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: d.id})
			}
			break
		}
		if !b.one(ctx, d) {
			b.backoff(ctx, d)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: d.id})
		}
	}
	return resp, nil
}

// backoff shortens the visibility timeout of the failed delivery d (see
// WithBackoff).
func (b batch) backoff(ctx context.Context, d delivery) {
	if b.visibility == nil || d.receipt == "" {
		return
	}
	wait := Backoff(b.backoffBase, b.backoffMax, d.attempt)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), changeTimeout)
	defer cancel()
	_, err := b.visibility.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(b.queueURL), ReceiptHandle: aws.String(d.receipt),
		VisibilityTimeout: int32(seconds(wait)),
	})
	log := b.log.With("attempt", d.attempt)
	if err != nil {
		log.WarnContext(logging.WithJobID(ctx, d.id), "could not shorten the failed message's visibility; it comes back after the queue's visibility timeout", "err", err)
		return
	}
	log.InfoContext(logging.WithJobID(ctx, d.id), "failed message comes back after a backoff", "retry_in_s", seconds(wait))
}

// deliveries returns the distinct messages of recs in order. A message
// that appears twice keeps its first place and the higher receive count.
func deliveries(recs []events.SQSMessage) []delivery {
	ds := make([]delivery, 0, len(recs))
	at := make(map[string]int, len(recs))
	for _, r := range recs {
		n, err := strconv.Atoi(r.Attributes["ApproximateReceiveCount"])
		d := delivery{id: r.MessageId, body: r.Body, receipt: r.ReceiptHandle, attempt: n, counted: err == nil}
		if i, ok := at[r.MessageId]; ok {
			if d.attempt > ds[i].attempt {
				ds[i].attempt, ds[i].counted, ds[i].receipt = d.attempt, d.counted, d.receipt
			}
			continue
		}
		at[r.MessageId] = len(ds)
		ds = append(ds, d)
	}
	return ds
}

// noTimeLeft says why no job may start now, or returns "".
func (b batch) noTimeLeft(ctx context.Context) string {
	if err := ctx.Err(); err != nil {
		return err.Error()
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= b.margin {
		return "invocation deadline within the margin"
	}
	return ""
}

// one runs the job of d and reports whether SQS may forget the message.
func (b batch) one(ctx context.Context, d delivery) bool {
	ctx = logging.WithJobID(ctx, d.id)
	log := b.log.With("attempt", d.attempt)
	m, err := Decode([]byte(d.body))
	if err != nil {
		log.ErrorContext(ctx, "dropping malformed message", "err", err, "bytes", len(d.body))
		return true
	}
	if m.RequestID != "" {
		ctx = logging.WithRequestID(ctx, m.RequestID)
	}
	log = log.With("quiz_id", m.QuizID, "type", m.Kind)
	if !d.counted {
		log.WarnContext(ctx, "message has no ApproximateReceiveCount; its job is never final")
	}
	job := Job{Message: m, ID: d.id, Attempt: d.attempt, Final: d.attempt >= b.maxReceives}

	start := time.Now()
	err = b.call(ctx, job)
	var p *panicError
	switch {
	case err == nil:
		log.InfoContext(ctx, "job done", "duration_ms", time.Since(start).Milliseconds())
		return true
	case errors.As(err, &p):
		log.ErrorContext(ctx, "job panicked; SQS will deliver it again",
			"panic", fmt.Sprint(p.value), "stack", string(p.stack), "final", job.Final)
	case job.Final:
		log.ErrorContext(ctx, "job failed on its last delivery; SQS will move it to the dead-letter queue", "err", err)
	default:
		log.WarnContext(ctx, "job failed; SQS will deliver it again", "err", err)
	}
	return false
}

// call runs h under the margin, turning a panic into a *panicError.
func (b batch) call(ctx context.Context, job Job) (err error) {
	ctx, cancel := withMargin(ctx, b.margin)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return b.h(ctx, job)
}

// withMargin returns a context whose deadline is margin earlier than ctx's
// (docs/style.md, Context).
func withMargin(ctx context.Context, margin time.Duration) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok {
		return context.WithDeadline(ctx, d.Add(-margin))
	}
	return context.WithCancel(ctx)
}

// panicError is a recovered panic.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }
