// Package logtest gives tests a logger that writes to the test's log. It
// is apart from internal/logging so that no function links the testing
// package (README, Builds, `sam local` and speed).
package logtest

import (
	"log/slog"
	"strings"
	"testing"

	"quizgen/internal/logging"
)

// New returns a logger that writes JSON lines to t.Log at debug level, so
// a failing test shows what the code logged.
func New(t testing.TB) *slog.Logger {
	return logging.New(writer{t}, slog.LevelDebug)
}

type writer struct{ t testing.TB }

func (w writer) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
