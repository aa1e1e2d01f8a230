package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"quizgen/internal/content"
	"quizgen/internal/quiz"
)

// manualUploadPath is today's manual content upload.
const manualUploadPath = "/quiz/manual-modules/upload"

// maxUploadBytes bounds the body of a manual content upload (docs/compatibility.md,
// Deliberate differences: response size). API Gateway hands Lambda a request event
// of at most 6 MB and a multipart body travels in it base64-encoded (4
// bytes for every 3), so this is the largest body whose event fits. It is
// larger than MAX_BODY_BYTES on purpose: PDFs are big. Today's limits of 5
// MB per file and 25 MB in all are moot beneath it; the answer over it is
// a 413 that names it.
const maxUploadBytes = (lambdaPayloadLimit - envelopeRoom) / 4 * 3

// detailUploadTooLarge is the 413 of an upload over maxUploadBytes. Today's
// frontend shows the detail as it is (in the dialog and a toast), after
// its own checks (5 MB per file, 25 MB in all) let the files through.
var detailUploadTooLarge = fmt.Sprintf("The upload is too large: at most %s MB can be sent at once, all files together. "+
	"Upload fewer or smaller PDFs, or paste the text instead.", megabytes(maxUploadBytes))

// megabytes writes n bytes in MB (2^20 bytes, as today's frontend counts
// them) with one decimal, rounded down so that it never promises more.
func megabytes(n int64) string {
	return strconv.FormatFloat(math.Floor(float64(n)*10/(1<<20))/10, 'f', 1, 64)
}

// bodyLimit is the largest request body r may have and the detail of the
// 413 beyond it: maxUploadBytes for the manual content upload,
// MaxBodyBytes for every other request.
func (s *Server) bodyLimit(r *http.Request) (int64, string) {
	if r.Method == http.MethodPost && r.URL.Path == manualUploadPath {
		return maxUploadBytes, detailUploadTooLarge
	}
	return s.cfg.MaxBodyBytes, s.bodyTooLarge()
}

// Today's answers to an upload it refuses (400), word for word.
const (
	msgUploadNone         = "Either file upload(s) or text content must be provided"
	msgUploadBoth         = "Provide either file upload(s) or text content, not both"
	msgUploadNotPDF       = "Only PDF files are supported"
	msgUploadNotPDFNamed  = "Only PDF files are supported. Invalid file: %s"
	msgUploadTooManyFiles = "Maximum %d files allowed per manual module"
	msgUploadTextEmpty    = "Text content cannot be empty"
	msgUploadTextShort    = "Text content must be at least %d characters. You provided %d characters."
	msgUploadPDFNoText    = "Could not extract text from the PDF file. This file may contain only images, " +
		"be password-protected, or be corrupted. Please try a different PDF with extractable text."
	msgUploadPDFsNoText = "Could not extract text from any of the uploaded PDF files. The files may contain only images, " +
		"be password-protected, or be corrupted. Please try uploading PDF files with extractable text content."
	msgUploadMalformed = "There was an error parsing the body"
	// Ours, where today's answered 500 or let through what POST /quiz/
	// then refuses.
	msgUploadNameEmpty = "Module name cannot be empty"
	msgUploadNameLong  = "Module name must be at most %d characters. You provided %d characters."
	msgUploadTextLong  = "Text content must be at most %d characters. You provided %d characters."
	msgUploadBadText   = "%s must be valid UTF-8 text without the NUL character (\\u0000)"
)

// uploadPDFTime bounds the time spent extracting the PDFs of one upload,
// all of them together (the API function has 29 seconds).
const uploadPDFTime = 20 * time.Second

// manualRoutes is today's manual content upload (tag quiz).
func (s *Server) manualRoutes() []*route {
	return []*route{
		{method: http.MethodPost, pattern: manualUploadPath, auth: authUser, h: s.uploadManualModule,
			op: operation{id: "quiz-upload_manual_module", tag: "quiz", summary: "Text of a manual module, pasted or from up to 5 PDFs (nothing is stored)",
				body: "Body_quiz-upload_manual_module", form: true, resp: "ManualModuleResponse",
				failMsg: "Failed to process manual module. Please try again.", errs: []int{400, 413}}},
	}
}

