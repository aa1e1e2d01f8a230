package content

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

// The PDF library allocates tables sized by numbers it reads from the file
// (/Size, /Index and xref subsection starts, /W field widths, /Columns of
// a predictor) and inflates streams without limit. A few bytes can thus
// ask for gigabytes, which is a crash, not a panic we could recover. Before
// the library sees a file, checkStructure scans the raw bytes and the
// Flate streams for such numbers and for decompression bombs, and refuses
// the file when one is out of bounds. The bounds are far above what real
// documents use; the inflate bounds derive from PDFLimits.MaxContentBytes.
const (
	maxObjects    = 1 << 20 // object numbers (xref entries) in xref streams and tables
	looseObjects  = 1 << 23 // /Size and /Index anywhere (an embedded file's /Size is its byte size)
	maxFieldWidth = 1 << 20 // /W entries (xref field widths, CIDs, glyph widths)
	maxColumns    = 1 << 22 // predictor /Columns
	scanChunk     = 1 << 20 // decoded bytes scanned at a time
	scanOverlap   = 4 << 10 // carried between chunks so keys are not split
)

// errStructure reports a number or a stream outside the bounds above.
var errStructure = errors.New("pdf structure out of bounds")

// guardedKeys are the dictionary keys whose numbers size an allocation or a
// loop in the library, with the bound checked wherever the key appears.
// /Size and /Index get the tighter maxObjects in the dictionaries of
// top-level objects (checkObjectDicts), where cross-reference streams are.
//
//nolint:gochecknoglobals // read-only table
var guardedKeys = map[string]int64{
	"Size":    looseObjects,
	"Index":   looseObjects,
	"N":       maxObjects, // objects in an object stream: a loop bound
	"W":       maxFieldWidth,
	"Columns": maxColumns,
}

// checkStructure refuses data whose numbers or Flate streams are out of
// bounds (see above). Of the streams, it inflates the object streams
// (the library parses objects from them without limits); the streams we
// read ourselves (page content, forms, CMaps) are bounded as they are
// read. It keeps at most scanChunk+scanOverlap decoded bytes in memory.
//
// No object stream may inflate past streamLimit bytes, nor all of them
// past totalLimit.
func checkStructure(data []byte, streamLimit, totalLimit int64) error {
	if err := checkNumbers(data); err != nil {
		return err
	}
	if err := checkXrefTables(data); err != nil {
		return err
	}
	if err := checkObjectDicts(data); err != nil {
		return err
	}
	var total int64
	var sc flateScanner
	defer sc.close()
	for i := 0; ; {
		k := bytes.Index(data[i:], []byte("stream"))
		if k < 0 {
			return nil
		}
		i += k + len("stream")
		start := i
		if start < len(data) && data[start] == '\r' {
			start++
		}
		if start < len(data) && data[start] == '\n' {
			start++
		}
		if start == i || !zlibHeader(data[start:]) || !mayHoldObjects(data, i-len("stream")) {
			continue
		}
		n, err := sc.check(data[start:], min(streamLimit, totalLimit-total))
		if err != nil {
			return err
		}
		total += n
	}
}

// mayHoldObjects reports whether the stream whose "stream" keyword is at
// at may be an object stream: its dictionary, read from the preceding
// "obj" keyword, names /ObjStm. When the dictionary cannot be found, it
// answers yes.
func mayHoldObjects(data []byte, at int) bool {
	from := max(0, at-64<<10)
	k := bytes.LastIndex(data[from:at], []byte("obj"))
	if k < 0 {
		return true
	}
	l := lexer{b: data[:at], i: from + k + len("obj")}
	for {
		t := l.next()
		switch {
		case t.kind == tokEOF:
			return false
		case t.kind == tokName && t.str == "ObjStm":
			return true
		}
	}
}

// zlibHeader reports whether b starts with a plausible zlib header.
func zlibHeader(b []byte) bool {
	return len(b) >= 2 && b[0]&0x0f == 8 && b[0]>>4 <= 7 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}

// flateScanner inflates streams for checkStructure, reusing its buffer
// and decompressor from one stream to the next.
type flateScanner struct {
	zr  io.ReadCloser
	buf []byte
}

func (sc *flateScanner) close() {
	if sc.zr != nil {
		sc.zr.Close()
	}
}

// check inflates the stream at the start of b, checking the numbers in
// the decoded data chunk by chunk, and returns the decoded size, or an
// error past limit bytes. A stream that does not inflate cleanly is not
// our concern: the library reports it when (and if) it is read.
func (sc *flateScanner) check(b []byte, limit int64) (int64, error) {
	var err error
	if sc.zr == nil {
		sc.zr, err = zlib.NewReader(bytes.NewReader(b))
	} else {
		err = sc.zr.(zlib.Resetter).Reset(bytes.NewReader(b), nil)
	}
	if err != nil {
		return 0, nil
	}
	if sc.buf == nil {
		sc.buf = make([]byte, 0, scanChunk+scanOverlap)
	}
	buf := sc.buf[:0]
	var n int64
	for {
		keep := buf[max(0, len(buf)-scanOverlap):]
		buf = append(buf[:0], keep...)
		m, rerr := io.ReadFull(sc.zr, buf[len(buf):len(buf)+scanChunk])
		buf = buf[:len(buf)+m]
		n += int64(m)
		if n > limit {
			return n, fmt.Errorf("%w: a stream inflates past %d bytes", errStructure, limit)
		}
		if err := checkNumbers(buf); err != nil {
			return n, err
		}
		if rerr != nil {
			return n, nil
		}
	}
}

