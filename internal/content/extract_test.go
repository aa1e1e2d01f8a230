package content_test

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/canvas"
	"quizgen/internal/content"
	"quizgen/internal/logging"
	"quizgen/internal/logging/logtest"
	"quizgen/internal/quiz"
)

const (
	testToken  = "secret-canvas-token-4711"
	testCourse = int64(37823)
)

// fakeCanvas is a content.Source over maps. hook, if set, runs at the
// start of every call with the call's name ("items 1", "page intro",
// "file 9", "download u"); its error is returned by the call.
type fakeCanvas struct {
	t           testing.TB
	modules     map[int64][]canvas.ModuleItem
	moduleErr   map[int64]error
	pages       map[string]canvas.Page
	pageErr     map[string]error
	files       map[int64]canvas.File
	fileErr     map[int64]error
	blobs       map[string][]byte
	downloadErr map[string]error
	hook        func(ctx context.Context, call string) error

	mu          sync.Mutex
	calls       []string
	inFlight    int
	maxInFlight int
}

var _ content.Source = (*fakeCanvas)(nil)

func newFake(t testing.TB) *fakeCanvas {
	return &fakeCanvas{
		t:           t,
		modules:     map[int64][]canvas.ModuleItem{},
		moduleErr:   map[int64]error{},
		pages:       map[string]canvas.Page{},
		pageErr:     map[string]error{},
		files:       map[int64]canvas.File{},
		fileErr:     map[int64]error{},
		blobs:       map[string][]byte{},
		downloadErr: map[string]error{},
	}
}

func (f *fakeCanvas) enter(ctx context.Context, call string) error {
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	f.mu.Unlock()
	if f.hook != nil {
		return f.hook(ctx, call)
	}
	return nil
}

func (f *fakeCanvas) exit() {
	f.mu.Lock()
	f.inFlight--
	f.mu.Unlock()
}

func (f *fakeCanvas) checkToken(token string) {
	if token != testToken {
		f.t.Errorf("token %q, want the test token", token)
	}
}

func (f *fakeCanvas) ModuleItems(ctx context.Context, token string, courseID, moduleID int64) ([]canvas.ModuleItem, error) {
	defer f.exit()
	f.checkToken(token)
	if err := f.enter(ctx, fmt.Sprint("items ", moduleID)); err != nil {
		return nil, err
	}
	if err := f.moduleErr[moduleID]; err != nil {
		return nil, err
	}
	return f.modules[moduleID], nil
}

func (f *fakeCanvas) Page(ctx context.Context, token string, courseID int64, pageURL string) (canvas.Page, error) {
	defer f.exit()
	f.checkToken(token)
	if err := f.enter(ctx, "page "+pageURL); err != nil {
		return canvas.Page{}, err
	}
	if err := f.pageErr[pageURL]; err != nil {
		return canvas.Page{}, err
	}
	p, ok := f.pages[pageURL]
	if !ok {
		return canvas.Page{}, fmt.Errorf("get page %q: %w", pageURL, canvas.ErrNotFound)
	}
	return p, nil
}

func (f *fakeCanvas) File(ctx context.Context, token string, courseID, fileID int64) (canvas.File, error) {
	defer f.exit()
	f.checkToken(token)
	if err := f.enter(ctx, fmt.Sprint("file ", fileID)); err != nil {
		return canvas.File{}, err
	}
	if err := f.fileErr[fileID]; err != nil {
		return canvas.File{}, err
	}
	file, ok := f.files[fileID]
	if !ok {
		return canvas.File{}, fmt.Errorf("get file %d: %w", fileID, canvas.ErrNotFound)
	}
	return file, nil
}

