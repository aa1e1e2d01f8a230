// Package httpapi is the REST API of quizgen: one http.Handler serving the
// contracts of docs/compatibility.md (paths, JSON shapes, errors, status
// codes), served by aws-lambda-go-api-proxy under Lambda and by a plain
// HTTP server locally. Errors become responses in exactly one place
// (writeError); handlers return them.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/uuid"

	"quizgen/internal/auth"
	"quizgen/internal/logging"
	"quizgen/internal/quiz"
)

// Config is what the API needs besides its dependencies.
type Config struct {
	// ProjectName is the title of the OpenAPI document.
	ProjectName string
	// FrontendHost receives the OAuth redirects (/login/success, /login?error=).
	FrontendHost string
	// CORSOrigins may call the API from a browser (credentials allowed).
	CORSOrigins []string
	// MaxBodyBytes bounds request bodies (413 beyond).
	MaxBodyBytes int64
	// CanvasRefreshWindow: a Canvas token expiring within it is refreshed
	// before use (docs/compatibility.md, Canvas: 5 minutes).
	CanvasRefreshWindow time.Duration
	// OAuthStateTTL is how long a login may take.
	OAuthStateTTL time.Duration
	// HealthDetailToken, when set, is the bearer token that unlocks the
	// database health report's names, versions and error text; without
	// it the report shows only the verdict and the numbers.
	HealthDetailToken string
}

// Deps are the API's dependencies, built once per cold start.
type Deps struct {
	Store   Store
	Quizzes Quizzes
	Canvas  Canvas
	Tokens  *auth.Tokens
	States  *auth.StateSigner
	Cipher  *auth.Cipher
	Health  HealthChecker
	Log     *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Server holds the dependencies of the handlers.
type Server struct {
	Deps
	cfg    Config
	routes []*route
	// doc is the v1 OpenAPI document and headDoc the root one (today's
	// routes), each built on its first request: building both takes about
	// 2.5 ms, which every API cold start paid before serving anything.
	doc, headDoc func() []byte
}

// NewHandler returns the API as one http.Handler.
func NewHandler(cfg Config, d Deps) http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if cfg.CanvasRefreshWindow == 0 {
		cfg.CanvasRefreshWindow = 5 * time.Minute
	}
	if cfg.OAuthStateTTL == 0 {
		cfg.OAuthStateTTL = 10 * time.Minute
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	// Above this the platform could refuse the event before the API sees it.
	cfg.MaxBodyBytes = min(cfg.MaxBodyBytes, maxRequestBodyBytes)
	s := &Server{Deps: d, cfg: cfg}
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		rt.segs = splitPath(rt.pattern)
	}
	// The document at /api/v1/openapi.json describes the v1 contract only:
	// today's routes at the root reuse v1's operation ids (the generated
	// clients name their methods after them), so they cannot share it.
	var v1 []*route
	for _, rt := range s.routes {
		if strings.HasPrefix(rt.pattern, "/api/v1/") {
			v1 = append(v1, rt)
		}
	}
	s.doc = sync.OnceValue(func() []byte {
		doc, err := json.Marshal(buildOpenAPI(cfg.ProjectName, v1, schemas()))
		if err != nil {
			panic(fmt.Sprintf("httpapi: OpenAPI document: %v", err)) // static data: a programmer error
		}
		return doc
	})
	// The document at /openapi.json describes today's routes at the root,
	// with today's schema names.
	s.headDoc = sync.OnceValue(func() []byte {
		doc, err := json.Marshal(buildOpenAPI(cfg.ProjectName, s.headRoutes(), headSchemas()))
		if err != nil {
			panic(fmt.Sprintf("httpapi: root OpenAPI document: %v", err))
		}
		return doc
	})
	return s.edges(&router{routes: s.routes, srv: s})
}

// handler serves one route; it returns errors instead of writing them.
type handler func(c *call) error

// call is one request on its way through a route.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	ctx    context.Context
	params map[string]string
	rt     *route
	// user is the signed-in user (routes with authUser or authCanvas).
	user quiz.User
	// canvasToken is a fresh Canvas access token (routes with authCanvas).
	canvasToken string
	// pre is what the route reads with the user in one round trip: the
	// quiz of the path (for quizAccess) and what its prefetch asks for.
	// Nothing of it may be used before quizAccess allowed the quiz.
	pre quiz.Prefetched
}

// json answers 200 with v, unless its JSON would not fit in a Lambda
// response (a 500 that says so, instead of the platform's bare error).
func (c *call) json(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if !fitsLambda(b) {
		return failWith(http.StatusInternalServerError, detailTooLarge, fmt.Errorf("response of %d bytes", lambdaSize(b)))
	}
	writeJSONBytes(c.w, http.StatusOK, b)
	return nil
}

// serve runs the dependencies of rt (auth first, as FastAPI does, so a
// request without a token never learns about validation), then its
// handler, and turns an error into a response.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt *route, params map[string]string) {
	if rec, ok := w.(*recorder); ok {
		rec.route = rt.pattern
	}
	c := &call{w: w, r: r, ctx: r.Context(), params: params, rt: rt}
	err := s.authenticate(c)
	if err == nil {
		err = rt.h(c)
	}
	if err != nil {
		s.writeError(c, err)
	}
}

// httpError is an error with the status and detail to answer. err, if
// set, is logged, never shown.
type httpError struct {
	status int
	detail string
	header http.Header
	err    error
}

func (e *httpError) Error() string {
	if e.err != nil {
		return fmt.Sprintf("%d %s: %v", e.status, e.detail, e.err)
	}
	return fmt.Sprintf("%d %s", e.status, e.detail)
}

