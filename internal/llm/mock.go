package llm

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bounds of the questions the mock writes.
const (
	mockMinWords    = 6   // fewest words of a sentence it asks about
	mockMaxSentence = 300 // characters of a sentence quoted in a question
	mockMinTerm     = 5   // fewest letters of a term it blanks out
)

// sentenceEnd splits text into sentences for the mock.
//
//nolint:gochecknoglobals // compiled once, read-only
var sentenceEnd = regexp.MustCompile(`[.!?…]+["'”’)\]]*\s+|\n+`)

// fallbackTerms are distractors for content with too few terms of its own.
//
//nolint:gochecknoglobals // read-only table
var fallbackTerms = []string{"abstraction", "iteration", "recursion", "inheritance", "protocol", "threshold", "gradient", "hypothesis"}

// mockProvider writes questions from the content itself, offline
// (NewBatchMock).
type mockProvider struct {
	latency time.Duration
}

// mockSentences returns the sentences of content worth asking about, in
// order, leaving out headings.
func mockSentences(content string) []string {
	var out []string
	for line := range strings.Lines(content) {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, s := range splitAfter(line, sentenceEnd) {
			s = strings.Join(strings.Fields(s), " ")
			if len(strings.Fields(s)) >= mockMinWords {
				out = append(out, s)
			}
		}
	}
	return out
}

// mockVocabulary returns the distinct terms of content, sorted.
func mockVocabulary(content string) []string {
	seen := make(map[string]struct{})
	for _, w := range words(content) {
		if utf8.RuneCountInString(w) >= mockMinTerm {
			seen[strings.ToLower(w)] = struct{}{}
		}
	}
	return slices.Sorted(func(yield func(string) bool) {
		for w := range seen {
			if !yield(w) {
				return
			}
		}
	})
}

// words returns the runs of letters of s.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
}
