package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// manualPart is one part of an upload's multipart form: a field, or a
// file when filename is set.
type manualPart struct {
	field, filename string
	data            []byte
}

func manualField(field, value string) manualPart {
	return manualPart{field: field, data: []byte(value)}
}

func manualFile(field, filename string, data []byte) manualPart {
	return manualPart{field: field, filename: filename, data: data}
}

// manualPDF reads a PDF of testdata/manual.
func manualPDF(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "manual", name))
	require.NoError(t, err)
	return b
}

// manualForm encodes parts as multipart/form-data, as a browser's
// FormData does; it returns the body and its Content-Type.
func manualForm(t testing.TB, parts ...manualPart) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.filename != "" {
			w, err = mw.CreateFormFile(p.field, p.filename)
		} else {
			w, err = mw.CreateFormField(p.field)
		}
		require.NoError(t, err)
		_, err = w.Write(p.data)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return buf.Bytes(), mw.FormDataContentType()
}

// manualUpload posts an upload of parts; chunked sends it without a
// Content-Length, so that only reading finds it too large.
func (e *env) manualUpload(token string, chunked bool, parts ...manualPart) resp {
	e.t.Helper()
	body, ct := manualForm(e.t, parts...)
	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/quiz/manual-modules/upload", bytes.NewReader(body))
	if chunked {
		req.ContentLength = -1
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	req.Header.Set("Content-Type", ct)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return resp{rec, e.t}
}

var manualIDPattern = regexp.MustCompile(`^manual_[0-9a-f]{8}$`)

// manualKeys are the fields of today's ManualModuleResponse, in its order.
var manualKeys = []string{"module_id", "name", "content_preview", "full_content", "word_count", "processing_metadata"}

// Pasted text comes back trimmed as the module's content, with a preview
// of its first 500 characters and "…", its word count and a fresh id.
func TestManualUploadText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.signIn(teacherID)

	text := strings.Repeat("Fotosyntesen gjer om lysenergi til kjemisk energi. ", 20) // 1020 characters, 140 words
	r := e.manualUpload(u.jwt, false, manualField("name", "  Fotosyntese  "), manualField("text_content", "\n "+text+"\n"))
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, manualKeys, keysInOrder(t, r.Body.Bytes()))
	m := r.obj()
	assert.Regexp(t, manualIDPattern, m["module_id"])
	assert.Equal(t, "Fotosyntese", m["name"])
	trimmed := strings.TrimSpace(text)
	assert.Equal(t, trimmed, m["full_content"])
	assert.Equal(t, trimmed[:500]+"…", m["content_preview"])
	assert.InDelta(t, 140, m["word_count"], 0)
	assert.Equal(t, map[string]any{"source": "manual_text", "character_count": float64(utf8.RuneCountInString(trimmed))},
		m["processing_metadata"])

	again := e.manualUpload(u.jwt, false, manualField("name", "Fotosyntese"), manualField("text_content", text))
	require.Equal(t, http.StatusOK, again.Code, again.Body.String())
	assert.NotEqual(t, m["module_id"], again.obj()["module_id"], "every upload gets its own id")

	// Exactly 500 characters (counted as characters, not bytes): no "…".
	exact := strings.Repeat("æ", 500)
	r = e.manualUpload(u.jwt, false, manualField("name", "N"), manualField("text_content", exact))
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, exact, r.obj()["content_preview"])
}

