package content

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// droppedTags are removed with everything inside them (docs/compatibility.md, Content
// extraction, step 1).
//
//nolint:gochecknoglobals // read-only table
var droppedTags = map[atom.Atom]bool{
	atom.Script: true,
	atom.Style:  true,
	atom.Nav:    true,
	atom.Header: true,
	atom.Footer: true,
}

// droppedClasses are the class selectors of docs/compatibility.md, Content extraction, step 2.
// An element is removed, with its subtree, when its class list contains
// any of them (class matching is case-sensitive, as in CSS).
//
//nolint:gochecknoglobals // read-only table
var droppedClasses = map[string]bool{
	"ic-app-header":                true,
	"ic-app-nav-toggle-and-crumbs": true,
	"ic-app-crumbs":                true,
	"breadcrumbs":                  true,
	"course-title":                 true,
	"right-side-wrapper":           true,
	"page-toolbar":                 true,
	"show-content":                 true,
	"user_content_iframe":          true,
	"canvas_user_content":          true,
	"mce-content-body":             true,
	"ui-widget":                    true,
	"ui-state-default":             true,
}

// droppedAttrs are the attribute selectors of docs/compatibility.md, Content extraction,
// step 2: [role="navigation"] and [data-component="Navigation"], exact values.
//
//nolint:gochecknoglobals // read-only table
var droppedAttrs = map[string]string{
	"role":           "navigation",
	"data-component": "Navigation",
}

// blockTags separate their content from what comes before and after them.
// The Python original concatenated all text nodes with no separator, so
// "<h1>Intro</h1><p>AI is</p>" became "IntroAI is"; the port inserts a
// space at the boundaries of these elements instead. Inline elements (b,
// a, span, em, ...) add nothing, so "Ma<b>chine</b>" stays "Machine".
//
//nolint:gochecknoglobals // read-only table
var blockTags = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Body: true, atom.Br: true, atom.Caption: true, atom.Center: true,
	atom.Dd: true, atom.Details: true, atom.Dialog: true, atom.Dir: true,
	atom.Div: true, atom.Dl: true, atom.Dt: true, atom.Fieldset: true,
	atom.Figcaption: true, atom.Figure: true, atom.Footer: true, atom.Form: true,
	atom.Frame: true, atom.Frameset: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Head: true, atom.Header: true, atom.Hgroup: true, atom.Hr: true,
	atom.Html: true, atom.Iframe: true, atom.Legend: true, atom.Li: true,
	atom.Main: true, atom.Menu: true, atom.Nav: true, atom.Noscript: true,
	atom.Ol: true, atom.Optgroup: true, atom.Option: true, atom.P: true,
	atom.Pre: true, atom.Section: true, atom.Select: true, atom.Summary: true,
	atom.Table: true, atom.Tbody: true, atom.Td: true, atom.Textarea: true,
	atom.Tfoot: true, atom.Th: true, atom.Thead: true, atom.Title: true,
	atom.Tr: true, atom.Ul: true, atom.Video: true, atom.Audio: true,
}

// HTMLToText returns the visible text of an HTML document or fragment as
// one line, cleaned as docs/compatibility.md, Content extraction, describes:
//
//   - script, style, nav, header and footer elements, comments, and
//     elements matching the Canvas chrome selectors (.ic-app-header,
//     .breadcrumbs, [role="navigation"], ...) are removed with their
//     content; the <title> text is kept;
//   - block elements (headings, paragraphs, list items, table cells, br,
//     ...) are separated by a space, inline elements are not (a fix of the
//     original, which glued neighbouring blocks together);
//   - entities are decoded, every run of Unicode white space (including
//     NBSP) becomes one space, and the result is trimmed;
//   - a space is inserted between "." and a following uppercase ASCII
//     letter plus word character ("ends.Next" → "ends. Next");
//   - runs of 3–10 "." become "...", runs of 2–5 "!" become "!", and runs
//     of 2–5 "?" become "?", applied left to right like Python's re.sub;
//   - the result is cut to at most maxLen characters (runes, never inside
//     a UTF-8 sequence) and trimmed again. maxLen <= 0 means no limit.
//
// Parsing is lenient (HTML5 rules): any input gives a result, never an
// error. Invalid UTF-8 is replaced by U+FFFD first. The caller bounds the
// input size (Limits.MaxPageHTML).
func HTMLToText(doc string, maxLen int) string {
	if doc == "" {
		return ""
	}
	if !utf8.ValidString(doc) {
		doc = strings.ToValidUTF8(doc, "\uFFFD")
	}
	var raw strings.Builder
	raw.Grow(len(doc) / 2)
	root, err := html.ParseWithOptions(strings.NewReader(doc), html.ParseOptionEnableScripting(false))
	if err == nil {
		collectText(root, &raw)
	} else {
		// The parser refuses documents nested deeper than 512 open
		// elements. Read those token by token instead.
		tokenText(doc, &raw)
	}
	return truncateRunes(normalizeLine(raw.String()), maxLen)
}

