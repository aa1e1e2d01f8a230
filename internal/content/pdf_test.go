package content_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/content"
)

// lecturePages is three pages of course text.
var lecturePages = [][]string{
	{"Constraint satisfaction problems", "A CSP has variables, domains and constraints."},
	{"Backtracking search assigns one variable at a time.", "Forward checking prunes the domains of neighbours."},
	{"Arc consistency: AC-3 runs in O(ed^3) time."},
}

const lectureText = "Constraint satisfaction problems\nA CSP has variables, domains and constraints." +
	"\n\nBacktracking search assigns one variable at a time.\nForward checking prunes the domains of neighbours." +
	"\n\nArc consistency: AC-3 runs in O(ed^3) time."

func TestPDFToTextPages(t *testing.T) {
	t.Parallel()
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprint("compress=", compress), func(t *testing.T) {
			t.Parallel()
			got, err := content.PDFToText(makePDF(t, pdfDoc{pages: lecturePages, compress: compress}))
			require.NoError(t, err)
			assert.Equal(t, lectureText, got)
		})
	}
}

func TestPDFToTextUnicode(t *testing.T) {
	t.Parallel()
	lines := [][]string{{"Blåbærsyltetøy på skiva, takk.", "Ελληνικά: α β γ δ", "Dash — and “quotes” ≠ ASCII"}}
	t.Run("embedded TrueType with ToUnicode", func(t *testing.T) {
		t.Parallel()
		got, err := content.PDFToText(makePDF(t, pdfDoc{pages: lines, utf8: true, compress: true}))
		require.NoError(t, err)
		assert.Equal(t, "Blåbærsyltetøy på skiva, takk.\nΕλληνικά: α β γ δ\nDash — and “quotes” ≠ ASCII", got)
	})
	t.Run("core font, WinAnsi", func(t *testing.T) {
		t.Parallel()
		got, err := content.PDFToText(makePDF(t, pdfDoc{pages: [][]string{{"Blåbær – “sitat” koster €5"}}}))
		require.NoError(t, err)
		assert.Equal(t, "Blåbær – “sitat” koster €5", got)
	})
}

