package queue_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/logging"
	"quizgen/internal/queue"
)

// logBuffer collects a logger's JSON lines; a failing test prints them.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the records whose msg is msg.
func (b *logBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(b.buf.String()) {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

func newLog(t *testing.T) (*slog.Logger, *logBuffer) {
	t.Helper()
	b := &logBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			b.mu.Lock()
			defer b.mu.Unlock()
			t.Logf("log:\n%s", b.buf.String())
		}
	})
	return logging.New(b, slog.LevelDebug), b
}

// newMessage returns a valid message of kind and its body.
func newMessage(t *testing.T, kind queue.Kind) (queue.Message, string) {
	t.Helper()
	m := queue.Message{Version: queue.Version, Kind: kind, QuizID: uuid.New(), JobID: uuid.New(), RequestID: "req-" + uuid.NewString()[:8]}
	b, err := m.Encode()
	require.NoError(t, err)
	return m, string(b)
}

func record(id, body string, attempt int) events.SQSMessage {
	return events.SQSMessage{
		MessageId:  id,
		Body:       body,
		Attributes: map[string]string{"ApproximateReceiveCount": strconv.Itoa(attempt)},
	}
}

// recorder is a Handler that remembers its jobs and fails or panics on
// the ids it is told to.
type recorder struct {
	mu     sync.Mutex
	jobs   []queue.Job
	fail   map[string]bool
	panics map[string]bool
}

func (r *recorder) handle(_ context.Context, job queue.Job) error {
	r.mu.Lock()
	r.jobs = append(r.jobs, job)
	r.mu.Unlock()
	if r.panics[job.ID] {
		panic("boom in " + job.ID)
	}
	if r.fail[job.ID] {
		return errors.New("canvas said 503")
	}
	return nil
}

func (r *recorder) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	for _, j := range r.jobs {
		ids = append(ids, j.ID)
	}
	return ids
}

func failures(resp events.SQSEventResponse) []string {
	ids := []string{}
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

func TestBatchRunsEachMessage(t *testing.T) {
	t.Parallel()
	log, logs := newLog(t)
	var r recorder
	m1, b1 := newMessage(t, queue.KindGenerate)
	m2, b2 := newMessage(t, queue.KindExport)

	resp, err := queue.Batch(log, 5, time.Second, r.handle)(t.Context(), events.SQSEvent{Records: []events.SQSMessage{
		record("m1", b1, 1), record("m2", b2, 2),
	}})
	require.NoError(t, err)
	assert.Empty(t, resp.BatchItemFailures)
	assert.Equal(t, []queue.Job{
		{Message: m1, ID: "m1", Attempt: 1},
		{Message: m2, ID: "m2", Attempt: 2},
	}, r.jobs)

	done := logs.lines(t, "job done")
	require.Len(t, done, 2)
	assert.Equal(t, "m1", done[0]["job_id"])
	assert.Equal(t, m1.QuizID.String(), done[0]["quiz_id"])
	assert.Equal(t, string(queue.KindGenerate), done[0]["type"])
	assert.Equal(t, m1.RequestID, done[0]["request_id"], "the API request id travels with the job")
	assert.EqualValues(t, 2, done[1]["attempt"])
}

func TestBatchReportsOnlyTheFailedMessage(t *testing.T) {
	t.Parallel()
	log, logs := newLog(t)
	r := recorder{fail: map[string]bool{"m2": true}}
	m2, b2 := newMessage(t, queue.KindGenerate)
	_, b1 := newMessage(t, queue.KindGenerate)
	_, b3 := newMessage(t, queue.KindGenerate)

	resp, err := queue.Batch(log, 5, time.Second, r.handle)(t.Context(), events.SQSEvent{Records: []events.SQSMessage{
		record("m1", b1, 1), record("m2", b2, 2), record("m3", b3, 1),
	}})
	require.NoError(t, err)
	assert.Equal(t, []string{"m2"}, failures(resp))
	assert.Equal(t, []string{"m1", "m2", "m3"}, r.ids(), "a failure does not stop the batch")

	warn := logs.lines(t, "job failed; SQS will deliver it again")
	require.Len(t, warn, 1)
	assert.Equal(t, "WARN", warn[0]["level"])
	assert.Equal(t, "m2", warn[0]["job_id"])
	assert.Equal(t, m2.QuizID.String(), warn[0]["quiz_id"])
	assert.EqualValues(t, 2, warn[0]["attempt"])
	assert.Equal(t, "canvas said 503", warn[0]["err"])
}

func TestBatchDropsMalformedMessages(t *testing.T) {
	t.Parallel()
	log, logs := newLog(t)
	var r recorder
	_, good := newMessage(t, queue.KindExport)

	resp, err := queue.Batch(log, 5, time.Second, r.handle)(t.Context(), events.SQSEvent{Records: []events.SQSMessage{
		record("bad", `{"quiz_id": 7}`, 1), record("good", good, 1),
	}})
	require.NoError(t, err)
	assert.Empty(t, resp.BatchItemFailures, "retrying cannot fix a malformed message")
	assert.Equal(t, []string{"good"}, r.ids())

	dropped := logs.lines(t, "dropping malformed message")
	require.Len(t, dropped, 1)
	assert.Equal(t, "ERROR", dropped[0]["level"])
	assert.Equal(t, "bad", dropped[0]["job_id"])
	assert.Contains(t, dropped[0]["err"], queue.ErrMalformed.Error())
}

func TestBatchFinal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		attributes map[string]string
		attempt    int
		final      bool
	}{
		{"first", map[string]string{"ApproximateReceiveCount": "1"}, 1, false},
		{"one before last", map[string]string{"ApproximateReceiveCount": "4"}, 4, false},
		{"last", map[string]string{"ApproximateReceiveCount": "5"}, 5, true},
		{"past last", map[string]string{"ApproximateReceiveCount": "6"}, 6, true},
		{"no count", map[string]string{}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log, logs := newLog(t)
			r := recorder{fail: map[string]bool{"m": true}}
			_, body := newMessage(t, queue.KindGenerate)
			resp, err := queue.Batch(log, queue.MaxReceiveCount, time.Second, r.handle)(t.Context(), events.SQSEvent{
				Records: []events.SQSMessage{{MessageId: "m", Body: body, Attributes: tt.attributes}},
			})
			require.NoError(t, err)
			assert.Equal(t, []string{"m"}, failures(resp))
			require.Len(t, r.jobs, 1)
			assert.Equal(t, tt.attempt, r.jobs[0].Attempt)
			assert.Equal(t, tt.final, r.jobs[0].Final)
			if tt.final {
				last := logs.lines(t, "job failed on its last delivery; SQS will move it to the dead-letter queue")
				require.Len(t, last, 1)
				assert.Equal(t, "ERROR", last[0]["level"])
			}
		})
	}
}

