package canvas_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/canvas"
	"quizgen/internal/logging"
)

const (
	testClientID = "quizgen-test"
	testSecret   = "client-secret-for-tests"
	testRedirect = "http://localhost:8000/api/v1/auth/callback/canvas"
)

// env is one fake Canvas and a client pointed at it.
type env struct {
	srv     *fakecanvas.Server
	client  *canvas.Client
	token   string // a valid access token of user 12345
	refresh string
	sleeps  *sleepRecorder
	logs    *syncBuffer
}

// setup starts a fake Canvas and builds a client whose sleeps are
// recorded (and skipped) and whose jitter is the identity, then applies
// configure to the config.
func setup(t *testing.T, configure ...func(*canvas.Config)) *env {
	t.Helper()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{ClientID: testClientID, ClientSecret: testSecret})
	e := &env{srv: srv, sleeps: &sleepRecorder{}, logs: &syncBuffer{}}
	hc := &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(hc.CloseIdleConnections)
	cfg := canvas.Config{
		BaseURL:      srv.URL(),
		ClientID:     testClientID,
		ClientSecret: testSecret,
		RedirectURI:  testRedirect,
		HTTPClient:   hc,
		RetryBase:    100 * time.Millisecond,
		RetryMax:     time.Second,
		Timeout:      2 * time.Second,
		Log:          logging.New(e.logs, slog.LevelDebug),
		Sleep:        e.sleeps.sleep,
		Jitter:       func(d time.Duration) time.Duration { return d },
	}
	for _, f := range configure {
		f(&cfg)
	}
	c, err := canvas.New(cfg)
	require.NoError(t, err)
	e.client = c
	e.token, e.refresh = srv.IssueToken(fakecanvas.UserID)
	return e
}

// count returns how many requests the fake saw with method and a path
// starting with prefix.
func (e *env) count(method, prefix string) int {
	n := 0
	for _, r := range e.srv.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

// sleepRecorder is an injected Config.Sleep that records the waits and
// returns at once.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepRecorder) get() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// syncBuffer is a bytes.Buffer safe for concurrent log writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
