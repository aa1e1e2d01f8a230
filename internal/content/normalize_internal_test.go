package content

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestNormalizePDFText covers the PDF clean-up (docs/compatibility.md, Content extraction), which the page
// assembler rarely needs (it writes single separators) but which applies
// to the joined pages as in Python: runs of 3+ newlines become two, runs
// of 2+ spaces one, and the result is trimmed of any white space.
func TestNormalizePDFText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"a", "a"},
		{"a  b     c", "a b c"},
		{"a\nb", "a\nb"},
		{"a\n\nb", "a\n\nb"},
		{"a\n\n\nb", "a\n\nb"},
		{"a\n\n\n\n\n\nb", "a\n\nb"},
		{"a \n\n\n b", "a \n\n b"}, // spaces and newlines are squeezed separately, as re.sub does
		{"a\t\tb", "a\t\tb"},       // only spaces are squeezed
		{"  \n a  b \n\u00a0", "a b"},
		{"page one\n\n\n\npage two", "page one\n\npage two"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, normalizePDFText(tt.in), "normalizePDFText(%q)", tt.in)
	}
}

func TestParseNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true}, {"12", 12, true}, {"-3.5", -3.5, true}, {"+.25", 0.25, true},
		{"4.", 4, true}, {"--5", 5, true}, {"-", 0, false}, {".", 0, false},
		{"1e5", 0, false}, {"Inf", 0, false}, {"+Inf", 0, false}, {"NaN", 0, false}, {"1.2.3", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseNumber([]byte(tt.in))
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.InDelta(t, tt.want, got, 1e-12, tt.in)
	}
}

// TestParseOpsBounds checks that operands without an operator and deep
// arrays stay bounded.
func TestParseOpsBounds(t *testing.T) {
	t.Parallel()
	var data []byte
	for range 100_000 {
		data = append(data, "1 "...)
	}
	data = append(data, "op"...)
	var n int
	parseOps(data, func(op string, args []operand) bool {
		n = len(args)
		return true
	})
	assert.LessOrEqual(t, n, maxOperands)
	assert.Positive(t, n)

	deep := make([]byte, 0, 40_010)
	for range 20_000 {
		deep = append(deep, '[')
	}
	deep = append(deep, "(x) TJ"...)
	parseOps(deep, func(string, []operand) bool { return true }) // must not overflow the stack
}