// tokenText writes the text of doc to b like collectText, but from the
// token stream, for documents the parser refuses. Without a tree, a
// removed element ends at the first end tag that balances its start tag
// of the same name.
func tokenText(doc string, b *strings.Builder) {
	z := html.NewTokenizer(strings.NewReader(doc))
	skipName, skipDepth := "", 0
	// The lists open around the current token, innermost last: an <li>
	// is numbered when the innermost is an <ol>. Without a tree the item
	// count is unknown, so a reversed list with no start="" has no numbers.
	var lists []listState
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return
		case html.TextToken:
			if skipDepth == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if tok.DataAtom == atom.Noscript {
				z.NextIsNotRawText() // as the parser does with scripting disabled
			}
			void := tt == html.SelfClosingTagToken || voidTags[tok.DataAtom]
			switch {
			case skipDepth > 0:
				if tok.Data == skipName && !void {
					skipDepth++
				}
			case droppedElement(tok.DataAtom, tok.Attr):
				if !void {
					skipName, skipDepth = tok.Data, 1
				}
			default:
				if blockTags[tok.DataAtom] {
					b.WriteByte(' ')
				}
				switch tok.DataAtom {
				case atom.Ol:
					lists = append(lists, newListState(tok.Attr, -1))
				case atom.Ul, atom.Menu:
					lists = append(lists, listState{})
				case atom.Li:
					if k := len(lists) - 1; k >= 0 {
						b.WriteString(lists[k].marker(tok.Attr))
					}
				case atom.Img:
					b.WriteString(imgAlt(tok.Attr))
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch {
			case skipDepth > 0:
				if string(name) == skipName {
					skipDepth--
				}
			default:
				a := atom.Lookup(name)
				if blockTags[a] {
					b.WriteByte(' ')
				}
				if k := len(lists) - 1; k >= 0 && (a == atom.Ol || a == atom.Ul || a == atom.Menu) {
					lists = lists[:k]
				}
			}
		}
	}
}

// voidTags are the elements that have no end tag.
//
//nolint:gochecknoglobals // read-only table
var voidTags = map[atom.Atom]bool{
	atom.Area: true, atom.Base: true, atom.Br: true, atom.Col: true, atom.Embed: true,
	atom.Hr: true, atom.Img: true, atom.Input: true, atom.Link: true, atom.Meta: true,
	atom.Source: true, atom.Track: true, atom.Wbr: true,
}

// collectText writes the text of the kept nodes under root to b, with a
// space around block elements. It walks the tree without recursion, so a
// deeply nested document cannot exhaust the stack.
func collectText(root *html.Node, b *strings.Builder) {
	w := treeWalk{b: b}
	n := root
	for n != nil {
		descend := false
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
		case html.ElementNode:
			if !dropped(n) {
				w.enter(n)
				descend = true
			}
		case html.DocumentNode:
			descend = true
		}
		if descend && n.FirstChild != nil {
			n = n.FirstChild
			continue
		}
		if descend {
			w.leave(n)
		}
		// Climb until a next sibling exists, closing blocks on the way.
		for n != root && n.NextSibling == nil {
			n = n.Parent
			w.leave(n)
		}
		if n == root {
			return
		}
		n = n.NextSibling
	}
}

// treeWalk is collectText's state: the output and the <ol> elements open
// around the current node, innermost last.
type treeWalk struct {
	b     *strings.Builder
	lists []listState
}

// enter writes what starts kept element n: a space before a block, the
// number of an item of an <ol> ("2. "), the alt text of an image.
func (w *treeWalk) enter(n *html.Node) {
	if blockTags[n.DataAtom] {
		w.b.WriteByte(' ')
	}
	switch n.DataAtom {
	case atom.Ol:
		s := newListState(n.Attr, olItems(n))
		s.list = n
		w.lists = append(w.lists, s)
	case atom.Li:
		// Only an item whose parent is the <ol> is numbered, as in a
		// browser; an item of a <ul> keeps no marker.
		if k := len(w.lists) - 1; k >= 0 && w.lists[k].list == n.Parent {
			w.b.WriteString(w.lists[k].marker(n.Attr))
		}
	case atom.Img:
		w.b.WriteString(imgAlt(n.Attr))
	}
}

