package canvas_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/canvas"
	"quizgen/internal/quiz"
)

func TestDownloadEveryFile(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	for _, id := range []int64{
		fakecanvas.FileSearchPDF, fakecanvas.FileCSPPDF, fakecanvas.FileMDPPDF,
		fakecanvas.FileRLPDF, fakecanvas.FileCorruptPDF, fakecanvas.FileDocx,
	} {
		f, err := e.client.File(ctx, e.token, fakecanvas.CourseAI, id)
		require.NoError(t, err)
		data, err := e.client.Download(ctx, f.URL, 10<<20)
		require.NoError(t, err, "file %d", id)
		want, _ := e.srv.FileBytes(id)
		assert.Equal(t, want, data, "file %d", id)
		assert.Equal(t, f.Size, int64(len(data)), "metadata size of file %d is the real size", id)
	}
	for _, r := range e.srv.Requests() {
		if strings.HasPrefix(r.Path, "/files/") || strings.HasPrefix(r.Path, "/inst-fs/") {
			assert.False(t, r.Authorization, "%s %s sent an Authorization header", r.Method, r.Path)
		} else {
			assert.True(t, r.Authorization, "%s %s", r.Method, r.Path)
		}
	}
}

func TestDownloadFollowsRedirect(t *testing.T) {
	t.Parallel()
	e := setup(t)
	f, err := e.client.File(t.Context(), e.token, fakecanvas.CourseAI, fakecanvas.FileMDPPDF)
	require.NoError(t, err)
	data, err := e.client.Download(t.Context(), f.URL, 10<<20)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(data, []byte("%PDF-")))

	var paths []string
	for _, r := range e.srv.Requests()[1:] {
		paths = append(paths, r.Path)
		assert.False(t, r.Authorization, "no Authorization on %s", r.Path)
	}
	assert.Equal(t, []string{"/files/3615152/download", "/inst-fs/files/3615152/5+MDP+-+INF-2600.pdf"}, paths)
}

func TestDownloadSizeCap(t *testing.T) {
	t.Parallel()
	t.Run("Content-Length over the cap", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		f, err := e.client.File(t.Context(), e.token, fakecanvas.CourseAI, fakecanvas.FileRLPDF)
		require.NoError(t, err)
		_, err = e.client.Download(t.Context(), f.URL, f.Size-1)
		require.ErrorIs(t, err, canvas.ErrTooLarge)
		assert.NotErrorIs(t, err, quiz.ErrTemporary)
		data, err := e.client.Download(t.Context(), f.URL, f.Size)
		require.NoError(t, err, "exactly the cap is fine")
		assert.Len(t, data, int(f.Size))
	})
	t.Run("body over the cap without Content-Length", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		f, err := e.client.File(t.Context(), e.token, fakecanvas.CourseAI, fakecanvas.FileSearchPDF)
		require.NoError(t, err)
		// The metadata promised a small file; the download is much larger
		// and comes chunked, so only counting while reading catches it.
		e.srv.Inject(fakecanvas.Fault{PathPrefix: "/files/", Status: http.StatusOK, Body: strings.Repeat("%PDF-junk ", 1<<16)})
		_, err = e.client.Download(t.Context(), f.URL, f.Size)
		require.ErrorIs(t, err, canvas.ErrTooLarge)
		assert.Equal(t, 1, e.count(http.MethodGet, "/files/"))
	})
	t.Run("non-positive cap", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		_, err := e.client.Download(t.Context(), e.srv.URL()+"/files/1/download", 0)
		require.Error(t, err)
		assert.Empty(t, e.srv.Requests())
	})
}

func TestDownloadTruncated(t *testing.T) {
	t.Parallel()
	e := setup(t)
	f, err := e.client.File(t.Context(), e.token, fakecanvas.CourseAI, fakecanvas.FileCSPPDF)
	require.NoError(t, err)
	e.srv.Inject(fakecanvas.Fault{PathPrefix: "/files/", Truncate: true})
	_, err = e.client.Download(t.Context(), f.URL, 10<<20)
	require.ErrorIs(t, err, quiz.ErrTemporary)
	assert.Equal(t, 4, e.count(http.MethodGet, "/files/"), "a GET cut short is retried")
}

func TestDownloadErrors(t *testing.T) {
	t.Parallel()
	e := setup(t)
	_, err := e.client.Download(t.Context(), e.srv.URL()+"/files/3615155/download?download_frd=1&verifier=wrong", 1<<20)
	require.ErrorIs(t, err, canvas.ErrUnauthorized)
	_, err = e.client.Download(t.Context(), e.srv.URL()+"/files/1/download?verifier=x", 1<<20)
	require.ErrorIs(t, err, canvas.ErrNotFound)
	_, err = e.client.Download(t.Context(), "files/1/download", 1<<20)
	require.Error(t, err)
	_, err = e.client.Download(t.Context(), "ftp://example.com/x", 1<<20)
	require.Error(t, err)
}

func TestDownloadTimeout(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *canvas.Config) { c.DownloadTimeout = 150 * ms })
	f, err := e.client.File(t.Context(), e.token, fakecanvas.CourseAI, fakecanvas.FileSearchPDF)
	require.NoError(t, err)
	e.srv.Inject(fakecanvas.Fault{PathPrefix: "/files/", Delay: time.Hour})
	// The caller allows far longer (a hang guard): DownloadTimeout ends it.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	_, err = e.client.Download(ctx, f.URL, 10<<20)
	require.ErrorIs(t, err, quiz.ErrTemporary)
	require.NoError(t, ctx.Err(), "the download's own timeout ended it, not the caller's hang guard")
}
