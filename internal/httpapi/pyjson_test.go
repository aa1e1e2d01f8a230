package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pyDumpsReference is the first pyDumps, built on encoding/json's tokenizer:
// slow (about 45 MB/s) but plainly right; pyDumps must write what it writes.
// It re-encodes as Python's json.dumps does by
// default (", " and ": " separators, non-ASCII escaped as \uXXXX), keeping
// the order of object keys as they come. The original stored and returned
// its JSON columns in this form.
func pyDumpsReference(doc []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var buf bytes.Buffer
	if err := pyWriteReference(&buf, dec); err != nil {
		return "", err
	}
	return buf.String(), nil
}

func pyWriteReference(buf *bytes.Buffer, dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		closing := byte('}')
		if v == '[' {
			closing = ']'
		}
		buf.WriteByte(byte(v))
		first := true
		for dec.More() {
			if !first {
				buf.WriteString(", ")
			}
			first = false
			if v == '{' {
				key, err := dec.Token()
				if err != nil {
					return err
				}
				pyStringReference(buf, key.(string))
				buf.WriteString(": ")
			}
			if err := pyWriteReference(buf, dec); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return err
		}
		buf.WriteByte(closing)
	case string:
		pyStringReference(buf, v)
	case json.Number:
		buf.WriteString(v.String())
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case nil:
		buf.WriteString("null")
	}
	return nil
}

// pyString writes s as a JSON string with ensure_ascii semantics.
func pyStringReference(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			buf.WriteString(`\"`)
		case r == '\\':
			buf.WriteString(`\\`)
		case r == '\n':
			buf.WriteString(`\n`)
		case r == '\r':
			buf.WriteString(`\r`)
		case r == '\t':
			buf.WriteString(`\t`)
		case r == '\b':
			buf.WriteString(`\b`)
		case r == '\f':
			buf.WriteString(`\f`)
		case r < 0x20 || (r > 0x7f && r < 0x10000):
			fmt.Fprintf(buf, `\u%04x`, r)
		case r >= 0x10000:
			r -= 0x10000
			hi, lo := 0xd800+(r>>10), 0xdc00+(r&0x3ff)
			fmt.Fprintf(buf, `\u%04x\u%04x`, hi, lo)
		default:
			buf.WriteRune(r)
		}
	}
	buf.WriteByte('"')
}

var pyDumpsCases = []string{
	`{}`, `[]`, `null`, `"x"`, `0`, `-1.5e3`, `true`,
	`{"a":1,"b":[1,2,{"c":null}],"d":"x"}`,
	`{"a": 1, "b": [1, 2, {"c": null}]}`,
	` { "a" :  [ ] , "b" : { } } `,
	`{"173468": [{"title": "Intro", "content": "Line 1\nLine 2\t\"quoted\" back\\slash", "type": "page"}]}`,
	`{"t": "på norsk: æøå ÆØÅ, € and 😀"}`,
	`{"t": "\u00e5\u00C5 \u0041 \/ \u003c\u0026\u003e \u2028 \ud83d\ude00"}`,
	`{"t": "lone \ud83d x \ude00 y \ud83d\u0041"}`,
	`{"t": "\b\f\r\u0001\u001f\u007f"}`,
	"{\"t\": \"bad \xff utf8 \xe2\x82\"}",
	`{"n": [1.0, 1e100, -0, 12345678901234567890]}`,
}

func TestPyDumpsWritesWhatTheTokenizerVersionWrites(t *testing.T) {
	for _, doc := range pyDumpsCases {
		want, err := pyDumpsReference([]byte(doc))
		require.NoError(t, err, doc)
		got, err := pyDumps([]byte(doc))
		require.NoError(t, err, doc)
		assert.Equal(t, want, got, doc)
	}
	// Known answers of Python's json.dumps.
	got, err := pyDumps([]byte(`{"a":"på","b":[1,"😀"]}`))
	require.NoError(t, err)
	assert.Equal(t, `{"a": "p\u00e5", "b": [1, "\ud83d\ude00"]}`, got)
	for _, bad := range []string{`{"a": "open`, `"\`, `"\u12"`, `"\uZZZZ"`, `"\x"`, "\"a\x01b\""} {
		_, err = pyDumps([]byte(bad))
		assert.Error(t, err, bad)
	}
}

func FuzzPyDumps(f *testing.F) {
	for _, doc := range pyDumpsCases {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		got, gotErr := pyDumps(doc) // any input: an answer or an error, never a panic
		if !json.Valid(doc) {
			return
		}
		// The reference reads the first value only.
		dec := json.NewDecoder(bytes.NewReader(doc))
		var first json.RawMessage
		if dec.Decode(&first) != nil || dec.More() {
			return
		}
		want, err := pyDumpsReference(doc)
		if err != nil {
			return
		}
		if gotErr != nil {
			t.Fatalf("pyDumps(%q): %v", doc, gotErr)
		}
		if got != want {
			t.Fatalf("pyDumps(%q)\n got %q\nwant %q", doc, got, want)
		}
	})
}

func TestPyStringKnownAnswers(t *testing.T) {
	for in, want := range map[string]string{
		"Modul 1: Introduksjon": `"Modul 1: Introduksjon"`,
		"på \"x\"\n":            `"p\u00e5 \"x\"\n"`,
		"😀\x01":                 `"\ud83d\ude00\u0001"`,
	} {
		var buf bytes.Buffer
		pyString(&buf, in)
		assert.Equal(t, want, buf.String(), in)
		var ref bytes.Buffer
		pyStringReference(&ref, in)
		assert.Equal(t, ref.String(), buf.String(), in)
	}
}

func BenchmarkPyDumps(b *testing.B) {
	var page bytes.Buffer
	for page.Len() < 45<<10 {
		fmt.Fprintf(&page, "Paragraph %d: constraint satisfaction, backtracking search, arc consistency (AC-3), på norsk.\n", page.Len())
	}
	doc, err := json.Marshal(map[string][]map[string]string{"173468": {{"title": "Lecture", "content": page.String(), "type": "page"}}})
	require.NoError(b, err)
	for name, f := range map[string]func([]byte) (string, error){"onepass": pyDumps, "tokenizer": pyDumpsReference} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				if _, err := f(doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
