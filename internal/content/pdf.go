package content

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ledongthuc/pdf"
)

// ErrUnreadablePDF is returned (wrapped) by PDFToText and ExtractPDF for
// data that is not a PDF, is corrupt or truncated, is encrypted with a
// password, or whose structure is out of the bounds this package accepts.
var ErrUnreadablePDF = errors.New("unreadable pdf")

// PDFLimits bounds the work done on one PDF. Zero fields take the value of
// DefaultPDFLimits.
type PDFLimits struct {
	// MaxPages is the number of pages read; later pages are ignored.
	MaxPages int
	// MaxChars is the length of the returned text, in runes. Reading stops
	// once the pages read hold twice this much raw text.
	MaxChars int
	// MaxContentBytes is the decoded size of all page content, fonts'
	// CMaps and forms read for the document. One page may use at most a
	// quarter of it (a page over that is skipped). When it is spent,
	// reading stops and the pages read so far are returned. It also bounds
	// the object streams the library inflates: a document with one over
	// half of it, or with all of them over twice it, is refused. The
	// bytes decrypted in a document encrypted with an empty user password
	// are spent from it first (over it, the document is unreadable).
	MaxContentBytes int64
	// Timeout bounds the wall-clock time. When it expires while pages are
	// read, the pages read so far are returned; before that, the result
	// is ErrUnreadablePDF.
	Timeout time.Duration
}

// DefaultPDFLimits returns limits that real course material (slides,
// lecture notes, papers up to 10 MB) never reaches.
func DefaultPDFLimits() PDFLimits {
	return PDFLimits{
		MaxPages:        2000,
		MaxChars:        1_000_000,
		MaxContentBytes: 128 << 20,
		Timeout:         20 * time.Second,
	}
}

func (l PDFLimits) withDefaults() PDFLimits {
	d := DefaultPDFLimits()
	if l.MaxPages <= 0 {
		l.MaxPages = d.MaxPages
	}
	if l.MaxChars <= 0 {
		l.MaxChars = d.MaxChars
	}
	if l.MaxContentBytes <= 0 {
		l.MaxContentBytes = d.MaxContentBytes
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	return l
}

func (l PDFLimits) maxPageContent() int64 { return max(l.MaxContentBytes/4, 1) }

// PDFToText returns the text of a PDF document with DefaultPDFLimits; see
// ExtractPDF.
func PDFToText(data []byte) (string, error) {
	return ExtractPDF(context.Background(), data, PDFLimits{})
}

// ExtractPDF returns the text of the PDF document data, as the Python
// original's pypdf step does (docs/compatibility.md, Content extraction, step 4): the text
// of each page, pages joined with "\n\n" (pages without text are left
// out), runs of three or more newlines squeezed to two, runs of spaces to
// one, and the result trimmed and cut to lim.MaxChars runes.
//
// Within a page, glyphs are placed by their positions: a gap between
// glyphs on a line becomes a space, a move to another line a newline. A
// page that fails to parse is skipped. If every page fails, the result is
// "" and no error; so is it when the pages draw no text, only images (a
// scanned document), which the Extractor reports as ReasonNoTextLayer.
//
// It returns an error wrapping ErrUnreadablePDF when data is empty, not a
// PDF, corrupt, encrypted with a user password, or out of bounds, and
// ctx's error when ctx is done. Panics inside the PDF library are
// recovered and reported as ErrUnreadablePDF. Work is bounded by lim.
func ExtractPDF(ctx context.Context, data []byte, lim PDFLimits) (string, error) {
	text, _, err := extractPDF(ctx, data, lim)
	return text, err
}

// pdfInfo is what ExtractPDF saw besides the text.
type pdfInfo struct {
	pages  int // pages visited
	failed int // pages whose content failed to parse
}

// noTextLayer reports a document whose pages all parsed and none drew
// text: an image-only (scanned) PDF, when its text is "" and no error.
func (i pdfInfo) noTextLayer() bool { return i.pages > 0 && i.failed == 0 }

// extractPDF is ExtractPDF, with what it saw of the pages.
func extractPDF(ctx context.Context, data []byte, lim PDFLimits) (string, pdfInfo, error) {
	var info pdfInfo
	text, err := extractPDFText(ctx, data, lim, &info)
	return text, info, err
}

// extractPDFText is ExtractPDF, filling in info.
func extractPDFText(ctx context.Context, data []byte, lim PDFLimits, info *pdfInfo) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	lim = lim.withDefaults()
	if len(data) == 0 {
		return "", fmt.Errorf("%w: empty file", ErrUnreadablePDF)
	}
	tctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	data = fixHeader(data)
	// Decryption runs under the same deadline and content budget as the
	// reading: the bytes it decrypts are spent from MaxContentBytes.
	data, decrypted, err := decryptPDF(tctx, data, lim.MaxContentBytes)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("%w: %w", ErrUnreadablePDF, err)
	}
	if err := checkStructure(data, lim.MaxContentBytes/2, 2*lim.MaxContentBytes); err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnreadablePDF, err)
	}
	d := &document{ctx: tctx, lim: lim, fonts: make(map[string]*font), fallback: fallbackFont()}
	d.budget = &streamBudget{doc: d, left: lim.MaxContentBytes - decrypted}

	parts, found, encrypted, err := d.read(data)
	info.pages, info.failed = d.pages, d.failed
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	if err != nil {
		return "", err
	}
	if !found {
		return "", fmt.Errorf("%w: no pages", ErrUnreadablePDF)
	}
	if encrypted && len(parts) == 0 {
		// Opened with the empty password, yet no page gives text: the
		// decryption was not right (the library mishandles 40-bit RC4
		// keys) or the pages hold no text. Either way there is nothing to
		// use, and "unreadable" is the more useful report.
		return "", fmt.Errorf("%w: encrypted, no readable text", ErrUnreadablePDF)
	}
	return truncateRunes(normalizePDFText(strings.Join(parts, "\n\n")), lim.MaxChars), nil
}