// checkNumbers finds every name in guardedKeys (with #xx escapes decoded,
// as the library reads them) and checks the integers that follow it.
func checkNumbers(data []byte) error {
	for i := 0; ; {
		k := bytes.IndexByte(data[i:], '/')
		if k < 0 {
			return nil
		}
		l := lexer{b: data, i: i + k + 1}
		key := l.name()
		i = l.i
		if bound, ok := guardedKeys[key]; ok {
			if err := l.checkValue(key, bound); err != nil {
				return err
			}
		}
	}
}

// checkValue checks the integers after key: one, or the first three of a
// /W array, or the start+count pairs of an /Index array.
func (l *lexer) checkValue(key string, bound int64) error {
	l.skipSpace()
	count := 1
	if key == "W" || key == "Index" {
		if l.i >= len(l.b) || l.b[l.i] != '[' {
			return nil
		}
		l.i++
		count = 3
		if key == "Index" {
			count = 1 << 12
		}
	}
	var prev int64
	for j := range count {
		l.skipSpace()
		v, ok := l.integer()
		if !ok {
			return nil
		}
		switch {
		case v > bound || v < -bound:
			return fmt.Errorf("%w: /%s %d", errStructure, key, v)
		case key == "Index" && j%2 == 1 && prev+v > bound:
			return fmt.Errorf("%w: /Index %d %d", errStructure, prev, v)
		}
		prev = v
	}
	return nil
}

// checkObjectDicts checks /Size and /Index against maxObjects in the
// dictionary of each top-level object ("N G obj << ... >>"), where the
// library reads them from cross-reference streams. Objects are scanned in
// file order and each byte once.
func checkObjectDicts(data []byte) error {
	for i := 0; ; {
		k := bytes.Index(data[i:], []byte("obj"))
		if k < 0 {
			return nil
		}
		at := i + k
		i = at + len("obj")
		if at > 0 && isRegular(data[at-1]) || i < len(data) && isRegular(data[i]) {
			continue // endobj, or part of another word
		}
		l := lexer{b: data, i: i}
		l.skipSpace()
		if t := l.next(); t.kind != tokDictOpen {
			continue
		}
		depth := 1
		for depth > 0 {
			t := l.next()
			switch t.kind {
			case tokEOF:
				return nil
			case tokDictOpen:
				depth++
			case tokDictClose:
				depth--
			case tokName:
				if depth == 1 && (t.str == "Size" || t.str == "Index") {
					if err := l.checkValue(t.str, maxObjects); err != nil {
						return err
					}
				}
			}
		}
		i = l.i
	}
}

// integer reads an integer token (digits with an optional sign), clamping
// its value far out of any bound instead of overflowing.
func (l *lexer) integer() (int64, bool) {
	start := l.i
	for l.i < len(l.b) && isRegular(l.b[l.i]) {
		l.i++
	}
	w := l.b[start:l.i]
	neg := false
	if len(w) > 0 && (w[0] == '+' || w[0] == '-') {
		neg = w[0] == '-'
		w = w[1:]
	}
	if len(w) == 0 {
		return 0, false
	}
	var v int64
	for _, c := range w {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v < 1<<40 {
			v = v*10 + int64(c-'0')
		}
	}
	if neg {
		v = -v
	}
	return v, true
}

// checkXrefTables checks the subsection headers ("start count") of every
// classic cross-reference table, whose entries the library stores at
// index start+i.
func checkXrefTables(data []byte) error {
	for i := 0; ; {
		k := bytes.Index(data[i:], []byte("xref"))
		if k < 0 {
			return nil
		}
		at := i + k
		i = at + len("xref")
		if at > 0 && isRegular(data[at-1]) || i < len(data) && isRegular(data[i]) {
			continue // startxref, or part of another word
		}
		l := lexer{b: data, i: i}
		for {
			l.skipSpace()
			start, ok1 := l.integer()
			l.skipSpace()
			count, ok2 := l.integer()
			if !ok1 || !ok2 {
				break
			}
			if start < 0 || count < 0 || start+count > maxObjects {
				return fmt.Errorf("%w: xref subsection %d %d", errStructure, start, count)
			}
			// Skip the entries: offset, generation, f or n.
			for range 3 * count {
				l.skipSpace()
				if l.i >= len(data) {
					return nil
				}
				for l.i < len(data) && isRegular(data[l.i]) {
					l.i++
				}
			}
		}
	}
}
