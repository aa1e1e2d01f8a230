package content

import (
	"bytes"
	"math"
	"sort"
	"unicode"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// Text layout thresholds, in units of the font size. A gap wider than
// wordGap between two glyphs on a line is a word break (justified TeX
// text shrinks its spaces to about 0.22 em; kerning stays under 0.1 em;
// poppler, our reference, breaks there too, so TeX's math italic
// correction, 0.11 em after an f, separates "f (a)" as it does), and a
// baseline shift of more than lineShift is a new line (sub- and
// superscripts move less). On a letter-spaced line (every word one glyph,
// see textBuf.endLine) gaps narrower than spacedJoin times the line's
// narrowest gap, and under spacedMax, are character spacing, not word
// breaks: poppler's rule, so "R E A D" drawn with CSS letter-spacing is
// READ.
const (
	wordGap     = 0.1
	spacedJoin  = 1.3
	spacedMax   = 0.4
	backGap     = 0.5
	lineShift   = 0.5
	maxGStates  = 64  // q nesting kept
	maxFormRuns = 256 // form XObjects run per page
	maxFormNest = 8
)

// matrix is a PDF transformation matrix [a b c d e f].
type matrix [6]float64

//nolint:gochecknoglobals // read-only value
var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m × n (m applied first, then n), PDF's row-vector order.
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2],
		m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2],
		m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4],
		m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

// apply maps the point (x, y) through m.
func (m matrix) apply(x, y float64) (float64, float64) {
	return x*m[0] + y*m[2] + m[4], x*m[1] + y*m[3] + m[5]
}

func matrixArgs(a []operand) matrix {
	var m matrix
	for i := range 6 {
		m[i] = a[i].num
	}
	return m
}

// gstate is the part of the graphics state that text positions depend on.
type gstate struct {
	ctm      matrix
	font     *font
	fontSize float64
	charSp   float64 // Tc
	wordSp   float64 // Tw
	hScale   float64 // Tz / 100
	leading  float64 // TL
	rise     float64 // Ts
}

// fallbackFont is used when a Tf names no known font: Latin-1 text and
// half-em glyphs.
func fallbackFont() *font {
	f := &font{scale: 0.001, missing: defaultWidth / 0.001}
	var t [256]string
	for c := range 256 {
		t[c] = string(rune(c))
	}
	f.simple = &t
	return f
}

// sink assembles glyphs into text: a space where glyphs on a line are
// apart, a newline where the baseline moves. Separators are held back
// until the next glyph, so the text never starts or ends with one.
type sink struct {
	b       textBuf
	runes   int
	limit   int // stop accepting glyphs at this many runes
	has     bool
	x, y    float64 // where the previous glyph ended
	size    float64
	pending byte    // 0, ' ' or '\n'
	gap     float64 // the pending space's gap in units of the font size; +Inf when it is a space character
	spaced  bool    // a space glyph was drawn since the previous glyph
	last    lastGlyph
}

// lastGlyph is the previous glyph when it is one letter or one spacing
// accent, so that an accent drawn over a letter (before or after it)
// can be combined with it.
type lastGlyph struct {
	start  int     // its offset in b; -1 when there is none
	a0, a1 float64 // its extent along the baseline
	base   rune    // the letter, or 0
	mark   rune    // the combining form of the accent, or 0
}

// textBuf is the text of a page; unlike a strings.Builder, its end can be
// cut off, to replace a letter or an accent by the two combined, and the
// word breaks of its last line can be taken back when the line turns out
// letter-spaced.
type textBuf struct {
	buf  []byte
	line textLine
}

// textLine is what textBuf knows of its current line.
type textLine struct {
	start  int        // offset in buf where the line begins
	breaks []gapBreak // its spaces, in order
	multi  bool       // some word of the line has more than one character
}

// gapBreak is a space written for a gap between glyphs.
type gapBreak struct {
	at  int     // its offset in buf
	gap float64 // in units of the font size; +Inf for a space character
}