// leave writes the separator that follows an element whose content was
// written.
func (w *treeWalk) leave(n *html.Node) {
	if n.Type != html.ElementNode {
		return
	}
	if blockTags[n.DataAtom] {
		w.b.WriteByte(' ')
	}
	if k := len(w.lists) - 1; n.DataAtom == atom.Ol && k >= 0 && w.lists[k].list == n {
		w.lists = w.lists[:k]
	}
}

// dropped reports whether element n and its subtree are removed.
func dropped(n *html.Node) bool { return droppedElement(n.DataAtom, n.Attr) }

// droppedElement reports whether an element with this tag and these
// attributes is removed.
func droppedElement(tag atom.Atom, attrs []html.Attribute) bool {
	if droppedTags[tag] {
		return true
	}
	for _, a := range attrs {
		if a.Namespace != "" {
			continue
		}
		if a.Key == "class" {
			for _, c := range strings.FieldsFunc(a.Val, isHTMLSpace) {
				if droppedClasses[c] {
					return true
				}
			}
			continue
		}
		if want, ok := droppedAttrs[a.Key]; ok && a.Val == want {
			return true
		}
	}
	return false
}

// isHTMLSpace reports ASCII white space as HTML defines it for class lists.
func isHTMLSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r'
}

// isSpace is Python's str.isspace: Unicode white space (unicode.IsSpace,
// so NBSP and U+2028 count) plus the four ASCII information separators
// U+001C–U+001F, which Python's \s also matches.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// isWord is Python's \w for str patterns: letters, numbers and underscore.
func isWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// normalizeLine applies the original's normalisation (docs/compatibility.md, Content extraction) to s: white space
// collapsed and trimmed, a space after "." before an uppercase ASCII letter
// and a word character, and runs of ".", "!" and "?" squeezed.
func normalizeLine(s string) string {
	c := collapseSpaces(s)
	var b strings.Builder
	b.Grow(len(c) + len(c)/64)
	for i := 0; i < len(c); {
		k := strings.IndexAny(c[i:], ".!?")
		if k < 0 {
			b.WriteString(c[i:])
			break
		}
		b.WriteString(c[i : i+k])
		i += k
		ch := c[i]
		j := i
		for j < len(c) && c[j] == ch {
			j++
		}
		writeRun(&b, rune(ch), j-i)
		// Python inserts the space before squeezing the dots, so the rule
		// looks at what follows the run's last dot.
		if ch == '.' && j+1 < len(c) && c[j] >= 'A' && c[j] <= 'Z' {
			if r, _ := utf8.DecodeRuneInString(c[j+1:]); isWord(r) {
				b.WriteByte(' ')
			}
		}
		i = j
	}
	return b.String()
}

