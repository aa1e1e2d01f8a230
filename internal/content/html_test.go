package content_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/content"
)

var update = flag.Bool("update", false, "rewrite testdata/**/*.golden (and the generated PDFs) with current output")

// htmlCases are the table of HTMLToText cases; FuzzHTMLToText is seeded
// from them.
var htmlCases = []struct {
	name   string
	html   string
	maxLen int
	want   string
}{
	// The original's cleaning cases.
	{"empty", "", 0, ""},
	{"only markup", "<div><p></p></div>", 0, ""},
	{"multiple spaces", "<p>Multiple   spaces   here</p>", 0, "Multiple spaces here"},
	{"sentence break", "<p>This sentence ends.Next starts</p>", 0, "This sentence ends. Next starts"},
	{"exclamations", "<p>Wow!!!</p>", 0, "Wow!"},
	{"six dots", "<p>Wait......</p>", 0, "Wait..."},
	{"questions", "<p>Really???</p>", 0, "Really?"},
	{"no triple newline", "<p>a</p>\n\n\n\n<p>b</p>", 0, "a b"},
	{"script and style", "<script>var x = 1;</script><style>p{}</style><p>Kept</p>", 0, "Kept"},
	{"comment", "<p>Kept<!-- hidden comment --> text</p>", 0, "Kept text"},
	{"nav header footer", "<nav>Nav text</nav><header>Header text</header><p>Body</p><footer>Footer text</footer>", 0, "Body"},
	{"page toolbar", `<div class="page-toolbar">Toolbar</div><p>Body</p>`, 0, "Body"},
	{"ui widget", `<span class="ui-widget">Widget</span><p>Body</p>`, 0, "Body"},
	{"breadcrumbs", `<ol class="breadcrumbs"><li>Home</li></ol><p>Body</p>`, 0, "Body"},
	{"canvas nav toggle", `<div class="ic-app-nav-toggle-and-crumbs">Toggle</div><p>Actual content</p>`, 0, "Actual content"},
	{"course title", `<h2 class="course-title">INF-2600</h2><p>Actual content</p>`, 0, "Actual content"},
	{"right side", `<div class="right-side-wrapper">Sidebar</div><p>Actual content</p>`, 0, "Actual content"},
	{"mce body", `<div class="mce-content-body">Editor</div><p>Actual content</p>`, 0, "Actual content"},
	{"role navigation", `<div role="navigation">Menu</div><p>Actual content</p>`, 0, "Actual content"},
	{"data-component navigation", `<div data-component="Navigation">Menu</div><p>Actual content</p>`, 0, "Actual content"},
	{"other selectors", `<i class="ic-app-header">a</i><i class="ic-app-crumbs">b</i><i class="show-content">c</i><i class="user_content_iframe">d</i><i class="canvas_user_content">e</i><i class="ui-state-default">f</i>Kept`, 0, "Kept"},
	{"class among others", `<p class="lead breadcrumbs wide">Gone</p><p>Kept</p>`, 0, "Kept"},
	{"class case-sensitive", `<p class="Breadcrumbs">Kept</p>`, 0, "Kept"},
	{"title kept", "<html><head><title>Page title</title></head><body><p>Body</p></body></html>", 0, "Page title Body"},

	// The block-separation fix and inline non-separation.
	{"heading then paragraph", "<h1>Intro</h1><p>AI is</p>", 0, "Intro AI is"},
	{"inline bold", "<p>Ma<b>chine</b></p>", 0, "Machine"},
	{"inline link span em", `<p><a href="#">Re</a><span>in</span><em>force</em>ment</p>`, 0, "Reinforcement"},
	{"list items", "<ul><li>One</li><li>Two</li></ul><ol><li>Three</li></ol>", 0, "One Two 1. Three"},

	// Ordered lists are numbered as a browser shows them (issue 16; w3m
	// -dump is the reference), unordered ones get no marker.
	{"ol numbered", "<ol><li>One</li><li>Two</li><li>Three</li></ol>", 0, "1. One 2. Two 3. Three"},
	{"ol start", `<ol start="4"><li>four</li><li>five</li></ol>`, 0, "4. four 5. five"},
	{"ol start lenient", `<ol start=" 7th"><li>a</li></ol><ol start="x"><li>b</li></ol><ol start="-2"><li>c</li><li>d</li></ol>`, 0, "7. a 1. b -2. c -1. d"},
	{"ol reversed", "<ol reversed><li>x</li><li>y</li><li>z</li></ol>", 0, "3. x 2. y 1. z"},
	{"ol reversed start", `<ol reversed start="10"><li>x</li><li>y</li></ol>`, 0, "10. x 9. y"},
	{"li value", `<ol><li value="5">f</li><li>g</li><li value="x">h</li></ol>`, 0, "5. f 6. g 7. h"},
	{"ol type a", `<ol type="a"><li>x</li><li>y</li></ol><ol type="A" start="26"><li>z</li><li>aa</li><li>ab</li></ol>`, 0, "a. x b. y Z. z AA. aa AB. ab"},
	{"ol type roman", `<ol type="i" start="3"><li>x</li><li>y</li></ol><ol type="I" start="1994"><li>z</li></ol>`, 0, "iii. x iv. y MCMXCIV. z"},
	{"ol type out of range is decimal", `<ol type="i" start="4000"><li>x</li></ol><ol type="a" start="0"><li>y</li></ol><ol type="disc"><li>z</li></ol>`, 0, "4000. x 0. y 1. z"},
	{"ol huge start", `<ol start="99999999999999999999"><li>x</li></ol>`, 0, "1. x"},
	{"nested lists numbered per level", `<ol><li>One</li><li>Two<ol type="a"><li>Sub a</li><li>Sub b</li></ol></li><li>Three</li></ol>`, 0, "1. One 2. Two a. Sub a b. Sub b 3. Three"},
	{"ul inside ol", "<ol><li>One<ul><li>dot</li></ul></li><li>Two</li></ol>", 0, "1. One dot 2. Two"},
	{"ol inside ul", "<ul><li>dot<ol><li>One</li></ol></li><li>dot</li></ul>", 0, "dot 1. One dot"},
	{"dropped items not counted", `<ol><li class="breadcrumbs">Home</li><li>One</li></ol><ol reversed><li>a</li><li role="navigation">m</li><li>b</li></ol>`, 0, "1. One 2. a 1. b"},
	{"ol chrome still dropped", `<nav><ol><li>Home</li></ol></nav><ol class="breadcrumbs"><li>Course</li></ol><ol><li>Body</li></ol>`, 0, "1. Body"},
	{"stray li", "<li>a</li><li>b</li>", 0, "a b"},

	// Image alt text is kept in place, as w3m shows it; decorative images
	// (empty alt, role="presentation" or "none", aria-hidden="true") add
	// nothing.
	{"img alt", `<p>See <img src="cat.png" alt="A cat"> here</p>`, 0, "See A cat here"},
	{"img alt inline", `<p>a<img src=x alt="X">b</p>`, 0, "aXb"},
	{"img alt entities", `<p><img alt="x &lt; y&nbsp;z"></p>`, 0, "x < y z"},
	{"img no or empty alt", `<p>a <img src=x> <img src=x alt=""> <img src=x alt="  "> b</p>`, 0, "a b"},
	{"img decorative", `<p>a <img alt="d1" role="presentation"> <img alt="d2" role="NONE"> <img alt="d3" aria-hidden="true"> <img alt="kept" aria-hidden="false"> b</p>`, 0, "a kept b"},
	{"img in chrome dropped", `<nav><img alt="Logo"></nav><div class="ic-app-header"><img alt="Canvas"></div><p>Body</p>`, 0, "Body"},
	{"table cells", "<table><tr><th>Name</th><th>Value</th></tr><tr><td>alpha</td><td>1</td></tr></table>", 0, "Name Value alpha 1"},
	{"br", "line one<br>line two<br/>line three", 0, "line one line two line three"},
	{"hr and blockquote", "a<hr>b<blockquote>c</blockquote>d", 0, "a b c d"},
	{"pre keeps one line", "<pre>x\n\ty\n</pre>", 0, "x y"},
	{"definition list", "<dl><dt>Term</dt><dd>Definition</dd></dl>", 0, "Term Definition"},
	{"sections", "<section>s</section><article>a</article><div>d</div>", 0, "s a d"},

	// Unicode white space and entities.
	{"nbsp", "<p>a&nbsp;&nbsp;b\u00a0c</p>", 0, "a b c"},
	{"unicode spaces", "<p>a\u2003b\u2009c\u3000d\u2028e\u2029f\u0085g\u001fh</p>", 0, "a b c d e f g h"},
	{"zero width space is not white space", "<p>a\u200bb</p>", 0, "a\u200bb"},
	{"entities", "<p>&lt;b&gt; &amp; &quot;q&quot; &#233;&#x1F600; &aring;</p>", 0, "<b> & \"q\" é😀 å"},
	{"invalid utf-8", "<p>a\xffb</p>", 0, "a\uFFFDb"},

	// Punctuation squeezing, Python's re.sub semantics.
	{"two dots stay", "<p>a..b</p>", 0, "a..b"},
	{"ten dots", "<p>a..........b</p>", 0, "a...b"},
	{"eleven dots", "<p>a...........b</p>", 0, "a....b"},
	{"thirteen dots", "<p>a.............b</p>", 0, "a......b"},
	{"six bangs", "<p>a!!!!!!</p>", 0, "a!!"},
	{"seven questions", "<p>a???????</p>", 0, "a??"},
	{"dots then capital", "<p>Wait...Next</p>", 0, "Wait... Next"},
	{"capital needs word char", "<p>x.A z.Ab x.A. x.A1 x.AØ</p>", 0, "x.A z. Ab x.A. x. A1 x. AØ"},
	{"lower case no space", "<p>e.g.this</p>", 0, "e.g.this"},
	{"non-ascii capital no space", "<p>1.Ørn</p>", 0, "1.Ørn"},

	// Truncation by runes.
	{"truncate ascii", "<p>abcdef</p>", 3, "abc"},
	{"truncate multibyte", "<p>æøåÆØÅ</p>", 4, "æøåÆ"},
	{"truncate emoji", "<p>😀😀😀</p>", 2, "😀😀"},
	{"truncate trims exposed space", "<p>ab cd</p>", 3, "ab"},
	{"no truncation at limit", "<p>æøå</p>", 3, "æøå"},
	{"zero means no limit", "<p>abc</p>", 0, "abc"},
}