// One PDF, five PDFs (joined as today's joins them) and the legacy file
// field; the PDFs' names travel in processing_metadata.files.
func TestManualUploadPDFs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.signIn(teacherID)
	helvetica, utf8PDF, layout := manualPDF(t, "lecture_helvetica.pdf"), manualPDF(t, "lecture_utf8.pdf"), manualPDF(t, "layout.pdf")

	t.Run("one PDF", func(t *testing.T) {
		r := e.manualUpload(u.jwt, false, manualField("name", "CSP"), manualFile("files", "csp.pdf", helvetica))
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		m := r.obj()
		assert.Regexp(t, manualIDPattern, m["module_id"])
		full := m["full_content"].(string)
		assert.True(t, strings.HasPrefix(full, "Constraint satisfaction problems\nA CSP has variables"), full)
		assert.Contains(t, full, "Arc consistency: AC-3 runs in O(ed^3) time.")
		assert.Equal(t, full, m["content_preview"], "under 500 characters: the preview is the text")
		assert.InDelta(t, len(strings.Fields(full)), m["word_count"], 0)
		assert.Equal(t, map[string]any{"source": "manual_upload", "character_count": float64(utf8.RuneCountInString(full)),
			"files": []any{"csp.pdf"}, "file_sizes": []any{float64(len(helvetica))}}, m["processing_metadata"])
	})
	t.Run("five PDFs", func(t *testing.T) {
		r := e.manualUpload(u.jwt, false, manualField("name", "Pensum"),
			manualFile("files", "a.pdf", helvetica), manualFile("files", "b.pdf", utf8PDF), manualFile("files", "c.PDF", layout),
			manualFile("files", "d.pdf", helvetica), manualFile("files", "e.pdf", utf8PDF))
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		m := r.obj()
		full := m["full_content"].(string)
		assert.True(t, strings.HasPrefix(full, "Constraint satisfaction problems"), "the first file comes first without a header")
		for i, name := range []string{"b.pdf", "c.PDF", "d.pdf", "e.pdf"} {
			assert.Contains(t, full, fmt.Sprintf("\n\n--- Document %d: %s ---\n\n", i+2, name))
		}
		assert.Contains(t, full, "Markov-beslutningsprosesser")
		assert.Equal(t, []any{"a.pdf", "b.pdf", "c.PDF", "d.pdf", "e.pdf"}, m["processing_metadata"].(map[string]any)["files"])
		assert.Equal(t, []rune(full)[:500], []rune(strings.TrimSuffix(m["content_preview"].(string), "…")))
	})
	t.Run("legacy file field", func(t *testing.T) {
		r := e.manualUpload(u.jwt, false, manualField("name", "MDP"), manualFile("file", "mdp.pdf", utf8PDF))
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Contains(t, r.obj()["full_content"], "Bellman-likningen")
	})
	t.Run("a PDF without text among others is left out", func(t *testing.T) {
		r := e.manualUpload(u.jwt, false, manualField("name", "N"),
			manualFile("files", "blank.pdf", manualPDF(t, "blank.pdf")), manualFile("files", "csp.pdf", helvetica))
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		m := r.obj()
		assert.True(t, strings.HasPrefix(m["full_content"].(string), "--- Document 2: csp.pdf ---\n\nConstraint satisfaction problems"),
			"the text says which file it is from: %q", m["full_content"])
		assert.Equal(t, []any{"blank.pdf"}, m["processing_metadata"].(map[string]any)["files_without_text"])
	})
}

