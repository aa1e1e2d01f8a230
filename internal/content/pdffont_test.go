package content_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/content"
)

// type1Program is the clear-text part of an embedded Type 1 font program
// whose built-in encoding names code 66 "A" and code 67 "C", followed by
// pad bytes of padding before eexec.
func type1Program(pad int) []byte {
	var b bytes.Buffer
	b.WriteString("%!PS-AdobeFont-1.0: Test 001\n/Encoding 256 array\n0 1 255 {1 index exch /.notdef put} for\n")
	b.WriteString("dup 66 /A put\ndup 67 /C put\nreadonly def\n")
	b.WriteString("% " + string(bytes.Repeat([]byte{'x'}, pad)) + "\n")
	b.WriteString("currentfile eexec\n")
	return b.Bytes()
}

// programFontPDF builds a PDF with one page per content stream, all of
// them using /F2: a Type 1 font whose Differences name code 65 "B" and
// whose embedded program (pad bytes of padding) holds the rest of its
// encoding.
func programFontPDF(pad int, contents ...string) []byte {
	prog := type1Program(pad)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"",
		"<< /Type /Font /Subtype /Type1 /BaseFont /ABCDEF+Test /FirstChar 65 /LastChar 67 /Widths [500 500 500] " +
			"/Encoding << /Type /Encoding /Differences [65 /B] >> /FontDescriptor 4 0 R >>",
		"<< /Type /FontDescriptor /FontName /ABCDEF+Test /Flags 4 /FontBBox [0 0 1000 1000] /ItalicAngle 0 " +
			"/Ascent 700 /Descent -200 /CapHeight 700 /StemV 80 /FontFile 5 0 R >>",
		flateStream(fmt.Sprintf("/Length1 %d /Length2 0 /Length3 0", len(prog)), prog),
	}
	kids := ""
	for _, c := range contents {
		page := len(objs) + 1
		kids += fmt.Sprintf("%d 0 R ", page)
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F2 3 0 R >> >> /Contents %d 0 R >>", page+1),
			stream("", c))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, len(contents))
	return buildPDF(objs...)
}

// TestPDFType1ProgramEncoding reads the codes a simple font's Differences
// leave out from its embedded program's built-in encoding, and reads that
// program only when such a code is shown: a program nothing needs does
// not spend the document's content budget, so later pages keep their
// text.
func TestPDFType1ProgramEncoding(t *testing.T) {
	t.Parallel()
	t.Run("codes outside Differences", func(t *testing.T) {
		t.Parallel()
		got, err := content.PDFToText(programFontPDF(0, "BT /F2 12 Tf 72 700 Td (ABC) Tj ET"))
		require.NoError(t, err)
		assert.Equal(t, "BAC", got)
	})
	t.Run("program not needed", func(t *testing.T) {
		t.Parallel()
		// The program decodes to more than the whole budget; the pages
		// show only code 65, which Differences name.
		doc := programFontPDF(40_000,
			"BT /F2 12 Tf 72 700 Td (AAA) Tj ET",
			"BT /F2 12 Tf 72 700 Td (A) Tj ET")
		got, err := content.ExtractPDF(t.Context(), doc, content.PDFLimits{MaxContentBytes: 30_000})
		require.NoError(t, err)
		assert.Equal(t, "BBB\n\nB", got)
	})
}
