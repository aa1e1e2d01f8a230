package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockedBuffer collects the JSON log lines run writes from several
// goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRunServesAndShutsDown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	env := map[string]string{"FAKECANVAS_STATIC_TOKEN": "dev-token", "FAKECANVAS_LOG_LEVEL": "debug"}
	var out lockedBuffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-base-url", "http://fake.example"},
			func(k string) string { return env[k] }, &out, ready)
	}()

	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run returned early: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("not ready")
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+addr+"/api/v1/courses/37823/files/3615155", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer dev-token")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"url":"http://fake.example/files/3615155/download?`)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("no shutdown")
	}
	logs := out.String()
	assert.Contains(t, logs, `"msg":"fake canvas listening"`)
	assert.Contains(t, logs, `"msg":"fake canvas request"`)
	assert.Contains(t, logs, `"msg":"fake canvas shutting down"`)
	assert.NotContains(t, logs, "dev-token")
}

func TestRunRejectsBadFlags(t *testing.T) {
	t.Parallel()
	noEnv := func(string) string { return "" }
	var out bytes.Buffer
	require.Error(t, run(t.Context(), []string{"-nope"}, noEnv, &out, nil))
	require.Error(t, run(t.Context(), []string{"-log-level", "loud"}, noEnv, &out, nil))
	err := run(t.Context(), []string{"-addr", "256.0.0.1:1"}, noEnv, &out, nil)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "listen:"))
}