// pdfLayoutCases are hand-written page contents (monoFont, 500/1000 em
// glyphs) and the text they must give.
var pdfLayoutCases = []struct {
	name, content, want string
}{
	{"TJ kerning is a word break", `BT /F1 10 Tf 72 700 Td [(Hello)-333(world)]TJ ET`, "Hello world"},
	{"small kerning is not", `BT /F1 10 Tf 72 700 Td [(Hel)-50(lo)]TJ ET`, "Hello"},
	{"space glyph kerned back", `BT /F1 10 Tf 72 700 Td [(Th)( )400(e end)]TJ ET`, "The end"},
	{"space glyphs", `BT /F1 10 Tf 72 700 Td (Hello   world)Tj ET`, "Hello world"},
	{"Td gap", `BT /F1 10 Tf 72 700 Td (Hello)Tj 30 0 Td (world)Tj ET`, "Hello world"},
	{"Td adjacent", `BT /F1 10 Tf 72 700 Td (Hel)Tj 15 0 Td (lo)Tj ET`, "Hello"},
	{"Td new line", `BT /F1 10 Tf 72 700 Td (First line)Tj 0 -12 Td (Second line)Tj ET`, "First line\nSecond line"},
	{"T* with TL", `BT /F1 10 Tf 12 TL 72 700 Td (a)Tj T* (b)Tj ET`, "a\nb"},
	{"TD sets leading", `BT /F1 10 Tf 72 700 Td (a)Tj 0 -12 TD (b)Tj T* (c)Tj ET`, "a\nb\nc"},
	{"quote operators", `BT /F1 10 Tf 12 TL 72 700 Td (a)Tj (b)' 0 0 (c)" ET`, "a\nb\nc"},
	{"separate text objects", `BT /F1 10 Tf 72 700 Td (one)Tj ET BT /F1 10 Tf 72 688 Td (two)Tj ET`, "one\ntwo"},
	{"superscript stays on the line", `BT /F1 10 Tf 72 700 Td (E = mc)Tj 3 Ts (2)Tj 0 Ts ( is famous)Tj ET`, "E = mc2 is famous"},
	// Character spacing alone is letter spacing, not a word break: poppler,
	// our reference, reads "ab" (it joins a line of one-glyph words whose
	// gaps are alike).
	{"character spacing joins", `BT /F1 10 Tf 72 700 Td 3 Tc (ab)Tj ET`, "ab"},
	{"word spacing", `BT /F1 10 Tf 72 700 Td 10 Tw (a b)Tj ET`, "a b"},
	{"negative word spacing joins", `BT /F1 10 Tf 72 700 Td -5 Tw (ra tio)Tj ET`, "ratio"},
	{"text matrix scales the font", `BT /F1 1 Tf 10 0 0 10 72 700 Tm [(Hello)-333(world)]TJ ET`, "Hello world"},
	{"horizontal scaling", `BT /F1 10 Tf 50 Tz 72 700 Td [(Hello)-333(world)]TJ ET`, "Hello world"},
	{"graphics state restore", `q 1 0 0 1 0 100 cm BT /F1 10 Tf 72 600 Td (up)Tj ET Q BT /F1 10 Tf 72 600 Td (down)Tj ET`, "up\ndown"},
	{"rotated text", `BT /F1 10 Tf 0 1 -1 0 100 100 Tm (Vertical)Tj ( text)Tj ET`, "Vertical text"},
	{"back on the same line", `BT /F1 10 Tf 300 700 Td (right)Tj -250 0 Td (left)Tj ET`, "right left"},
	{"inline image", "BI /W 2 /H 2 /CS /G /BPC 8 ID \x00\x01EI\x02\xff EI BT /F1 10 Tf 72 700 Td (after image)Tj ET", "after image"},
	{"unknown font", `BT /F9 10 Tf 72 700 Td (fallback)Tj ET`, "fallback"},
	{"no font at all", `BT 72 700 Td (no font)Tj ET`, "no font"},
	{"string escapes", `BT /F1 10 Tf 72 700 Td (a\(b\) \101\102\nc\\)Tj ET`, `a(b) AB c\`},
	{"hex string", `BT /F1 10 Tf 72 700 Td <48656C6C6F 2>Tj (!)Tj ET`, "Hello !"},
	{"controls dropped", `BT /F1 10 Tf 72 700 Td (a\000\001\177b)Tj ET`, "ab"},
	{"garbage operators", `BT /F1 10 Tf 72 700 Td foo 1 2 bar << /A [1 2] >> Tj TJ Tf Td (ok)Tj ET`, "ok"},
	{"stray closers", `BT /F1 10 Tf 72 700 Td ] >> } (a)Tj ) (b)Tj ET`, "ab"},
	{"unterminated array", `BT /F1 10 Tf 72 700 Td (kept)Tj [(lost`, "kept"},
	{"marked content", `/Span <</ActualText (x)>> BDC BT /F1 10 Tf 72 700 Td (marked)Tj ET EMC`, "marked"},
	{"empty page", ``, ""},
	{"only images", `q 100 0 0 100 0 0 cm /Im1 Do Q`, ""},
}

func TestPDFToTextLayout(t *testing.T) {
	t.Parallel()
	for _, tt := range pdfLayoutCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := content.PDFToText(contentPDF("", nil, tt.content))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestPDFToTextFonts covers the font encodings: a Type0 font with a
// ToUnicode CMap (whole-value bfrange arithmetic, bfchar, array
// destinations) and a simple font whose Differences use glyph names the
// library does not know.
func TestPDFToTextFonts(t *testing.T) {
	t.Parallel()
	toUnicode := stream("", `/CIDInit /ProcSet findresource begin 12 dict begin begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Test-UCS def /CMapType 2 def
1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfchar <0001> <00660069> <0002> <D83DDE00> endbfchar
2 beginbfrange <0010> <0012> [<0041> <0042> <0043>] <0100> <FFFF> <0100> endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end`)
	type0 := "<< /Type /Font /Subtype /Type0 /BaseFont /Test /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 5 0 R >>"
	cidFont := "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Test /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 500 /W [1 [1000] 2 3 1000] >>"
	diffFont := "<< /Type /Font /Subtype /Type1 /BaseFont /Test2 /FirstChar 1 /LastChar 8 /Widths [500 500 500 500 500 500 500 500]" +
		" /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [1 /f_i /T_h /uni00E6 /u1F600 /a.sc /bullet /uni00660066 /g3] >> >>"
	res := "/Font << /F1 3 0 R /F2 4 0 R /F3 7 0 R >>"
	objs := []string{type0, toUnicode, cidFont, diffFont}

	tests := []struct{ name, content, want string }{
		{"type0 range arithmetic", `BT /F2 10 Tf 72 700 Td <0395 03BB 03BB 03B7 03BD 03B9 03BA 03AC>Tj ET`, "Ελληνικά"},
		{"type0 bfchar and arrays", `BT /F2 10 Tf 72 700 Td <0001 0002 0010 0011 0012>Tj ET`, "fi😀ABC"},
		{"type0 widths from W", `BT /F2 10 Tf 72 700 Td <0001>Tj 10 0 Td <0010>Tj ET`, "fiA"},
		{"type0 unmapped code", `BT /F2 10 Tf 72 700 Td <0005 0010>Tj ET`, "A"},
		{"glyph names", `BT /F3 10 Tf 72 700 Td (\001\002e \003\004\005\006\007\010)Tj ET`, "fiThe æ😀a•ff"},
		{"winansi base", `BT /F3 10 Tf 72 700 Td (\223q\224 \226 \200)Tj ET`, "“q” – €"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := content.PDFToText(contentPDF(res, objs, tt.content))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestPDFToTextForms checks text inside form XObjects, including a form
// that draws itself, which must end.
func TestPDFToTextForms(t *testing.T) {
	t.Parallel()
	form := stream("/Type /XObject /Subtype /Form /BBox [0 0 500 100] /Resources << /Font << /F1 3 0 R >> >>",
		`BT /F1 10 Tf 0 0 Td (in form)Tj ET`)
	self := stream("/Type /XObject /Subtype /Form /BBox [0 0 500 100] /Matrix [1 0 0 1 0 -20] /Resources << /Font << /F1 3 0 R >> /XObject << /Me 5 0 R >> >>",
		`BT /F1 10 Tf 0 0 Td (x)Tj ET /Me Do`)
	res := "/XObject << /Fm1 4 0 R /Me 5 0 R >>"

	got, err := content.PDFToText(contentPDF(res, []string{form, self},
		`BT /F1 10 Tf 72 700 Td (before)Tj ET q 1 0 0 1 72 600 cm /Fm1 Do Q`))
	require.NoError(t, err)
	assert.Equal(t, "before\nin form", got)

	got, err = content.PDFToText(contentPDF(res, []string{form, self}, `q 1 0 0 1 72 700 cm /Me Do Q`))
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("x\n", 7)+"x", got, "nesting stops at 8 levels")
}

// TestPDFToTextFailingPages checks that a page that cannot be read is
// skipped and the others are kept, and that all pages failing gives "".
func TestPDFToTextFailingPages(t *testing.T) {
	t.Parallel()
	page := func(n int, contents string) string {
		return fmt.Sprintf("<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> >> /Contents %s >>", contents)
	}
	good := stream("", `BT /F1 10 Tf 72 700 Td (good page)Tj ET`)
	bad := stream("/Filter /LZWDecode", "not lzw")
	doc := buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R 5 0 R 6 0 R 7 0 R 99 0 R 4 0 R] /Count 6 >>",
		monoFont,
		page(1, "8 0 R"),
		page(2, "9 0 R"),  // unsupported filter: the library panics
		page(3, "42 0 R"), // missing object: no content
		page(4, "[8 0 R 9 0 R]"),
		good, bad,
	)
	got, err := content.PDFToText(doc)
	require.NoError(t, err)
	assert.Equal(t, "good page\n\ngood page", got)

	allBad := buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		monoFont,
		page(1, "5 0 R"),
		bad,
	)
	got, err = content.PDFToText(allBad)
	require.NoError(t, err, "every page failing gives an empty text, as in Python")
	assert.Empty(t, got)
}

// TestPDFToTextPageTreeCycle checks that a page tree that contains itself
// ends.
func TestPDFToTextPageTreeCycle(t *testing.T) {
	t.Parallel()
	doc := buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [2 0 R 4 0 R 5 0 R] /Count 3 >>",
		monoFont,
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> >> /Contents 6 0 R >>",
		"<< /Type /Pages /Parent 2 0 R /Kids [5 0 R] /Count 1 >>",
		stream("", `BT /F1 10 Tf 72 700 Td (looped)Tj ET`),
	)
	done := make(chan struct{})
	var got string
	var err error
	go func() {
		defer close(done)
		got, err = content.PDFToText(doc)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("PDFToText did not end")
	}
	require.NoError(t, err)
	assert.Contains(t, got, "looped")
}

func TestPDFToTextUnreadable(t *testing.T) {
	t.Parallel()
	valid := makePDF(t, pdfDoc{pages: lecturePages, compress: true})
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	badXref := bytes.Replace(valid, []byte("startxref\n"), []byte("startxref\n9"), 1)

	tests := []struct {
		name string
		data []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"not a pdf", []byte("<html><body>Not a PDF</body></html>")},
		{"random bytes", random},
		{"pdf header, random body", append([]byte("%PDF-1.4\n"), random...)},
		{"header and EOF only", []byte("%PDF-1.4\n%%EOF\n")},
		{"truncated", valid[:len(valid)/2]},
		{"truncated before EOF marker", valid[:len(valid)-7]},
		{"broken startxref", badXref},
		{"no pages", buildPDF("<< /Type /Catalog >>")},
		{"user password", makePDF(t, pdfDoc{pages: lecturePages, protect: true, user: "student", owner: "teacher"})},
		{"structure: xref stream size", buildPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /XRef /Size 999999999 /W [1 2 1] >>")},
		{"structure: escaped key", buildPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /XRef /S#69ze 999999999 >>")},
		{"structure: index", buildPDF("<< /Type /Catalog >>", "<< /Type /XRef /Size 10 /Index [0 5 999999990 5] >>")},
		{"structure: columns", buildPDF("<< /Type /Catalog >>", "<< /DecodeParms << /Predictor 12 /Columns 999999999 >> >>")},
		{"structure: field widths", buildPDF("<< /Type /Catalog >>", "<< /Type /XRef /W [1 99999999 1] >>")},
		{"structure: xref subsection", bytes.Replace(buildPDF("<< /Type /Catalog >>"), []byte("xref\n0 2"), []byte("xref\n2000000000 2"), 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := content.PDFToText(tt.data)
			require.ErrorIs(t, err, content.ErrUnreadablePDF)
			assert.Empty(t, got)
		})
	}
}

// TestPDFToTextEncrypted checks the 40-bit RC4 encryption fpdf writes,
// with an empty user password (an owner password only restricts
// printing and copying): the library opens it but derives the 40-bit
// object keys wrongly (it does not cut them to 10 bytes), so the pages
// decrypt to garbage. The result must be the text or ErrUnreadablePDF,
// never garbage and never a crash; today it is ErrUnreadablePDF. A user
// password always gives ErrUnreadablePDF (TestPDFToTextUnreadable).
func TestPDFToTextEncrypted(t *testing.T) {
	t.Parallel()
	for _, compress := range []bool{false, true} {
		got, err := content.PDFToText(makePDF(t, pdfDoc{pages: lecturePages, protect: true, owner: "teacher", compress: compress}))
		if err != nil {
			require.ErrorIs(t, err, content.ErrUnreadablePDF)
			assert.Empty(t, got)
			continue
		}
		assert.Equal(t, lectureText, got)
	}
}

// TestPDFToTextBomb checks that an object stream that inflates past half
// of MaxContentBytes (128 MiB by default) is refused before the library
// reads it, and that the same stream under the bound is accepted.
func TestPDFToTextBomb(t *testing.T) {
	t.Parallel()
	bomb := flateStream("/Type /ObjStm /N 1 /First 4", make([]byte, 4<<20+1))
	doc := buildPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>", bomb)
	_, err := content.ExtractPDF(t.Context(), doc, content.PDFLimits{MaxContentBytes: 8 << 20})
	require.ErrorIs(t, err, content.ErrUnreadablePDF)
	assert.Contains(t, err.Error(), "inflates past 4194304 bytes")

	_, err = content.ExtractPDF(t.Context(), doc, content.PDFLimits{MaxContentBytes: 8<<20 + 2})
	require.ErrorIs(t, err, content.ErrUnreadablePDF)
	assert.NotContains(t, err.Error(), "inflates past", "under the bound, the (empty) document is read")
}

func TestExtractPDFLimits(t *testing.T) {
	t.Parallel()
	pages := make([]string, 8)
	for i := range pages {
		pages[i] = fmt.Sprintf(`BT /F1 10 Tf 72 700 Td (Page number %d of eight, padded to a hundred bytes of content stream.)Tj ET`, i+1)
	}
	doc := contentPDF("", nil, pages...)
	ctx := t.Context()

	t.Run("max pages", func(t *testing.T) {
		t.Parallel()
		got, err := content.ExtractPDF(ctx, doc, content.PDFLimits{MaxPages: 2})
		require.NoError(t, err)
		assert.Equal(t, 2, strings.Count(got, "Page number"))
	})
	t.Run("max chars", func(t *testing.T) {
		t.Parallel()
		got, err := content.ExtractPDF(ctx, doc, content.PDFLimits{MaxChars: 30})
		require.NoError(t, err)
		assert.Equal(t, "Page number 1 of eight, padded", got)
	})
	t.Run("max chars multibyte", func(t *testing.T) {
		t.Parallel()
		d := makePDF(t, pdfDoc{pages: [][]string{{"Blåbærsyltetøy og æøå"}}, utf8: true})
		got, err := content.ExtractPDF(ctx, d, content.PDFLimits{MaxChars: 5})
		require.NoError(t, err)
		assert.Equal(t, "Blåbæ", got)
	})
	t.Run("content budget keeps the pages read", func(t *testing.T) {
		t.Parallel()
		// Each content stream is 99 bytes; 450 bytes hold four pages and
		// leave 112 per page.
		got, err := content.ExtractPDF(ctx, doc, content.PDFLimits{MaxContentBytes: 450})
		require.NoError(t, err)
		assert.Equal(t, 4, strings.Count(got, "Page number"))
	})
	t.Run("page over a quarter of the budget is skipped", func(t *testing.T) {
		t.Parallel()
		big := contentPDF("", nil, pages[0], `BT /F1 10 Tf 72 700 Td (`+strings.Repeat("x", 2000)+`)Tj ET`, pages[2])
		got, err := content.ExtractPDF(ctx, big, content.PDFLimits{MaxContentBytes: 4000})
		require.NoError(t, err)
		assert.Equal(t, "Page number 1 of eight, padded to a hundred bytes of content stream.\n\nPage number 3 of eight, padded to a hundred bytes of content stream.", got)
	})
	t.Run("cancelled context", func(t *testing.T) {
		t.Parallel()
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := content.ExtractPDF(cctx, doc, content.PDFLimits{})
		require.ErrorIs(t, err, context.Canceled)
	})
}

// TestPDFToTextPDF20 checks that a "%PDF-2.0" header is accepted.
func TestPDFToTextPDF20(t *testing.T) {
	t.Parallel()
	doc := contentPDF("", nil, `BT /F1 10 Tf 72 700 Td (version two)Tj ET`)
	copy(doc, "%PDF-2.0")
	got, err := content.PDFToText(doc)
	require.NoError(t, err)
	assert.Equal(t, "version two", got)
}

// pdfTestdata are the PDFs of testdata/pdf, written by -update from these
// descriptions so that they are reviewable and reproducible.
var pdfTestdata = map[string]func(t testing.TB) []byte{
	"lecture_helvetica.pdf": func(t testing.TB) []byte {
		return makePDF(t, pdfDoc{pages: lecturePages, compress: true})
	},
	"lecture_utf8.pdf": func(t testing.TB) []byte {
		return makePDF(t, pdfDoc{compress: true, utf8: true, pages: [][]string{
			{"Markov-beslutningsprosesser", "En MDP er et 4-tuppel (S, A, P, R) der γ ∈ [0, 1) er diskonteringsfaktoren.", "Verdien V(s) oppfyller Bellman-likningen."},
			{"Forsterkende læring", "Q-læring lærer Q(s, a) uten en modell av miljøet — «model-free».", "Utforsking mot utnyttelse: ε-grådig strategi."},
		}})
	},
	"layout.pdf": func(testing.TB) []byte {
		contents := make([]string, 0, len(pdfLayoutCases))
		for _, c := range pdfLayoutCases {
			contents = append(contents, c.content)
		}
		return contentPDF("", nil, contents...)
	},
}

// TestPDFToTextGolden extracts every testdata/pdf/*.pdf and compares the
// text with the .golden file next to it. -update rewrites the PDFs from
// pdfTestdata first.
func TestPDFToTextGolden(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "pdf")
	if *update {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for name, gen := range pdfTestdata {
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), gen(t), 0o644))
		}
	}
	inputs, err := filepath.Glob(filepath.Join(dir, "*.pdf"))
	require.NoError(t, err)
	require.NotEmpty(t, inputs)
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			raw, err := os.ReadFile(in)
			require.NoError(t, err)
			got, err := content.PDFToText(raw)
			require.NoError(t, err)
			checkGolden(t, strings.TrimSuffix(in, ".pdf")+".golden", got)
		})
	}
}

// FuzzPDFToText checks that any bytes give valid UTF-8 within the limit
// or an error, without panicking.
func FuzzPDFToText(f *testing.F) {
	f.Add(makePDF(f, pdfDoc{pages: lecturePages}))
	f.Add(makePDF(f, pdfDoc{pages: lecturePages[:1], compress: true}))
	f.Add(makePDF(f, pdfDoc{pages: [][]string{{"æøå αβγ"}}, utf8: true}))
	for _, c := range pdfLayoutCases {
		f.Add(contentPDF("", nil, c.content))
	}
	f.Add([]byte("%PDF-1.4\n%%EOF\n"))
	f.Add([]byte("not a pdf"))
	addTestdataSeeds(f, "pdf/*.pdf", func(b []byte) { f.Add(b) })
	// The encrypted corpus files: mutations reach the decryption.
	addTestdataSeeds(f, "corpus/enc_*.pdf", func(b []byte) { f.Add(b) })
	lim := content.PDFLimits{MaxChars: 2000, MaxPages: 50, MaxContentBytes: 8 << 20, Timeout: 5 * time.Second}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got string
		var err error
		bounded(t, func() { got, err = content.ExtractPDF(context.Background(), data, lim) })
		if err != nil {
			if got != "" {
				t.Fatalf("text %q with error %v", got, err)
			}
			return
		}
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8: %q", got)
		}
		if n := utf8.RuneCountInString(got); n > lim.MaxChars {
			t.Fatalf("%d runes, limit %d", n, lim.MaxChars)
		}
		if strings.TrimSpace(got) != got {
			t.Fatalf("untrimmed output: %q", got)
		}
	})
}

// benchmarkPDF is a 40-page lecture handout: compressed, two columns of
// text lines per page.
func benchmarkPDF(b *testing.B) []byte {
	pages := make([][]string, 40)
	for i := range pages {
		for j := range 30 {
			pages[i] = append(pages[i], fmt.Sprintf("Slide %d, point %d: value iteration applies the Bellman update to every state until it converges.", i+1, j+1))
		}
	}
	return makePDF(b, pdfDoc{pages: pages, compress: true})
}

func BenchmarkPDFToText(b *testing.B) {
	doc := benchmarkPDF(b)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := content.PDFToText(doc); err != nil {
			b.Fatal(err)
		}
	}
}