// manualModuleJSON is today's ManualModuleResponse.
type manualModuleJSON struct {
	ModuleID           string         `json:"module_id"`
	Name               string         `json:"name"`
	ContentPreview     string         `json:"content_preview"`
	FullContent        string         `json:"full_content"`
	WordCount          int            `json:"word_count"`
	ProcessingMetadata manualMetadata `json:"processing_metadata"`
}

// manualMetadata says where a manual module's text came from. Today's
// frontend hands it back unread in POST /quiz/, which reads files: the
// names of the PDFs (none for pasted text, which must then be long
// enough).
type manualMetadata struct {
	Source         string   `json:"source"`
	CharacterCount int      `json:"character_count"`
	Files          []string `json:"files,omitempty"`
	FileSizes      []int    `json:"file_sizes,omitempty"`
	// FilesWithoutText are PDFs that gave no text and were left out (as
	// today's does, when another one gave some).
	FilesWithoutText []string `json:"files_without_text,omitempty"`
	// Truncated: the PDFs held more than quiz.MaxManualTextChars
	// characters; the rest was cut.
	Truncated bool `json:"truncated,omitempty"`
}

// uploadedFile is one file part of an upload.
type uploadedFile struct {
	name string
	data []byte
}

// manualUpload is an upload's form: the last value of each field (as
// today's reads them), the files in order.
type manualUpload struct {
	name, text *string
	file       *uploadedFile // "file", the single legacy field
	files      []uploadedFile
}

// uploadManualModule answers POST /quiz/manual-modules/upload: the text of
// a manual module, pasted (text_content) or extracted from up to
// quiz.MaxManualFiles PDFs (files, or the legacy file), in the shape POST
// /quiz/ takes back in selected_modules. Nothing is stored.
func (s *Server) uploadManualModule(c *call) error {
	up, err := readManualUpload(c.r)
	if err != nil {
		return err
	}
	var ck checks
	if up.name == nil || *up.name == "" { // FastAPI reads an empty form field as absent
		ck.add("missing", []any{"body", "name"}, "Field required", nil, nil)
		return ck.err()
	}
	name := strings.TrimSpace(*up.name)
	if n := utf8.RuneCountInString(name); !validText(name) {
		return fail(http.StatusBadRequest, fmt.Sprintf(msgUploadBadText, "Module name"))
	} else if n == 0 {
		return fail(http.StatusBadRequest, msgUploadNameEmpty)
	} else if n > quiz.MaxModuleNameChars {
		return fail(http.StatusBadRequest, fmt.Sprintf(msgUploadNameLong, quiz.MaxModuleNameChars, n))
	}
	var text string
	if up.text != nil && *up.text != "" {
		text = strings.TrimSpace(*up.text)
		if text == "" {
			return fail(http.StatusBadRequest, msgUploadTextEmpty)
		}
	}
	inputs := 0
	for _, given := range []bool{up.file != nil, len(up.files) > 0, text != ""} {
		if given {
			inputs++
		}
	}
	switch {
	case inputs == 0:
		return fail(http.StatusBadRequest, msgUploadNone)
	case inputs > 1:
		return fail(http.StatusBadRequest, msgUploadBoth)
	}

	var meta manualMetadata
	switch {
	case text != "":
		n := utf8.RuneCountInString(text)
		switch {
		case !validText(text):
			return fail(http.StatusBadRequest, fmt.Sprintf(msgUploadBadText, "Text content"))
		case n < quiz.MinManualTextChars:
			return fail(http.StatusBadRequest, fmt.Sprintf(msgUploadTextShort, quiz.MinManualTextChars, n))
		case n > quiz.MaxManualTextChars:
			return fail(http.StatusBadRequest, fmt.Sprintf(msgUploadTextLong, quiz.MaxManualTextChars, n))
		}
		meta = manualMetadata{Source: "manual_text", CharacterCount: n}
	case up.file != nil:
		if text, meta, err = s.pdfsText(c.ctx, []uploadedFile{*up.file}, true); err != nil {
			return err
		}
	default:
		if text, meta, err = s.pdfsText(c.ctx, up.files, false); err != nil {
			return err
		}
	}

	mc := quiz.ManualContent{Text: text}
	preview, cut := cutRunes(text, previewChars)
	if cut {
		preview += "…"
	}
	return c.json(manualModuleJSON{ModuleID: newManualID(), Name: name, ContentPreview: preview,
		FullContent: text, WordCount: mc.WordCount(), ProcessingMetadata: meta})
}

// previewChars is the length of content_preview before its "…".
const previewChars = 500