// WriteString adds text directly after what precedes it.
func (t *textBuf) WriteString(s string) {
	if len(t.buf) > t.line.start && t.buf[len(t.buf)-1] != ' ' {
		t.line.multi = true
	}
	t.buf = append(t.buf, s...)
}

// sep adds a separator, ' ' for a gap of gap font sizes or '\n'. It
// returns how many earlier spaces it removed: a new line first ends the
// current one.
func (t *textBuf) sep(c byte, gap float64) int {
	removed := 0
	if c == '\n' {
		removed = t.endLine()
		t.buf = append(t.buf, c)
		t.line = textLine{start: len(t.buf), breaks: t.line.breaks[:0]}
		return removed
	}
	t.line.breaks = append(t.line.breaks, gapBreak{at: len(t.buf), gap: gap})
	t.buf = append(t.buf, c)
	return removed
}

// endLine joins the glyphs of a letter-spaced line: when every word of the
// line is one character, the gaps narrower than spacedJoin times the
// narrowest one (and than spacedMax) are character spacing, and their
// spaces go. Wider gaps (a space glyph drawn between letter-spaced words
// adds its width to the character spacing on both sides) stay word
// breaks. It returns how many spaces it removed.
func (t *textBuf) endLine() int {
	if t.line.multi || len(t.line.breaks) == 0 {
		return 0
	}
	narrowest := math.Inf(1)
	for _, b := range t.line.breaks {
		narrowest = min(narrowest, b.gap)
	}
	limit := min(spacedJoin*narrowest, spacedMax)
	out, from, removed := t.line.start, t.line.start, 0
	for _, b := range t.line.breaks {
		if !(b.gap < limit) {
			continue
		}
		out += copy(t.buf[out:], t.buf[from:b.at])
		from = b.at + 1
		removed++
	}
	if removed == 0 {
		return 0
	}
	out += copy(t.buf[out:], t.buf[from:])
	t.buf = t.buf[:out]
	t.line.breaks = t.line.breaks[:0]
	return removed
}

// hyphenEnd reports whether the text ends with a hyphen after a letter.
func (t *textBuf) hyphenEnd() bool {
	var h int
	switch {
	case bytes.HasSuffix(t.buf, []byte("-")):
		h = 1
	case bytes.HasSuffix(t.buf, []byte("\u2010")):
		h = len("\u2010")
	default:
		return false
	}
	r, _ := utf8.DecodeLastRune(t.buf[:len(t.buf)-h])
	return unicode.IsLetter(r)
}

// joinHyphen ends the line at a word broken by a hyphen (see hyphenEnd)
// and drops the hyphen, so that the next line's text continues the word,
// as pdftotext joins "effec-" and "tive". It returns how many characters
// it removed.
func (t *textBuf) joinHyphen() int {
	removed := t.endLine() + 1
	_, n := utf8.DecodeLastRune(t.buf)
	t.buf = t.buf[:len(t.buf)-n]
	t.line = textLine{start: len(t.buf), breaks: t.line.breaks[:0]}
	return removed
}

func (t *textBuf) Len() int { return len(t.buf) }

// String returns the text, its last line ended.
func (t *textBuf) String() string {
	t.endLine()
	t.line = textLine{start: len(t.buf)}
	return string(t.buf)
}

func (s *sink) full() bool { return s.runes >= s.limit }

