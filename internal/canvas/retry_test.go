package canvas_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/canvas"
	"quizgen/internal/quiz"
)

const ms = time.Millisecond

func TestRetriesServerErrors(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.srv.Inject(fakecanvas.Fault{Method: http.MethodGet, PathPrefix: "/api/v1/courses", Status: http.StatusInternalServerError, Times: 2})
	got, err := e.client.Courses(t.Context(), e.token)
	require.NoError(t, err)
	assert.Len(t, got, 3)
	assert.Equal(t, []time.Duration{100 * ms, 200 * ms}, e.sleeps.get(), "exponential backoff from RetryBase")
	assert.Equal(t, 3, e.count(http.MethodGet, "/api/v1/courses"))
	assert.Contains(t, e.logs.String(), `"level":"WARN","msg":"canvas request failed; retrying"`)
}

func TestRetriesRunOut(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *canvas.Config) {
		c.MaxRetries = 4
		c.RetryMax = 300 * ms
		c.Jitter = func(d time.Duration) time.Duration { return d - d/10 }
	})
	e.srv.Inject(fakecanvas.Fault{Method: http.MethodGet, Status: http.StatusServiceUnavailable})
	_, err := e.client.Modules(t.Context(), e.token, fakecanvas.CourseAI)
	require.ErrorIs(t, err, quiz.ErrTemporary)
	var ce *canvas.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, http.StatusServiceUnavailable, ce.Status)
	assert.Equal(t, 5, ce.Attempts)
	assert.True(t, ce.Temporary())
	assert.Equal(t, "canvas: GET /api/v1/courses/37823/modules: 503: temporary failure: server error", err.Error())

	// Growing, jittered, capped at RetryMax.
	assert.Equal(t, []time.Duration{90 * ms, 180 * ms, 270 * ms, 270 * ms}, e.sleeps.get())
	assert.Equal(t, 5, e.count(http.MethodGet, "/api/v1/courses/37823/modules"))
}

func TestDefaultJitterStaysInRange(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *canvas.Config) {
		c.Jitter = nil
		c.MaxRetries = 6
		c.RetryMax = 800 * ms
	})
	e.srv.Inject(fakecanvas.Fault{Status: http.StatusBadGateway})
	_, err := e.client.Courses(t.Context(), e.token)
	require.ErrorIs(t, err, quiz.ErrTemporary)
	waits := e.sleeps.get()
	require.Len(t, waits, 6)
	for i, w := range waits {
		full := min(100*ms<<i, 800*ms)
		assert.GreaterOrEqual(t, w, full/2, "wait %d", i)
		assert.LessOrEqual(t, w, full, "wait %d", i)
	}
}

func TestNoRetriesWhenDisabled(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *canvas.Config) { c.MaxRetries = -1 })
	e.srv.Inject(fakecanvas.Fault{Status: http.StatusInternalServerError})
	_, err := e.client.Courses(t.Context(), e.token)
	require.ErrorIs(t, err, quiz.ErrTemporary)
	assert.Empty(t, e.sleeps.get())
	assert.Len(t, e.srv.Requests(), 1)
}

func TestRetriesSlowResponses(t *testing.T) {
	t.Parallel()
	// No client-wide timeout: only the attempt's Timeout can cut the slow answer.
	e := setup(t, func(c *canvas.Config) { c.Timeout, c.HTTPClient = 100*ms, &http.Client{} })
	e.srv.Inject(fakecanvas.Fault{Method: http.MethodGet, PathPrefix: "/api/v1/courses/37823/modules", Delay: time.Hour, Times: 1})
	// The caller allows far longer (a hang guard).
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	got, err := e.client.Modules(ctx, e.token, fakecanvas.CourseAI)
	require.NoError(t, err)
	assert.Len(t, got, 6)
	require.NoError(t, ctx.Err(), "served before the caller's hang guard")
	assert.Equal(t, []time.Duration{100 * ms}, e.sleeps.get())
	assert.Equal(t, 2, e.count(http.MethodGet, "/api/v1/courses/37823/modules"))
}

func TestCallerDeadlineStopsRetries(t *testing.T) {
	t.Parallel()
	// Real sleeps, no client-wide timeout and an attempt Timeout longer
	// than the fake's delay: only the caller's deadline can end the call.
	e := setup(t, func(c *canvas.Config) { c.Sleep, c.Timeout, c.HTTPClient = nil, time.Hour, &http.Client{} })
	e.srv.Inject(fakecanvas.Fault{Delay: 2 * time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 150*ms)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := e.client.Courses(ctx, e.token)
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute): // a hang guard, far beyond the deadline
		t.Fatal("hang guard: the call outlived the caller's deadline by far")
	}
	require.ErrorIs(t, err, quiz.ErrTemporary)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 1, e.count(http.MethodGet, "/api/v1/courses"))
}

func TestNoRetryOnClientErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		target error
	}{
		{http.StatusBadRequest, nil},
		{http.StatusUnauthorized, canvas.ErrUnauthorized},
		{http.StatusForbidden, canvas.ErrForbidden},
		{http.StatusNotFound, canvas.ErrNotFound},
		{http.StatusConflict, nil},
		{http.StatusUnprocessableEntity, nil},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.srv.Inject(fakecanvas.Fault{Status: tt.status})
			_, err := e.client.Modules(t.Context(), e.token, fakecanvas.CourseAI)
			require.Error(t, err)
			if tt.target != nil {
				require.ErrorIs(t, err, tt.target)
			}
			assert.NotErrorIs(t, err, quiz.ErrTemporary)
			var ce *canvas.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.status, ce.Status)
			assert.Equal(t, 1, ce.Attempts)
			assert.Len(t, e.srv.Requests(), 1, "exactly one request")
			assert.Empty(t, e.sleeps.get())
		})
	}
}

func TestNotFoundIsNotRetried(t *testing.T) {
	t.Parallel()
	e := setup(t)
	_, err := e.client.Modules(t.Context(), e.token, 1)
	require.ErrorIs(t, err, canvas.ErrNotFound)
	assert.Equal(t, "canvas: GET /api/v1/courses/1/modules: 404: canvas: not found", err.Error())
	assert.Len(t, e.srv.Requests(), 1)
}

func TestThrottling(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault fakecanvas.Fault
		wait  time.Duration
	}{
		{"429 with Retry-After", fakecanvas.Fault{Status: http.StatusTooManyRequests, RetryAfter: "7"}, 7 * time.Second},
		{"429 with a fractional Retry-After", fakecanvas.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1.5"}, 1500 * ms},
		{"429 with a Retry-After over the cap", fakecanvas.Fault{Status: http.StatusTooManyRequests, RetryAfter: "3600"}, 60 * time.Second},
		{"429 with an HTTP-date Retry-After far away", fakecanvas.Fault{Status: http.StatusTooManyRequests, RetryAfter: "Fri, 31 Dec 2099 23:59:59 GMT"}, 60 * time.Second},
		{"429 without Retry-After", fakecanvas.Fault{Status: http.StatusTooManyRequests}, 100 * ms},
		{"403 with X-Rate-Limit-Remaining 0", fakecanvas.Fault{Status: http.StatusForbidden, RateLimitRemaining: "0"}, 100 * ms},
		{"403 with X-Rate-Limit-Remaining 0.0 and Retry-After", fakecanvas.Fault{Status: http.StatusForbidden, RateLimitRemaining: "0.0", RetryAfter: "2"}, 2 * time.Second},
		{"403 Rate Limit Exceeded body", fakecanvas.Fault{Status: http.StatusForbidden, Body: "403 Forbidden (Rate Limit Exceeded)"}, 100 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			f := tt.fault
			f.Times = 1
			e.srv.Inject(f)
			got, err := e.client.Courses(t.Context(), e.token)
			require.NoError(t, err)
			assert.Len(t, got, 3)
			assert.Equal(t, []time.Duration{tt.wait}, e.sleeps.get())
			assert.Equal(t, 2, e.count(http.MethodGet, "/api/v1/courses"))
		})
	}
}

func TestThrottlingThatLasts(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.srv.Inject(fakecanvas.Fault{Status: http.StatusForbidden, RateLimitRemaining: "0", RetryAfter: "1"})
	_, err := e.client.Courses(t.Context(), e.token)
	require.ErrorIs(t, err, quiz.ErrTemporary)
	assert.NotErrorIs(t, err, canvas.ErrForbidden, "throttling is not a permission problem")
	assert.Equal(t, []time.Duration{time.Second, time.Second, time.Second}, e.sleeps.get())
	assert.Equal(t, 4, e.count(http.MethodGet, "/api/v1/courses"))
}

