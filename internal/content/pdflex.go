package content

import "bytes"

// This file is a small, iterative lexer for PDF content streams and CMaps.
// The PDF library parses the file structure; content streams are read here
// so that nesting, operand counts and inline images are bounded by us.

// Limits of the content-stream parser. They are far above what real
// documents use and keep hostile streams from growing memory.
const (
	maxOperands    = 1024    // operands kept before an operator (a CMap block has up to 300); older ones are dropped
	maxArrayDepth  = 16      // nested arrays kept; deeper content is flattened away
	maxArrayLength = 1 << 16 // elements kept in one array
)

// operandKind is the type of a content-stream operand.
type operandKind uint8

const (
	opNumber operandKind = iota + 1
	opString
	opName
	opArray
	opOther // dictionaries, booleans, null: present but not used
)

// operand is one value on the content-stream operand stack.
type operand struct {
	kind operandKind
	num  float64
	str  string // string bytes or name, decoded
	arr  []operand
}

// lexer reads tokens from a decoded content stream.
type lexer struct {
	b []byte
	i int
}

// tokenKind is the type of a lexical token.
type tokenKind uint8

const (
	tokEOF tokenKind = iota
	tokNumber
	tokString
	tokName
	tokArrayOpen
	tokArrayClose
	tokDictOpen
	tokDictClose
	tokKeyword // operators, true/false/null, and anything unparseable
)

// token is one lexical token; str holds string bytes, the name or the
// keyword.
type token struct {
	kind tokenKind
	num  float64
	str  string
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isRegular(c byte) bool { return !isPDFSpace(c) && !isPDFDelim(c) }

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() {
	for l.i < len(l.b) {
		c := l.b[l.i]
		switch {
		case isPDFSpace(c):
			l.i++
		case c == '%':
			for l.i < len(l.b) && l.b[l.i] != '\n' && l.b[l.i] != '\r' {
				l.i++
			}
		default:
			return
		}
	}
}

// next returns the next token; tokEOF at the end.
func (l *lexer) next() token {
	l.skipSpace()
	if l.i >= len(l.b) {
		return token{kind: tokEOF}
	}
	c := l.b[l.i]
	switch c {
	case '(':
		l.i++
		return token{kind: tokString, str: l.literalString()}
	case '<':
		if l.i+1 < len(l.b) && l.b[l.i+1] == '<' {
			l.i += 2
			return token{kind: tokDictOpen}
		}
		l.i++
		return token{kind: tokString, str: l.hexString()}
	case '>':
		l.i++
		if l.i < len(l.b) && l.b[l.i] == '>' {
			l.i++
			return token{kind: tokDictClose}
		}
		return token{kind: tokKeyword, str: ">"}
	case '[':
		l.i++
		return token{kind: tokArrayOpen}
	case ']':
		l.i++
		return token{kind: tokArrayClose}
	case '/':
		l.i++
		return token{kind: tokName, str: l.name()}
	case ')', '{', '}':
		l.i++
		return token{kind: tokKeyword, str: string(c)}
	}
	start := l.i
	for l.i < len(l.b) && isRegular(l.b[l.i]) {
		l.i++
	}
	word := l.b[start:l.i]
	if n, ok := parseNumber(word); ok {
		return token{kind: tokNumber, num: n}
	}
	return token{kind: tokKeyword, str: string(word)}
}

// parseNumber parses a PDF number: an optional sign, digits, and an
// optional fraction. Exponents, "Inf" and "NaN" are not numbers in PDF.
func parseNumber(w []byte) (float64, bool) {
	i := 0
	neg := false
	// Some producers write "--5"; treat repeated signs leniently.
	for i < len(w) && (w[i] == '+' || w[i] == '-') {
		neg = neg != (w[i] == '-')
		i++
	}
	var v, scale float64 = 0, 0
	digits := 0
	for ; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			if scale == 0 {
				v = v*10 + float64(c-'0')
			} else {
				v += float64(c-'0') * scale
				scale /= 10
			}
		case c == '.' && scale == 0:
			scale = 0.1
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// literalString reads a (...) string after the opening parenthesis,
// decoding escapes. An unterminated string runs to the end of the data.
func (l *lexer) literalString() string {
	var out []byte
	depth := 1
	for l.i < len(l.b) {
		c := l.b[l.i]
		l.i++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return string(out)
			}
		case '\\':
			if l.i >= len(l.b) {
				return string(out)
			}
			e := l.b[l.i]
			l.i++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.i < len(l.b) && l.b[l.i] == '\n' {
					l.i++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && l.i < len(l.b) && l.b[l.i] >= '0' && l.b[l.i] <= '7'; k++ {
						v = v*8 + int(l.b[l.i]-'0')
						l.i++
					}
					c = byte(v)
				} else {
					c = e // \( \) \\ and unknown escapes
				}
			}
		}
		out = append(out, c)
	}
	return string(out)
}

