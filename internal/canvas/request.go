package canvas

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"quizgen/internal/quiz"
)

// call is one logical request, sent once or more.
type call struct {
	client      *http.Client
	method      string
	u           *url.URL
	token       string // bearer token; "" sends no Authorization header
	body        []byte
	contentType string
	accept      string
	// maxBytes caps a 2xx body; more is ErrTooLarge.
	maxBytes int64
	// attemptTimeout bounds each attempt; 0 leaves only ctx.
	attemptTimeout time.Duration
	// secrets are redacted from every text kept from this call, on top
	// of the token.
	secrets []string
}

// response is the final answer to a call.
type response struct {
	status   int
	header   http.Header
	body     []byte
	attempts int
}

// maxErrorBody caps how much of a non-2xx answer is read.
const maxErrorBody = 64 << 10

func (cl *call) path() string { return cl.u.EscapedPath() }

func (cl *call) allSecrets() []string {
	return append([]string{cl.token}, cl.secrets...)
}

// idempotent reports whether sending the request twice does no more harm
// than sending it once.
func (cl *call) idempotent() bool {
	switch cl.method {
	case http.MethodGet, http.MethodHead, http.MethodDelete, http.MethodPut, http.MethodOptions:
		return true
	}
	return false
}

// fail builds the *Error of cl.
func (cl *call) fail(status, attempts int, body []byte, err error) *Error {
	e := &Error{Method: cl.method, Path: cl.path(), Status: status, Attempts: attempts, Err: err}
	if status != 0 && (status < 200 || status > 299) && len(body) > 0 {
		e.Body = snippet(body, cl.allSecrets())
	}
	return e
}

// errTooLargeAttempt marks an attempt whose body went over the cap.
var errTooLargeAttempt = errors.New("body too large")

// send sends cl with retries and maps any non-2xx answer to an error.
func (c *Client) send(ctx context.Context, cl *call) (*response, error) {
	resp, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	if err := statusError(resp); err != nil {
		return nil, cl.fail(resp.status, resp.attempts, resp.body, err)
	}
	return resp, nil
}

// statusError maps a status to the package's errors; nil for 2xx.
func statusError(r *response) error {
	switch s := r.status; {
	case s >= 200 && s <= 299:
		return nil
	case throttled(r.status, r.header, r.body):
		return fmt.Errorf("%w: rate limited", quiz.ErrTemporary)
	case s == http.StatusUnauthorized:
		return ErrUnauthorized
	case s == http.StatusForbidden:
		return ErrForbidden
	case s == http.StatusNotFound:
		return ErrNotFound
	case s >= 500:
		return fmt.Errorf("%w: server error", quiz.ErrTemporary)
	default:
		return errors.New("canvas: unexpected status")
	}
}

// do sends cl until it gets an answer that retrying cannot improve, the
// retries run out or ctx ends. It returns the last answer whatever its
// status; it returns an error only when no usable answer came.
func (c *Client) do(ctx context.Context, cl *call) (*response, error) {
	for attempt := 1; ; attempt++ {
		resp, err := c.attempt(ctx, cl, attempt)
		var (
			wait   time.Duration
			status int
			cause  error
		)
		switch {
		case err != nil && ctx.Err() != nil:
			// The caller's deadline or cancellation: no time left to retry.
			return nil, cl.fail(0, attempt, nil, fmt.Errorf("%w: %w", quiz.ErrTemporary, ctx.Err()))
		case errors.Is(err, errTooLargeAttempt):
			return nil, cl.fail(http.StatusOK, attempt, nil, ErrTooLarge)
		case errors.Is(err, ErrDownloadRefused):
			// The policy will refuse it again; keep only its reason (the
			// transport's error quotes the URL with its verifier).
			var refused *refusedError
			errors.As(err, &refused)
			return nil, cl.fail(0, attempt, nil, refused)
		case err != nil:
			cause = fmt.Errorf("%w: %w", quiz.ErrTemporary, clean(err, cl.allSecrets()))
			if !cl.idempotent() && !notSent(err) {
				// A POST may have reached Canvas: sending it again could
				// create a second quiz.
				return nil, cl.fail(0, attempt, nil, cause)
			}
			wait = c.backoff(attempt)
		case throttled(resp.status, resp.header, resp.body):
			status = resp.status
			wait = c.retryAfter(resp.header, attempt)
		case resp.status >= 500 && cl.idempotent():
			status = resp.status
			wait = c.backoff(attempt)
		default:
			resp.attempts = attempt
			return resp, nil
		}

		if attempt > c.maxRetries || !c.fits(ctx, wait) {
			if resp != nil {
				resp.attempts = attempt
				return resp, nil
			}
			return nil, cl.fail(0, attempt, nil, cause)
		}
		attrs := []any{
			slog.String("method", cl.method), slog.String("path", cl.path()),
			slog.Int("status", status), slog.Int("attempt", attempt),
			slog.Int64("wait_ms", wait.Milliseconds()),
		}
		if cause != nil {
			attrs = append(attrs, slog.String("err", cause.Error()))
		}
		c.log.WarnContext(ctx, "canvas request failed; retrying", attrs...)
		if err := c.sleep(ctx, wait); err != nil {
			return nil, cl.fail(status, attempt, nil, fmt.Errorf("%w: %w", quiz.ErrTemporary, err))
		}
	}
}

