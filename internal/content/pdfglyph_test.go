package content_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/content"
)

// TestPDFTeXBuiltinEncoding reads a pdflatex document in LaTeX's default
// OT1 encoding, whose Computer Modern fonts have no ToUnicode map and no
// Encoding in the PDF: their glyph names are only in the embedded font
// programs. Ligatures and math symbols come from those names, and accents
// drawn as glyphs of their own over a letter are combined with it.
func TestPDFTeXBuiltinEncoding(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("testdata", "pdf", "pdftex_ot1.pdf"))
	require.NoError(t, err)
	got, err := content.PDFToText(raw)
	require.NoError(t, err)
	for _, want := range []string{
		"The value is fixed and the IDL files are final; affine offices efface.",
		"Each bit x ∈ {0, 1}",
		"≤ n.",
		"Vi gikk på tur, café, én gang, naïve, île, Åse, Éric.",
	} {
		assert.Contains(t, got, want)
	}
}

// fontPDF builds a one-page PDF whose page uses font as /F2.
func fontPDF(font, content string) []byte {
	return buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F2 5 0 R >> >> /Contents 4 0 R >>",
		stream("", content),
		font)
}

// TestPDFStandardFontWidths places words with the real metrics of
// Helvetica, a standard font written without a Widths array (as FOP,
// Prawn and ReportLab do): glyphs are not all half an em wide.
func TestPDFStandardFontWidths(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, font, content, want string }{
		// "if" is 5.0 wide at 10 pt; the next word starts 0.278 em later.
		{"narrow word then a space", "/Helvetica", `BT /F2 10 Tf 72 700 Td (if)Tj 7.78 0 Td (x)Tj ET`, "if x"},
		// "ill" is 6.66 wide: "ion" follows it directly.
		{"narrow letters joined", "/Helvetica", `BT /F2 10 Tf 72 700 Td (ill)Tj 6.66 0 Td (ion)Tj ET`, "illion"},
		{"Arial is Helvetica", "/Arial,Bold", `BT /F2 10 Tf 72 700 Td (if)Tj 8.89 0 Td (x)Tj ET`, "if x"},
		// Times-Roman "WW" is 18.88 wide.
		{"wide letters joined", "/Times-Roman", `BT /F2 10 Tf 72 700 Td (WW)Tj 18.88 0 Td (W)Tj ET`, "WWW"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			font := fmt.Sprintf("<< /Type /Font /Subtype /Type1 /BaseFont %s /Encoding /WinAnsiEncoding >>", tt.font)
			got, err := content.PDFToText(fontPDF(font, tt.content))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestPDFGlyphNames decodes fonts without ToUnicode by their glyph names.
func TestPDFGlyphNames(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, font, content, want string }{
		{
			"Differences by the Adobe Glyph List and its conventions",
			"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding << /Type /Encoding /Differences [65 /fi /element /braceleft /summation.v1 /uni2264 /f_f /u1D400 /ffl] >> >>",
			`BT /F2 10 Tf 72 700 Td (is A) Tj 0 -12 Td (x B C0, 1}) Tj 0 -12 Td (D E F G H) Tj ET`,
			"is fi\nx ∈ {0, 1}\n∑ ≤ ff 𝐀 ffl",
		},
		{
			"Symbol's built-in encoding",
			"<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>",
			`BT /F2 10 Tf 72 700 Td (a \316 b) Tj ET`,
			"α ∈ β",
		},
		{
			"Type 3 bitmap glyphs named by their code",
			"<< /Type /Font /Subtype /Type3 /FontMatrix [0.001 0 0 0.001 0 0] /FontBBox [0 0 1000 1000] /CharProcs << >> /Resources << >> /FirstChar 12 /LastChar 105 /Widths [556 " +
				"0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 " +
				"500] /Encoding << /Type /Encoding /Differences [12 /a12 105 /a105] >> >>",
			"BT /F2 10 Tf 72 700 Td (\\014\\014i) Tj ET",
			"fifii",
		},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := content.PDFToText(fontPDF(tt.font, tt.content))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestPDFAccentGlyphs combines a spacing accent drawn over a letter with
// it, whichever is drawn first, and leaves an accent beside a letter
// alone.
func TestPDFAccentGlyphs(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, content, want string }{
		{"accent first", `BT /F1 10 Tf 72 700 Td (p)Tj 5 0 Td (\230)Tj 0 0 Td (a)Tj 5 0 Td (!)Tj ET`, "pã!"},
		{"accent first with a gap back", `BT /F1 10 Tf 72 700 Td (\264)Tj -0.5 0 Td (e)Tj ET`, "é"},
		{"accent after the letter", `BT /F1 10 Tf 72 700 Td (c)Tj 0 0 Td (\270)Tj 5 0 Td (a)Tj ET`, "ça"},
		// xy, not x: a line of one-glyph words with alike gaps is letter spacing.
		{"word gap after the letter, not the wider accent", `BT /F1 10 Tf 74 700 Td (~)Tj -2 0 Td (n)Tj 6.6 0 Td (xy)Tj ET`, "ñ xy"},
		{"accent beside a letter", `BT /F1 10 Tf 72 700 Td (\264)Tj 10 0 Td (e)Tj ET`, "´ e"},
		{"accent on its own", `BT /F1 10 Tf 72 700 Td (x \264 y)Tj ET`, "x ´ y"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := content.PDFToText(contentPDF("", nil, tt.content))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
