package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"quizgen/internal/quiz/qtype"
)

// mockCandidatesPerSentence bounds the questions the batch mock tries per
// usable sentence of the content before it gives up on the rest.
const mockCandidatesPerSentence = 3

var _ BatchProvider = mockProvider{}

// NewBatchMock returns a BatchProvider that writes from the content
// itself, for offline development and tests: it waits latency (MOCK_LLM_LATENCY;
// returning early with ctx's error when ctx is done), then answers
// {"questions": [...]} with up to c.Prompt.Count questions of
// c.Prompt.Type, written by the type's Mock in c.Prompt.Language at
// c.Prompt.Difficulty from the content: each turns on one sentence of it
// (headings left out) and that sentence's longest word, with the other
// sentences and the content's other terms as further facts and
// distractors. A question that is a near-duplicate of one in
// c.Prompt.Avoid (compared by QuestionKey, as BatchWriter compares) or of
// an earlier one is skipped, so it writes fewer than asked once the
// content runs out. The same call always gets the same answer.
func NewBatchMock(latency time.Duration) BatchProvider {
	return mockProvider{latency: latency}
}

// Batch implements BatchProvider.
func (m mockProvider) Batch(ctx context.Context, c BatchCall) (string, error) {
	if err := m.wait(ctx); err != nil {
		return "", err
	}
	p := c.Prompt
	typ, ok := qtype.Lookup(p.Type)
	if !ok {
		return "", fmt.Errorf("%w: mock LLM: unknown question type %q", ErrCritical, oneLine(string(p.Type), 40))
	}
	seen := newDedupe()
	for _, a := range p.Avoid {
		seen.add(a)
	}
	facts := mockFacts(p.Content)
	vocab := mockVocabulary(p.Content)
	out := struct {
		Questions []json.RawMessage `json:"questions"`
	}{Questions: []json.RawMessage{}}
	for v := 0; v < mockCandidatesPerSentence*len(facts) && len(out.Questions) < p.Count; v++ {
		q, err := typ.Mock(mockMaterial(facts, vocab, v, p.Language, p.Difficulty))
		if err != nil || !seen.add(QuestionKey(p.Type, q)) {
			continue // too little material for this one, or asked already
		}
		out.Questions = append(out.Questions, q)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("mock LLM: %w", err)
	}
	return string(b), nil
}

// wait sleeps the mock's latency, or returns ctx's error.
func (m mockProvider) wait(ctx context.Context) error {
	if m.latency > 0 {
		t := time.NewTimer(m.latency)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return fmt.Errorf("mock LLM: %w", ctx.Err())
		case <-t.C:
		}
	} else if err := ctx.Err(); err != nil {
		return fmt.Errorf("mock LLM: %w", err)
	}
	return nil
}

// mockFact is a sentence of the content with the term it turns on.
type mockFact struct{ sentence, term string }

// mockFacts are the sentences of content worth asking about (see
// mockSentences), cut to mockMaxSentence characters, each with its longest
// word (the first of equal length) of at least mockMinTerm letters.
func mockFacts(content string) []mockFact {
	var out []mockFact
	for _, s := range mockSentences(content) {
		if utf8.RuneCountInString(s) > mockMaxSentence {
			s = oneLine(s, mockMaxSentence)
		}
		term := ""
		for _, w := range words(s) {
			if utf8.RuneCountInString(w) > utf8.RuneCountInString(term) {
				term = w
			}
		}
		if utf8.RuneCountInString(term) >= mockMinTerm {
			out = append(out, mockFact{sentence: s, term: term})
		}
	}
	return out
}

// mockMaterial is the material of candidate v: fact v (wrapping) as the
// sentence and term, the facts from it on as further sentences, and the
// content's other terms (then fallbackTerms) from a place chosen by v as
// distractors.
func mockMaterial(facts []mockFact, vocab []string, v int, l qtype.Language, d qtype.Difficulty) qtype.Material {
	n := len(facts)
	f := facts[v%n]
	m := qtype.Material{Sentence: f.sentence, Term: f.term, Variant: v, Language: l, Difficulty: d}
	for i := range n {
		g := facts[(v+i)%n]
		m.Sentences = append(m.Sentences, g.sentence)
		m.Terms = append(m.Terms, g.term)
	}
	pool := append(rotate(vocab, v), fallbackTerms...)
	for _, o := range pool {
		if !strings.EqualFold(o, f.term) {
			m.Others = append(m.Others, o)
		}
	}
	return m
}

// rotate is a copy of s starting at index k (wrapping).
func rotate(s []string, k int) []string {
	if len(s) == 0 {
		return nil
	}
	k %= len(s)
	return append(append([]string(nil), s[k:]...), s[:k]...)
}