func TestRetryAfterBeyondDeadlineFailsFast(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.srv.Inject(fakecanvas.Fault{Status: http.StatusTooManyRequests, RetryAfter: "30"})
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	_, err := e.client.Courses(ctx, e.token)
	require.ErrorIs(t, err, quiz.ErrTemporary)
	assert.Empty(t, e.sleeps.get(), "no point waiting past the deadline")
	assert.Equal(t, 1, e.count(http.MethodGet, "/api/v1/courses"))
}

func TestPostIsNotRetriedOnServerError(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.srv.Inject(fakecanvas.Fault{Method: http.MethodPost, PathPrefix: "/api/quiz/v1/", Status: http.StatusInternalServerError})
	_, err := e.client.CreateQuiz(t.Context(), e.token, fakecanvas.CourseAI, canvas.NewQuiz{Title: "Q"})
	require.ErrorIs(t, err, quiz.ErrTemporary)
	assert.Equal(t, 1, e.count(http.MethodPost, "/api/quiz/v1/"), "a quiz must never be created twice")
	assert.Empty(t, e.sleeps.get())
}

func TestPostIsNotRetriedOnTimeout(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *canvas.Config) { c.Timeout = 100 * ms })
	e.srv.Inject(fakecanvas.Fault{Method: http.MethodPost, Delay: 5 * time.Second})
	_, err := e.client.CreateQuiz(t.Context(), e.token, fakecanvas.CourseAI, canvas.NewQuiz{Title: "Q"})
	require.ErrorIs(t, err, quiz.ErrTemporary)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 1, e.count(http.MethodPost, "/api/quiz/v1/"))
	assert.Empty(t, e.sleeps.get())
}

func TestPostIsRetriedWhenThrottled(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.srv.Inject(fakecanvas.Fault{Method: http.MethodPost, Status: http.StatusTooManyRequests, RetryAfter: "3", Times: 1})
	id, err := e.client.CreateQuiz(t.Context(), e.token, fakecanvas.CourseAI, canvas.NewQuiz{Title: "Q"})
	require.NoError(t, err)
	assert.Equal(t, "10000", id)
	assert.Len(t, e.srv.Quizzes(), 1, "created once")
	assert.Equal(t, []time.Duration{3 * time.Second}, e.sleeps.get())
}

// closedAddr returns a local address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func TestPostIsRetriedWhenTheConnectionFails(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *canvas.Config) { c.APIURL = "http://" + closedAddr(t) })
	_, err := e.client.CreateQuiz(t.Context(), e.token, fakecanvas.CourseAI, canvas.NewQuiz{Title: "Q"})
	require.ErrorIs(t, err, quiz.ErrTemporary)
	var ce *canvas.Error
	require.ErrorAs(t, err, &ce)
	assert.Zero(t, ce.Status)
	assert.Equal(t, 4, ce.Attempts, "connection refused: Canvas never saw it, so retrying is safe")
	assert.Equal(t, []time.Duration{100 * ms, 200 * ms, 400 * ms}, e.sleeps.get())
	assert.Contains(t, err.Error(), "canvas: POST /api/quiz/v1/courses/37823/quizzes: temporary failure: ")
}

func TestTruncatedAnswerIsRetriedForGet(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.srv.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses/37823/pages/", Truncate: true, Times: 1})
	p, err := e.client.Page(t.Context(), e.token, fakecanvas.CourseAI, "reinforcement-learning")
	require.NoError(t, err)
	assert.Contains(t, *p.Body, "Q-learning")
	assert.Equal(t, 2, e.count(http.MethodGet, "/api/v1/courses/37823/pages/"))
}

func TestTruncatedAnswerToPostIsTemporary(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.srv.Inject(fakecanvas.Fault{Method: http.MethodPost, Truncate: true})
	_, err := e.client.CreateQuiz(t.Context(), e.token, fakecanvas.CourseAI, canvas.NewQuiz{Title: "Q"})
	require.ErrorIs(t, err, quiz.ErrTemporary)
	assert.Len(t, e.srv.Quizzes(), 1, "Canvas created it; the client cannot know, so it must not retry")
	assert.Equal(t, 1, e.count(http.MethodPost, "/api/quiz/v1/"))
}

func TestResponseTooLarge(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *canvas.Config) { c.MaxResponseBytes = 4096 })
	_, err := e.client.Page(t.Context(), e.token, fakecanvas.CourseAI, "csp")
	require.ErrorIs(t, err, canvas.ErrTooLarge)
	assert.NotErrorIs(t, err, quiz.ErrTemporary)
	assert.Len(t, e.srv.Requests(), 1)
}
