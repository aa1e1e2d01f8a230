package canvas_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/canvas"
	"quizgen/internal/quiz"
)

// target is an internal service a download must never reach: it counts
// the requests that got to it.
type target struct {
	url  string
	hits atomic.Int64
}

// startTarget serves "internal data" on ip (a loopback address).
func startTarget(t *testing.T, ip string) *target {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	require.NoError(t, err)
	tg := &target{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		tg.hits.Add(1)
		_, _ = w.Write([]byte("%PDF-internal data"))
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	tg.url = srv.URL
	return tg
}

// redirectingCanvas is a Canvas on 127.0.0.1 whose /files/1/download
// redirects to location, and whose /loop/{n} redirects to /loop/{n+1}.
func redirectingCanvas(t *testing.T, location string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /files/1/download", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, location, http.StatusFound)
	})
	mux.HandleFunc("GET /loop/{n}", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		n, _ := strconv.Atoi(r.PathValue("n"))
		if n == 0 {
			_, _ = w.Write([]byte("%PDF-the end of the chain"))
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/loop/%d", n-1), http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &hits
}

func downloadClient(t *testing.T, canvasURL string, hosts ...string) *canvas.Client {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(hc.CloseIdleConnections)
	c, err := canvas.New(canvas.Config{BaseURL: canvasURL, HTTPClient: hc, DownloadHosts: hosts, MaxRetries: 2,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	require.NoError(t, err)
	return c
}

// TestDownloadRefusesInternalTargets reproduces the audit's blind SSRF: a
// Canvas file whose download redirects to another loopback address
// (127.0.0.2) was followed and its body read. Every variant must be
// refused before the target sees a request.
func TestDownloadRefusesInternalTargets(t *testing.T) {
	t.Parallel()
	const verifier = "verifier=s3cr3t-verifier-value"

	t.Run("redirect to 127.0.0.2", func(t *testing.T) {
		t.Parallel()
		tg := startTarget(t, "127.0.0.2")
		cv, cvHits := redirectingCanvas(t, tg.url+"/metadata")
		c := downloadClient(t, cv.URL)
		_, err := c.Download(t.Context(), cv.URL+"/files/1/download?"+verifier, 1<<20)
		require.ErrorIs(t, err, canvas.ErrDownloadRefused)
		assert.NotErrorIs(t, err, quiz.ErrTemporary, "refused, not retried")
		assert.NotContains(t, err.Error(), "s3cr3t")
		assert.Equal(t, int64(0), tg.hits.Load(), "the internal target was reached")
		assert.Equal(t, int64(1), cvHits.Load(), "Canvas was asked once: a refusal is not retried")
	})
	t.Run("redirect to a listed host that is loopback", func(t *testing.T) {
		t.Parallel()
		tg := startTarget(t, "127.0.0.2")
		cv, _ := redirectingCanvas(t, tg.url+"/metadata")
		c := downloadClient(t, cv.URL, "127.0.0.2")
		_, err := c.Download(t.Context(), cv.URL+"/files/1/download?"+verifier, 1<<20)
		require.ErrorIs(t, err, canvas.ErrDownloadRefused)
		assert.Contains(t, err.Error(), "127.0.0.2 is loopback")
		assert.Equal(t, int64(0), tg.hits.Load())
	})
	t.Run("a listed name resolving to loopback is checked after resolution", func(t *testing.T) {
		t.Parallel()
		tg := startTarget(t, "127.0.0.1")
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(tg.url, "http://"))
		cv, _ := redirectingCanvas(t, "http://localhost:"+port+"/metadata")
		c := downloadClient(t, cv.URL, "localhost")
		_, err := c.Download(t.Context(), cv.URL+"/files/1/download?"+verifier, 1<<20)
		require.ErrorIs(t, err, canvas.ErrDownloadRefused)
		assert.Equal(t, int64(0), tg.hits.Load())
	})
	t.Run("another port on Canvas's own loopback address", func(t *testing.T) {
		t.Parallel()
		tg := startTarget(t, "127.0.0.1")
		cv, _ := redirectingCanvas(t, tg.url+"/metadata")
		c := downloadClient(t, cv.URL)
		_, err := c.Download(t.Context(), cv.URL+"/files/1/download?"+verifier, 1<<20)
		require.ErrorIs(t, err, canvas.ErrDownloadRefused)
		assert.Equal(t, int64(0), tg.hits.Load())
	})
	t.Run("absolute file URL off Canvas", func(t *testing.T) {
		t.Parallel()
		tg := startTarget(t, "127.0.0.2")
		cv, _ := redirectingCanvas(t, "/")
		c := downloadClient(t, cv.URL)
		_, err := c.Download(t.Context(), tg.url+"/files/1/download?"+verifier, 1<<20)
		require.ErrorIs(t, err, canvas.ErrDownloadRefused)
		assert.Contains(t, err.Error(), "host 127.0.0.2 is neither Canvas nor a listed download host")
		assert.NotContains(t, err.Error(), "s3cr3t")
		assert.Equal(t, int64(0), tg.hits.Load())
	})
	t.Run("redirects are capped", func(t *testing.T) {
		t.Parallel()
		cv, hits := redirectingCanvas(t, "/")
		c := downloadClient(t, cv.URL)
		data, err := c.Download(t.Context(), fmt.Sprintf("%s/loop/%d", cv.URL, canvas.MaxDownloadRedirects), 1<<20)
		require.NoError(t, err, "%d redirects are fine", canvas.MaxDownloadRedirects)
		assert.Equal(t, "%PDF-the end of the chain", string(data))

		hits.Store(0)
		_, err = c.Download(t.Context(), fmt.Sprintf("%s/loop/%d", cv.URL, canvas.MaxDownloadRedirects+1), 1<<20)
		require.ErrorIs(t, err, canvas.ErrDownloadRefused)
		assert.Equal(t, int64(canvas.MaxDownloadRedirects+1), hits.Load(), "the redirect after the cap is not followed")
	})
}

func TestDownloadHostsValidated(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"https://files.example.com", "files.example.com:443", "*", "a/b"} {
		_, err := canvas.New(canvas.Config{BaseURL: "https://canvas.example.edu", HTTPClient: &http.Client{}, DownloadHosts: []string{bad}})
		assert.Error(t, err, bad)
	}
	_, err := canvas.New(canvas.Config{BaseURL: "https://canvas.example.edu", HTTPClient: &http.Client{},
		DownloadHosts: []string{"*.inscloudgate.net", "instructure-uploads.s3.amazonaws.com"}})
	assert.NoError(t, err)
}
