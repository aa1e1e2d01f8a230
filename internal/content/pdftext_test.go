package content_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/content"
)

// TestPDFWordGaps: where a gap between glyphs is a word break, as poppler's
// pdftotext (the corpus reference) decides it; each case's text is what
// pdftotext gives for the same page (monoFont, 10 pt, 500/1000 em glyphs).
func TestPDFWordGaps(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, content, want string }{
		// TeX's math italic correction after an f (0.11 em) is a gap: 'f (a)', not 'f(a)' glued.
		{"a gap over 0.1 em breaks a word", `BT /F1 10 Tf 72 700 Td [(aaa)-500(bbb)-500(f)-110((a))-500(ccc)]TJ ET`, "aaa bbb f (a) ccc"},
		{"kerning under 0.1 em does not", `BT /F1 10 Tf 72 700 Td [(aaa)-500(bb)-90(b)]TJ ET`, "aaa bbb"},
		// Letter spacing (CSS letter-spacing, Tc, glyphs placed one by one):
		// a line of one-glyph words whose gaps are alike is one word; a
		// gap well over the narrowest is still a word break.
		{"letter-spaced word", `BT /F1 10 Tf 72 700 Td 3.5 Tc (READING)Tj ET`, "READING"},
		{"letter-spaced words", `BT /F1 10 Tf 72 700 Td [(a)-200(b)-200(c)-200(d)-700(e)-200(f)]TJ ET`, "abcd ef"},
		// pdftotext puts ME on a line of its own: the words are the same.
		{"glyphs placed one by one", `BT /F1 10 Tf 72 700 Td (R)Tj 8.5 0 Td (E)Tj 8.5 0 Td (A)Tj 8.5 0 Td (D)Tj 18 0 Td (M)Tj 8.5 0 Td (E)Tj ET`, "READ ME"},
		{"wide gaps stay word breaks", `BT /F1 10 Tf 72 700 Td [(x)-500(y)-500(z)]TJ ET`, "x y z"},
		{"a line with a longer word keeps its gaps", `BT /F1 10 Tf 72 700 Td 3 Tc (abc)Tj 0 Tc ( and more words)Tj ET`, "a b c and more words"},
		// A space glyph between letter-spaced words widens their gap.
		{"a space glyph between letter-spaced words", `BT /F1 10 Tf 72 700 Td 3.5 Tc (READ ME)Tj ET`, "READ ME"},
		// A space character with a gap is a word break, even on a line of
		// one-glyph words with alike gaps (pdftotext joins x=y here).
		{"a space character is a word break", `BT /F1 10 Tf 72 700 Td (x = y)Tj ET`, "x = y"},
		{"each line decides alone", `BT /F1 10 Tf 72 700 Td 3 Tc (ab)Tj 0 -12 Td 0 Tc [(c)-300(d)-300(ef)]TJ 0 -12 Td 3 Tc (gh)Tj ET`, "ab\nc d ef\ngh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := content.PDFToText(contentPDF("", nil, tt.content))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestPDFHyphenatedWords: a word hyphenated at the end of a line is one
// word again, as pdftotext reads it; a hyphen after no letter, or before
// a capital, stays.
func TestPDFHyphenatedWords(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, content, want string }{
		{"hyphenated word", `BT /F1 10 Tf 12 TL 72 700 Td (how effec-)Tj T* (tive it is)Tj ET`, "how effective it is"},
		{"twice in a row", `BT /F1 10 Tf 12 TL 72 700 Td (the ratio ex-)Tj T* (ceeds the sec-)Tj T* (ond)Tj ET`, "the ratio exceeds the second"},
		{"Unicode hyphen", `BT /F2 10 Tf 12 TL 72 700 Td <0001 0002 0003>Tj T* <0004>Tj ET`, "abc"},
		{"before a capital", `BT /F1 10 Tf 12 TL 72 700 Td (Jean-)Tj T* (Paul)Tj ET`, "Jean-\nPaul"},
		{"after a digit", `BT /F1 10 Tf 12 TL 72 700 Td (pages 1-)Tj T* (five)Tj ET`, "pages 1-\nfive"},
		{"a dash on its own", `BT /F1 10 Tf 12 TL 72 700 Td (and -)Tj T* (more)Tj ET`, "and -\nmore"},
		{"on the same line", `BT /F1 10 Tf 72 700 Td (well-)Tj (known)Tj ET`, "well-known"},
	}
	toUnicode := stream("", `/CIDInit /ProcSet findresource begin 12 dict begin begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Test-UCS def /CMapType 2 def
1 begincodespacerange <0000> <FFFF> endcodespacerange
4 beginbfchar <0001> <0061> <0002> <0062> <0003> <2010> <0004> <0063> endbfchar
endcmap CMapName currentdict /CMap defineresource pop end end`)
	type0 := "<< /Type /Font /Subtype /Type0 /BaseFont /Test /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 5 0 R >>"
	cidFont := "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Test /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 500 >>"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := content.PDFToText(contentPDF("/Font << /F1 3 0 R /F2 4 0 R >>", []string{type0, toUnicode, cidFont}, tt.content))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
