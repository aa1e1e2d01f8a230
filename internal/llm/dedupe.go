package llm

import (
	"slices"
	"strings"
	"unicode"
)

// similarity is the token-set (Jaccard) similarity from which two question
// texts count as the same question.
const similarity = 0.9

// dedupe remembers the question texts kept so far and tells near-duplicates
// apart: the same text once lower-cased with punctuation and whitespace
// removed, or a token-set similarity of at least 0.9.
type dedupe struct {
	exact map[string]struct{}
	sets  [][]string // sorted distinct tokens of each kept text
}

func newDedupe() *dedupe {
	return &dedupe{exact: make(map[string]struct{})}
}

// add keeps text and reports true, or reports false if text is a
// near-duplicate of a text kept before.
func (d *dedupe) add(text string) bool {
	toks := tokens(text)
	key := strings.Join(toks, "")
	if _, ok := d.exact[key]; ok {
		return false
	}
	set := slices.Compact(slices.Sorted(slices.Values(toks)))
	for _, s := range d.sets {
		if alike(set, s) {
			return false
		}
	}
	d.keepTokens(key, set)
	return true
}

// keep keeps text without comparing it with the texts kept before.
func (d *dedupe) keep(text string) {
	toks := tokens(text)
	d.keepTokens(strings.Join(toks, ""), slices.Compact(slices.Sorted(slices.Values(toks))))
}

func (d *dedupe) keepTokens(key string, set []string) {
	d.exact[key] = struct{}{}
	if len(set) > 0 {
		d.sets = append(d.sets, set)
	}
}

// NearDuplicates returns the indexes, in order, of the keys that are
// near-duplicates of one of existing or of an earlier key not itself
// returned, as BatchWriter tells them apart: the same text once
// lower-cased without punctuation and spacing, or a token-set (Jaccard)
// similarity of at least 0.9. The keys are QuestionKeys. The existing
// texts are not compared with each other, so it costs
// len(keys) x (len(existing) + len(keys)) comparisons at most.
func NearDuplicates(existing, keys []string) []int {
	d := newDedupe()
	for _, e := range existing {
		d.keep(e)
	}
	var dup []int
	for i, k := range keys {
		if !d.add(k) {
			dup = append(dup, i)
		}
	}
	return dup
}

// tokens returns the lower-cased runs of letters and digits of s.
func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
}

// alike reports whether two sorted sets of distinct tokens have a Jaccard
// similarity |a∩b| / |a∪b| of at least the threshold.
func alike(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	// The similarity is at most min/max; skip the merge when that is too low.
	lo, hi := min(len(a), len(b)), max(len(a), len(b))
	if float64(lo) < similarity*float64(hi) {
		return false
	}
	inter := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch c := strings.Compare(a[i], b[j]); {
		case c == 0:
			inter++
			i++
			j++
		case c < 0:
			i++
		default:
			j++
		}
	}
	return float64(inter) >= similarity*float64(len(a)+len(b)-inter)
}