// glyph adds one glyph's text. The glyph is drawn from (x0, y0) to
// (x1, y1) (its width, without character or word spacing) along the unit
// direction (dx, dy) with the given size.
//
// Word breaks come from geometry, not from space characters: producers
// often draw a space glyph and then kern back over it ("Th", " ", -210,
// "e" draws "The"), cancel it with negative word spacing, or separate
// words with character spacing and no space at all. A space glyph
// therefore only moves the pen; it counts as a space by itself only when
// the font draws it with (almost) no width. A glyph with no known text is
// placed like a visible one, so it does not open a gap either.
func (s *sink) glyph(text string, x0, y0, x1, y1, dx, dy, size float64) {
	switch classify(text) {
	case glyphSpace:
		if math.Hypot(x1-x0, y1-y0) <= wordGap*size && s.pending == 0 && s.has {
			s.pending, s.gap = ' ', math.Inf(1)
		}
		s.spaced = s.has
		return
	case glyphNone:
		if s.has {
			s.x, s.y = x1, y1
		}
		return
	}
	if s.has && s.pending != '\n' && s.combine(text, x0, y0, x1, y1, dx, dy, size) {
		return
	}
	if s.has {
		gx, gy := x0-s.x, y0-s.y
		along := gx*dx + gy*dy
		perp := gy*dx - gx*dy
		ref := math.Max(size, s.size)
		switch {
		case !(math.Abs(perp) <= lineShift*ref): // also true for NaN
			s.pending = '\n'
		case along > wordGap*size:
			if s.pending == 0 {
				s.pending, s.gap = ' ', along/size
			}
			if s.spaced { // a space character drawn in the gap: a word break whatever its width
				s.gap = math.Inf(1)
			}
		case along < -backGap*ref:
			if s.pending == 0 {
				s.pending, s.gap = ' ', math.Inf(1)
			}
		}
	}
	s.has, s.spaced = true, false
	s.x, s.y, s.size = x1, y1, size
	s.last = lastGlyph{start: -1}
	written := 0
	for _, r := range text {
		t := runeText(r)
		if t == "" {
			continue
		}
		if t == " " {
			if s.pending == 0 {
				s.pending, s.gap = ' ', math.Inf(1)
			}
			continue
		}
		if s.pending != 0 {
			switch {
			case s.b.Len() == 0:
			case s.pending == '\n' && unicode.IsLower(r) && s.b.hyphenEnd():
				s.runes -= s.b.joinHyphen()
			default:
				s.runes += 1 - s.b.sep(s.pending, s.gap)
			}
			s.pending = 0
		}
		if written == 0 {
			s.last.start = s.b.Len()
		}
		s.b.WriteString(t)
		s.runes++
		written++
	}
	if r, n := utf8.DecodeRuneInString(text); written == 1 && n == len(text) && s.pending == 0 {
		s.last.a0, s.last.a1 = x0*dx+y0*dy, x1*dx+y1*dy
		s.last.mark = accentMark(r)
		if s.last.mark == 0 && unicode.IsLetter(r) {
			s.last.base = r
		}
	} else {
		s.last.start = -1
	}
}

// combine joins a spacing accent and a letter drawn over each other (the
// accent first, as TeX's OT1 fonts draw "\aa" and "\'e", or second) into
// the composed character, replacing the previous glyph. The new glyph is
// drawn from (x0, y0) to (x1, y1) along (dx, dy). It reports whether it
// did.
func (s *sink) combine(text string, x0, y0, x1, y1, dx, dy, size float64) bool {
	if s.last.start < 0 {
		return false
	}
	a0, a1 := x0*dx+y0*dy, x1*dx+y1*dy
	r, n := utf8.DecodeRuneInString(text)
	if n != len(text) || n == 0 {
		return false
	}
	var base, mark rune
	var b0, b1, m0, m1 float64
	switch {
	case s.last.mark != 0 && unicode.IsLetter(r):
		base, mark = r, s.last.mark
		b0, b1, m0, m1 = a0, a1, s.last.a0, s.last.a1
	case s.last.base != 0 && accentMark(r) != 0:
		base, mark = s.last.base, accentMark(r)
		b0, b1, m0, m1 = s.last.a0, s.last.a1, a0, a1
	default:
		return false
	}
	// The accent's middle must lie over the letter.
	mid := (m0 + m1) / 2
	tol := 0.1 * size
	if !(mid >= min(b0, b1)-tol && mid <= max(b0, b1)+tol) {
		return false
	}
	c, ok := compose(base, mark)
	if !ok {
		return false
	}
	s.b.buf = utf8.AppendRune(s.b.buf[:s.last.start], c)
	s.pending = 0
	if s.last.mark != 0 { // the letter is the new glyph: the next gap counts from its end, not the accent's
		s.x, s.y = x1, y1
	}
	s.last = lastGlyph{start: -1}
	return true
}