// readManualUpload reads the multipart form of r part by part, each held
// in memory: the body is bounded by maxUploadBytes (see edges), and a
// sixth file ends the reading. A body that is not multipart lacks every
// field (422, as FastAPI); one that does not parse is a 400.
func readManualUpload(r *http.Request) (manualUpload, error) {
	var up manualUpload
	mr, err := r.MultipartReader()
	if errors.Is(err, http.ErrNotMultipart) {
		return up, nil
	}
	if err != nil {
		return up, failWith(http.StatusBadRequest, msgUploadMalformed, err)
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return up, nil
		}
		if err != nil {
			return up, uploadReadError(err)
		}
		field := p.FormName()
		if field == "files" && len(up.files) == quiz.MaxManualFiles {
			return up, fail(http.StatusBadRequest, fmt.Sprintf(msgUploadTooManyFiles, quiz.MaxManualFiles))
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return up, uploadReadError(err)
		}
		switch field {
		case "name":
			s := string(data)
			up.name = &s
		case "text_content":
			s := string(data)
			up.text = &s
		case "file":
			up.file = &uploadedFile{name: p.FileName(), data: data}
		case "files":
			up.files = append(up.files, uploadedFile{name: p.FileName(), data: data})
		}
	}
}

// uploadReadError is the answer to a body that could not be read: 413
// past the limit, 400 for a malformed one.
func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return failWith(http.StatusRequestEntityTooLarge, detailUploadTooLarge, err)
	}
	return failWith(http.StatusBadRequest, msgUploadMalformed, err)
}

// pdfsText extracts the text of the PDFs in order with internal/content's
// PDF code (its limits, the text cut at quiz.MaxManualTextChars), as
// today's joins them: a "--- Document i: name ---" line before each but
// the first, a PDF without text left out. single is the legacy file field,
// whose messages name no file.
func (s *Server) pdfsText(ctx context.Context, files []uploadedFile, single bool) (string, manualMetadata, error) {
	meta := manualMetadata{Source: "manual_upload"}
	for _, f := range files {
		if !strings.HasSuffix(strings.ToLower(f.name), ".pdf") || !bytes.HasPrefix(f.data, []byte("%PDF-")) {
			if single {
				return "", meta, fail(http.StatusBadRequest, msgUploadNotPDF)
			}
			return "", meta, fail(http.StatusBadRequest, fmt.Sprintf(msgUploadNotPDFNamed, f.name))
		}
	}
	var b strings.Builder
	for i, f := range files {
		name := cleanText(f.name)
		name, _ = cutRunes(name, quiz.MaxFileNameChars)
		meta.Files = append(meta.Files, name)
		meta.FileSizes = append(meta.FileSizes, len(f.data))
		text, err := content.ExtractPDF(ctx, f.data, content.PDFLimits{MaxChars: quiz.MaxManualTextChars,
			Timeout: uploadPDFTime / time.Duration(len(files))})
		if err != nil && !errors.Is(err, content.ErrUnreadablePDF) {
			return "", meta, err
		}
		text = strings.TrimSpace(cleanText(text))
		if text == "" {
			meta.FilesWithoutText = append(meta.FilesWithoutText, name)
			continue
		}
		if i > 0 {
			fmt.Fprintf(&b, "\n\n--- Document %d: %s ---\n\n", i+1, name)
		}
		b.WriteString(text)
	}
	text := strings.TrimSpace(b.String())
	if text == "" {
		if single {
			return "", meta, fail(http.StatusBadRequest, msgUploadPDFNoText)
		}
		return "", meta, fail(http.StatusBadRequest, msgUploadPDFsNoText)
	}
	text, meta.Truncated = cutRunes(text, quiz.MaxManualTextChars)
	text = strings.TrimSpace(text)
	meta.CharacterCount = utf8.RuneCountInString(text)
	return text, meta, nil
}

// validText reports whether s can be stored as text: valid UTF-8 without
// NUL (Postgres refuses it).
func validText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// cleanText makes what a PDF gave storable: invalid UTF-8 becomes U+FFFD,
// NUL characters are dropped.
func cleanText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// cutRunes cuts s to n runes and reports whether it did.
func cutRunes(s string, n int) (string, bool) {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos], true
		}
		i++
	}
	return s, false
}

// newManualID is a manual module id as today's makes them: "manual_" and 8
// random hex digits.
func newManualID() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return quiz.ManualPrefix + hex.EncodeToString(b[:])
}
