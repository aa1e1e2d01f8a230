package content

import (
	"bytes"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// Limits on font data, far above real fonts.
const (
	maxCMapBytes    = 1 << 20 // decoded size of a ToUnicode or encoding CMap
	maxCMapChars    = 1 << 17 // code → text entries kept in a map
	maxCMapRanges   = 1 << 12 // large bfranges kept for scanning
	maxWidthEntries = 1 << 17 // CID widths kept
	defaultWidth    = 0.5     // em, when a font gives no width at all
)

// cmap maps character codes to Unicode text (a ToUnicode CMap) and knows
// the code space (how many bytes each code takes).
type cmap struct {
	space  []codeRange
	chars  map[uint32]string
	ranges []bfRange
}

// codeRange is one codespace range: codes of n bytes between lo and hi,
// compared byte by byte.
type codeRange struct {
	n      int
	lo, hi [4]byte
}

// bfRange maps lo..hi to dst, dst+1, ... (base) or to dst[i] (list).
type bfRange struct {
	lo, hi uint32
	base   []uint16
	list   []string
}

// parseCMap reads the operators of a CMap that matter for text: the code
// space ranges and the bfchar/bfrange mappings. Anything else is ignored.
func parseCMap(data []byte) *cmap {
	m := &cmap{chars: make(map[uint32]string)}
	parseOps(data, func(op string, args []operand) bool {
		switch op {
		case "endcodespacerange":
			for i := 0; i+1 < len(args); i += 2 {
				lo, hi := args[i].str, args[i+1].str
				if len(lo) == 0 || len(lo) > 4 || len(lo) != len(hi) {
					continue
				}
				r := codeRange{n: len(lo)}
				copy(r.lo[:], lo)
				copy(r.hi[:], hi)
				m.space = append(m.space, r)
			}
		case "endbfchar":
			for i := 0; i+1 < len(args); i += 2 {
				if len(m.chars) < maxCMapChars && args[i].kind == opString {
					m.chars[codeValue(args[i].str)] = utf16Text(args[i+1].str)
				}
			}
		case "endbfrange":
			for i := 0; i+2 < len(args); i += 3 {
				m.addRange(args[i], args[i+1], args[i+2])
			}
		}
		return true
	})
	return m
}

// addRange records one bfrange entry. Small ranges are expanded into the
// chars map; large ones (like fpdf's <0000> <FFFF> <0000>) are kept as
// ranges, whose destination is incremented as a whole UTF-16 value
// rather than only in its last byte, as pdf.js and pypdf do.
func (m *cmap) addRange(loOp, hiOp, dst operand) {
	if loOp.kind != opString || hiOp.kind != opString {
		return
	}
	lo, hi := codeValue(loOp.str), codeValue(hiOp.str)
	if hi < lo {
		return
	}
	r := bfRange{lo: lo, hi: hi}
	switch dst.kind {
	case opString:
		r.base = utf16Units(dst.str)
		if len(r.base) == 0 {
			return
		}
	case opArray:
		for _, d := range dst.arr {
			r.list = append(r.list, utf16Text(d.str))
		}
	default:
		return
	}
	if hi-lo < 256 && len(m.chars)+int(hi-lo) < maxCMapChars {
		for c := lo; ; c++ {
			if s, ok := r.lookup(c); ok {
				m.chars[c] = s
			}
			if c == hi {
				break
			}
		}
		return
	}
	if len(m.ranges) < maxCMapRanges {
		m.ranges = append(m.ranges, r)
	}
}

// lookup returns the text of code c within the range.
func (r *bfRange) lookup(c uint32) (string, bool) {
	off := c - r.lo
	if r.list != nil {
		if int(off) < len(r.list) {
			return r.list[off], true
		}
		return "", false
	}
	units := make([]uint16, len(r.base))
	copy(units, r.base)
	units[len(units)-1] += uint16(off) //nolint:gosec // wraps like a 16-bit code unit
	return decodeUnits(units), true
}

// text returns the Unicode text of code c and whether the CMap maps it.
func (m *cmap) text(c uint32) (string, bool) {
	if s, ok := m.chars[c]; ok {
		return s, true
	}
	for i := range m.ranges {
		r := &m.ranges[i]
		if c >= r.lo && c <= r.hi {
			return r.lookup(c)
		}
	}
	return "", false
}

// codeLen returns the length of the code starting at s[0] according to
// the code space, or 0 when no range matches.
func (m *cmap) codeLen(s string) int {
	for _, r := range m.space {
		if r.n > len(s) {
			continue
		}
		ok := true
		for k := 0; k < r.n; k++ {
			if s[k] < r.lo[k] || s[k] > r.hi[k] {
				ok = false
				break
			}
		}
		if ok {
			return r.n
		}
	}
	return 0
}

// codeValue reads up to four bytes as a big-endian number.
func codeValue(s string) uint32 {
	var v uint32
	for i := 0; i < len(s) && i < 4; i++ {
		v = v<<8 | uint32(s[i])
	}
	return v
}

// utf16Units reads s as big-endian UTF-16; a one-byte (or odd) string is
// read byte by byte, as some producers write.
func utf16Units(s string) []uint16 {
	if len(s)%2 == 1 {
		u := make([]uint16, len(s))
		for i := range len(s) {
			u[i] = uint16(s[i])
		}
		return u
	}
	u := make([]uint16, len(s)/2)
	for i := range u {
		u[i] = uint16(s[2*i])<<8 | uint16(s[2*i+1])
	}
	return u
}

func utf16Text(s string) string { return decodeUnits(utf16Units(s)) }

func decodeUnits(u []uint16) string { return string(utf16.Decode(u)) }

// font is what text extraction needs from a PDF font: how to split a
// string into codes, the text of each code, and each glyph's advance.
type font struct {
	twoByte   bool  // Type0 without an embedded encoding CMap: 2-byte codes
	encoding  *cmap // Type0 embedded encoding CMap (code space only)
	toUnicode *cmap // may be nil
	ucs2      bool  // Type0 with a UCS-2 predefined CMap: the code is the text
	simple    *[256]string
	builtin   *lazyBuiltin // simple fonts: codes waiting for the program's encoding
	widths    []float64    // simple fonts: width of code firstChar+i, in text space
	firstChar int
	missing   float64 // simple fonts: width of codes outside widths
	cid       cidWidths
	scale     float64 // glyph space to text space: 1/1000, or FontMatrix[0] for Type3
}

// cidWidths holds the widths of a CIDFont (its W array and DW).
type cidWidths struct {
	def    float64
	ranges []cidRange // sorted by lo
}

type cidRange struct {
	lo, hi uint32
	w      float64   // for lo..hi when list is nil
	list   []float64 // for lo, lo+1, ...
}

func (c *cidWidths) width(cid uint32) float64 {
	i := sort.Search(len(c.ranges), func(i int) bool { return c.ranges[i].hi >= cid })
	if i < len(c.ranges) && c.ranges[i].lo <= cid {
		r := c.ranges[i]
		if r.list == nil {
			return r.w
		}
		return r.list[cid-r.lo]
	}
	return c.def
}

// nextCode returns the code at the start of s and its length (>= 1).
func (f *font) nextCode(s string) (uint32, int) {
	n := 1
	switch {
	case f.encoding != nil:
		if k := f.encoding.codeLen(s); k > 0 {
			n = k
		} else if len(s) >= 2 {
			n = 2
		}
	case f.twoByte:
		if len(s) >= 2 {
			n = 2
		}
	}
	return codeValue(s[:n]), n
}

// text returns the Unicode text of a code.
func (f *font) text(code uint32, n int) string {
	if f.toUnicode != nil {
		if s, ok := f.toUnicode.text(code); ok {
			return s
		}
	}
	switch {
	case f.simple != nil && n == 1:
		if f.builtin != nil && f.builtin.open[code&0xff] {
			f.builtin.resolve(f.simple)
			f.builtin = nil
		}
		return f.simple[code&0xff]
	case f.ucs2:
		return decodeUnits([]uint16{uint16(code)}) //nolint:gosec // a 2-byte code
	}
	return "" // a CID with no ToUnicode: the glyph is unknowable
}

// advance returns the horizontal displacement of a code in text space per
// unit of font size.
func (f *font) advance(code uint32) float64 {
	if f.simple != nil {
		i := int(code) - f.firstChar
		if i >= 0 && i < len(f.widths) {
			return f.widths[i] * f.scale
		}
		return f.missing * f.scale
	}
	return f.cid.width(code) * f.scale
}

// loadFont reads the font dictionary v. budget limits the CMap bytes it
// may decode. A font it cannot make sense of still yields a usable font
// (Latin-1 text, default widths).
func loadFont(v pdf.Value, budget *streamBudget) *font {
	f := &font{scale: 0.001}
	sub := v.Key("Subtype").Name()
	if tu := v.Key("ToUnicode"); tu.Kind() == pdf.Stream {
		if data, ok := budget.read(tu, maxCMapBytes); ok {
			f.toUnicode = parseCMap(data)
		}
	}
	if sub == "Type0" {
		enc := v.Key("Encoding")
		switch enc.Kind() {
		case pdf.Name:
			f.twoByte = true
			f.ucs2 = strings.Contains(enc.Name(), "UCS2")
		case pdf.Stream:
			if data, ok := budget.read(enc, maxCMapBytes); ok {
				if m := parseCMap(data); len(m.space) > 0 {
					f.encoding = m
				}
			}
			f.twoByte = f.encoding == nil
		default:
			f.twoByte = true
		}
		f.cid = loadCIDWidths(v.Key("DescendantFonts").Index(0))
		return f
	}

	if sub == "Type3" {
		if m := v.Key("FontMatrix"); m.Len() >= 1 && m.Index(0).Float64() != 0 {
			f.scale = m.Index(0).Float64()
		}
	}
	var names *[256]string
	desc := v.Key("FontDescriptor") // resolved once: it may sit in an object stream
	f.simple, names, f.builtin = simpleEncoding(v, desc, budget)
	f.firstChar = int(v.Key("FirstChar").Int64())
	ws := v.Key("Widths")
	for i := 0; i < ws.Len() && i < 256; i++ {
		f.widths = append(f.widths, ws.Index(i).Float64())
	}
	f.missing = desc.Key("MissingWidth").Float64()
	if len(f.widths) == 0 && sub != "Type3" {
		// A standard font may come without widths: use its metrics.
		if f.builtin != nil {
			f.builtin.resolve(f.simple)
			f.builtin = nil
		}
		f.widths, f.firstChar = stdWidths(v.Key("BaseFont").Name(), names)
	}
	if f.missing == 0 && len(f.widths) == 0 {
		f.missing = defaultWidth / f.scale
	}
	return f
}

// loadCIDWidths reads DW and W of a descendant CIDFont.
func loadCIDWidths(d pdf.Value) cidWidths {
	c := cidWidths{def: 1000}
	if dw := d.Key("DW"); dw.Kind() == pdf.Integer || dw.Kind() == pdf.Real {
		c.def = dw.Float64()
	}
	w := d.Key("W")
	total := 0
	for i := 0; i < w.Len() && total < maxWidthEntries; {
		first := w.Index(i)
		if first.Kind() != pdf.Integer || first.Int64() < 0 {
			break
		}
		lo := uint32(min(first.Int64(), 1<<32-1)) //nolint:gosec // clamped
		next := w.Index(i + 1)
		if next.Kind() == pdf.Array {
			r := cidRange{lo: lo}
			for k := 0; k < next.Len() && total < maxWidthEntries; k++ {
				r.list = append(r.list, next.Index(k).Float64())
				total++
			}
			if len(r.list) > 0 {
				r.hi = lo + uint32(len(r.list)-1) //nolint:gosec // bounded by maxWidthEntries
				c.ranges = append(c.ranges, r)
			}
			i += 2
			continue
		}
		if next.Kind() != pdf.Integer || i+2 >= w.Len() {
			break
		}
		hi := uint32(min(max(next.Int64(), 0), 1<<32-1)) //nolint:gosec // clamped
		if hi >= lo {
			c.ranges = append(c.ranges, cidRange{lo: lo, hi: hi, w: w.Index(i + 2).Float64()})
			total++
		}
		i += 3
	}
	sort.SliceStable(c.ranges, func(a, b int) bool { return c.ranges[a].lo < c.ranges[b].lo })
	// Overlapping ranges would break the search; keep the first of each.
	kept := c.ranges[:0]
	for _, r := range c.ranges {
		if len(kept) > 0 && r.lo <= kept[len(kept)-1].hi {
			continue
		}
		kept = append(kept, r)
	}
	c.ranges = kept
	return c
}

// winAnsiHigh is WinAnsiEncoding for 0x80–0x9F; elsewhere it is Latin-1.
//
//nolint:gochecknoglobals // read-only table
var winAnsiHigh = [32]rune{
	'€', 0, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0, 'Ž', 0,
	0, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0, 'ž', 'Ÿ',
}

// simpleEncoding builds the code → text table of a simple (one-byte)
// font without a ToUnicode map, as poppler does: each code's glyph name,
// from the Encoding (a named base encoding or the font's built-in one,
// then Differences), read by the Adobe Glyph List and its conventions.
// A code without a known name is read as Latin-1 (with WinAnsi's
// 0x80–0x9F). names is the glyph name of each code, "" where unknown.
//
// An embedded Type 1 program's built-in encoding is costly to read (its
// stream is inflated), so it is read only when a code it names is first
// shown: lazy is then non-nil, and until it resolves, the codes it marks
// open read as StandardEncoding would give them.
func simpleEncoding(v, desc pdf.Value, budget *streamBudget) (text, names *[256]string, lazy *lazyBuiltin) {
	var t, n [256]string
	enc := v.Key("Encoding")
	var base *[256]string
	switch enc.Kind() {
	case pdf.Name:
		base = namedEncoding(enc.Name())
	case pdf.Dict:
		base = namedEncoding(enc.Key("BaseEncoding").Name())
	}
	program := false
	if base == nil {
		base, program = builtinEncoding(v, desc)
	}
	if base != nil {
		n = *base
	}
	numeric := v.Key("Subtype").Name() == "Type3"
	var diff map[int]string
	if enc.Kind() == pdf.Dict {
		diff = differences(enc.Key("Differences"))
		for c, name := range diff {
			n[c] = name
		}
	}
	switch {
	case numeric:
		for c := range 256 {
			t[c] = codeText(n[c], c, numeric)
		}
	case base == nil:
		t = latin1Text
	default:
		t = *encodingText(base)
	}
	if !numeric {
		for c, name := range diff {
			t[c] = codeText(name, c, false)
		}
	}
	if program {
		lazy = &lazyBuiltin{desc: desc, budget: budget, names: &n, numeric: numeric}
		for c := range 256 {
			_, covered := diff[c]
			lazy.open[c] = !covered
		}
	}
	return &t, &n, lazy
}

// codeText is the text of code c whose glyph is called name.
func codeText(name string, c int, numeric bool) string {
	if s, ok := glyphText(name); ok {
		return s
	}
	if numeric {
		if s, ok := numericGlyphText(name); ok {
			return s
		}
	}
	return latin1Text[c]
}

// encodingText returns the text of each code of a predefined encoding
// (codeText of its names), computed once per encoding instead of once per
// font: 256 glyph-list searches per font were a tenth of a pdfTeX
// document's time.
func encodingText(base *[256]string) *[256]string {
	m := encodingTexts()
	if t, ok := m[base]; ok {
		return t
	}
	var t [256]string
	for c := range 256 {
		t[c] = codeText(base[c], c, false)
	}
	return &t
}

//nolint:gochecknoglobals // read-only tables, built on first use
var encodingTexts = sync.OnceValue(func() map[*[256]string]*[256]string {
	m := make(map[*[256]string]*[256]string)
	for _, e := range []*[256]string{&standardEncoding, &winAnsiEncoding, &macRomanEncoding, &symbolEncoding, &zapfEncoding} {
		var t [256]string
		for c := range 256 {
			t[c] = codeText(e[c], c, false)
		}
		m[e] = &t
	}
	return m
})

// latin1Text is the text of each code read as Latin-1, with WinAnsi's
// 0x80–0x9F: built once, not per font.
//
//nolint:gochecknoglobals // read-only table
var latin1Text = func() (t [256]string) {
	for c := range 256 {
		r := rune(c)
		if c >= 0x80 && c < 0xa0 {
			r = winAnsiHigh[c-0x80]
		}
		t[c] = string(r)
	}
	return t
}()

// lazyBuiltin is the pending built-in encoding of an embedded Type 1
// program: the codes Differences leave to it (open), read on first use.
type lazyBuiltin struct {
	desc    pdf.Value // the FontDescriptor, whose FontFile is the program
	budget  *streamBudget
	names   *[256]string
	numeric bool
	open    [256]bool
}

// resolve reads the program's encoding and rewrites the open codes of
// text (and names); a program that names none keeps StandardEncoding.
func (l *lazyBuiltin) resolve(text *[256]string) {
	n := int64(maxFontHead)
	var ff pdf.Value
	l.budget.doc.try(func() {
		ff = l.desc.Key("FontFile")
		if l1 := ff.Key("Length1").Int64(); l1 > 0 && l1 < n {
			n = l1
		}
	})
	b := type1Encoding(l.budget.head(ff, n))
	if b == nil {
		return
	}
	for c := range 256 {
		if l.open[c] {
			l.names[c] = b[c]
			text[c] = codeText(b[c], c, l.numeric)
		}
	}
}

// namedEncoding returns the glyph names of a predefined encoding, or nil.
func namedEncoding(name string) *[256]string {
	switch name {
	case "WinAnsiEncoding":
		return &winAnsiEncoding
	case "MacRomanEncoding":
		return &macRomanEncoding
	case "StandardEncoding":
		return &standardEncoding
	}
	return nil
}

// Bytes of an embedded Type 1 font program read for its encoding: the
// clear-text part that holds it is a few KB.
const maxFontHead = 64 << 10

// builtinEncoding returns the glyph names of a simple font's built-in
// encoding: Symbol's and ZapfDingbats' own, StandardEncoding for other
// Type 1 fonts; nil for the rest (TrueType, Type 3, CFF programs).
// program is true for a Type 1 font with a descriptor: the embedded
// program (FontFile) it may have holds an Encoding array that replaces
// StandardEncoding (pdfTeX's Computer Modern fonts carry their ligatures
// and math symbols only there), which simpleEncoding reads lazily.
func builtinEncoding(v, desc pdf.Value) (names *[256]string, program bool) {
	switch stdFamily(v.Key("BaseFont").Name()) {
	case "Symbol":
		return &symbolEncoding, false
	case "ZapfDingbats":
		return &zapfEncoding, false
	}
	sub := v.Key("Subtype").Name()
	if sub != "Type1" && sub != "MMType1" {
		return nil, false
	}
	return &standardEncoding, desc.Kind() == pdf.Dict
}

// type1Encoding reads the Encoding of a Type 1 font program's clear-text
// part: "dup code /name put" entries, or StandardEncoding. It returns nil
// when the part names no encoding.
func type1Encoding(data []byte) *[256]string {
	if i := bytes.Index(data, []byte("eexec")); i >= 0 {
		data = data[:i]
	}
	i := bytes.Index(data, []byte("/Encoding"))
	if i < 0 {
		return nil
	}
	data = data[i+len("/Encoding"):]
	if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("StandardEncoding")) {
		return &standardEncoding
	}
	var names [256]string
	found := false
	parseOps(data, func(op string, args []operand) bool {
		switch op {
		case "put":
			if k := len(args); k >= 2 && args[k-2].kind == opNumber && args[k-1].kind == opName {
				if c := args[k-2].num; c >= 0 && c < 256 {
					names[int(c)] = args[k-1].str
					found = true
				}
			}
		case "def", "readonly":
			return !found // the array ends at its first def after an entry
		}
		return true
	})
	if !found {
		return nil
	}
	return &names
}