// hexString reads a <...> string after the opening bracket. White space
// is ignored, other non-hex bytes are skipped, and an odd final digit is
// padded with 0.
func (l *lexer) hexString() string {
	var out []byte
	hi, have := byte(0), false
	for l.i < len(l.b) {
		c := l.b[l.i]
		l.i++
		if c == '>' {
			break
		}
		v, ok := unhex(c)
		if !ok {
			continue
		}
		if have {
			out = append(out, hi<<4|v)
			have = false
		} else {
			hi, have = v, true
		}
	}
	if have {
		out = append(out, hi<<4)
	}
	return string(out)
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// name reads a name after the slash, decoding #xx escapes.
func (l *lexer) name() string {
	start := l.i
	for l.i < len(l.b) && isRegular(l.b[l.i]) {
		l.i++
	}
	raw := l.b[start:l.i]
	if bytes.IndexByte(raw, '#') < 0 {
		return string(raw)
	}
	out := make([]byte, 0, len(raw))
	for k := 0; k < len(raw); k++ {
		if raw[k] == '#' && k+2 < len(raw) {
			h, ok1 := unhex(raw[k+1])
			lo, ok2 := unhex(raw[k+2])
			if ok1 && ok2 {
				out = append(out, h<<4|lo)
				k += 2
				continue
			}
		}
		out = append(out, raw[k])
	}
	return string(out)
}

// parseOps runs do for every operator of the content stream data, with the
// operands that precede it (oldest first). do must not keep the slice.
// Inline images (BI ... ID <data> EI) are skipped. parseOps stops early
// when do returns false.
func parseOps(data []byte, do func(op string, args []operand) bool) {
	l := lexer{b: data}
	args := make([]operand, 0, 8)
	push := func(o operand) {
		if len(args) == maxOperands {
			// Drop the older half at once, so a stream of operands with
			// no operator costs amortised constant time per operand.
			args = args[:copy(args, args[maxOperands/2:])]
		}
		args = append(args, o)
	}
	for {
		t := l.next()
		switch t.kind {
		case tokEOF:
			return
		case tokNumber:
			push(operand{kind: opNumber, num: t.num})
		case tokString:
			push(operand{kind: opString, str: t.str})
		case tokName:
			push(operand{kind: opName, str: t.str})
		case tokArrayOpen:
			push(l.array())
		case tokDictOpen:
			l.skipDict()
			push(operand{kind: opOther})
		case tokArrayClose, tokDictClose:
			// Stray closer: ignore.
		case tokKeyword:
			switch t.str {
			case "true", "false", "null":
				push(operand{kind: opOther})
				continue
			case "BI":
				l.skipInlineImage()
				args = args[:0]
				continue
			}
			if !do(t.str, args) {
				return
			}
			args = args[:0]
		}
	}
}

// array reads the elements of an array after its opening bracket. Nesting
// deeper than maxArrayDepth is read but not kept, without recursion.
func (l *lexer) array() operand {
	type frame struct{ elems []operand }
	stack := []frame{{}}
	dropped := 0 // open arrays below the kept depth
	total := 0
	for {
		t := l.next()
		var o operand
		switch t.kind {
		case tokEOF:
			for len(stack) > 1 {
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				stack[len(stack)-1].elems = append(stack[len(stack)-1].elems, operand{kind: opArray, arr: top.elems})
			}
			return operand{kind: opArray, arr: stack[0].elems}
		case tokArrayOpen:
			if len(stack) >= maxArrayDepth || dropped > 0 {
				dropped++
			} else {
				stack = append(stack, frame{})
			}
			continue
		case tokArrayClose:
			if dropped > 0 {
				dropped--
				continue
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return operand{kind: opArray, arr: top.elems}
			}
			o = operand{kind: opArray, arr: top.elems}
		case tokNumber:
			o = operand{kind: opNumber, num: t.num}
		case tokString:
			o = operand{kind: opString, str: t.str}
		case tokName:
			o = operand{kind: opName, str: t.str}
		case tokDictOpen:
			l.skipDict()
			o = operand{kind: opOther}
		default:
			o = operand{kind: opOther}
		}
		if dropped > 0 || total >= maxArrayLength {
			continue
		}
		total++
		top := &stack[len(stack)-1]
		top.elems = append(top.elems, o)
	}
}

// skipDict skips a dictionary after its "<<", counting nesting instead of
// recursing.
func (l *lexer) skipDict() {
	depth := 1
	for depth > 0 {
		switch l.next().kind {
		case tokEOF:
			return
		case tokDictOpen:
			depth++
		case tokDictClose:
			depth--
		}
	}
}

// skipInlineImage skips an inline image after "BI": its parameters up to
// "ID", then the binary data up to an "EI" that stands alone.
func (l *lexer) skipInlineImage() {
	for {
		t := l.next()
		if t.kind == tokEOF {
			return
		}
		if t.kind == tokKeyword && t.str == "ID" {
			break
		}
	}
	if l.i < len(l.b) && isPDFSpace(l.b[l.i]) {
		l.i++
	}
	for {
		k := bytes.Index(l.b[l.i:], []byte("EI"))
		if k < 0 {
			l.i = len(l.b)
			return
		}
		at := l.i + k
		before := at == 0 || isPDFSpace(l.b[at-1])
		after := at+2 >= len(l.b) || isPDFSpace(l.b[at+2]) || isPDFDelim(l.b[at+2])
		l.i = at + 2
		if before && after {
			return
		}
	}
}
