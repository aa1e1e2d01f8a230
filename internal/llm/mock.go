package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
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

// mockProvider writes questions from the content itself, offline.
type mockProvider struct {
	latency time.Duration
}

var _ Provider = mockProvider{}

// NewMock returns a Provider for offline development and tests. It waits
// latency (returning early with ctx's error when ctx is done), then writes
// up to r.Count questions from r.Content: each quotes one sentence of the
// content with its longest word blanked out and offers that word and three
// other words of the content as options, the correct letter varying from
// question to question. Lines starting with "#" are headings and are not
// asked about. Questions whose text is in r.Avoid (ignoring case,
// punctuation and spacing) are skipped, so it writes fewer than r.Count
// once the content runs out. The answer is the JSON object of ParseAnswer.
// The same request always gets the same answer.
func NewMock(latency time.Duration) Provider {
	return mockProvider{latency: latency}
}

// Questions implements Provider.
func (m mockProvider) Questions(ctx context.Context, r Request) (string, error) {
	if m.latency > 0 {
		t := time.NewTimer(m.latency)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("mock LLM: %w", ctx.Err())
		case <-t.C:
		}
	} else if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("mock LLM: %w", err)
	}

	avoid := make(map[string]struct{}, len(r.Avoid))
	for _, a := range r.Avoid {
		avoid[strings.Join(tokens(a), "")] = struct{}{}
	}
	vocab := mockVocabulary(r.Content)
	type entry struct {
		QuestionText  string `json:"question_text"`
		OptionA       string `json:"option_a"`
		OptionB       string `json:"option_b"`
		OptionC       string `json:"option_c"`
		OptionD       string `json:"option_d"`
		CorrectAnswer string `json:"correct_answer"`
	}
	out := struct {
		Questions []entry `json:"questions"`
	}{Questions: []entry{}}
	for _, s := range mockSentences(r.Content) {
		if len(out.Questions) >= r.Count {
			break
		}
		q, ok := mockQuestion(s, vocab)
		if !ok {
			continue
		}
		key := strings.Join(tokens(q.QuestionText), "")
		if _, seen := avoid[key]; seen {
			continue
		}
		avoid[key] = struct{}{}
		out.Questions = append(out.Questions, entry(q))
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("mock LLM: %w", err)
	}
	return string(b), nil
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

// mockQuestion writes the question of one sentence: its longest word (the
// first of equal length) blanked out, with three distractors from vocab.
func mockQuestion(sentence string, vocab []string) (Question, bool) {
	if utf8.RuneCountInString(sentence) > mockMaxSentence {
		sentence = oneLine(sentence, mockMaxSentence)
	}
	term := ""
	for _, w := range words(sentence) {
		if utf8.RuneCountInString(w) > utf8.RuneCountInString(term) {
			term = w
		}
	}
	if utf8.RuneCountInString(term) < mockMinTerm {
		return Question{}, false
	}
	h := fnv.New32a()
	h.Write([]byte(sentence))
	sum := int(h.Sum32() & 0x7fffffff)

	options := []string{strings.ToLower(term)}
	pick := func(pool []string, from int) {
		for i := range pool {
			if len(options) == 4 {
				return
			}
			w := pool[(from+i)%len(pool)]
			if !slices.ContainsFunc(options, func(o string) bool { return strings.EqualFold(o, w) }) {
				options = append(options, w)
			}
		}
	}
	if len(vocab) > 0 {
		pick(vocab, sum%len(vocab))
	}
	pick(fallbackTerms, sum%len(fallbackTerms))
	if len(options) < 4 {
		return Question{}, false
	}
	// Put the correct term at a letter chosen by the sentence.
	correct := sum % 4
	options[0], options[correct] = options[correct], options[0]

	blanked := strings.Replace(sentence, term, "_____", 1)
	q := Question{
		QuestionText:  "Which term completes this statement from the course material: \"" + blanked + "\"?",
		OptionA:       options[0],
		OptionB:       options[1],
		OptionC:       options[2],
		OptionD:       options[3],
		CorrectAnswer: string(rune('A' + correct)),
	}
	return q, q.Validate() == nil
}

// words returns the runs of letters of s.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
}