// fixHeader lets PDF 2.0 files through the library, which accepts only
// "%PDF-1.x" headers; the file syntax it reads did not change.
func fixHeader(data []byte) []byte {
	if bytes.HasPrefix(data, []byte("%PDF-2.")) {
		fixed := bytes.Clone(data)
		copy(fixed, "%PDF-1.7")
		return fixed
	}
	return data
}

// normalizePDFText squeezes runs of 3+ newlines to two and runs of 2+
// spaces to one, then trims white space (docs/compatibility.md, Content extraction).
func normalizePDFText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	nl, sp := 0, 0
	flush := func() {
		switch {
		case nl >= 3:
			b.WriteString("\n\n")
		case nl > 0:
			b.WriteString(strings.Repeat("\n", nl))
		case sp > 0:
			b.WriteByte(' ')
		}
		nl, sp = 0, 0
	}
	for _, r := range s {
		switch {
		case r == '\n' && sp == 0:
			nl++
		case r == ' ' && nl == 0:
			sp++
		default:
			flush()
			if r == '\n' {
				nl = 1
			} else if r == ' ' {
				sp = 1
			} else {
				b.WriteRune(r)
			}
		}
	}
	flush()
	return strings.TrimFunc(b.String(), isSpace)
}

// abort stops reading a document: its deadline passed or its content
// budget is spent. It travels as a panic through the library's call stack
// and is recovered in document.read.
type abort struct{ err error }

func (a *abort) Error() string { return "pdf work limit: " + a.err.Error() }
func (a *abort) Unwrap() error { return a.err }

// errBudget is the abort cause when MaxContentBytes is spent.
var errBudget = errors.New("content budget spent")

// document is the state of one ExtractPDF call.
type document struct {
	ctx      context.Context //nolint:containedctx // one call's deadline, checked from inside library callbacks
	lim      PDFLimits
	budget   *streamBudget
	fonts    map[string]*font
	fallback *font
	chars    int // raw runes collected
	pages    int // pages visited
	failed   int // pages whose content failed to parse
}

// Limits of the page tree walk.
const (
	maxTreeDepth = 64
	maxFonts     = 4096
)

func (d *document) checkDeadline() {
	if err := d.ctx.Err(); err != nil {
		panic(&abort{err})
	}
}

// deadlineReader checks the document's deadline on every read, so that
// the library cannot loop over the file for ever.
type deadlineReader struct {
	r *bytes.Reader
	d *document
}

func (g deadlineReader) ReadAt(p []byte, off int64) (int, error) {
	g.d.checkDeadline()
	return g.r.ReadAt(p, off)
}

// read opens the document and returns the text of each page that has
// some, whether any page was found, and whether the document is
// encrypted. An abort while pages are read ends the reading and keeps
// what was read.
func (d *document) read(data []byte) (parts []string, found, encrypted bool, err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		var a *abort
		if e, ok := r.(error); ok && errors.As(e, &a) {
			if !found {
				// %v: the deadline that ran out is ours, not the
				// caller's, and must not look like ctx's error.
				err = fmt.Errorf("%w: %v", ErrUnreadablePDF, a)
			}
			return
		}
		if !found {
			err = fmt.Errorf("%w: %v", ErrUnreadablePDF, r)
		}
	}()
	r, err := pdf.NewReader(deadlineReader{bytes.NewReader(data), d}, int64(len(data)))
	if err != nil {
		return nil, false, false, fmt.Errorf("%w: %w", ErrUnreadablePDF, err)
	}
	encrypted = !r.Trailer().Key("Encrypt").IsNull()
	root := r.Trailer().Key("Root").Key("Pages")
	d.walk(root, func(page, res pdf.Value) bool {
		found = true
		d.pages++
		t, ok := d.pageText(page, res)
		if !ok {
			d.failed++
		}
		if ok && t != "" {
			parts = append(parts, t)
			d.chars += len(t) // bytes >= runes: a conservative count
		}
		return d.pages < d.lim.MaxPages && d.chars < 2*d.lim.MaxChars
	})
	return parts, found, encrypted, nil
}