func TestBatchDeadline(t *testing.T) {
	t.Parallel()
	_, body := newMessage(t, queue.KindGenerate)
	ev := events.SQSEvent{Records: []events.SQSMessage{record("m1", body, 1), record("m2", body, 1), record("m3", body, 1)}}

	t.Run("job deadline is the invocation deadline minus the margin", func(t *testing.T) {
		t.Parallel()
		invocation := time.Now().Add(time.Hour)
		ctx, cancel := context.WithDeadline(t.Context(), invocation)
		defer cancel()
		var got []time.Time
		h := func(ctx context.Context, _ queue.Job) error {
			d, ok := ctx.Deadline()
			require.True(t, ok)
			got = append(got, d)
			return nil
		}
		resp, err := queue.Batch(nil, 5, 10*time.Second, h)(ctx, ev)
		require.NoError(t, err)
		assert.Empty(t, resp.BatchItemFailures)
		want := invocation.Add(-10 * time.Second)
		assert.Equal(t, []time.Time{want, want, want}, got)
	})

	t.Run("no invocation deadline, no job deadline", func(t *testing.T) {
		t.Parallel()
		h := func(ctx context.Context, _ queue.Job) error {
			_, ok := ctx.Deadline()
			assert.False(t, ok)
			return nil
		}
		resp, err := queue.Batch(nil, 5, 10*time.Second, h)(t.Context(), ev)
		require.NoError(t, err)
		assert.Empty(t, resp.BatchItemFailures)
	})

	t.Run("the rest is left when the deadline comes near", func(t *testing.T) {
		t.Parallel()
		log, logs := newLog(t)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		var r recorder
		h := func(ctx context.Context, job queue.Job) error {
			_ = r.handle(ctx, job)
			<-ctx.Done() // a slow job, stopped at its deadline
			return ctx.Err()
		}
		resp, err := queue.Batch(log, 5, 500*time.Millisecond, h)(ctx, ev)
		require.NoError(t, err)
		assert.Equal(t, []string{"m1", "m2", "m3"}, failures(resp))
		assert.Equal(t, []string{"m1"}, r.ids(), "m2 and m3 must not start within the margin")
		left := logs.lines(t, "no time left for the rest of the batch; SQS will deliver it again")
		require.Len(t, left, 1)
		assert.EqualValues(t, 2, left[0]["messages"])
	})

	t.Run("nothing starts when the deadline is already within the margin", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		var r recorder
		resp, err := queue.Batch(nil, 5, 2*time.Second, r.handle)(ctx, ev)
		require.NoError(t, err)
		assert.Equal(t, []string{"m1", "m2", "m3"}, failures(resp))
		assert.Empty(t, r.ids())
	})

	t.Run("nothing starts when the context is cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		var r recorder
		resp, err := queue.Batch(nil, 5, 0, r.handle)(ctx, ev)
		require.NoError(t, err)
		assert.Equal(t, []string{"m1", "m2", "m3"}, failures(resp))
		assert.Empty(t, r.ids())
	})
}

