package content_test

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/font/gofont/goregular"
)

// pdfDoc describes a PDF that makePDF writes with fpdf.
type pdfDoc struct {
	pages    [][]string // lines of text, per page
	utf8     bool       // embed Go Regular (a Type0 font with ToUnicode) instead of Helvetica
	compress bool
	// protect encrypts the document (RC4, fpdf's SetProtection); user is
	// the password needed to open it, possibly empty.
	protect     bool
	user, owner string
}

// makePDF writes d with fpdf. The output is deterministic: fixed dates,
// sorted catalog, and no random owner password.
func makePDF(t testing.TB, d pdfDoc) []byte {
	t.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	when := time.Date(2024, 9, 1, 12, 0, 0, 0, time.UTC)
	f.SetCreationDate(when)
	f.SetModificationDate(when)
	f.SetCatalogSort(true)
	f.SetProducer("quizgen content tests", false)
	f.SetCompression(d.compress)
	if d.protect {
		f.SetProtection(fpdf.CnProtectPrint, d.user, d.owner)
	}
	family := "Helvetica"
	tr := f.UnicodeTranslatorFromDescriptor("") // cp1252 for the core font
	if d.utf8 {
		f.AddUTF8FontFromBytes("goregular", "", goregular.TTF)
		family = "goregular"
		tr = func(s string) string { return s }
	}
	for _, lines := range d.pages {
		f.AddPage()
		f.SetFont(family, "", 12)
		for _, line := range lines {
			f.CellFormat(0, 7, tr(line), "", 1, "L", false, 0, "")
		}
	}
	var b bytes.Buffer
	require.NoError(t, f.Output(&b))
	return b.Bytes()
}

// buildPDF writes a PDF whose objects 1..n are objs (bodies without the
// "N 0 obj" line), with a correct cross-reference table and object 1 as
// the catalog.
func buildPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// stream is the body of a stream object with the given extra dictionary
// entries.
func stream(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// flateStream is stream with data compressed by FlateDecode.
func flateStream(dict string, data []byte) string {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(data) //nolint:errcheck // writes to a bytes.Buffer do not fail
	w.Close()     //nolint:errcheck // idem
	return stream(dict+" /Filter /FlateDecode", z.String())
}

// monoFont is a WinAnsi font whose printable glyphs are all 500/1000 em
// wide, so that positions in hand-written content are easy to compute:
// at size 10, every character is 5 units wide.
const monoFont = "<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 126 /Widths [" +
	"500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 " +
	"500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 " +
	"500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500] >>"

// contentPDF builds a PDF with one page per content stream, every page
// using monoFont as /F1 plus the extra resource entries given. The extra
// objects are numbered from 4 on, so resources can refer to them as
// "4 0 R", "5 0 R", ...
func contentPDF(extraResources string, extraObjs []string, contents ...string) []byte {
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "", monoFont}
	objs = append(objs, extraObjs...)
	kids := make([]string, len(contents))
	for i, c := range contents {
		page := len(objs) + 1
		kids[i] = fmt.Sprintf("%d 0 R", page)
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> %s >> /Contents %d 0 R >>", extraResources, page+1),
			stream("", c))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(contents))
	return buildPDF(objs...)
}