// walk calls visit for the pages under the page tree node root, in order,
// until visit returns false. Kids that fail to resolve are skipped. The
// tree's depth and size are bounded, so cycles end.
func (d *document) walk(root pdf.Value, visit func(page, res pdf.Value) bool) {
	type frame struct {
		kids pdf.Value
		res  pdf.Value
		i    int
	}
	if root.Key("Kids").Kind() != pdf.Array {
		if root.Kind() == pdf.Dict && !root.Key("Contents").IsNull() {
			visit(root, root.Key("Resources"))
		}
		return
	}
	stack := []frame{{kids: root.Key("Kids"), res: root.Key("Resources")}}
	budget := 8*d.lim.MaxPages + 1024
	for len(stack) > 0 && budget > 0 {
		top := &stack[len(stack)-1]
		if top.i >= top.kids.Len() {
			stack = stack[:len(stack)-1]
			continue
		}
		i := top.i
		top.i++
		budget--
		var kid, res, kids pdf.Value
		var isNode bool
		if !d.try(func() {
			kid = top.kids.Index(i)
			res = kid.Key("Resources")
			kids = kid.Key("Kids")
			isNode = kids.Kind() == pdf.Array && kid.Key("Type").Name() != "Page"
		}) || kid.Kind() != pdf.Dict {
			continue
		}
		if res.IsNull() {
			res = top.res
		}
		if isNode {
			if len(stack) < maxTreeDepth {
				stack = append(stack, frame{kids: kids, res: res})
			}
			continue
		}
		if !visit(kid, res) {
			return
		}
	}
}

// try runs f and reports whether it returned normally. Library panics
// (malformed objects) are swallowed; aborts go on up.
func (d *document) try(f func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if a, isAbort := r.(*abort); isAbort {
				panic(a)
			}
			ok = false
		}
	}()
	f()
	return true
}

// pageText returns the text of one page; ok is false when the page fails.
func (d *document) pageText(page, res pdf.Value) (text string, ok bool) {
	var out sink
	ok = d.try(func() {
		var data []byte
		limit := d.lim.maxPageContent()
		contents := page.Key("Contents")
		switch contents.Kind() {
		case pdf.Stream:
			b, okRead := d.budget.read(contents, limit)
			if !okRead {
				panic("page content too large or unreadable")
			}
			data = b
		case pdf.Array:
			for i := 0; i < contents.Len(); i++ {
				b, okRead := d.budget.read(contents.Index(i), limit-int64(len(data)))
				if !okRead {
					panic("page content too large or unreadable")
				}
				data = append(data, b...)
				data = append(data, '\n')
			}
		default:
			return
		}
		out.limit = max(2*d.lim.MaxChars-d.chars, 1)
		run := pageRun{doc: d, out: &out}
		run.run(data, newResources(res), gstate{ctm: identity, hScale: 1}, 0)
	})
	return out.b.String(), ok
}

// font returns the font called name in res, loading it on first use.
// Fonts are shared across pages by the text of their dictionary (which
// names the objects it refers to), so each CMap is parsed once.
func (d *document) font(res *resources, name string) *font {
	if f, ok := res.fonts[name]; ok {
		return f
	}
	f := d.fallback
	d.try(func() {
		v := res.v.Key("Font").Key(name)
		if v.Kind() != pdf.Dict {
			return
		}
		key := v.String()
		if cached, ok := d.fonts[key]; ok {
			f = cached
			return
		}
		f = loadFont(v, d.budget)
		if len(d.fonts) < maxFonts {
			d.fonts[key] = f
		}
	})
	res.fonts[name] = f
	return f
}

// streamBudget hands out decoded stream bytes against the document's
// MaxContentBytes.
type streamBudget struct {
	doc  *document
	left int64
}

// read returns the decoded data of stream v. ok is false when v is not a
// readable stream or decodes to more than limit bytes. When the document
// budget runs out, read aborts the document. A stream that breaks off
// (truncated Flate data) gives what was decoded before the break.
func (b *streamBudget) read(v pdf.Value, limit int64) (data []byte, ok bool) {
	if v.Kind() != pdf.Stream || limit <= 0 {
		return nil, false
	}
	if b.left <= 0 {
		panic(&abort{errBudget})
	}
	ok = b.doc.try(func() {
		rc := v.Reader()
		defer rc.Close()
		n := min(limit, b.left)
		var err error
		data, err = io.ReadAll(io.LimitReader(rc, n+1))
		b.left -= int64(len(data))
		if int64(len(data)) > n {
			if n == b.left+int64(len(data)) && n < limit {
				panic(&abort{errBudget})
			}
			data = nil
			return
		}
		if err != nil && len(data) == 0 {
			data = nil
		}
	})
	return data, ok && data != nil
}