// fits reports whether waiting d still leaves ctx some time: a retry
// that cannot finish before the deadline only burns the caller's time.
func (c *Client) fits(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

// attempt sends cl once and reads the body.
func (c *Client) attempt(ctx context.Context, cl *call, n int) (*response, error) {
	if cl.attemptTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cl.attemptTimeout)
		defer cancel()
	}
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, cl.u.String(), body)
	if err != nil {
		return nil, err
	}
	if cl.token != "" {
		req.Header.Set("Authorization", "Bearer "+cl.token)
	}
	if cl.accept != "" {
		req.Header.Set("Accept", cl.accept)
	}
	if cl.contentType != "" {
		req.Header.Set("Content-Type", cl.contentType)
	}
	req.Header.Set("User-Agent", c.userAgent)

	start := time.Now()
	resp, err := cl.client.Do(req)
	if err == nil {
		var data []byte
		data, err = readBody(resp, cl.maxBytes)
		if err == nil {
			c.logAttempt(ctx, cl, n, resp.StatusCode, start, nil)
			return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
		}
		c.logAttempt(ctx, cl, n, resp.StatusCode, start, err)
		return nil, err
	}
	c.logAttempt(ctx, cl, n, 0, start, err)
	return nil, err
}

func (c *Client) logAttempt(ctx context.Context, cl *call, n, status int, start time.Time, err error) {
	if !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []any{
		slog.String("method", cl.method), slog.String("path", cl.path()),
		slog.Int("status", status), slog.Int("attempt", n),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
	}
	if err != nil {
		attrs = append(attrs, slog.String("err", clean(err, cl.allSecrets()).Error()))
	}
	c.log.DebugContext(ctx, "canvas request", attrs...)
}

// readBody reads and closes the body of resp. A 2xx body larger than
// limit is errTooLargeAttempt, whatever Content-Length says; other bodies
// are cut at maxErrorBody since only their start is kept.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	defer resp.Body.Close()
	ok := resp.StatusCode >= 200 && resp.StatusCode <= 299
	if !ok {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return data, nil
	}
	if resp.ContentLength > limit {
		return nil, errTooLargeAttempt
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errTooLargeAttempt
	}
	return data, nil
}

// notSent reports whether err proves the request never reached the
// server: the connection could not be made (refused, DNS, unreachable).
func notSent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// throttled reports whether an answer is Canvas's rate limiting: 429, or
// 403 with X-Rate-Limit-Remaining at zero (Canvas sends "0.0") or its
// "Rate Limit Exceeded" body.
func throttled(status int, h http.Header, body []byte) bool {
	switch status {
	case http.StatusTooManyRequests:
		return true
	case http.StatusForbidden:
		if v := strings.TrimSpace(h.Get("X-Rate-Limit-Remaining")); v != "" {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f <= 0 {
				return true
			}
		}
		return bytes.Contains(body, []byte("Rate Limit Exceeded"))
	}
	return false
}

// retryAfter is the wait a throttled answer asks for: Retry-After in
// seconds or as an HTTP date, capped at MaxRetryAfter; the backoff when
// the header is absent or unreadable.
func (c *Client) retryAfter(h http.Header, attempt int) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return c.backoff(attempt)
	}
	var d time.Duration
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 || secs != secs { // negative or NaN
			return c.backoff(attempt)
		}
		if secs > c.maxRetryAfter.Seconds() {
			return c.maxRetryAfter
		}
		d = time.Duration(secs * float64(time.Second))
	} else if t, err := http.ParseTime(v); err == nil {
		d = max(time.Until(t), 0)
	} else {
		return c.backoff(attempt)
	}
	return min(d, c.maxRetryAfter)
}
