package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGetQuizConditional: GET /quiz/{id} carries an ETag and asks browsers
// to revalidate; the same ETag back is a 304 with no body until the row
// changes in any way, and one user's ETag never confirms another's view.
func TestGetQuizConditional(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	other := e.signIn(teacherID + 1)
	id := e.createQuiz(u)["id"].(string)
	e.sql(`UPDATE quiz SET extracted_content = '{"173468": [{"title": "L", "content": "text"}]}' WHERE id = $1`, id)
	path := "/api/v1/quiz/" + id

	first := e.do("GET", path, u.jwt, nil)
	require.Equal(t, http.StatusOK, first.Code)
	etag := first.Header().Get("ETag")
	require.NotEmpty(t, etag)
	assert.Equal(t, "private, no-cache", first.Header().Get("Cache-Control"))

	again := e.do("GET", path, u.jwt, nil, "If-None-Match", etag)
	assert.Equal(t, http.StatusNotModified, again.Code)
	assert.Empty(t, again.Body.String())
	assert.Equal(t, etag, again.Header().Get("ETag"))

	assert.Equal(t, http.StatusNotFound, e.do("GET", path, other.jwt, nil, "If-None-Match", etag).Code,
		"another user learns nothing from an ETag")

	// A status move that leaves updated_at alone still changes the ETag.
	e.sql(`UPDATE quiz SET llm_generation_status = 'processing' WHERE id = $1`, id)
	moved := e.do("GET", path, u.jwt, nil, "If-None-Match", etag)
	require.Equal(t, http.StatusOK, moved.Code)
	assert.Equal(t, "processing", moved.obj()["llm_generation_status"])
	assert.Equal(t, `{"173468": [{"title": "L", "content": "text"}]}`, moved.obj()["extracted_content"])
	assert.NotEqual(t, etag, moved.Header().Get("ETag"))
	assert.Equal(t, http.StatusNotModified,
		e.do("GET", path, u.jwt, nil, "If-None-Match", `"x", `+moved.Header().Get("ETag")).Code)
}

// TestGzipResponses: a JSON answer is gzip-compressed for a client that
// accepts it, and the same document either way.
func TestGzipResponses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	for range 5 {
		e.createQuiz(u)
	}
	plain := e.do("GET", "/api/v1/quiz/", u.jwt, nil)
	require.Equal(t, http.StatusOK, plain.Code)
	assert.Empty(t, plain.Header().Get("Content-Encoding"))

	zipped := e.do("GET", "/api/v1/quiz/", u.jwt, nil, "Accept-Encoding", "br;q=1.0, gzip;q=0.8")
	require.Equal(t, http.StatusOK, zipped.Code)
	assert.Equal(t, "gzip", zipped.Header().Get("Content-Encoding"))
	assert.Contains(t, zipped.Header().Values("Vary"), "Accept-Encoding")
	zr, err := gzip.NewReader(bytes.NewReader(zipped.Body.Bytes()))
	require.NoError(t, err)
	body, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.JSONEq(t, plain.Body.String(), string(body))
	assert.Less(t, zipped.Body.Len(), plain.Body.Len())

	refused := e.do("GET", "/api/v1/quiz/", u.jwt, nil, "Accept-Encoding", "gzip;q=0")
	assert.Empty(t, refused.Header().Get("Content-Encoding"))
}
