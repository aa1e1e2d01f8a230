package llm

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"unicode/utf8"
)

// DefaultMaxChunk is the chunk size, in characters, used when Chunks is
// given none.
const DefaultMaxChunk = 6000

// MinChunkContent is the fewest characters (after trimming) a page or file
// needs to be used at all (docs/compatibility.md, Generation).
const MinChunkContent = 100

// Chunk is a piece of one page or file of a quiz's extracted content,
// small enough to send to a model.
type Chunk struct {
	// ModuleID is the Canvas module id, taken from the document key
	// "module_<id>" (the whole key if it lacks the prefix).
	ModuleID string
	// Title is the title of the page or file.
	Title string
	// Content is the text, trimmed, at most the chunk size in characters.
	Content string
}

// separators split an over-long text at ever finer boundaries: paragraph
// breaks, line breaks, sentence ends, then any whitespace. A piece with no
// boundary left is cut hard.
//
//nolint:gochecknoglobals // compiled once, read-only
var separators = []*regexp.Regexp{
	regexp.MustCompile(`\n[ \t\r\f\v]*\n\s*`),
	regexp.MustCompile(`\n\s*`),
	regexp.MustCompile(`[.!?…]+["'”’)\]]*\s+`),
	regexp.MustCompile(`\s+`),
}

// Chunks splits the extracted content of a quiz, the JSON document
// {"module_<id>": [{"title", "content", "type"}, ...], ...} of docs/compatibility.md, Content extraction,
// into chunks of at most maxChunk characters (DefaultMaxChunk if maxChunk
// is not positive), in document order.
//
// As in the original (docs/compatibility.md, Generation), modules that are not lists, items that are not objects
// or have no string content, and contents shorter than MinChunkContent
// after trimming are skipped, and a content that fits is one chunk. Unlike
// the original, a longer content is split at paragraph breaks, then line
// breaks, then sentence ends, then spaces, and cut hard only where none is
// left, so a page of HTML text (one line) no longer becomes one huge chunk.
// Pieces are packed greedily up to maxChunk. A document that is not a JSON
// object yields no chunks; one that breaks off yields the chunks before
// the break.
func Chunks(extracted json.RawMessage, maxChunk int) []Chunk {
	if maxChunk <= 0 {
		maxChunk = DefaultMaxChunk
	}
	dec := json.NewDecoder(bytes.NewReader(extracted))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var chunks []Chunk
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return chunks
		}
		key, _ := tok.(string)
		var items []json.RawMessage
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return chunks
		}
		if json.Unmarshal(raw, &items) != nil {
			continue // not a list
		}
		module := strings.TrimPrefix(key, "module_")
		for _, it := range items {
			var item struct {
				Title   json.RawMessage `json:"title"`
				Content json.RawMessage `json:"content"`
			}
			if json.Unmarshal(it, &item) != nil || !bytes.HasPrefix(bytes.TrimSpace(it), []byte("{")) {
				continue
			}
			var content, title string
			if json.Unmarshal(item.Content, &content) != nil {
				continue
			}
			_ = json.Unmarshal(item.Title, &title) // a missing or odd title stays ""
			content = strings.TrimSpace(content)
			if utf8.RuneCountInString(content) < MinChunkContent {
				continue
			}
			for _, piece := range splitText(content, 0, maxChunk, nil) {
				chunks = append(chunks, Chunk{ModuleID: module, Title: title, Content: piece})
			}
		}
	}
	return chunks
}

// splitText appends to out the trimmed, non-empty pieces of text, each at
// most limit characters, splitting at separators[level] and finer.
func splitText(text string, level, limit int, out []string) []string {
	if utf8.RuneCountInString(text) <= limit {
		if s := strings.TrimSpace(text); s != "" {
			out = append(out, s)
		}
		return out
	}
	if level == len(separators) {
		rs := []rune(text)
		for i := 0; i < len(rs); i += limit {
			if s := strings.TrimSpace(string(rs[i:min(i+limit, len(rs))])); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	var cur strings.Builder
	curN := 0
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
		curN = 0
	}
	for _, p := range splitAfter(text, separators[level]) {
		n := utf8.RuneCountInString(p)
		if n > limit {
			flush()
			out = splitText(p, level+1, limit, out)
			continue
		}
		if curN+n > limit {
			flush()
		}
		cur.WriteString(p)
		curN += n
	}
	flush()
	return out
}

// splitAfter cuts s after every match of re; the pieces join back to s.
func splitAfter(s string, re *regexp.Regexp) []string {
	var pieces []string
	start := 0
	for _, m := range re.FindAllStringIndex(s, -1) {
		if m[1] > start {
			pieces = append(pieces, s[start:m[1]])
			start = m[1]
		}
	}
	if start < len(s) {
		pieces = append(pieces, s[start:])
	}
	return pieces
}
