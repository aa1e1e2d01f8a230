package content

import (
	"sort"
	"strings"
)

// Indexes of stdLatinWidths.
const (
	stdHelvetica = iota
	stdHelveticaBold
	stdTimes
	stdTimesBold
	stdTimesItalic
	stdTimesBoldItalic
)

// stdFamily names the standard font family a BaseFont belongs to
// ("Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats"), with the
// usual substitutes (Arial for Helvetica, Times New Roman, Courier New),
// a subset prefix ("ABCDEF+") ignored; "" for other fonts.
func stdFamily(base string) string {
	if len(base) > 7 && base[6] == '+' {
		base = base[7:]
	}
	b := strings.ToLower(base)
	switch {
	case strings.HasPrefix(b, "helvetica"), strings.HasPrefix(b, "arial"):
		return "Helvetica"
	case strings.HasPrefix(b, "times"):
		return "Times"
	case strings.HasPrefix(b, "courier"):
		return "Courier"
	case b == "symbol", strings.HasPrefix(b, "symbol,"), strings.HasPrefix(b, "symbol-"):
		return "Symbol"
	case strings.HasPrefix(b, "zapfdingbats"):
		return "ZapfDingbats"
	}
	return ""
}

// stdWidths returns the widths (in glyph space, from code firstChar on)
// of a standard font drawn without a Widths array, from its AFM metrics
// by the glyph name of each code; nil for other fonts. A glyph the
// metrics lack is half an em.
func stdWidths(base string, names *[256]string) (widths []float64, firstChar int) {
	family := stdFamily(base)
	if family == "" || names == nil {
		return nil, 0
	}
	lower := strings.ToLower(base)
	bold := strings.Contains(lower, "bold") || strings.Contains(lower, "black")
	italic := strings.Contains(lower, "italic") || strings.Contains(lower, "oblique")
	var width func(name string) (uint16, bool)
	switch family {
	case "Courier":
		width = func(string) (uint16, bool) { return 600, true }
	case "Symbol", "ZapfDingbats":
		enc, ws := &symbolEncoding, &symbolWidths
		if family == "ZapfDingbats" {
			enc, ws = &zapfEncoding, &zapfWidths
		}
		width = func(name string) (uint16, bool) {
			for c, n := range enc {
				if n == name && n != "" {
					return ws[c], true
				}
			}
			return 0, false
		}
	default:
		font := stdHelvetica
		if family == "Times" {
			font = stdTimes
			switch {
			case bold && italic:
				font = stdTimesBoldItalic
			case italic:
				font = stdTimesItalic
			}
		}
		if bold && font != stdTimesBoldItalic {
			font++ // the bold of Helvetica or Times
		}
		ws := &stdLatinWidths[font]
		width = func(name string) (uint16, bool) {
			i := sort.SearchStrings(stdLatinGlyphs[:], name)
			if i < len(stdLatinGlyphs) && stdLatinGlyphs[i] == name {
				return ws[i], true
			}
			return 0, false
		}
	}
	widths = make([]float64, 256)
	for c, name := range names {
		widths[c] = defaultWidth * 1000
		if w, ok := width(name); ok && name != "" {
			widths[c] = float64(w)
		}
	}
	return widths, 0
}
