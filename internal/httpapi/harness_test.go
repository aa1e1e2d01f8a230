package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/auth"
	"quizgen/internal/canvas"
	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/health"
	"quizgen/internal/httpapi"
	"quizgen/internal/logging"
	"quizgen/internal/logging/logtest"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
)

const (
	frontend  = "http://frontend.test"
	jwtSecret = "test-jwt-secret-0123456789abcdef-0123456789"
	teacherID = fakecanvas.UserID // the fake's user, who teaches course 37823
	courseAI  = fakecanvas.CourseAI
)

// env is one API under test: its own database (through PgBouncer), fake
// Canvas, SQS queues on the emulator, and handler.
type env struct {
	t         testing.TB
	h         http.Handler
	store     *db.Store
	tdb       *dbtest.DB
	canvas    *fakecanvas.Server
	tokens    *auth.Tokens
	cipher    *auth.Cipher
	sqs       *sqs.Client
	genURL    string
	exportURL string
	now       func() time.Time
}

type envOption func(*envConfig)

type envConfig struct {
	publisher quiz.Publisher // overrides the SQS publisher (queue down)
	maxConns  int32          // overrides DB_MAX_CONNS (benchmarks)
	limits    quiz.Limits    // usage limits (none by default)
}

func withMaxConns(n int32) envOption { return func(c *envConfig) { c.maxConns = n } }

func withPublisher(p quiz.Publisher) envOption { return func(c *envConfig) { c.publisher = p } }

func withLimits(l quiz.Limits) envOption { return func(c *envConfig) { c.limits = l } }

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	var ec envConfig
	for _, o := range opts {
		o(&ec)
	}
	tdb := dbtest.New(t)
	pool := tdb.Open(t, func(c *db.Config) {
		if ec.maxConns > 0 {
			c.MaxConns = ec.maxConns
		}
	})
	store := db.NewStore(pool)
	log := logging.Discard()
	if os.Getenv("TEST_API_LOG") != "" {
		log = logtest.New(t)
	}
	fc := fakecanvas.NewTest(t, fakecanvas.Options{ClientID: "client-id", ClientSecret: "client-secret"})
	cc, err := canvas.New(canvas.Config{BaseURL: fc.URL(), ClientID: "client-id", ClientSecret: "client-secret",
		RedirectURI: "http://api.test/api/v1/auth/callback/canvas", HTTPClient: &http.Client{Timeout: 10 * time.Second},
		MaxRetries: -1, Log: log})
	require.NoError(t, err)
	tokens, err := auth.NewTokens([]byte(jwtSecret), time.Hour, time.Now)
	require.NoError(t, err)
	states, err := auth.NewStateSigner(auth.DeriveKey([]byte(jwtSecret), auth.PurposeOAuthState), 10*time.Minute, time.Now)
	require.NoError(t, err)
	cipher, err := auth.NewCipher(bytes.Repeat([]byte{7}, 32))
	require.NoError(t, err)

	e := &env{t: t, store: store, tdb: tdb, canvas: fc, tokens: tokens, cipher: cipher, now: time.Now}
	pub := ec.publisher
	if pub == nil {
		e.sqs, e.genURL, e.exportURL = testQueues(t)
		pub = queue.NewPublisher(e.sqs, e.genURL, e.exportURL, 5*time.Second)
	}
	e.h = httpapi.NewHandler(httpapi.Config{ProjectName: "quizgen", FrontendHost: frontend,
		CORSOrigins: []string{frontend}, MaxBodyBytes: 64 << 10},
		httpapi.Deps{Store: store, Quizzes: quiz.NewService(store, pub, log).WithLimits(ec.limits), Canvas: cc, Tokens: tokens,
			States: states, Cipher: cipher, Health: health.New(pool, health.Config{PgBouncerAdminURL: os.Getenv("TEST_PGBOUNCER_ADMIN_URL")}, log), Log: log})
	e.h = headShapeCheck(t, e.h) // root answers checked against /openapi.json (head_shapes_test.go)
	return e
}

// withHandler is e for test t with an API of its own over e's store: a
// Canvas client cc (nil for none) and log, jobs dropped; its root answers
// are checked against /openapi.json as newEnv's are.
func (e *env) withHandler(t *testing.T, cc httpapi.Canvas, log *slog.Logger) *env {
	t.Helper()
	states, err := auth.NewStateSigner(auth.DeriveKey([]byte(jwtSecret), auth.PurposeOAuthState), 10*time.Minute, time.Now)
	require.NoError(t, err)
	out := *e
	out.t = t
	deps := httpapi.Deps{Store: e.store, Quizzes: quiz.NewService(e.store, nopJobs{}, log), Tokens: e.tokens,
		States: states, Cipher: e.cipher, Log: log}
	if cc != nil {
		deps.Canvas = cc
	}
	out.h = headShapeCheck(t, httpapi.NewHandler(httpapi.Config{ProjectName: "quizgen", FrontendHost: frontend, MaxBodyBytes: 64 << 10}, deps))
	return &out
}

