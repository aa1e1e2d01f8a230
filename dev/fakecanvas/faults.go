package fakecanvas

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault changes how the fake answers matching requests, for tests of
// error handling. Faults are checked in the order they were injected; the
// first active one that matches a request applies to it, and only that
// one.
type Fault struct {
	// Method matches the request method ("" = any).
	Method string
	// PathPrefix matches the start of the request path ("" = any).
	PathPrefix string
	// Status, when not 0, is the status of the answer, which then never
	// reaches the fake's handlers (a faulted POST creates nothing). When
	// 0, the fake answers normally, delayed or truncated as set below.
	Status int
	// Times is how many matching requests the fault applies to; 0 means
	// every one until Reset.
	Times int
	// SkipFirst lets that many matching requests through untouched before
	// the fault applies ("fail the seventh item": SkipFirst 6).
	SkipFirst int
	// RetryAfter and RateLimitRemaining, when set, are sent as the
	// Retry-After and X-Rate-Limit-Remaining headers (403 with
	// RateLimitRemaining "0" is how Canvas throttles).
	RetryAfter         string
	RateLimitRemaining string
	// Header holds more headers to send (a Link header, say).
	Header map[string]string
	// Delay holds the answer back this long (less if the client gives up).
	Delay time.Duration
	// Truncate declares the full Content-Length of the answer but sends
	// only its first half before closing the connection.
	Truncate bool
	// Body replaces the answer's body; with Status 0 it answers 200. The
	// injected body is sent without Content-Length (chunked) unless
	// Truncate is set, so size checks cannot rely on the header. When
	// empty, an injected error status gets a Canvas-style JSON error.
	Body string
}

type faultState struct {
	Fault
	left int // answers left; <0 means forever
	skip int // matching requests still to let through
}

// Request is a request the fake received.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the decoded path; RawPath the path as sent (escaped).
	Path    string
	RawPath string
	// Query is the raw query string.
	Query string
	// Authorization reports whether an Authorization header was sent.
	Authorization bool
	// ContentType is the Content-Type header, "" when absent.
	ContentType string
}

// Inject adds a fault. It is safe to call while requests are served.
func (s *Server) Inject(f Fault) {
	left := f.Times
	if left <= 0 {
		left = -1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f, left: left, skip: f.SkipFirst})
}

// Reset removes every fault and forgets the recorded requests. Tokens,
// quizzes and items stay.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
	s.requests = nil
}

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) record(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		Authorization: r.Header.Get("Authorization") != "", ContentType: r.Header.Get("Content-Type"),
	})
}

// matchFault finds and uses up the fault that applies to r.
func (s *Server) matchFault(r *http.Request) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.left == 0 ||
			(f.Method != "" && !strings.EqualFold(f.Method, r.Method)) ||
			!strings.HasPrefix(r.URL.Path, f.PathPrefix) {
			continue
		}
		if f.skip > 0 {
			f.skip--
			return Fault{}, false
		}
		if f.left > 0 {
			f.left--
		}
		return f.Fault, true
	}
	return Fault{}, false
}

func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, f Fault) {
	if f.Delay > 0 {
		// Read the body first: only then does net/http notice a client
		// that gives up, and cancel r's context.
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
		r.Body = io.NopCloser(bytes.NewReader(body))
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if f.Status == 0 && f.Body == "" {
		if !f.Truncate {
			setFaultHeaders(w.Header(), f)
			s.mux.ServeHTTP(w, r)
			return
		}
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		s.mux.ServeHTTP(rec, r)
		for k, vs := range rec.header {
			w.Header()[k] = vs
		}
		setFaultHeaders(w.Header(), f)
		writeTruncated(w, rec.status, rec.body.Bytes())
		return
	}

	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	body := f.Body
	if body == "" && status >= 400 {
		body = `{"errors":[{"message":"` + http.StatusText(status) + ` (injected fault)"}]}`
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	setFaultHeaders(h, f)
	if f.Truncate {
		writeTruncated(w, status, []byte(body))
		return
	}
	w.WriteHeader(status)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush() // headers out first: the body goes chunked, with no Content-Length
	}
	_, _ = w.Write([]byte(body))
}

func setFaultHeaders(h http.Header, f Fault) {
	if f.RetryAfter != "" {
		h.Set("Retry-After", f.RetryAfter)
	}
	if f.RateLimitRemaining != "" {
		h.Set("X-Rate-Limit-Remaining", f.RateLimitRemaining)
	}
	for k, v := range f.Header {
		h.Set(k, v)
	}
}

// writeTruncated declares len(body) bytes, sends half and aborts the
// connection, so the client sees an unexpected EOF.
func writeTruncated(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body[:len(body)/2])
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	panic(http.ErrAbortHandler)
}

// recorder buffers an answer so that a fault can rewrite it.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wrote = true
	return r.body.Write(p)
}