// collapseSpaces returns s with every run of white space replaced by one
// space and the ends trimmed.
func collapseSpaces(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pending := false
	for _, r := range s {
		if isSpace(r) {
			pending = b.Len() > 0
			continue
		}
		if pending {
			b.WriteByte(' ')
			pending = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// writeRun writes a run of n copies of r squeezed the way Python's
// re.sub(r"\.{3,10}", "...", s) (or "!{2,5}" → "!", "\?{2,5}" → "?") does:
// the pattern consumes up to its maximum per match, left to right, and
// what is left shorter than its minimum stays as it is.
func writeRun(b *strings.Builder, r rune, n int) {
	lo, hi, repl := 2, 5, string(r)
	if r == '.' {
		lo, hi, repl = 3, 10, "..."
	}
	for n >= lo {
		b.WriteString(repl)
		n -= min(n, hi)
	}
	for ; n > 0; n-- {
		b.WriteRune(r)
	}
}

// truncateRunes cuts s to at most maxLen runes and trims trailing white
// space the cut may expose. maxLen <= 0 means no limit.
func truncateRunes(s string, maxLen int) string {
	if maxLen <= 0 || len(s) <= maxLen {
		return s
	}
	n := 0
	for i := range s {
		if n == maxLen {
			return strings.TrimRightFunc(s[:i], isSpace)
		}
		n++
	}
	return s
}

// listState numbers the items of one <ol> as a browser shows them
// (HTML's ordinal values): from start="" (1 by default, or the item count
// when reversed), up by one or down by one when reversed, a value="" on an
// item restarting the count there, each number written in the list's
// type="" (1, a, A, i or I).
type listState struct {
	list    *html.Node // the <ol> (tree walk only)
	next    int
	step    int
	style   string
	ordered bool // false for ul and menu, whose items get no number
	known   bool // false when the first number is unknown (token walk, reversed with no start)
}

// newListState returns the numbering of an <ol> with these attributes;
// items is the number of its items, or -1 when unknown.
func newListState(attrs []html.Attribute, items int) listState {
	s := listState{next: 1, step: 1, style: "1", ordered: true, known: true}
	start, hasStart := 0, false
	for _, a := range attrs {
		if a.Namespace != "" {
			continue
		}
		switch a.Key {
		case "reversed":
			s.step = -1
		case "start":
			start, hasStart = parseHTMLInt(a.Val)
		case "type":
			if a.Val == "a" || a.Val == "A" || a.Val == "i" || a.Val == "I" {
				s.style = a.Val
			}
		}
	}
	switch {
	case hasStart:
		s.next = start
	case s.step < 0 && items >= 0:
		s.next = items
	case s.step < 0:
		s.known = false
	}
	return s
}

// marker returns the marker of the next item ("3. ", "c. ") and advances
// the count; an item's value="" sets its number. It returns "" when the
// list has no numbers.
func (s *listState) marker(item []html.Attribute) string {
	if !s.ordered {
		return ""
	}
	for _, a := range item {
		if a.Namespace == "" && a.Key == "value" {
			if v, ok := parseHTMLInt(a.Val); ok {
				s.next, s.known = v, true
			}
		}
	}
	if !s.known {
		return ""
	}
	n := s.next
	s.next += s.step
	return formatOrdinal(n, s.style) + ". "
}

// maxOrdinal bounds list numbers, so a huge start="" cannot overflow.
const maxOrdinal = 1 << 40

// parseHTMLInt parses an HTML integer attribute as browsers do: leading
// white space, an optional sign, then digits; anything after them is
// ignored. ok is false without digits or beyond ±maxOrdinal.
func parseHTMLInt(v string) (int, bool) {
	v = strings.TrimLeftFunc(v, isHTMLSpace)
	neg := false
	if v != "" && (v[0] == '-' || v[0] == '+') {
		neg = v[0] == '-'
		v = v[1:]
	}
	n, digits := 0, 0
	for ; digits < len(v) && v[digits] >= '0' && v[digits] <= '9'; digits++ {
		n = n*10 + int(v[digits]-'0')
		if n > maxOrdinal {
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// formatOrdinal writes n in a list style: "1" decimal, "a"/"A" letters
// (a..z, aa, ab, ...), "i"/"I" roman numerals. As in browsers, numbers a
// style cannot write (below 1, or above 3999 in roman) are decimal.
func formatOrdinal(n int, style string) string {
	switch {
	case (style == "a" || style == "A") && n >= 1:
		var buf [16]byte
		i := len(buf)
		for m := n; m > 0; m = (m - 1) / 26 {
			i--
			buf[i] = style[0] + byte((m-1)%26)
		}
		return string(buf[i:])
	case (style == "i" || style == "I") && n >= 1 && n <= 3999:
		r := roman(n)
		if style == "I" {
			return strings.ToUpper(r)
		}
		return r
	}
	return strconv.Itoa(n)
}

// roman writes 1..3999 in lower-case roman numerals.
func roman(n int) string {
	values := [...]int{1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1}
	digits := [...]string{"m", "cm", "d", "cd", "c", "xc", "l", "xl", "x", "ix", "v", "iv", "i"}
	var b strings.Builder
	for i, v := range values {
		for ; n >= v; n -= v {
			b.WriteString(digits[i])
		}
	}
	return b.String()
}

// olItems counts the kept <li> children of ol, the first number of a
// reversed list with no start="".
func olItems(ol *html.Node) int {
	n := 0
	for c := ol.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Li && !dropped(c) {
			n++
		}
	}
	return n
}

// imgAlt returns the alt text an <img> shows in place of the image, or ""
// for an image marked decorative (role="presentation" or "none",
// aria-hidden="true").
func imgAlt(attrs []html.Attribute) string {
	alt := ""
	for _, a := range attrs {
		if a.Namespace != "" {
			continue
		}
		switch a.Key {
		case "alt":
			alt = a.Val
		case "role":
			if r := strings.TrimFunc(a.Val, isHTMLSpace); strings.EqualFold(r, "presentation") || strings.EqualFold(r, "none") {
				return ""
			}
		case "aria-hidden":
			if strings.EqualFold(strings.TrimFunc(a.Val, isHTMLSpace), "true") {
				return ""
			}
		}
	}
	return alt
}
