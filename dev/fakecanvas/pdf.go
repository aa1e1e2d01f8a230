package fakecanvas

import (
	"archive/zip"
	"bytes"
	"fmt"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// documentDate is the fixed creation date of every generated document,
// so that every Server serves the same bytes.
func documentDate() time.Time { return time.Date(2025, time.January, 13, 8, 15, 0, 0, time.UTC) }

// renderLecture renders a lecture as a landscape A4 slide deck: a title
// page and one page per slide, with real (extractable) text.
func renderLecture(l lecture) ([]byte, error) {
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetCreationDate(documentDate())
	pdf.SetModificationDate(documentDate())
	pdf.SetCatalogSort(true)
	pdf.SetCompression(true)
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252, for the core fonts
	pdf.SetTitle(l.title, true)
	pdf.SetAuthor("INF-2600 teaching team", true)
	pdf.SetCreator("quizgen fakecanvas", true)
	pdf.SetProducer("quizgen fakecanvas", true)
	pdf.SetMargins(20, 18, 20)
	pdf.SetAutoPageBreak(true, 18)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-14)
		pdf.SetFont("Helvetica", "I", 9)
		pdf.SetTextColor(110, 110, 110)
		pdf.CellFormat(0, 8, tr(fmt.Sprintf("INF-2600 - %s - page %d", l.title, pdf.PageNo())), "", 0, "C", false, 0, "")
	})

	pdf.AddPage()
	pdf.SetY(70)
	pdf.SetFont("Helvetica", "B", 28)
	pdf.SetTextColor(3, 60, 110)
	pdf.MultiCell(0, 13, tr(l.title), "", "C", false)
	pdf.Ln(6)
	pdf.SetFont("Helvetica", "", 14)
	pdf.SetTextColor(40, 40, 40)
	pdf.MultiCell(0, 8, tr(l.subtitle), "", "C", false)

	for _, s := range l.slides {
		pdf.AddPage()
		pdf.SetFont("Helvetica", "B", 20)
		pdf.SetTextColor(3, 60, 110)
		pdf.MultiCell(0, 11, tr(s.heading), "", "L", false)
		pdf.Ln(3)
		pdf.SetFont("Helvetica", "", 13)
		pdf.SetTextColor(20, 20, 20)
		for _, b := range s.bullets {
			pdf.MultiCell(0, 7, tr("- "+b), "", "L", false)
			pdf.Ln(2)
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render %q: %w", l.title, err)
	}
	return buf.Bytes(), nil
}

// corruptPDF returns a file that starts like a PDF but is not one: the
// first part of a real PDF, a run of garbage, and no cross-reference
// table or %%EOF.
func corruptPDF(real []byte) []byte {
	head := real[:min(len(real), 700)]
	out := append([]byte(nil), head...)
	out = append(out, []byte("\nstream\n")...)
	for i := range 2048 {
		out = append(out, byte((i*131+7)%251))
	}
	return append(out, []byte("\nendobj\ntrailer\n<< /Size 0 /Root 99 0 R\n")...)
}

// docx returns a small but real Word document (a zip of OOXML parts).
func docx() ([]byte, error) {
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>INF-2600 reading list</w:t></w:r></w:p>
<w:p><w:r><w:t>Russell and Norvig, Artificial Intelligence: A Modern Approach, 4th edition, chapters 1-6, 17 and 22.</w:t></w:r></w:p>
<w:p><w:r><w:t>Sutton and Barto, Reinforcement Learning: An Introduction, 2nd edition, chapters 3, 4, 6 and 9.</w:t></w:r></w:p>
</w:body></w:document>`},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: documentDate()})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