func TestBatchRecoversPanics(t *testing.T) {
	t.Parallel()
	log, logs := newLog(t)
	r := recorder{panics: map[string]bool{"m2": true}}
	_, body := newMessage(t, queue.KindGenerate)

	resp, err := queue.Batch(log, 5, time.Second, r.handle)(t.Context(), events.SQSEvent{Records: []events.SQSMessage{
		record("m1", body, 1), record("m2", body, 1), record("m3", body, 1),
	}})
	require.NoError(t, err)
	assert.Equal(t, []string{"m2"}, failures(resp))
	assert.Equal(t, []string{"m1", "m2", "m3"}, r.ids())

	panicked := logs.lines(t, "job panicked; SQS will deliver it again")
	require.Len(t, panicked, 1)
	assert.Equal(t, "ERROR", panicked[0]["level"])
	assert.Equal(t, "m2", panicked[0]["job_id"])
	assert.Equal(t, "boom in m2", panicked[0]["panic"])
	assert.Contains(t, panicked[0]["stack"], "(*recorder).handle", "the stack shows where it panicked")
}

func TestBatchRunsDuplicatesOnce(t *testing.T) {
	t.Parallel()
	r := recorder{fail: map[string]bool{"a": true}}
	_, a := newMessage(t, queue.KindGenerate)
	_, b := newMessage(t, queue.KindGenerate)

	resp, err := queue.Batch(nil, 3, time.Second, r.handle)(t.Context(), events.SQSEvent{Records: []events.SQSMessage{
		record("a", a, 2), record("b", b, 1), record("a", a, 3), record("b", b, 1),
	}})
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, failures(resp), "a failed message is reported once")
	assert.Equal(t, []string{"a", "b"}, r.ids())
	assert.Equal(t, 3, r.jobs[0].Attempt, "the later delivery's receive count counts")
	assert.True(t, r.jobs[0].Final)
}

func TestBatchPanicsWhenMiswired(t *testing.T) {
	t.Parallel()
	h := func(context.Context, queue.Job) error { return nil }
	assert.Panics(t, func() { queue.Batch(nil, 0, time.Second, h) })
	assert.Panics(t, func() { queue.Batch(nil, 5, -time.Second, h) })
	assert.Panics(t, func() { queue.Batch(nil, 5, time.Second, nil) })
}

// readEvent decodes testdata/sqs-event.json, an SQS event as Lambda
// passes it, with identifiers scrubbed: a first delivery of a generate job
// (with the API request id) and the last delivery (ApproximateReceiveCount
// 5, MaxReceiveCount) of an extract job.
func readEvent(t *testing.T) (events.SQSEvent, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "sqs-event.json"))
	require.NoError(t, err)
	var ev events.SQSEvent
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields() // the fixture has nothing events.SQSEvent drops
	require.NoError(t, dec.Decode(&ev))
	return ev, raw
}

func TestBatchDecodesLambdaEvent(t *testing.T) {
	t.Parallel()
	ev, _ := readEvent(t)
	var r recorder
	resp, err := queue.Batch(nil, queue.MaxReceiveCount, time.Second, r.handle)(t.Context(), ev)
	require.NoError(t, err)
	assert.Empty(t, resp.BatchItemFailures)
	quiz := uuid.MustParse("5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f")
	assert.Equal(t, []queue.Job{
		{
			Message: queue.Message{Version: 1, Kind: queue.KindGenerate, QuizID: quiz,
				JobID: uuid.MustParse("0b9e4b7c-9a53-4d8e-9d0e-3c2f1a0b9c8d"), RequestID: "00000000-0000-4000-8000-000000000001"},
			ID:      "3f5c2a1e-0000-4000-8000-000000000001",
			Attempt: 1,
		},
		{
			Message: queue.Message{Version: 1, Kind: queue.KindExtract, QuizID: quiz,
				JobID: uuid.MustParse("7d1c9b2a-4e3f-4a5b-9c8d-1e2f3a4b5c6d")},
			ID:      "3f5c2a1e-0000-4000-8000-000000000002",
			Attempt: queue.MaxReceiveCount,
			Final:   true,
		},
	}, r.jobs)
}