func TestHTMLToText(t *testing.T) {
	t.Parallel()
	for _, tt := range htmlCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, content.HTMLToText(tt.html, tt.maxLen))
		})
	}
}

// TestHTMLToTextComprehensive is the original's comprehensive cleaning case.
func TestHTMLToTextComprehensive(t *testing.T) {
	t.Parallel()
	doc := `<html><head><title>Course Page</title><style>body { color: red; }</style></head>
<body>
<nav>Navigation menu</nav>
<header>Site header</header>
<div class="page-toolbar">Edit page</div>
<div class="breadcrumbs">Home > Course</div>
<main>
<h1>Main Heading</h1>
<h2>Sub Heading</h2>
<p>This is a paragraph with   Multiple   spaces.</p>
<ul><li>First item</li><li>Second item</li></ul>
<span class="ui-widget">Widget text</span>
<!-- a comment that must go -->
<script>alert("hi")</script>
</main>
<footer>Site footer</footer>
</body></html>`
	got := content.HTMLToText(doc, 500_000)
	for _, want := range []string{"Main Heading", "Sub Heading", "This is a paragraph with Multiple spaces.", "First item", "Second item", "Course Page"} {
		assert.Contains(t, got, want)
	}
	for _, gone := range []string{"Navigation menu", "Site header", "Edit page", "Home > Course", "Widget text", "a comment", "alert", "color: red", "Site footer", "<", ">", "  "} {
		assert.NotContains(t, got, gone)
	}
}

