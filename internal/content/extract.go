package content

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"quizgen/internal/canvas"
	"quizgen/internal/quiz"
)

// Source is the part of the Canvas client that extraction reads through.
// canvas.Client implements it. Implementations must be safe for
// concurrent use; errors follow canvas's contract (canvas.ErrUnauthorized,
// canvas.ErrNotFound, ..., quiz.ErrTemporary wrapped around failures that
// may pass on a later attempt).
type Source interface {
	// ModuleItems lists the items of a module (first page only, as the
	// Python original).
	ModuleItems(ctx context.Context, token string, courseID, moduleID int64) ([]canvas.ModuleItem, error)
	// Page returns a wiki page by its url slug.
	Page(ctx context.Context, token string, courseID int64, pageURL string) (canvas.Page, error)
	// File returns a file's metadata.
	File(ctx context.Context, token string, courseID, fileID int64) (canvas.File, error)
	// Download fetches fileURL without the token and returns
	// canvas.ErrTooLarge once more than maxBytes arrive.
	Download(ctx context.Context, fileURL string, maxBytes int64) ([]byte, error)
}

// Limits are the extraction limits of docs/compatibility.md, Content extraction (all lengths in characters,
// that is runes, as Python counts them).
type Limits struct {
	// MaxFileSize is the largest file, in bytes, by its metadata and by
	// what is actually downloaded.
	MaxFileSize int64
	// MaxTotalContentSize caps the characters extracted across all
	// modules: once the running total exceeds it, the remaining items
	// are skipped.
	MaxTotalContentSize int
	// MaxPagesPerModule is how many page and file items of a module are
	// read; the rest are skipped.
	MaxPagesPerModule int
	// MaxContentLength is the longest text kept per item; longer text is
	// cut.
	MaxContentLength int
	// MinContentLength is the shortest text that counts; shorter items
	// are skipped.
	MinContentLength int
	// MaxPageHTML is the longest raw page body read; longer pages are
	// skipped.
	MaxPageHTML int
}

// DefaultLimits returns the original's limits (docs/compatibility.md, Content extraction).
func DefaultLimits() Limits {
	return Limits{
		MaxFileSize:         10_485_760,
		MaxTotalContentSize: 52_428_800,
		MaxPagesPerModule:   100,
		MaxContentLength:    500_000,
		MinContentLength:    50,
		MaxPageHTML:         1_048_576,
	}
}

// WithDefaults fills zero (or negative) fields from DefaultLimits.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = d.MaxFileSize
	}
	if l.MaxTotalContentSize <= 0 {
		l.MaxTotalContentSize = d.MaxTotalContentSize
	}
	if l.MaxPagesPerModule <= 0 {
		l.MaxPagesPerModule = d.MaxPagesPerModule
	}
	if l.MaxContentLength <= 0 {
		l.MaxContentLength = d.MaxContentLength
	}
	if l.MinContentLength <= 0 {
		l.MinContentLength = d.MinContentLength
	}
	if l.MaxPageHTML <= 0 {
		l.MaxPageHTML = d.MaxPageHTML
	}
	return l
}

// DefaultConcurrency is the number of items fetched at once when
// Extractor.Concurrency is not set.
const DefaultConcurrency = 4

// Item types and the reasons a Skip gives.
const (
	TypePage = "page"
	TypeFile = "file"

	ReasonModuleUnavailable = "module items unavailable"
	ReasonItemLimit         = "module item limit"
	ReasonTotalLimit        = "total content limit"
	ReasonFetchFailed       = "fetch failed"
	ReasonEmptyPage         = "empty page"
	ReasonPageTooLarge      = "page html too large"
	ReasonTooShort          = "content too short"
	ReasonUnsupportedFile   = "unsupported file type"
	ReasonFileTooLarge      = "file too large"
	ReasonNoDownloadURL     = "file has no download url"
	ReasonUnreadablePDF     = "unreadable pdf"
	// ReasonNoTextLayer: every page of the PDF was read and none has
	// text, only images (a scan); its text would need OCR.
	ReasonNoTextLayer = "pdf has no text layer (scanned?)"
)

// Item is one extracted page or file, in the shape stored in the quiz's
// extracted content (docs/compatibility.md, Content extraction).
type Item struct {
	// ItemID is the module item's id; it is not stored.
	ItemID int64 `json:"-"`
	// Title is the page title ("Untitled Page" when empty), or the file's
	// display name (else the item title, else "Untitled").
	Title string `json:"title"`
	// Content is the extracted text, at most Limits.MaxContentLength
	// characters.
	Content string `json:"content"`
	// Type is TypePage or TypeFile.
	Type string `json:"type"`
	// ContentType is the file's MIME type; empty (and not stored) for
	// pages.
	ContentType string `json:"content_type,omitempty"`
}