func (e *httpError) Unwrap() error { return e.err }

func fail(status int, detail string) error { return &httpError{status: status, detail: detail} }

func failWith(status int, detail string, err error) error {
	return &httpError{status: status, detail: detail, err: err}
}

// Details the API answers with for failures of its dependencies.
const (
	detailUnavailable = "Service temporarily unavailable. Please try again."
	detailInternal    = "Internal Server Error"
	detailTooLarge    = "Response too large"
)

// writeError maps err to a status and a message that is safe to show; it
// is the only place errors become responses. 5xx details go to the log.
func (s *Server) writeError(c *call, err error) {
	status, detail := http.StatusInternalServerError, any(detailInternal)
	if c.rt != nil && c.rt.op.failMsg != "" {
		detail = c.rt.op.failMsg
	}
	var (
		he    *httpError
		ve    *validationError
		rule  *quiz.RuleError
		limit *quiz.LimitError
	)
	switch {
	case errors.As(err, &he):
		status, detail = he.status, he.detail
		for k, vs := range he.header {
			c.w.Header()[k] = vs
		}
	case errors.As(err, &ve):
		status, detail = http.StatusUnprocessableEntity, ve.errs
	case errors.As(err, &rule):
		status, detail = http.StatusConflict, rule.Msg
		if rule.Kind == quiz.Precondition {
			status = http.StatusBadRequest
		}
	case errors.As(err, &limit):
		// A usage limit (README, Limits); Retry-After in whole seconds when
		// the limit frees up again.
		status, detail = http.StatusTooManyRequests, limit.Msg
		if limit.RetryAfter > 0 {
			c.w.Header().Set("Retry-After", strconv.FormatInt(int64((limit.RetryAfter+time.Second-1)/time.Second), 10))
		}
	case errors.Is(err, errBodyTooLarge):
		status, detail = http.StatusRequestEntityTooLarge, s.bodyTooLarge()
	case errors.Is(err, quiz.ErrUnavailable), errors.Is(err, quiz.ErrTemporary),
		errors.Is(err, context.DeadlineExceeded):
		status, detail = http.StatusServiceUnavailable, detailUnavailable
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.Log.Log(c.ctx, level, "request failed", "method", c.r.Method, "route", routeOf(c), "status", status, "err", err)
	writeJSON(c.w, status, errorBody{Detail: detail})
}

// bodyTooLarge is the detail of a 413.
func (s *Server) bodyTooLarge() string {
	return fmt.Sprintf("Request body too large: at most %d bytes", s.cfg.MaxBodyBytes)
}

func routeOf(c *call) string {
	if c.rt == nil {
		return ""
	}
	return c.rt.pattern
}

// edges wraps h with what every request gets: a request id, panic
// recovery, CORS, the body limit and one access log line.
func (s *Server) edges(h http.Handler) http.Handler {
	cors := newCORS(s.cfg.CORSOrigins)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := ""
		if lc, ok := lambdacontext.FromContext(r.Context()); ok && lc.AwsRequestID != "" {
			id = lc.AwsRequestID
		} else {
			id = uuid.NewString()
		}
		ctx := logging.WithRequestID(r.Context(), id)
		r = r.WithContext(ctx)
		rec := &recorder{ResponseWriter: w, status: http.StatusOK, gzip: acceptsGzip(r.Header.Get("Accept-Encoding"))}
		rec.Header().Set("X-Request-ID", id)

		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Log.ErrorContext(ctx, "panic serving request", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if !rec.wrote {
					writeJSON(rec, http.StatusInternalServerError, errorBody{Detail: detailInternal})
				}
			}
			attrs := []any{"method", r.Method, "route", rec.route, "path", loggedPath(r.URL.Path), "status", rec.status,
				"duration_ms", float64(time.Since(start).Microseconds()) / 1000, "bytes", rec.bytes}
			if rec.userID != "" {
				attrs = append(attrs, "user_id", rec.userID)
			}
			s.Log.InfoContext(ctx, "request", attrs...)
		}()

		if cors.handle(rec, r) {
			return
		}
		// MaxBodyBytes, or maxUploadBytes for an upload (head_manual.go).
		limit, tooLarge := s.bodyLimit(r)
		if r.ContentLength > limit { // refused before routing, read or not
			writeJSON(rec, http.StatusRequestEntityTooLarge, errorBody{Detail: tooLarge})
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(rec, r.Body, limit)
		}
		h.ServeHTTP(rec, r)
	})
}

// recorder remembers what was answered, for the access log.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
	route  string
	userID string
	// gzip: the client accepts gzip-compressed responses.
	gzip bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// cors implements Starlette's CORSMiddleware for a list of origins, with
// credentials and every method and header allowed.
type cors struct{ origins map[string]bool }

func newCORS(origins []string) cors {
	m := make(map[string]bool, len(origins))
	for _, o := range origins {
		m[strings.TrimSuffix(o, "/")] = true
	}
	return cors{origins: m}
}

const corsMethods = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"

// handle adds the CORS headers and answers preflights; it reports whether
// the request was answered.
func (c cors) handle(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	allowed := c.origins[origin]
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		if !allowed {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte("Disallowed CORS origin"))
			return true
		}
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Set("Access-Control-Allow-Methods", corsMethods)
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		}
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("OK"))
		return true
	}
	if allowed {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Set("Access-Control-Expose-Headers", "X-Request-ID, "+headerOmitted)
	}
	return false
}