// head returns up to n bytes from the start of stream v's decoded data,
// charged to the budget; nil when v is not a readable stream.
func (b *streamBudget) head(v pdf.Value, n int64) []byte {
	if v.Kind() != pdf.Stream || b.left <= 0 {
		return nil
	}
	var data []byte
	b.doc.try(func() {
		rc := v.Reader()
		defer rc.Close()
		data, _ = io.ReadAll(io.LimitReader(rc, min(n, b.left)))
		b.left -= int64(len(data))
	})
	return data
}

// differences reads an encoding's Differences array into code → glyph
// name.
func differences(d pdf.Value) map[int]string {
	names := make(map[int]string)
	code := -1
	for i := 0; i < d.Len() && i < 1024; i++ {
		x := d.Index(i)
		switch x.Kind() {
		case pdf.Integer:
			code = int(x.Int64())
		case pdf.Name:
			if code >= 0 && code < 256 {
				names[code] = x.Name()
			}
			code++
		}
	}
	return names
}

// texGlyphs are glyph names of TeX fonts that the Adobe Glyph List lacks.
//
//nolint:gochecknoglobals // read-only table
var texGlyphs = map[string]string{
	"dotlessj":        "ȷ",
	"circlecopyrt":    "©",
	"visiblespace":    "␣",
	"compwordmark":    "",
	"angbracketleft":  "⟨",
	"angbracketright": "⟩",
}