func (f *fakeCanvas) Download(ctx context.Context, fileURL string, maxBytes int64) ([]byte, error) {
	defer f.exit()
	if err := f.enter(ctx, "download "+fileURL); err != nil {
		return nil, err
	}
	if err := f.downloadErr[fileURL]; err != nil {
		return nil, err
	}
	b, ok := f.blobs[fileURL]
	if !ok {
		return nil, fmt.Errorf("download: %w", canvas.ErrNotFound)
	}
	if int64(len(b)) > maxBytes {
		return nil, fmt.Errorf("download: %w", canvas.ErrTooLarge)
	}
	return b, nil
}

func (f *fakeCanvas) callCount(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

// addPage adds a page item to module and its page, with body html.
func (f *fakeCanvas) addPage(module, id int64, slug, title, html string) {
	f.modules[module] = append(f.modules[module], canvas.ModuleItem{
		ID: id, Title: title, Type: "Page", ModuleID: module, PageURL: &slug,
	})
	f.pages[slug] = canvas.Page{Title: title, URL: slug, Body: &html}
}

// addFile adds a file item to module, its metadata and its bytes.
func (f *fakeCanvas) addFile(module, id, fileID int64, name string, data []byte) {
	f.modules[module] = append(f.modules[module], canvas.ModuleItem{
		ID: id, Title: name, Type: "File", ModuleID: module, ContentID: fileID,
	})
	url := fmt.Sprintf("https://files.example/%d?verifier=v", fileID)
	f.files[fileID] = canvas.File{
		ID: fileID, DisplayName: name, Filename: name, ContentType: "application/pdf",
		MimeClass: "pdf", URL: url, Size: int64(len(data)),
	}
	f.blobs[url] = data
}

// para returns a paragraph whose text is n runes long.
func para(n int, r rune) string { return "<p>" + strings.Repeat(string(r), n) + "</p>" }

func pdfWith(t testing.TB, text string) []byte {
	return makePDF(t, pdfDoc{pages: [][]string{{text}}, utf8: true})
}

func newExtractor(src content.Source, t testing.TB) *content.Extractor {
	return &content.Extractor{Source: src, Log: logtest.New(t)}
}

func titles(m content.Module) []string {
	var out []string
	for _, it := range m.Items {
		out = append(out, it.Title)
	}
	return out
}

func TestExtractOrderAndFilters(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.addPage(1, 11, "intro", "Introduction", "<h1>Intro</h1><p>Artificial intelligence studies agents that perceive and act.</p>")
	f.modules[1] = append(f.modules[1],
		canvas.ModuleItem{ID: 12, Title: "Homework 1", Type: "Assignment", ModuleID: 1, ContentID: 77},
		canvas.ModuleItem{ID: 13, Title: "Week 1", Type: "SubHeader", ModuleID: 1},
		canvas.ModuleItem{ID: 14, Title: "No url", Type: "Page", ModuleID: 1},
		canvas.ModuleItem{ID: 15, Title: "No content id", Type: "File", ModuleID: 1},
	)
	f.addFile(1, 16, 3615155, "2 Lecture - Search.pdf", pdfWith(t, "Uninformed search expands nodes without a heuristic."))
	f.addPage(1, 17, "csp", "", "<p>Constraint satisfaction problems assign values to variables under constraints.</p>")
	f.addPage(2, 21, "mdp", "Markov Decision Process", "<p>A Markov decision process models sequential decisions under uncertainty.</p>")

	res, err := newExtractor(f, t).Extract(t.Context(), testToken, testCourse, []int64{1, 2})
	require.NoError(t, err)

	require.Len(t, res.Modules, 2)
	assert.Equal(t, int64(1), res.Modules[0].ID)
	assert.Equal(t, []string{"Introduction", "2 Lecture - Search.pdf", "Untitled Page"}, titles(res.Modules[0]))
	assert.Equal(t, []string{"Markov Decision Process"}, titles(res.Modules[1]))

	intro := res.Modules[0].Items[0]
	assert.Equal(t, content.Item{ItemID: 11, Title: "Introduction", Type: content.TypePage,
		Content: "Intro Artificial intelligence studies agents that perceive and act."}, intro)
	file := res.Modules[0].Items[1]
	assert.Equal(t, content.Item{ItemID: 16, Title: "2 Lecture - Search.pdf", Type: content.TypeFile, ContentType: "application/pdf",
		Content: "Uninformed search expands nodes without a heuristic."}, file)

	assert.Empty(t, res.Skipped, "ignored item types are not skips")
	assert.Equal(t, 2, f.callCount("items "))
	assert.Equal(t, 3, f.callCount("page "))
	assert.Equal(t, 1, f.callCount("file "))
	assert.Equal(t, 1, f.callCount("download "))
}

func TestExtractJSON(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.addPage(173468, 1, "csp", "CSP", "<p>Constraint <b>satisfaction</b> &amp; search.</p>")
	f.addFile(173468, 2, 3615154, "x.pdf", pdfWith(t, "Planning <and> CSP & more"))
	f.modules[173579] = []canvas.ModuleItem{{ID: 3, Type: "Quiz", ModuleID: 173579}}
	e := &content.Extractor{Source: f, Limits: content.Limits{MinContentLength: 5}}

	res, err := e.Extract(t.Context(), testToken, testCourse, []int64{173468, 173579})
	require.NoError(t, err)
	got, err := res.JSON()
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"module_173468": [
			{"title": "CSP", "content": "Constraint satisfaction & search.", "type": "page"},
			{"title": "x.pdf", "content": "Planning <and> CSP & more", "type": "file", "content_type": "application/pdf"}
		],
		"module_173579": []
	}`, string(got))
	assert.Equal(t, `{"module_173468":[{"title":"CSP","content":"Constraint satisfaction & search.","type":"page"},`+
		`{"title":"x.pdf","content":"Planning <and> CSP & more","type":"file","content_type":"application/pdf"}],"module_173579":[]}`,
		string(got), "module keys in request order, item keys in the original's order, no HTML escaping")

	empty, err := content.Result{}.JSON()
	require.NoError(t, err)
	assert.Equal(t, "{}", string(empty))

	assert.Equal(t, content.Summary{Modules: 2, Items: 2, Words: 9, Characters: 58}, res.Summary())
}

func TestExtractSkips(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	long := "Dynamic programming solves problems by combining solutions to subproblems."
	f.addPage(1, 1, "ok-page", "Good page", "<p>"+long+"</p>")
	f.addPage(1, 2, "gone", "Deleted page", "")
	f.pageErr["gone"] = fmt.Errorf("get page: %w", canvas.ErrNotFound)
	f.addPage(1, 3, "locked", "Locked page", "")
	f.pageErr["locked"] = fmt.Errorf("get page: %w", canvas.ErrForbidden)
	f.addPage(1, 4, "empty", "Empty page", "")
	f.modules[1] = append(f.modules[1], canvas.ModuleItem{ID: 5, Title: "Null body", Type: "Page", ModuleID: 1, PageURL: ptr("null-body")})
	f.pages["null-body"] = canvas.Page{Title: "Null body"}
	f.addPage(1, 6, "short", "Short page", "<p>Short</p>")
	f.addFile(1, 7, 107, "slides.docx", []byte("PK\x03\x04"))
	f.files[107] = canvas.File{ID: 107, DisplayName: "slides.docx", ContentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", MimeClass: "doc", URL: "u"}
	f.addFile(1, 8, 108, "broken.pdf", []byte("%PDF-1.4 this is not really a pdf"))
	f.addFile(1, 9, 109, "bad-meta.pdf", nil)
	f.fileErr[109] = fmt.Errorf("get file: %w", canvas.ErrBadResponse)
	f.addFile(1, 10, 110, "missing-blob.pdf", nil)
	delete(f.blobs, f.files[110].URL)
	f.addFile(1, 11, 111, "no-url.pdf", nil)
	f.files[111] = canvas.File{ID: 111, DisplayName: "no-url.pdf", ContentType: "application/pdf"}
	f.addFile(1, 12, 112, "tiny.pdf", pdfWith(t, "Too short"))
	f.addFile(1, 13, 113, "good.pdf", pdfWith(t, long))
	scan, err := os.ReadFile(filepath.Join("testdata", "corpus", "scan_image.pdf"))
	require.NoError(t, err)
	f.addFile(1, 14, 114, "scan.pdf", scan)
	// Every page failing to parse is not a missing text layer: too short.
	f.addFile(1, 15, 115, "all-pages-bad.pdf", buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		stream("/Filter /LZWDecode", "not lzw")))

	var logs bytes.Buffer
	e := &content.Extractor{Source: f, Log: slog.New(slog.NewJSONHandler(&logs, nil))}
	res, err := e.Extract(t.Context(), testToken, testCourse, []int64{1})
	require.NoError(t, err, "per-item problems never stop the module")
	assert.Equal(t, []string{"Good page", "good.pdf"}, titles(res.Modules[0]))

	want := []content.Skip{
		{ModuleID: 1, ItemID: 2, Title: "Deleted page", Reason: content.ReasonFetchFailed},
		{ModuleID: 1, ItemID: 3, Title: "Locked page", Reason: content.ReasonFetchFailed},
		{ModuleID: 1, ItemID: 4, Title: "Empty page", Reason: content.ReasonEmptyPage},
		{ModuleID: 1, ItemID: 5, Title: "Null body", Reason: content.ReasonEmptyPage},
		{ModuleID: 1, ItemID: 6, Title: "Short page", Reason: content.ReasonTooShort},
		{ModuleID: 1, ItemID: 7, Title: "slides.docx", Reason: content.ReasonUnsupportedFile},
		{ModuleID: 1, ItemID: 8, Title: "broken.pdf", Reason: content.ReasonUnreadablePDF},
		{ModuleID: 1, ItemID: 9, Title: "bad-meta.pdf", Reason: content.ReasonFetchFailed},
		{ModuleID: 1, ItemID: 10, Title: "missing-blob.pdf", Reason: content.ReasonFetchFailed},
		{ModuleID: 1, ItemID: 11, Title: "no-url.pdf", Reason: content.ReasonNoDownloadURL},
		{ModuleID: 1, ItemID: 12, Title: "tiny.pdf", Reason: content.ReasonTooShort},
		{ModuleID: 1, ItemID: 14, Title: "scan.pdf", Reason: content.ReasonNoTextLayer},
		{ModuleID: 1, ItemID: 15, Title: "all-pages-bad.pdf", Reason: content.ReasonTooShort},
	}
	assert.Equal(t, want, res.Skipped)
	assert.Equal(t, "pdf has no text layer (scanned?)", content.ReasonNoTextLayer, "the reason the teacher reads")
	assert.Equal(t, 0, f.callCount("download u"), "unsupported files are not downloaded")

	out := logs.String()
	assert.Equal(t, len(want), strings.Count(out, `"msg":"content item skipped"`), out)
	assert.Contains(t, out, `"item_id":8`)
	assert.Contains(t, out, `"course_id":37823`)
	assert.NotContains(t, out, testToken)
}

func TestExtractModuleListFailure(t *testing.T) {
	t.Parallel()
	for _, cause := range []error{canvas.ErrNotFound, canvas.ErrForbidden, canvas.ErrBadResponse, errors.New("decode items: EOF")} {
		t.Run(cause.Error(), func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.moduleErr[7] = fmt.Errorf("list items: %w", cause)
			f.addPage(8, 1, "p", "Page", para(60, 'x'))

			res, err := newExtractor(f, t).Extract(t.Context(), testToken, testCourse, []int64{7, 8, 9})
			require.NoError(t, err)
			got, err := res.JSON()
			require.NoError(t, err)
			assert.JSONEq(t, `{"module_7": [], "module_8": [{"title": "Page", "content": "`+strings.Repeat("x", 60)+`", "type": "page"}], "module_9": []}`, string(got))
			assert.Equal(t, []content.Skip{{ModuleID: 7, Reason: content.ReasonModuleUnavailable}}, res.Skipped)
		})
	}
}

func TestExtractAborts(t *testing.T) {
	t.Parallel()
	temporary := fmt.Errorf("canvas: status 503: %w", quiz.ErrTemporary)
	unauthorized := fmt.Errorf("canvas: status 401: %w", canvas.ErrUnauthorized)
	tests := []struct {
		name  string
		setup func(f *fakeCanvas)
		want  error
	}{
		{"module list unauthorized", func(f *fakeCanvas) { f.moduleErr[2] = unauthorized }, canvas.ErrUnauthorized},
		{"module list temporary", func(f *fakeCanvas) { f.moduleErr[2] = temporary }, quiz.ErrTemporary},
		{"page unauthorized", func(f *fakeCanvas) { f.pageErr["b"] = unauthorized }, canvas.ErrUnauthorized},
		{"page temporary", func(f *fakeCanvas) { f.pageErr["b"] = temporary }, quiz.ErrTemporary},
		{"file metadata temporary", func(f *fakeCanvas) { f.fileErr[30] = temporary }, quiz.ErrTemporary},
		{"download temporary", func(f *fakeCanvas) { f.downloadErr[f.files[30].URL] = temporary }, quiz.ErrTemporary},
		{"download deadline", func(f *fakeCanvas) { f.downloadErr[f.files[30].URL] = context.DeadlineExceeded }, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.addPage(1, 10, "a", "A", para(60, 'a'))
			f.addPage(2, 20, "b", "B", para(60, 'b'))
			f.addFile(2, 21, 30, "c.pdf", pdfWith(t, strings.Repeat("c", 60)))
			f.addPage(3, 40, "d", "D", para(60, 'd'))
			tt.setup(f)

			var logs bytes.Buffer
			e := &content.Extractor{Source: f, Log: slog.New(slog.NewJSONHandler(&logs, nil))}
			res, err := e.Extract(t.Context(), testToken, testCourse, []int64{1, 2, 3})
			require.ErrorIs(t, err, tt.want)
			assert.Empty(t, res.Modules, "no partial result")
			assert.NotContains(t, err.Error(), testToken)
			assert.NotContains(t, logs.String(), testToken)
			assert.Equal(t, 0, f.callCount("items 3"), "later modules are not read")
		})
	}

	t.Run("context cancelled", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.addPage(1, 10, "a", "A", para(60, 'a'))
		f.addPage(1, 11, "b", "B", para(60, 'b'))
		ctx, cancel := context.WithCancel(t.Context())
		f.hook = func(ctx context.Context, call string) error {
			if call == "page b" {
				cancel()
				return ctx.Err()
			}
			return nil
		}
		_, err := newExtractor(f, t).Extract(ctx, testToken, testCourse, []int64{1, 2})
		require.ErrorIs(t, err, context.Canceled)
	})
}

func TestExtractLimits(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, f *fakeCanvas, lim content.Limits, modules ...int64) content.Result {
		t.Helper()
		e := &content.Extractor{Source: f, Limits: lim, Log: logging.Discard()}
		res, err := e.Extract(t.Context(), testToken, testCourse, modules)
		require.NoError(t, err)
		return res
	}

	t.Run("max pages per module", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		for i := range 4 {
			f.modules[1] = append(f.modules[1], canvas.ModuleItem{ID: int64(100 + i), Type: "Assignment", ModuleID: 1})
			f.addPage(1, int64(i+1), fmt.Sprint("p", i), fmt.Sprint("P", i), para(60, 'x'))
		}
		res := run(t, f, content.Limits{MaxPagesPerModule: 4}, 1)
		assert.Len(t, res.Modules[0].Items, 4, "at the limit: all")
		assert.Empty(t, res.Skipped)

		res = run(t, f, content.Limits{MaxPagesPerModule: 3}, 1)
		assert.Equal(t, []string{"P0", "P1", "P2"}, titles(res.Modules[0]), "assignments do not count")
		assert.Equal(t, []content.Skip{{ModuleID: 1, ItemID: 4, Title: "P3", Reason: content.ReasonItemLimit}}, res.Skipped)
	})

	t.Run("max file size by metadata", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		data := pdfWith(t, strings.Repeat("Search ", 10))
		f.addFile(1, 1, 1, "at.pdf", data)
		f.addFile(1, 2, 2, "over.pdf", data)
		over := f.files[2]
		over.Size = int64(len(data)) + 1
		f.files[2] = over
		res := run(t, f, content.Limits{MaxFileSize: int64(len(data))}, 1)
		assert.Equal(t, []string{"at.pdf"}, titles(res.Modules[0]))
		assert.Equal(t, []content.Skip{{ModuleID: 1, ItemID: 2, Title: "over.pdf", Reason: content.ReasonFileTooLarge}}, res.Skipped)
		assert.Equal(t, 1, f.callCount("download"), "a file too large by metadata is not downloaded")
	})

	t.Run("max file size by download", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		data := pdfWith(t, strings.Repeat("Search ", 10))
		f.addFile(1, 1, 1, "at.pdf", data)
		f.addFile(1, 2, 2, "over.pdf", append(bytes.Clone(data), ' '))
		for id, file := range f.files {
			file.Size = 0 // unknown: Canvas said nothing
			f.files[id] = file
		}
		res := run(t, f, content.Limits{MaxFileSize: int64(len(data))}, 1)
		assert.Equal(t, []string{"at.pdf"}, titles(res.Modules[0]))
		assert.Equal(t, []content.Skip{{ModuleID: 1, ItemID: 2, Title: "over.pdf", Reason: content.ReasonFileTooLarge}}, res.Skipped)
	})

	t.Run("max total content size across modules", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.addPage(1, 1, "a", "A", para(60, 'a'))
		f.addPage(1, 2, "b", "B", para(60, 'b'))
		f.addPage(1, 3, "c", "C", para(60, 'c'))
		f.addPage(2, 4, "d", "D", para(60, 'd'))

		// 0 → 60 → 120: the item that passes the limit is kept, the next
		// ones are skipped, in this module and the next.
		res := run(t, f, content.Limits{MaxTotalContentSize: 100}, 1, 2)
		assert.Equal(t, []string{"A", "B"}, titles(res.Modules[0]))
		assert.Empty(t, res.Modules[1].Items)
		assert.Equal(t, []content.Skip{
			{ModuleID: 1, ItemID: 3, Title: "C", Reason: content.ReasonTotalLimit},
			{ModuleID: 2, ItemID: 4, Title: "D", Reason: content.ReasonTotalLimit},
		}, res.Skipped)

		// Exactly at the limit is not past it.
		res = run(t, f, content.Limits{MaxTotalContentSize: 120}, 1, 2)
		assert.Equal(t, []string{"A", "B", "C"}, titles(res.Modules[0]))
		assert.Equal(t, []content.Skip{{ModuleID: 2, ItemID: 4, Title: "D", Reason: content.ReasonTotalLimit}}, res.Skipped)
	})

	t.Run("max content length", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.addPage(1, 1, "long", "Long", para(80, 'æ'))
		f.addFile(1, 2, 2, "long.pdf", pdfWith(t, strings.Repeat("ø", 80)))
		f.addPage(1, 3, "exact", "Exact", para(50, 'å'))
		res := run(t, f, content.Limits{MaxContentLength: 50}, 1)
		require.Len(t, res.Modules[0].Items, 3)
		assert.Equal(t, strings.Repeat("æ", 50), res.Modules[0].Items[0].Content)
		assert.Equal(t, strings.Repeat("ø", 50), res.Modules[0].Items[1].Content)
		assert.Equal(t, strings.Repeat("å", 50), res.Modules[0].Items[2].Content)
	})

	t.Run("min content length", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.addPage(1, 1, "at", "At", para(20, 'é'))
		f.addPage(1, 2, "under", "Under", para(19, 'é'))
		f.addFile(1, 3, 3, "at.pdf", pdfWith(t, strings.Repeat("é", 20)))
		f.addFile(1, 4, 4, "under.pdf", pdfWith(t, strings.Repeat("é", 19)))
		res := run(t, f, content.Limits{MinContentLength: 20}, 1)
		assert.Equal(t, []string{"At", "at.pdf"}, titles(res.Modules[0]))
		assert.Equal(t, []content.Skip{
			{ModuleID: 1, ItemID: 2, Title: "Under", Reason: content.ReasonTooShort},
			{ModuleID: 1, ItemID: 4, Title: "under.pdf", Reason: content.ReasonTooShort},
		}, res.Skipped)
	})

	t.Run("max page html", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		at := para(93, 'ü')   // 7 + 93 = 100 runes, 193 bytes
		over := para(94, 'ü') // 101 runes
		f.addPage(1, 1, "at", "At", at)
		f.addPage(1, 2, "over", "Over", over)
		require.Equal(t, 100, utf8.RuneCountInString(at))
		res := run(t, f, content.Limits{MaxPageHTML: 100}, 1)
		assert.Equal(t, []string{"At"}, titles(res.Modules[0]), "runes are counted, not bytes")
		assert.Equal(t, []content.Skip{{ModuleID: 1, ItemID: 2, Title: "Over", Reason: content.ReasonPageTooLarge}}, res.Skipped)
	})
}

// TestExtractConcurrency checks that at most Concurrency items are fetched
// at once and that the result keeps item order when they finish in
// reverse.
func TestExtractConcurrency(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ concurrency, want int }{{3, 3}, {0, content.DefaultConcurrency}, {1, 1}} {
		t.Run(fmt.Sprint(tt.concurrency), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := newFake(t)
				var want []string
				for i := range 12 {
					title := fmt.Sprint("Page ", i)
					f.addPage(1, int64(i+1), fmt.Sprint("p", i), title, para(60, 'a'+rune(i)))
					want = append(want, title)
				}
				c := newConductor()
				f.hook = func(ctx context.Context, call string) error {
					if strings.HasPrefix(call, "page ") {
						return c.hold(ctx, call)
					}
					return nil
				}
				e := &content.Extractor{Source: f, Concurrency: tt.concurrency, Log: logtest.New(t)}
				var res content.Result
				var err error
				// Later items finish first: the highest-numbered page held.
				order := c.run(t, func() { res, err = e.Extract(t.Context(), testToken, testCourse, []int64{1}) },
					func(held []string) string {
						return slices.MaxFunc(held, func(a, b string) int { return cmp.Compare(pageNumber(a), pageNumber(b)) })
					})
				require.NoError(t, err)
				assert.Equal(t, want, titles(res.Modules[0]))
				assert.Equal(t, tt.want, f.maxInFlight, "items fetched at once (the module list runs alone)")
				if tt.want > 1 {
					assert.Greater(t, pageNumber(order[0]), pageNumber(order[len(order)-1]), "a later item finished first")
				}
			})
		})
	}
}

// pageNumber is i of the call "page p<i>".
func pageNumber(call string) int {
	var i int
	_, _ = fmt.Sscanf(call, "page p%d", &i)
	return i
}

// conductor holds the calls a fake's hook gives it until the test lets
// one finish. Used inside a synctest bubble, where synctest.Wait returns
// once the code under test can start no further call: the order calls
// finish in is set by the test, not by sleeps or the scheduler.
type conductor struct {
	mu   sync.Mutex
	held map[string]chan struct{}
}

func newConductor() *conductor { return &conductor{held: map[string]chan struct{}{}} }

// hold returns once the conductor lets call finish, or with ctx's error.
func (c *conductor) hold(ctx context.Context, call string) error {
	ch := make(chan struct{})
	c.mu.Lock()
	c.held[call] = ch
	c.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run runs f in a goroutine of the bubble. Each time every other
// goroutine is blocked, it lets the held call that pick names finish,
// until f returns. It returns the calls in the order they were let go.
func (c *conductor) run(t *testing.T, f func(), pick func(held []string) string) []string {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	var order []string
	for {
		synctest.Wait()
		select {
		case <-done:
			return order
		default:
		}
		c.mu.Lock()
		held := slices.Sorted(maps.Keys(c.held))
		if len(held) == 0 {
			c.mu.Unlock()
			t.Fatal("the code under test is blocked outside the fake")
		}
		call := pick(held)
		close(c.held[call])
		delete(c.held, call)
		c.mu.Unlock()
		order = append(order, call)
	}
}

// TestExtractTotalLimitDeterministic runs a limited extraction many
// times, the calls finishing in a random order each time: the result must
// not depend on scheduling.
func TestExtractTotalLimitDeterministic(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testExtractTotalLimitDeterministic)
}

func testExtractTotalLimitDeterministic(t *testing.T) {
	f := newFake(t)
	for m := int64(1); m <= 3; m++ {
		for i := range 10 {
			id := m*100 + int64(i)
			f.addPage(m, id, fmt.Sprint("p", id), fmt.Sprint("P", id), para(50+i, 'x'))
		}
	}
	var c *conductor
	f.hook = func(ctx context.Context, call string) error { return c.hold(ctx, call) }
	rng := rand.New(rand.NewPCG(3, 4))
	random := func(held []string) string { return held[rng.IntN(len(held))] }
	e := &content.Extractor{Source: f, Concurrency: 8, Limits: content.Limits{MaxTotalContentSize: 777}, Log: logging.Discard()}
	extract := func() (content.Result, []string) {
		c = newConductor()
		var res content.Result
		var err error
		order := c.run(t, func() { res, err = e.Extract(t.Context(), testToken, testCourse, []int64{1, 2, 3}) }, random)
		require.NoError(t, err)
		return res, order
	}
	first, firstOrder := extract()
	require.Len(t, first.Modules[0].Items, 10)
	require.Len(t, first.Modules[1].Items, 5, "50..59 runes each: 545 after module 1, the 15th item passes 777")
	require.Empty(t, first.Modules[2].Items)
	orders := 1
	for range 10 {
		again, order := extract()
		require.Equal(t, first, again)
		if !slices.Equal(order, firstOrder) {
			orders++
		}
	}
	assert.Greater(t, orders, 1, "the calls finished in more than one order")
}

func TestExtractDefaultsAndDuplicates(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.addPage(1, 1, "a", "A", para(50, 'a'))
	f.addPage(2, 2, "b", "B", para(49, 'b'))
	var e content.Extractor // zero value but for the source
	e.Source = f
	res, err := e.Extract(t.Context(), testToken, testCourse, []int64{2, 1, 2})
	require.NoError(t, err)
	require.Len(t, res.Modules, 2, "duplicate module ids are read once")
	assert.Equal(t, int64(2), res.Modules[0].ID)
	assert.Empty(t, res.Modules[0].Items, "49 runes is under the default minimum of 50")
	assert.Equal(t, []string{"A"}, titles(res.Modules[1]))
	assert.Equal(t, 1, f.callCount("items 2"))

	assert.Equal(t, content.Limits{
		MaxFileSize: 10_485_760, MaxTotalContentSize: 52_428_800, MaxPagesPerModule: 100,
		MaxContentLength: 500_000, MinContentLength: 50, MaxPageHTML: 1_048_576,
	}, content.DefaultLimits())
}

func TestSummaryLogValue(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&b, nil))
	log.Info("content extracted", "summary", content.Summary{Modules: 2, Items: 3, Words: 26, Characters: 140, Skipped: 1})
	assert.Contains(t, b.String(), `"summary":{"modules":2,"items":3,"words":26,"characters":140,"skipped":1}`)
}

func ptr(s string) *string { return &s }