// TestHTMLToTextLongInput checks that a long page keeps exactly maxLen
// runes, cut on a rune boundary.
func TestHTMLToTextLongInput(t *testing.T) {
	t.Parallel()
	doc := "<p>" + strings.Repeat("blåbær ", 100_000) + "</p>" // 7 runes a word
	got := content.HTMLToText(doc, 500_000)
	assert.True(t, utf8.ValidString(got))
	assert.Equal(t, 500_000, utf8.RuneCountInString(got))
	assert.True(t, strings.HasSuffix(got, " blåb"), "cut inside a word, on a rune boundary")

	doc = "<p>" + strings.Repeat("æøå ", 200_000) + "</p>" // 4 runes a word
	got = content.HTMLToText(doc, 500_000)
	assert.Equal(t, 499_999, utf8.RuneCountInString(got), "the cut exposes a trailing space, which is trimmed")
	assert.True(t, strings.HasSuffix(got, " æøå"))
}

// TestHTMLToTextDeepNesting checks documents nested deeper than the HTML
// parser accepts (512 open elements): they are read token by token, with
// the same removals and separators.
func TestHTMLToTextDeepNesting(t *testing.T) {
	t.Parallel()
	deep := func(inner string) string {
		return strings.Repeat("<div><span>", 50_000) + inner + strings.Repeat("</span></div>", 50_000)
	}
	assert.Equal(t, "deep", content.HTMLToText(deep("deep"), 0))
	assert.Equal(t, "Ma chine learning", content.HTMLToText(deep("Ma<p>chine</p>learn<b>ing</b>"), 0))
	assert.Equal(t, "kept after",
		content.HTMLToText(deep(`kept<nav>gone<nav>nested</nav>still gone</nav><p class="breadcrumbs">gone</p><script>x<y</script><br>after`), 0))
	assert.Equal(t, "a b c", content.HTMLToText(deep("a<img src=x><hr/>b<noscript><p>c</p></noscript>"), 0))
	assert.Equal(t, "1. one 2. two dot 3. three", content.HTMLToText(deep("<ol><li>one<li>two<ul><li>dot</ul><li>three</ol>"), 0))
	assert.Equal(t, "5. v c. x x y", content.HTMLToText(deep(`<ol><li value=5>v</ol><ol type=a start=3><li>x</ol><ol reversed><li>x<li>y</ol>`), 0),
		"a reversed list with no start has no numbers without the tree")
	assert.Equal(t, "a Cat b", content.HTMLToText(deep(`a <img alt="Cat"> <img alt="d" role=presentation><nav><img alt="Logo"></nav>b`), 0))
}