// accentMark returns the combining form of a spacing accent, or 0.
func accentMark(r rune) rune {
	switch r {
	case '`':
		return 0x300
	case '´':
		return 0x301
	case 'ˆ', '^':
		return 0x302
	case '˜', '~':
		return 0x303
	case '¯', 'ˉ':
		return 0x304
	case '˘':
		return 0x306
	case '˙':
		return 0x307
	case '¨':
		return 0x308
	case '˚':
		return 0x30A
	case '˝':
		return 0x30B
	case 'ˇ':
		return 0x30C
	case '¸':
		return 0x327
	case '˛':
		return 0x328
	}
	return 0
}

// compose returns the precomposed letter of base and a combining mark
// (NFC); a dotless i or j under an accent is the plain letter.
func compose(base, mark rune) (rune, bool) {
	switch base {
	case 'ı':
		base = 'i'
	case 'ȷ':
		base = 'j'
	}
	i := sort.Search(len(composed), func(i int) bool {
		c := composed[i]
		return c.base > base || (c.base == base && c.mark >= mark)
	})
	if i < len(composed) && composed[i].base == base && composed[i].mark == mark {
		return composed[i].out, true
	}
	return 0, false
}

// Kinds of glyph text.
const (
	glyphNone    = iota // nothing to write: unknown or control characters
	glyphSpace          // white space only
	glyphVisible        // something to write
)

// classify tells what a glyph's text holds.
func classify(text string) int {
	kind := glyphNone
	for _, r := range text {
		switch runeText(r) {
		case "":
		case " ":
			kind = glyphSpace
		default:
			return glyphVisible
		}
	}
	return kind
}

// resources is one resource dictionary (a page's or a form's) with the
// fonts it has resolved so far.
type resources struct {
	v     pdf.Value
	fonts map[string]*font
}

func newResources(v pdf.Value) *resources {
	return &resources{v: v, fonts: make(map[string]*font)}
}

// pageRun interprets the content of one page.
type pageRun struct {
	doc   *document
	out   *sink
	forms int
}

