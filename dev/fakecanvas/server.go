// Package fakecanvas is a fake Canvas LMS for development and tests: the
// OAuth2 endpoints, the REST API calls quizgen makes (profile, courses,
// modules, module items, pages, files and file downloads) and the New
// Quizzes calls of the export, with realistic data of its own (docs/compatibility.md,
// Canvas: the original mock's shortcuts fixed on purpose).
//
// Unlike the original mock it validates the Bearer token on every API
// route (expiry included), paginates every list like Canvas (per_page,
// page and Link headers), serves real PDF files it generates itself, and
// lets tests inject faults, read back the requests it saw and the quizzes
// it received.
//
// Two teachers sign in: UserID (12345, the default) and SecondUserID
// (12346), who share CourseAI; the consent page offers both, and
// /login/oauth2/authorize takes user_id to choose one directly. Any other
// user id sees what 12345 sees.
//
// It is never used in production: only tests and cmd/fakecanvas import
// it.
package fakecanvas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"quizgen/internal/logging"
	"quizgen/internal/logging/logtest"
)

// Options configure a Server. Zero values take the defaults.
type Options struct {
	// BaseURL is the fake's public address, put in file download URLs and
	// html_url fields, e.g. http://localhost:8001. When empty, the
	// address the request came to is used. Link headers always use the
	// address the request came to, as Canvas does.
	BaseURL string
	// AccessTTL and RefreshTTL are the lifetimes of issued tokens
	// (default 1 hour and 30 days).
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	// Clock tells the time for token expiry and timestamps (default
	// time.Now).
	Clock func() time.Time
	// Log receives one debug line per request (never a token). nil
	// discards.
	Log *slog.Logger
	// StaticTokens are access tokens that are valid from the start and
	// never expire, mapped to their user id, so tests and local runs can
	// skip OAuth. Revoke still removes them.
	StaticTokens map[string]int64
	// ClientID and ClientSecret, when set, are checked by the OAuth
	// endpoints; when empty any client is accepted.
	ClientID     string
	ClientSecret string
}

// Server is the fake Canvas, an http.Handler. It is safe for concurrent
// use. Build it with New (or NewTest, which also serves it).
type Server struct {
	opts    Options
	log     *slog.Logger
	clock   func() time.Time
	data    *dataset
	mux     *http.ServeMux
	baseURL string // set before serving starts, read-only afterwards
	url     string // set by NewTest

	blobsOnce sync.Once
	blobs     map[int64][]byte
	blobsErr  error

	mu        sync.Mutex
	codes     map[string]authCode
	access    map[string]*accessToken
	refresh   map[string]*refreshToken
	faults    []*faultState
	requests  []Request
	quizzes   []*RecordedQuiz
	itemCount int
	verifiers map[int64]string // file id → download verifier
	blobKeys  map[int64]string // file id → token of the redirect target
}