// TestHTMLToTextGolden cleans every testdata/html/*.html and compares the
// result with the .golden file next to it.
func TestHTMLToTextGolden(t *testing.T) {
	t.Parallel()
	inputs, err := filepath.Glob(filepath.Join("testdata", "html", "*.html"))
	require.NoError(t, err)
	require.NotEmpty(t, inputs)
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(in)
			require.NoError(t, err)
			got := content.HTMLToText(string(raw), 500_000)
			checkGolden(t, strings.TrimSuffix(in, ".html")+".golden", got)
		})
	}
}

// checkGolden compares got with the golden file, or rewrites the file
// with -update.
func checkGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test ./internal/content -run %s -update to create it", t.Name())
	assert.Equal(t, string(want), got, "output differs from %s; rerun with -update and review the diff", golden)
}

// FuzzHTMLToText checks that any input gives one trimmed line of valid
// UTF-8 within the limit, without panicking.
func FuzzHTMLToText(f *testing.F) {
	for _, tt := range htmlCases {
		f.Add(tt.html, tt.maxLen)
	}
	f.Add(`<p class="a b" role=navigation>x</p><table><td>a<td>b</table>&#x0;&#xD800;`, 10)
	addTestdataSeeds(f, "html/*.html", func(b []byte) { f.Add(string(b), 500) })
	f.Fuzz(func(t *testing.T, doc string, maxLen int) {
		maxLen %= 1000
		got := content.HTMLToText(doc, maxLen)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8: %q", got)
		}
		if strings.ContainsAny(got, "\n\r") {
			t.Fatalf("newline in output: %q", got)
		}
		if maxLen > 0 && utf8.RuneCountInString(got) > maxLen {
			t.Fatalf("%d runes, limit %d", utf8.RuneCountInString(got), maxLen)
		}
		if strings.TrimSpace(got) != got {
			t.Fatalf("untrimmed output: %q", got)
		}
	})
}

