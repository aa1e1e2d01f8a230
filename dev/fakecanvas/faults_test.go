package fakecanvas_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
)

func TestFaultStatusHeadersAndTimes(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	tok, _ := srv.IssueToken(fakecanvas.UserID)
	srv.Inject(fakecanvas.Fault{Method: http.MethodGet, PathPrefix: "/api/v1/courses", Status: http.StatusForbidden,
		RateLimitRemaining: "0", RetryAfter: "3", Times: 2, Header: map[string]string{"X-Request-Cost": "40.5"}})

	for range 2 {
		resp, body := get(t, srv.URL()+"/api/v1/courses", tok)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.Equal(t, "0", resp.Header.Get("X-Rate-Limit-Remaining"))
		assert.Equal(t, "3", resp.Header.Get("Retry-After"))
		assert.Equal(t, "40.5", resp.Header.Get("X-Request-Cost"))
		assert.Contains(t, string(body), "injected fault")
	}
	resp, _ := get(t, srv.URL()+"/api/v1/courses", tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "Times used up")

	resp, _ = get(t, srv.URL()+"/api/v1/users/self/profile", tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// Method must match; Reset clears faults and requests.
	srv.Inject(fakecanvas.Fault{Method: http.MethodPost, Status: http.StatusInternalServerError})
	resp, _ = get(t, srv.URL()+"/api/v1/courses", tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	srv.Inject(fakecanvas.Fault{Status: http.StatusTeapot, Body: "short and stout"})
	resp, body := get(t, srv.URL()+"/api/v1/courses", tok)
	assert.Equal(t, http.StatusTeapot, resp.StatusCode)
	assert.Equal(t, "short and stout", string(body))
	assert.Equal(t, int64(-1), resp.ContentLength, "injected bodies are chunked")
	require.Len(t, srv.Requests(), 6)
	srv.Reset()
	assert.Empty(t, srv.Requests())
	resp, _ = get(t, srv.URL()+"/api/v1/courses", tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Len(t, srv.Requests(), 1)
}

func TestFaultFaultedRequestsDoNotReachTheFake(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	tok, _ := srv.IssueToken(fakecanvas.UserID)
	srv.Inject(fakecanvas.Fault{Method: http.MethodPost, Status: http.StatusInternalServerError, Times: 1})
	resp, _ := postJSON(t, srv.URL()+"/api/quiz/v1/courses/37823/quizzes", tok, `{"title":"x"}`)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Empty(t, srv.Quizzes())
	resp, _ = postJSON(t, srv.URL()+"/api/quiz/v1/courses/37823/quizzes", tok, `{"title":"x"}`)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Len(t, srv.Quizzes(), 1)
}

func TestFaultDelay(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	tok, _ := srv.IssueToken(fakecanvas.UserID)
	srv.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses", Delay: 80 * time.Millisecond, Times: 1})
	start := time.Now()
	resp, _ := get(t, srv.URL()+"/api/v1/courses", tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.GreaterOrEqual(t, time.Since(start), 80*time.Millisecond)

	// A client that gives up releases the handler at once.
	srv.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses", Delay: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+"/api/v1/courses", nil)
	require.NoError(t, err)
	_, err = http.DefaultClient.Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestFaultTruncate(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	tok, _ := srv.IssueToken(fakecanvas.UserID)
	readAll := func(u string) (int, int64, error) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
		return resp.StatusCode, resp.ContentLength, err
	}

	srv.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses/37823/pages/", Truncate: true, Times: 1})
	status, length, err := readAll(srv.URL() + "/api/v1/courses/37823/pages/csp")
	assert.Equal(t, http.StatusOK, status)
	assert.Greater(t, length, int64(15_000), "the full length is declared")
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)

	srv.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses", Status: http.StatusOK, Body: `[{"id": 1, "name": "cut"}]`, Truncate: true, Times: 1})
	_, length, err = readAll(srv.URL() + "/api/v1/courses")
	assert.Equal(t, int64(len(`[{"id": 1, "name": "cut"}]`)), length)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)

	_, _, err = readAll(srv.URL() + "/api/v1/courses")
	require.NoError(t, err, "used up")
}

func TestFaultsAreConcurrencySafe(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	tok, _ := srv.IssueToken(fakecanvas.UserID)
	srv.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses", Status: http.StatusServiceUnavailable, Times: 10})
	var faulted atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL()+"/api/v1/courses?i="+strconv.Itoa(i), nil)
			if err != nil {
				errs <- err
				return
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable {
				faulted.Add(1)
			}
			if i%5 == 0 {
				srv.Inject(fakecanvas.Fault{PathPrefix: "/nothing"})
				_ = srv.Requests()
				_ = srv.Quizzes()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, int32(10), faulted.Load())
	assert.Len(t, srv.Requests(), 40)
}

func TestRequestsAreRecorded(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	tok, _ := srv.IssueToken(fakecanvas.UserID)
	get(t, srv.URL()+"/api/v1/courses?per_page=5", tok)
	get(t, srv.URL()+"/files/3615155/download?verifier=x", "")
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, fakecanvas.Request{Method: http.MethodGet, Path: "/api/v1/courses", RawPath: "/api/v1/courses",
		Query: "per_page=5", Authorization: true}, reqs[0])
	assert.False(t, reqs[1].Authorization)
	assert.Equal(t, "verifier=x", reqs[1].Query)
}

func TestServeHTTPWithoutNetwork(t *testing.T) {
	t.Parallel()
	// New alone is an http.Handler: no BaseURL, so URLs use the request host.
	srv := fakecanvas.New(fakecanvas.Options{StaticTokens: map[string]int64{"t": fakecanvas.UserID}})
	assert.Empty(t, srv.URL())
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://canvas.test/api/v1/courses/37823/files/3615155", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer t")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `"url":"http://canvas.test/files/3615155/download?download_frd=1&verifier=`)
}