// Module is the extracted items of one module, in module order.
type Module struct {
	ID    int64
	Items []Item
}

// Skip records an item (or, with ItemID 0, a whole module) that gave no
// content, and why.
type Skip struct {
	ModuleID int64
	ItemID   int64
	Title    string
	Reason   string
}

// Result is the outcome of Extract.
type Result struct {
	// Modules holds one entry per requested module, in request order
	// (duplicates removed); a module without content has no items.
	Modules []Module
	// Skipped lists what gave no content, in module and item order.
	Skipped []Skip
}

// JSON returns the stored document {"module_<id>": [items...], ...}, with
// the modules in request order. An empty result gives "{}"; the Python
// original stored NULL in that case (docs/compatibility.md, Content extraction), which is the
// caller's decision.
func (r Result) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	b.WriteByte('{')
	for i, m := range r.Modules {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"module_` + strconv.FormatInt(m.ID, 10) + `":`)
		items := m.Items
		if items == nil {
			items = []Item{}
		}
		if err := enc.Encode(items); err != nil {
			return nil, fmt.Errorf("encode module %d: %w", m.ID, err)
		}
		b.Truncate(b.Len() - 1) // Encode's newline
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Summary is what Result holds, for logging (the original's content summary).
type Summary struct {
	Modules    int // modules in the result
	Items      int // items extracted
	Words      int // white-space separated words in all items
	Characters int // runes in all items
	Skipped    int // entries in Result.Skipped
}

// Summary counts what r holds.
func (r Result) Summary() Summary {
	s := Summary{Modules: len(r.Modules), Skipped: len(r.Skipped)}
	for _, m := range r.Modules {
		s.Items += len(m.Items)
		for _, it := range m.Items {
			s.Words += len(strings.Fields(it.Content))
			s.Characters += utf8.RuneCountInString(it.Content)
		}
	}
	return s
}

// LogValue lets a Summary be logged as one group attribute.
func (s Summary) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int("modules", s.Modules),
		slog.Int("items", s.Items),
		slog.Int("words", s.Words),
		slog.Int("characters", s.Characters),
		slog.Int("skipped", s.Skipped),
	)
}

// Extractor extracts the text of Canvas modules (docs/compatibility.md, Content extraction;
// the original's extract_content_for_modules). The zero value of each field but Source
// is usable: Limits default to DefaultLimits field by field, Concurrency
// to DefaultConcurrency, Log to a discarding logger. An Extractor is safe
// for concurrent use if its Source is.
type Extractor struct {
	Source      Source
	Limits      Limits
	Concurrency int
	Log         *slog.Logger
}

// Extract reads the modules in the given order and returns their content.
//
// Per module it lists the items, keeps the pages that have a page_url and
// the files that have a content_id (the first MaxPagesPerModule of them),
// and fetches them, Concurrency at a time, keeping item order. Pages are
// cleaned with HTMLToText, files are read if they are PDFs. Items that
// give no content are recorded in Result.Skipped and logged at warn level
// with their ids; they never stop the module. Once the running total of
// characters exceeds MaxTotalContentSize, every later item (by module and
// item order, whatever finished first) is skipped.
//
// The rule for errors is: partial content is stored only for permanent
// per-item problems (not found, forbidden, bad response, too large,
// unreadable). An error that means the whole job should fail or be tried
// again stops Extract, which returns it wrapped and no result:
// canvas.ErrUnauthorized (the token no longer works; nothing else can),
// an error wrapping quiz.ErrTemporary (from any call, module list or
// item: retrying the job may give the complete content), and ctx's
// error (or a Source error wrapping context.Canceled or
// context.DeadlineExceeded). Any other error listing a module's items
// gives that module no items and a Skip with ItemID 0.
//
// token is passed to Source only; it never appears in logs or errors.
func (e *Extractor) Extract(ctx context.Context, token string, courseID int64, moduleIDs []int64) (Result, error) {
	x := &extraction{
		Extractor: e,
		lim:       e.Limits.WithDefaults(),
		log:       e.Log,
		token:     token,
		courseID:  courseID,
	}
	if x.log == nil {
		x.log = slog.New(slog.DiscardHandler)
	}
	x.workers = e.Concurrency
	if x.workers <= 0 {
		x.workers = DefaultConcurrency
	}
	var res Result
	seen := make(map[int64]bool, len(moduleIDs))
	for _, id := range moduleIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		m, skips, err := x.module(ctx, id)
		if err != nil {
			return Result{}, err
		}
		res.Modules = append(res.Modules, m)
		res.Skipped = append(res.Skipped, skips...)
	}
	if err := ctx.Err(); err != nil {
		// Items cut short by the cancellation may have been counted as
		// skipped; the content is not complete.
		return Result{}, fmt.Errorf("extract content: %w", err)
	}
	return res, nil
}

// extraction is the state of one Extract call.
type extraction struct {
	*Extractor
	lim      Limits
	log      *slog.Logger
	token    string
	courseID int64
	workers  int
	total    int // characters kept so far, across modules
}

// fatal reports whether err must stop the whole extraction.
func fatal(ctx context.Context, err error) bool {
	return ctx.Err() != nil ||
		errors.Is(err, canvas.ErrUnauthorized) ||
		errors.Is(err, quiz.ErrTemporary) ||
		errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded)
}

// outcome is what fetching one item gave: an item, a skip reason (with
// the error that caused it, if any), or an error that stops everything.
type outcome struct {
	item   Item
	ok     bool
	reason string
	cause  error // logged with a skip
	err    error // fatal
}

// failure turns an error from Source into a fatal outcome or a skip.
func failure(ctx context.Context, reason string, err error) outcome {
	if fatal(ctx, err) {
		return outcome{err: err}
	}
	return outcome{reason: reason, cause: err}
}

// module extracts one module.
func (x *extraction) module(ctx context.Context, moduleID int64) (Module, []Skip, error) {
	m := Module{ID: moduleID}
	items, err := x.Source.ModuleItems(ctx, x.token, x.courseID, moduleID)
	if err != nil {
		if fatal(ctx, err) {
			return m, nil, fmt.Errorf("list items of module %d: %w", moduleID, err)
		}
		x.log.WarnContext(ctx, "module items unavailable; module left empty",
			"course_id", x.courseID, "module_id", moduleID, "err", err)
		return m, []Skip{{ModuleID: moduleID, Reason: ReasonModuleUnavailable}}, nil
	}

	var keep []canvas.ModuleItem
	var skips []Skip
	for _, it := range items {
		if !fetchable(it) {
			continue
		}
		if len(keep) == x.lim.MaxPagesPerModule {
			skips = append(skips, Skip{ModuleID: moduleID, ItemID: it.ID, Title: it.Title, Reason: ReasonItemLimit})
			continue
		}
		keep = append(keep, it)
	}

	outs := x.fetchAll(ctx, keep)
	for i, it := range keep {
		o := outs[i]
		switch {
		case x.total > x.lim.MaxTotalContentSize:
			// Decided by item order alone: whether the item was fetched
			// (or failed) depends on scheduling, the skip does not.
			skips = append(skips, Skip{ModuleID: moduleID, ItemID: it.ID, Title: it.Title, Reason: ReasonTotalLimit})
		case o.err != nil:
			return m, nil, fmt.Errorf("extract item %d of module %d: %w", it.ID, moduleID, o.err)
		case !o.ok:
			skips = append(skips, Skip{ModuleID: moduleID, ItemID: it.ID, Title: it.Title, Reason: o.reason})
		default:
			m.Items = append(m.Items, o.item)
			x.total += utf8.RuneCountInString(o.item.Content)
		}
	}
	return m, skips, nil
}

// fetchable reports whether a module item is a page with a url or a file
// with an id (docs/compatibility.md, Content extraction).
func fetchable(it canvas.ModuleItem) bool {
	switch it.Type {
	case "Page":
		return it.PageURL != nil && *it.PageURL != ""
	case "File":
		return it.ContentID != 0
	}
	return false
}

// fetchAll fetches items with at most x.workers at a time and returns the
// outcomes in item order. Once an item fails fatally, or the items
// finished in order already pass the total limit, items not yet started
// are not fetched (their outcome is decided by what came before them).
func (x *extraction) fetchAll(ctx context.Context, items []canvas.ModuleItem) []outcome {
	outs := make([]outcome, len(items))
	if len(items) == 0 {
		return outs
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		mu      sync.Mutex
		done    = make([]bool, len(items))
		prefix  int // items [0, prefix) are done
		total   = x.total
		stopped bool // no need to start more items
		next    int  // next item to start
		wg      sync.WaitGroup
	)
	claim := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if stopped || next >= len(items) {
			return 0, false
		}
		i := next
		next++
		return i, true
	}
	finish := func(i int, o outcome) {
		mu.Lock()
		defer mu.Unlock()
		outs[i], done[i] = o, true
		if o.err != nil {
			stopped = true
			cancel()
			return
		}
		for prefix < len(items) && done[prefix] {
			if total > x.lim.MaxTotalContentSize {
				stopped = true
			}
			if outs[prefix].ok {
				total += utf8.RuneCountInString(outs[prefix].item.Content)
			}
			prefix++
		}
		if total > x.lim.MaxTotalContentSize {
			stopped = true
		}
	}
	for range min(x.workers, len(items)) {
		wg.Go(func() {
			for {
				i, ok := claim()
				if !ok {
					return
				}
				finish(i, x.fetch(ctx, items[i]))
			}
		})
	}
	wg.Wait()
	for i := range outs {
		if !done[i] {
			// Never started: an earlier item failed fatally (the caller
			// stops there) or the total limit was passed before it.
			outs[i] = outcome{reason: ReasonTotalLimit}
		}
	}
	return outs
}

// fetch extracts one item. Skips are logged here, at warn level with the
// ids; fatal errors are returned in outcome.err for Extract to return.
func (x *extraction) fetch(ctx context.Context, it canvas.ModuleItem) outcome {
	var o outcome
	if it.Type == "Page" {
		o = x.page(ctx, it)
	} else {
		o = x.file(ctx, it)
	}
	if o.err == nil && !o.ok {
		attrs := []any{"course_id", x.courseID, "module_id", it.ModuleID, "item_id", it.ID,
			"item_type", it.Type, "reason", o.reason}
		if o.cause != nil {
			attrs = append(attrs, "err", o.cause)
		}
		x.log.WarnContext(ctx, "content item skipped", attrs...)
	}
	return o
}

// page extracts a wiki page item (docs/compatibility.md, Content extraction).
func (x *extraction) page(ctx context.Context, it canvas.ModuleItem) outcome {
	p, err := x.Source.Page(ctx, x.token, x.courseID, strings.TrimSpace(*it.PageURL))
	if err != nil {
		return failure(ctx, ReasonFetchFailed, err)
	}
	if p.Body == nil || *p.Body == "" {
		return outcome{reason: ReasonEmptyPage}
	}
	if len(*p.Body) > x.lim.MaxPageHTML && utf8.RuneCountInString(*p.Body) > x.lim.MaxPageHTML {
		return outcome{reason: ReasonPageTooLarge}
	}
	text := HTMLToText(*p.Body, x.lim.MaxContentLength)
	if utf8.RuneCountInString(text) < x.lim.MinContentLength {
		return outcome{reason: ReasonTooShort}
	}
	title := p.Title
	if title == "" {
		title = "Untitled Page"
	}
	return outcome{ok: true, item: Item{ItemID: it.ID, Title: title, Content: text, Type: TypePage}}
}

// file extracts a file item (docs/compatibility.md, Content extraction): PDFs only.
func (x *extraction) file(ctx context.Context, it canvas.ModuleItem) outcome {
	f, err := x.Source.File(ctx, x.token, x.courseID, it.ContentID)
	if err != nil {
		return failure(ctx, ReasonFetchFailed, err)
	}
	if !isPDF(f) {
		return outcome{reason: ReasonUnsupportedFile}
	}
	if f.Size > x.lim.MaxFileSize {
		return outcome{reason: ReasonFileTooLarge}
	}
	if f.URL == "" {
		return outcome{reason: ReasonNoDownloadURL}
	}
	data, err := x.Source.Download(ctx, f.URL, x.lim.MaxFileSize)
	switch {
	case errors.Is(err, canvas.ErrTooLarge) && !fatal(ctx, err):
		return outcome{reason: ReasonFileTooLarge}
	case err != nil:
		return failure(ctx, ReasonFetchFailed, err)
	}
	text, info, err := extractPDF(ctx, data, PDFLimits{MaxChars: x.lim.MaxContentLength})
	switch {
	case errors.Is(err, ErrUnreadablePDF):
		// A property of the file, whatever the library said: never fatal.
		return outcome{reason: ReasonUnreadablePDF, cause: err}
	case err != nil:
		return failure(ctx, ReasonFetchFailed, err)
	case text == "" && info.noTextLayer():
		return outcome{reason: ReasonNoTextLayer}
	}
	if utf8.RuneCountInString(text) < x.lim.MinContentLength {
		return outcome{reason: ReasonTooShort}
	}
	title := f.DisplayName
	if title == "" {
		title = it.Title
	}
	if title == "" {
		title = "Untitled"
	}
	ct := f.ContentType
	if ct == "" {
		ct = "application/pdf"
	}
	return outcome{ok: true, item: Item{
		ItemID:      it.ID,
		Title:       title,
		Content:     truncateRunes(text, x.lim.MaxContentLength),
		Type:        TypeFile,
		ContentType: ct,
	}}
}

// isPDF reports whether the file's content-type or mime_class names a PDF
// (docs/compatibility.md, Content extraction: "application/pdf" or "pdf"; parameters and case ignored).
func isPDF(f canvas.File) bool {
	ct, _, _ := strings.Cut(f.ContentType, ";")
	ct = strings.ToLower(strings.TrimSpace(ct))
	mc := strings.ToLower(strings.TrimSpace(f.MimeClass))
	return ct == "application/pdf" || ct == "pdf" || mc == "application/pdf" || mc == "pdf"
}