// aglLookup returns the Adobe Glyph List's text for name.
func aglLookup(name string) (string, bool) {
	i := sort.SearchStrings(aglNames[:], name)
	if i < len(aglNames) && aglNames[i] == name {
		return aglText[i], true
	}
	if s, ok := texGlyphs[name]; ok {
		return s, true
	}
	return "", false
}

// glyphText maps a glyph name to text by the Adobe Glyph List and its
// conventions: the list's names ("fi", "element", "braceleft"),
// "uniXXXX[XXXX...]", "uXXXX[XX]", ligatures of such parts joined by "_"
// ("f_i", "T_h"), and a variant suffix after "." dropped ("summation.v1",
// "a.sc").
func glyphText(name string) (string, bool) {
	if name == "" || name == ".notdef" {
		return "", false
	}
	if s, ok := aglLookup(name); ok {
		return s, true
	}
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
		if s, ok := aglLookup(name); ok {
			return s, true
		}
	}
	if strings.Contains(name, "_") {
		var b strings.Builder
		for part := range strings.SplitSeq(name, "_") {
			t, ok := glyphText(part)
			if !ok {
				return "", false
			}
			b.WriteString(t)
		}
		return b.String(), true
	}
	switch {
	case len(name) == 1:
		return name, true
	case strings.HasPrefix(name, "uni") && len(name) >= 7 && (len(name)-3)%4 == 0:
		var units []uint16
		for i := 3; i < len(name); i += 4 {
			v, err := strconv.ParseUint(name[i:i+4], 16, 16)
			if err != nil {
				return "", false
			}
			units = append(units, uint16(v))
		}
		return decodeUnits(units), true
	case strings.HasPrefix(name, "u") && len(name) >= 5 && len(name) <= 7:
		v, err := strconv.ParseUint(name[1:], 16, 32)
		if err != nil || !utf8.ValidRune(rune(v)) {
			return "", false
		}
		return string(rune(v)), true
	}
	return "", false
}

