// Package content turns Canvas course material into the plain text that
// question generation reads (docs/compatibility.md, Content extraction): wiki pages are cleaned from HTML
// (HTMLToText), PDF files are read page by page (PDFToText, ExtractPDF), and
// Extractor walks the selected modules through a Source (implemented by
// canvas.Client) and builds the stored "extracted content" document.
//
// The package does no SQL and keeps no state between calls. It never logs
// or returns the Canvas access token. Inputs are untrusted: every decoder
// here bounds its work and turns malformed input into an error or a skip,
// never into a panic.
package content