// TestHTMLToTextLinearWork feeds HTMLToText the input shape of
// GO-2026-6860: thousands of one-letter text runs split by stray end tags
// ("a</x>a</x>..."). golang.org/x/net/html before v0.62.0 joined them into
// one text node by string concatenation, copying the text again for every
// run: 320 KB of it allocated about 2 GB and took seconds. The bound is on
// the bytes allocated, counted by the runtime, not on time. Not parallel:
// the allocation counter is process-wide.
func TestHTMLToTextLinearWork(t *testing.T) {
	const runs = 1 << 16
	doc := strings.Repeat("a</x>", runs)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got := content.HTMLToText(doc, 0)
	runtime.ReadMemStats(&after)

	assert.Equal(t, strings.Repeat("a", runs), got, "every run of text is kept, in one piece")
	// Linear work allocates a small multiple of the input; the quadratic
	// join allocates about runs*runs/2 bytes (2 GiB here).
	limit := uint64(64 * len(doc))
	alloc := after.TotalAlloc - before.TotalAlloc
	assert.LessOrEqual(t, alloc, limit, "HTMLToText allocated %d MiB for %d KiB of HTML", alloc>>20, len(doc)>>10)
}

// benchmarkPage builds a ~150 KB course page in the style of the mock
// Canvas bodies (docs/compatibility.md, Canvas): Wikipedia-like markup with nested divs, spans,
// links, tables, lists, math, entities, navigation and scripts.
func benchmarkPage() string {
	var b strings.Builder
	b.WriteString(`<link rel="stylesheet" href="/w/load.php?modules=site.styles"><div class="mw-content-ltr mw-parser-output">`)
	b.WriteString(`<div role="navigation" class="navbox"><ul><li><a href="/a">Artificial intelligence</a></li><li><a href="/b">Planning</a></li></ul></div>`)
	for i := 0; b.Len() < 150_000; i++ {
		fmt.Fprintf(&b, `<h2><span class="mw-headline" id="s%d">Section %d: Markov decision processes</span><span class="mw-editsection">[<a href="/edit?s=%d">edit</a>]</span></h2>`, i, i, i)
		fmt.Fprintf(&b, `<p>A <b>Markov decision process</b> (<abbr title="MDP">MDP</abbr>) is a <a href="/wiki/Stochastic" title="Stochastic">discrete-time stochastic</a> control process.<sup class="reference"><a href="#cite-%d">[%d]</a></sup> It provides a framework for modelling <i>decision making</i> where outcomes are partly random&nbsp;and partly under the control of a decision maker &mdash; for example in <a href="/wiki/Robotics">robotics</a>, economics and manufacturing.</p>`, i, i)
		b.WriteString(`<div class="thumb tright"><div class="thumbinner"><img src="/img.png" width="220"><div class="thumbcaption">Example of a simple MDP with three states and two actions.</div></div></div>`)
		b.WriteString(`<p>The value is <span class="mwe-math-element"><math alttext="V(s)"><semantics><mrow><mi>V</mi><mo>(</mo><mi>s</mi><mo>)</mo><mo>=</mo><munder><mo>max</mo><mi>a</mi></munder><mi>Q</mi></mrow><annotation encoding="application/x-tex">{\displaystyle V(s)=\max_a Q(s,a)}</annotation></semantics></math></span> for every state.</p>`)
		b.WriteString(`<table class="wikitable"><tr><th>State</th><th>Action</th><th>Reward</th></tr><tr><td>s<sub>0</sub></td><td>a<sub>1</sub></td><td>+5</td></tr><tr><td>s<sub>1</sub></td><td>a<sub>0</sub></td><td>&minus;1</td></tr></table>`)
		b.WriteString(`<ul><li>Value iteration &ndash; repeated Bellman updates</li><li>Policy iteration&#160;alternates evaluation and improvement</li><li>Q-learning&hellip;learns without a model</li></ul>`)
		b.WriteString(`<!-- generated by the benchmark --><script>mw.loader.load("x")</script>`)
	}
	b.WriteString(`</div><footer>Retrieved from Wikipedia</footer>`)
	return b.String()
}

func BenchmarkHTMLToText(b *testing.B) {
	page := benchmarkPage()
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if content.HTMLToText(page, 500_000) == "" {
			b.Fatal("no text")
		}
	}
}