// ot1Ligatures are codes 11–15 of TeX's OT1 text fonts.
//
//nolint:gochecknoglobals // read-only table
var ot1Ligatures = [...]string{"ff", "fi", "fl", "ffi", "ffl"}

// numericGlyphText reads the names Type 3 bitmap fonts give their glyphs
// (one or two letters and the character code, "a65", "g12"), as poppler
// does: the code read as ASCII, and codes 11–15 as TeX's ligatures.
func numericGlyphText(name string) (string, bool) {
	i := 0
	for i < len(name) && i < 2 && (name[i]|0x20 >= 'a' && name[i]|0x20 <= 'z') {
		i++
	}
	digits := name[i:]
	if len(digits) == 0 || len(digits) > 3 {
		return "", false
	}
	c, err := strconv.Atoi(digits)
	if err != nil {
		return "", false
	}
	switch {
	case c >= 11 && c <= 15:
		return ot1Ligatures[c-11], true
	case c >= 0x21 && c < 0x7f:
		return string(rune(c)), true
	}
	return "", false
}

// runeText is the text of one decoded rune: control characters and
// U+FFFD give nothing, white space gives a space, and the Latin
// ligatures are spelled out so that the words stay searchable.
func runeText(r rune) string {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return " "
	case r < 0x20 || (r >= 0x7f && r < 0xa0) || r == utf8.RuneError:
		return ""
	case r >= 0xfb00 && r <= 0xfb06:
		return [...]string{"ff", "fi", "fl", "ffi", "ffl", "ſt", "st"}[r-0xfb00]
	}
	return string(r)
}