// run interprets content stream data with the given resources and
// initial graphics state.
func (p *pageRun) run(data []byte, res *resources, g gstate, depth int) {
	var stack []gstate
	skipped := 0 // q beyond maxGStates, matched by Q before popping
	tm, tlm := identity, identity
	ops := 0
	nextLine := func(tx, ty float64) {
		tlm = matrix{1, 0, 0, 1, tx, ty}.mul(tlm)
		tm = tlm
	}
	parseOps(data, func(op string, a []operand) bool {
		ops++
		if ops&0x3ff == 0 {
			p.doc.checkDeadline()
		}
		n := len(a)
		switch op {
		case "q":
			if len(stack) < maxGStates {
				stack = append(stack, g)
			} else {
				skipped++
			}
		case "Q":
			switch {
			case skipped > 0:
				skipped--
			case len(stack) > 0:
				g = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
		case "cm":
			if n >= 6 && numbers(a[n-6:]) {
				g.ctm = matrixArgs(a[n-6:]).mul(g.ctm)
			}
		case "BT":
			tm, tlm = identity, identity
		case "Tc":
			if n >= 1 {
				g.charSp = a[n-1].num
			}
		case "Tw":
			if n >= 1 {
				g.wordSp = a[n-1].num
			}
		case "Tz":
			if n >= 1 {
				g.hScale = a[n-1].num / 100
			}
		case "TL":
			if n >= 1 {
				g.leading = a[n-1].num
			}
		case "Ts":
			if n >= 1 {
				g.rise = a[n-1].num
			}
		case "Tf":
			if n >= 2 {
				g.font = p.doc.font(res, a[n-2].str)
				g.fontSize = a[n-1].num
			}
		case "Td":
			if n >= 2 {
				nextLine(a[n-2].num, a[n-1].num)
			}
		case "TD":
			if n >= 2 {
				g.leading = -a[n-1].num
				nextLine(a[n-2].num, a[n-1].num)
			}
		case "Tm":
			if n >= 6 && numbers(a[n-6:]) {
				tm = matrixArgs(a[n-6:])
				tlm = tm
			}
		case "T*":
			nextLine(0, -g.leading)
		case "Tj":
			if n >= 1 {
				p.show(&g, &tm, a[n-1].str)
			}
		case "'":
			nextLine(0, -g.leading)
			if n >= 1 {
				p.show(&g, &tm, a[n-1].str)
			}
		case "\"":
			if n >= 3 {
				g.wordSp, g.charSp = a[n-3].num, a[n-2].num
				nextLine(0, -g.leading)
				p.show(&g, &tm, a[n-1].str)
			}
		case "TJ":
			if n >= 1 {
				for _, e := range a[n-1].arr {
					switch e.kind {
					case opString:
						p.show(&g, &tm, e.str)
					case opNumber:
						tx := -e.num / 1000 * g.fontSize * g.hScale
						tm = matrix{1, 0, 0, 1, tx, 0}.mul(tm)
					}
				}
			}
		case "Do":
			if n >= 1 && depth < maxFormNest && p.forms < maxFormRuns {
				p.doc.try(func() { p.form(res, a[n-1].str, g, depth) })
			}
		}
		return !p.out.full()
	})
}

// numbers reports whether every operand is a number.
func numbers(a []operand) bool {
	for _, o := range a {
		if o.kind != opNumber {
			return false
		}
	}
	return true
}

// show adds the glyphs of string s drawn with the current text state, and
// advances the text matrix past them.
func (p *pageRun) show(g *gstate, tm *matrix, s string) {
	f := g.font
	if f == nil {
		f = p.doc.fallback
	}
	// Within one string only the translation changes from glyph to glyph
	// (the pen moves along the baseline), so the text-to-device matrix,
	// the direction and the size are computed once.
	m := tm.mul(g.ctm)
	dx, dy := m[0], m[1]
	if l := math.Hypot(dx, dy); l > 0 {
		dx, dy = dx/l, dy/l
	} else {
		dx, dy = 1, 0
	}
	size := math.Abs(g.fontSize) * math.Hypot(m[2], m[3])
	for len(s) > 0 && !p.out.full() {
		code, n := f.nextCode(s)
		s = s[n:]
		w := f.advance(code) * g.fontSize * g.hScale
		tx := w + g.charSp*g.hScale
		if n == 1 && code == ' ' {
			tx += g.wordSp * g.hScale
		}
		x0, y0 := m.apply(0, g.rise)
		x1, y1 := m.apply(w, g.rise)
		p.out.glyph(f.text(code, n), x0, y0, x1, y1, dx, dy, size)
		// Move the pen: translate(tx, 0) × M, for both matrices.
		m[4], m[5] = m[4]+tx*m[0], m[5]+tx*m[1]
		tm[4], tm[5] = tm[4]+tx*tm[0], tm[5]+tx*tm[1]
	}
}

// form runs the form XObject called name, if it is one.
func (p *pageRun) form(res *resources, name string, g gstate, depth int) {
	xo := res.v.Key("XObject").Key(name)
	if xo.Kind() != pdf.Stream || xo.Key("Subtype").Name() != "Form" {
		return
	}
	p.forms++
	data, ok := p.doc.budget.read(xo, p.doc.lim.maxPageContent())
	if !ok {
		return
	}
	if m := xo.Key("Matrix"); m.Len() == 6 {
		var fm matrix
		for i := range 6 {
			fm[i] = m.Index(i).Float64()
		}
		g.ctm = fm.mul(g.ctm)
	}
	sub := res
	if r := xo.Key("Resources"); r.Kind() == pdf.Dict {
		sub = newResources(r)
	}
	p.run(data, sub, g, depth+1)
}
