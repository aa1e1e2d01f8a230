package httpapi

import (
	"bytes"
	"errors"
	"unicode/utf8"
)

// pyDumps re-encodes a JSON document the way Python's json.dumps does by
// default (", " and ": " separators, non-ASCII escaped as \uXXXX), keeping
// the order of object keys as they come. The original stored and returned
// its JSON columns in this form.
//
// It is one pass over the bytes, with no tokenizer: the Quiz JSON carries
// the whole extracted course text through it on every full read, so its cost
// is the cost of GET /quiz/{id} (README, Builds and speed: make bench-api).
// Escapes in the input are decoded and written again by Python's rules
// (`\/` and `\u0041` become `/` and `A`; invalid UTF-8 and lone surrogates
// become U+FFFD, as Go's decoder reads them).
//
// doc comes from a jsonb column, valid by construction, so its structure is
// not checked again (json.Valid would triple the cost); a malformed string
// or escape is an error, never a panic, and what it writes for other
// malformed input is unspecified.
func pyDumps(doc []byte) (string, error) {
	out := make([]byte, 0, len(doc)+len(doc)/8+16)
	for i := 0; i < len(doc); {
		switch c := doc[i]; c {
		case ' ', '\t', '\n', '\r':
			i++
		case ',':
			out = append(out, ", "...)
			i++
		case ':':
			out = append(out, ": "...)
			i++
		case '"':
			var err error
			if out, i, err = pyStringAt(out, doc, i+1); err != nil {
				return "", err
			}
		default: // brackets, numbers (written as given), true, false, null
			out = append(out, c)
			i++
		}
	}
	return string(out), nil
}

// pyStringAt writes the JSON string whose body starts at doc[i] (just after
// the opening quote) and returns the index after its closing quote.
func pyStringAt(out, doc []byte, i int) ([]byte, int, error) {
	out = append(out, '"')
	for i < len(doc) {
		// The run of bytes that need nothing.
		j := i
		for j < len(doc) && doc[j] >= 0x20 && doc[j] < utf8.RuneSelf && doc[j] != '"' && doc[j] != '\\' {
			j++
		}
		out = append(out, doc[i:j]...)
		i = j
		if i >= len(doc) {
			break
		}
		switch c := doc[i]; {
		case c == '"':
			return append(out, '"'), i + 1, nil
		case c == '\\':
			var r rune
			var ok bool
			if r, i, ok = unescape(doc, i); !ok {
				return nil, 0, errMalformed
			}
			out = appendPyRune(out, r)
		case c < 0x20:
			return nil, 0, errMalformed // a raw control character
		default: // non-ASCII
			r, n := utf8.DecodeRune(doc[i:])
			out = appendPyRune(out, r) // RuneError for invalid UTF-8, as Go reads it
			i += n
		}
	}
	return nil, 0, errMalformed // no closing quote
}

var errMalformed = errors.New("pyDumps: malformed JSON string")

// unescape decodes the escape at doc[i] ('\\') and returns the rune and the
// index after it; ok is false for a malformed escape.
func unescape(doc []byte, i int) (r rune, next int, ok bool) {
	if i+1 >= len(doc) {
		return 0, 0, false
	}
	switch doc[i+1] {
	case 'b':
		return '\b', i + 2, true
	case 'f':
		return '\f', i + 2, true
	case 'n':
		return '\n', i + 2, true
	case 'r':
		return '\r', i + 2, true
	case 't':
		return '\t', i + 2, true
	case 'u':
		if i+6 > len(doc) {
			return 0, 0, false
		}
		r, ok := hex4(doc[i+2 : i+6])
		if !ok {
			return 0, 0, false
		}
		i += 6
		if utf16IsSurrogate(r) {
			if r < 0xdc00 && i+6 <= len(doc) && doc[i] == '\\' && doc[i+1] == 'u' {
				if lo, ok := hex4(doc[i+2 : i+6]); ok && lo >= 0xdc00 && lo < 0xe000 {
					return 0x10000 + (r-0xd800)<<10 + (lo - 0xdc00), i + 6, true
				}
			}
			return utf8.RuneError, i, true
		}
		return r, i, true
	case '"', '\\', '/':
		return rune(doc[i+1]), i + 2, true
	default:
		return 0, 0, false
	}
}

func utf16IsSurrogate(r rune) bool { return r >= 0xd800 && r < 0xe000 }

func hex4(b []byte) (rune, bool) {
	var r rune
	for _, c := range b {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// pyString writes s as a JSON string with ensure_ascii semantics.
func pyString(buf *bytes.Buffer, s string) {
	out := buf.AvailableBuffer()
	out = append(out, '"')
	for _, r := range s {
		out = appendPyRune(out, r)
	}
	buf.Write(append(out, '"'))
}

const lowerHex = "0123456789abcdef"

// appendPyRune writes r as Python's json.dumps writes it inside a string.
func appendPyRune(out []byte, r rune) []byte {
	switch {
	case r == '"':
		return append(out, `\"`...)
	case r == '\\':
		return append(out, `\\`...)
	case r == '\n':
		return append(out, `\n`...)
	case r == '\r':
		return append(out, `\r`...)
	case r == '\t':
		return append(out, `\t`...)
	case r == '\b':
		return append(out, `\b`...)
	case r == '\f':
		return append(out, `\f`...)
	case r < 0x20 || (r > 0x7f && r < 0x10000):
		return appendU4(out, r)
	case r >= 0x10000:
		r -= 0x10000
		return appendU4(appendU4(out, 0xd800+(r>>10)), 0xdc00+(r&0x3ff))
	default:
		return append(out, byte(r))
	}
}

func appendU4(out []byte, r rune) []byte {
	return append(out, '\\', 'u', lowerHex[r>>12&0xf], lowerHex[r>>8&0xf], lowerHex[r>>4&0xf], lowerHex[r&0xf])
}