// testQueues makes two fresh queues on the SQS emulator for one test.
func testQueues(t testing.TB) (*sqs.Client, string, string) {
	t.Helper()
	if os.Getenv("AWS_ENDPOINT_URL_SQS") == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("AWS_ENDPOINT_URL_SQS must be set in CI (run the tests with `make test`)")
		}
		t.Skip("AWS_ENDPOINT_URL_SQS not set: run `make test`")
	}
	cfg, err := awsconfig.LoadDefaultConfig(t.Context())
	require.NoError(t, err)
	client := sqs.NewFromConfig(cfg)
	mk := func(kind string) string {
		out, err := client.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String("api-" + kind + "-" + uuid.NewString()[:8])})
		require.NoError(t, err)
		return *out.QueueUrl
	}
	return client, mk("generate"), mk("export")
}

// user is a signed-in teacher: the stored user and an app token.
type user struct {
	quiz.User
	jwt         string
	canvasToken string
}

// signIn stores a user with Canvas tokens the fake knows (as the OAuth
// callback would) and issues an app token.
func (e *env) signIn(canvasID int64) user {
	e.t.Helper()
	access, refresh := e.canvas.IssueToken(canvasID)
	encA, err := e.cipher.Encrypt(access)
	require.NoError(e.t, err)
	encR, err := e.cipher.Encrypt(refresh)
	require.NoError(e.t, err)
	exp := time.Now().Add(time.Hour)
	name := "Teacher"
	u, err := e.store.UpsertUser(e.t.Context(), quiz.User{CanvasID: canvasID, Name: &name, AccessToken: encA, RefreshToken: encR, ExpiresAt: &exp})
	require.NoError(e.t, err)
	tok, err := e.tokens.Issue(u.ID, u.SessionVersion)
	require.NoError(e.t, err)
	return user{User: u, jwt: tok, canvasToken: access}
}

// resp is a recorded response.
type resp struct {
	*httptest.ResponseRecorder
	t testing.TB
}

func (r resp) json() any {
	r.t.Helper()
	var v any
	require.NoError(r.t, json.Unmarshal(r.Body.Bytes(), &v), "body: %s", r.Body.String())
	return v
}

func (r resp) obj() map[string]any {
	r.t.Helper()
	m, ok := r.json().(map[string]any)
	require.True(r.t, ok, "want an object, got %s", r.Body.String())
	return m
}

func (r resp) list() []any {
	r.t.Helper()
	l, ok := r.json().([]any)
	require.True(r.t, ok, "want a list, got %s", r.Body.String())
	return l
}

func (r resp) detail() any { return r.obj()["detail"] }

// do sends a request; token "" sends no Authorization header; body is
// JSON-encoded unless it is a string (sent as is) or nil.
func (e *env) do(method, path, token string, body any, headers ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequestWithContext(context.Background(), method, path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return resp{rec, e.t}
}

// createQuiz creates a quiz through the API and returns its JSON.
func (e *env) createQuiz(u user) map[string]any {
	e.t.Helper()
	r := e.do("POST", "/api/v1/quiz/", u.jwt, map[string]any{
		"canvas_course_id": courseAI, "canvas_course_name": "INF-2600 AI",
		"selected_modules": map[string]string{"173468": "Constraint Satisfaction Problems", "173469": "Scheduling"},
		"title":            "Midterm", "question_count": 20,
	})
	require.Equal(e.t, http.StatusOK, r.Code, r.Body.String())
	return r.obj()
}

// sql runs a statement straight on the test database.
func (e *env) sql(query string, args ...any) {
	e.t.Helper()
	_, err := e.tdb.Conn(e.t).Exec(e.t.Context(), query, args...)
	require.NoError(e.t, err)
}

// received drains the messages of a queue.
func (e *env) received(url string) []queue.Message {
	e.t.Helper()
	var out []queue.Message
	for {
		r, err := e.sqs.ReceiveMessage(e.t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60})
		require.NoError(e.t, err)
		if len(r.Messages) == 0 {
			return out
		}
		for _, m := range r.Messages {
			msg, err := queue.Decode([]byte(*m.Body))
			require.NoError(e.t, err)
			out = append(out, msg)
		}
	}
}