// New returns a fake Canvas with its data loaded. It panics only if the
// embedded data is broken, which the package's tests rule out.
func New(opts Options) *Server {
	if opts.AccessTTL <= 0 {
		opts.AccessTTL = time.Hour
	}
	if opts.RefreshTTL <= 0 {
		opts.RefreshTTL = 30 * 24 * time.Hour
	}
	s := &Server{
		opts:      opts,
		log:       opts.Log,
		clock:     opts.Clock,
		baseURL:   strings.TrimRight(opts.BaseURL, "/"),
		codes:     map[string]authCode{},
		access:    map[string]*accessToken{},
		refresh:   map[string]*refreshToken{},
		verifiers: map[int64]string{},
		blobKeys:  map[int64]string{},
	}
	if s.log == nil {
		s.log = logging.Discard()
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	data, err := newDataset()
	if err != nil {
		panic(fmt.Sprintf("fakecanvas: embedded data: %v", err))
	}
	s.data = data
	for id := range data.files {
		s.verifiers[id] = randomHex(20)
		s.blobKeys[id] = randomHex(24)
	}
	for tok, uid := range opts.StaticTokens {
		s.access[tok] = &accessToken{userID: uid}
	}
	s.routes()
	return s
}

// NewTest starts the fake on a local httptest server, sets its BaseURL to
// that server (unless opts sets one) and closes it when the test ends.
func NewTest(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Log == nil {
		opts.Log = logtest.New(t)
	}
	s := New(opts)
	ts := httptest.NewUnstartedServer(s)
	s.url = "http://" + ts.Listener.Addr().String()
	if s.baseURL == "" {
		s.baseURL = s.url
	}
	ts.Start()
	t.Cleanup(ts.Close)
	return s
}

// URL returns the address NewTest serves the fake at (its BaseURL unless
// Options set another one); "" for a Server built with New.
func (s *Server) URL() string { return s.url }

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", s.root)
	m.HandleFunc("GET /health", s.health)
	// Browsers ask every origin for an icon; a 404 here is a console error
	// on the consent page in the e2e walk.
	m.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })

	m.HandleFunc("GET /login/oauth2/auth", s.consent)
	m.HandleFunc("GET /login/oauth2/authorize", s.authorize)
	m.HandleFunc("POST /login/oauth2/token", s.token)
	m.HandleFunc("DELETE /login/oauth2/token", s.revoke)

	m.HandleFunc("GET /api/v1/users/self", s.authed(s.self))
	m.HandleFunc("GET /api/v1/users/self/profile", s.authed(s.selfProfile))
	m.HandleFunc("GET /api/v1/users/{user}/profile", s.authed(s.profile))
	m.HandleFunc("GET /api/v1/courses", s.authed(s.courses))
	m.HandleFunc("GET /api/v1/courses/{course}/modules", s.authed(s.modules))
	m.HandleFunc("GET /api/v1/courses/{course}/modules/{module}/items", s.authed(s.moduleItems))
	m.HandleFunc("GET /api/v1/courses/{course}/pages/{page}", s.authed(s.page))
	m.HandleFunc("GET /api/v1/courses/{course}/files/{file}", s.authed(s.file))

	m.HandleFunc("GET /files/{file}/download", s.download)
	m.HandleFunc("GET /inst-fs/files/{file}/{name}", s.blob)

	m.HandleFunc("POST /api/quiz/v1/courses/{course}/quizzes", s.authed(s.createQuiz))
	m.HandleFunc("GET /api/quiz/v1/courses/{course}/quizzes", s.authed(s.listQuizzes))
	m.HandleFunc("GET /api/quiz/v1/courses/{course}/quizzes/{quiz}", s.authed(s.getQuiz))
	m.HandleFunc("POST /api/quiz/v1/courses/{course}/quizzes/{quiz}/items", s.authed(s.createItem))
	m.HandleFunc("GET /api/quiz/v1/courses/{course}/quizzes/{quiz}/items", s.authed(s.listItems))
	s.mux = m
}

// ServeHTTP records the request, applies the first matching fault and
// otherwise serves the fake Canvas.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.clock()
	s.record(r)
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		s.log.DebugContext(r.Context(), "fake canvas request",
			"method", r.Method, "path", r.URL.Path, "status", sw.status,
			"duration_ms", s.clock().Sub(start).Milliseconds())
	}()
	if f, ok := s.matchFault(r); ok {
		s.serveFault(sw, r, f)
		return
	}
	s.mux.ServeHTTP(sw, r)
}

// statusWriter remembers the status for the log line.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// base is the address to put in URLs of the answer to r.
func (s *Server) base(r *http.Request) string {
	if s.baseURL != "" {
		return s.baseURL
	}
	return requestBase(r)
}

// requestBase is the address r came to, as Canvas builds Link headers.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) root(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"message": "Fake Canvas LMS Server", "version": "1.0.0"})
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	now := s.clock()
	active := 0
	for _, a := range s.access {
		if a.valid(now) {
			active++
		}
	}
	pending := len(s.codes)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"status": "healthy", "timestamp": now.UTC().Format(time.RFC3339),
		"active_tokens": active, "pending_auth_codes": pending,
	})
}

// writeJSON writes v as a JSON answer, leaving HTML in strings readable.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "encode: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// apiError writes a Canvas-style API error: {"errors":[{"message":...}]}.
func apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"errors": []map[string]string{{"message": msg}}})
}