// Every refusal with today's message (400), or ours where today's
// answered 500.
func TestManualUploadRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.signIn(teacherID)
	pdf, blank := manualPDF(t, "lecture_helvetica.pdf"), manualPDF(t, "blank.pdf")
	text := strings.Repeat("x", 600)
	name := manualField("name", "Module")
	six := []manualPart{name}
	for i := range 6 {
		six = append(six, manualFile("files", fmt.Sprintf("f%d.pdf", i), pdf))
	}
	noTextMany := "Could not extract text from any of the uploaded PDF files. The files may contain only images, " +
		"be password-protected, or be corrupted. Please try uploading PDF files with extractable text content."
	noTextOne := "Could not extract text from the PDF file. This file may contain only images, " +
		"be password-protected, or be corrupted. Please try a different PDF with extractable text."

	for _, tc := range []struct {
		name   string
		parts  []manualPart
		detail string
	}{
		{"neither text nor file", []manualPart{name}, "Either file upload(s) or text content must be provided"},
		{"empty text is no text", []manualPart{name, manualField("text_content", "")}, "Either file upload(s) or text content must be provided"},
		{"text and files", []manualPart{name, manualField("text_content", text), manualFile("files", "a.pdf", pdf)},
			"Provide either file upload(s) or text content, not both"},
		{"file and files", []manualPart{name, manualFile("file", "a.pdf", pdf), manualFile("files", "b.pdf", pdf)},
			"Provide either file upload(s) or text content, not both"},
		{"six PDFs", six, "Maximum 5 files allowed per manual module"},
		{"not a PDF by name", []manualPart{name, manualFile("files", "notes.txt", pdf)}, "Only PDF files are supported. Invalid file: notes.txt"},
		{"not a PDF by content", []manualPart{name, manualFile("files", "a.pdf", pdf), manualFile("files", "fake.pdf", []byte("just text"))},
			"Only PDF files are supported. Invalid file: fake.pdf"},
		{"legacy file not a PDF", []manualPart{name, manualFile("file", "image.png", []byte("\x89PNG\r\n"))}, "Only PDF files are supported"},
		{"PDF without text", []manualPart{name, manualFile("files", "blank.pdf", blank)}, noTextMany},
		{"PDFs without text", []manualPart{name, manualFile("files", "blank.pdf", blank), manualFile("files", "broken.pdf", []byte("%PDF-1.4\ngarbage"))}, noTextMany},
		{"legacy file without text", []manualPart{name, manualFile("file", "blank.pdf", blank)}, noTextOne},
		{"short text", []manualPart{name, manualField("text_content", "  "+strings.Repeat("ø", 499)+"  ")},
			"Text content must be at least 500 characters. You provided 499 characters."},
		{"whitespace-only text", []manualPart{name, manualField("text_content", " \n\t ")}, "Text content cannot be empty"},
		{"text too long", []manualPart{name, manualField("text_content", strings.Repeat("x", 500_001))},
			"Text content must be at most 500000 characters. You provided 500001 characters."},
		{"NUL in text", []manualPart{name, manualField("text_content", text+"\x00")},
			"Text content must be valid UTF-8 text without the NUL character (\\u0000)"},
		{"whitespace-only name", []manualPart{manualField("name", "   "), manualField("text_content", text)}, "Module name cannot be empty"},
		{"name too long", []manualPart{manualField("name", strings.Repeat("n", 256)), manualField("text_content", text)},
			"Module name must be at most 255 characters. You provided 256 characters."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.manualUpload(u.jwt, false, tc.parts...)
			assertDetail(t, r, http.StatusBadRequest, tc.detail)
		})
	}

	t.Run("no name", func(t *testing.T) {
		r := e.manualUpload(u.jwt, false, manualField("text_content", text))
		require.Equal(t, http.StatusUnprocessableEntity, r.Code, r.Body.String())
		assert.JSONEq(t, `{"detail":[{"type":"missing","loc":["body","name"],"msg":"Field required","input":null}]}`, r.Body.String())
	})
	t.Run("not multipart", func(t *testing.T) {
		r := e.do("POST", "/quiz/manual-modules/upload", u.jwt, map[string]any{"name": "N", "text_content": text})
		require.Equal(t, http.StatusUnprocessableEntity, r.Code, r.Body.String())
		oneFieldErr(t, r, "missing", "body", "name")
	})
	t.Run("malformed multipart", func(t *testing.T) {
		r := e.do("POST", "/quiz/manual-modules/upload", u.jwt, "--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nN\r\n--b\r\nbroken",
			"Content-Type", "multipart/form-data; boundary=b")
		assertDetail(t, r, http.StatusBadRequest, "There was an error parsing the body")
	})
	t.Run("signed out", func(t *testing.T) {
		r := e.manualUpload("", false, name, manualField("text_content", text))
		assert.Equal(t, http.StatusUnauthorized, r.Code, r.Body.String())
	})
}

// The body limit of an upload is what fits in a Lambda request event
// base64-encoded (4.4 MB), not MAX_BODY_BYTES (64 KiB in these tests):
// over it is a 413 naming it, whether the Content-Length says so or
// only the reading finds out.
func TestManualUploadSizeLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.signIn(teacherID)
	pdf := manualPDF(t, "lecture_helvetica.pdf")
	const detail = "The upload is too large: at most 4.4 MB can be sent at once, all files together. " +
		"Upload fewer or smaller PDFs, or paste the text instead."

	// 4.3 MiB of files in all: accepted (an unknown field is ignored, as
	// FastAPI ignores it).
	r := e.manualUpload(u.jwt, false, manualField("name", "Big"), manualFile("files", "a.pdf", pdf),
		manualFile("padding", "padding.bin", bytes.Repeat([]byte{0xff}, 4_500_000)))
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Contains(t, r.obj()["full_content"], "Constraint satisfaction problems")

	for _, chunked := range []bool{false, true} {
		r := e.manualUpload(u.jwt, chunked, manualField("name", "Too big"), manualFile("files", "a.pdf", pdf),
			manualFile("files", "big.pdf", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{'x'}, 4_700_000)...)))
		assertDetail(t, r, http.StatusRequestEntityTooLarge, detail)
	}

	// Elsewhere the limit stays MAX_BODY_BYTES.
	r = e.do("PATCH", "/api/v1/users/me", u.jwt, `{"name": "`+strings.Repeat("x", 70<<10)+`"}`)
	assertDetail(t, r, http.StatusRequestEntityTooLarge, "Request body too large: at most 65536 bytes")
}
