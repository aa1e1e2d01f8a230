package fakecanvas

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
)

// itemTypes are the New Quizzes item types the fake accepts, each with
// the scoring algorithm Canvas requires of it and the check of its
// interaction and scoring data: the six entries we export (README
// "Export"; Canvas's New Quiz Items API appendix). Canvas knows more types
// (essay, numeric, ordering, ...); we never send them, so the fake refuses
// them rather than accept them unchecked.
var itemTypes = map[string]struct {
	algorithm string
	check     func(c *itemCheck, entry map[string]any)
}{
	"choice":          {"Equivalence", checkChoice},
	"multi-answer":    {"AllOrNothing", checkMultiAnswer},
	"true-false":      {"Equivalence", checkTrueFalse},
	"rich-fill-blank": {"MultipleMethods", checkFillBlank},
	"matching":        {"PartialDeep", checkMatching},
	"categorization":  {"Categorization", checkCategorization},
}

// knownInteractions are Canvas's other interaction types: valid for
// Canvas, not validated (so refused) by the fake.
var knownInteractions = []string{"essay", "file-upload", "formula", "hot-spot", "numeric", "ordering"}

// Paths of the entry's parts in Canvas's bracket notation.
const (
	pEntry   = "item[entry]"
	pBody    = pEntry + "[item_body]"
	pData    = pEntry + "[interaction_data]"
	pScoring = pEntry + "[scoring_data]"
	pValue   = pScoring + "[value]"
)

// validateItem returns every problem of an item (the "item" object of the
// request), each a message naming its field; none when Canvas would
// accept it.
func validateItem(item map[string]any) []string {
	c := &itemCheck{}
	if et, ok := c.text(item, "item", "entry_type", true); ok && et != "Item" {
		c.addf("item[entry_type] must be Item (the API creates question items only)")
	}
	if v, ok := c.lookup(item, "item", "position", true); ok {
		c.integer(v, "item[position]", 1)
	}
	if v, ok := c.lookup(item, "item", "points_possible", true); ok {
		c.positive(v, "item[points_possible]")
	}
	c.object(item, "item", "properties", false)
	entry, ok := c.object(item, "item", "entry", true)
	if !ok {
		return c.problems
	}

	c.text(entry, pEntry, "title", false)
	c.text(entry, pEntry, "item_body", true)
	if ct, ok := c.text(entry, pEntry, "calculator_type", false); ok && ct != "none" && ct != "basic" && ct != "scientific" {
		c.addf("%s[calculator_type] must be none, basic or scientific", pEntry)
	}
	if fb, ok := c.object(entry, pEntry, "feedback", false); ok {
		c.text(fb, pEntry+"[feedback]", "neutral", false)
	}
	if v, ok := c.lookup(entry, pEntry, "points_possible", false); ok {
		c.positive(v, pEntry+"[points_possible]")
	}
	c.object(entry, pEntry, "properties", false)
	c.object(entry, pEntry, "answer_feedback", false)
	_, hasData := c.object(entry, pEntry, "interaction_data", true)
	_, hasScoring := c.object(entry, pEntry, "scoring_data", true)
	algorithm, hasAlgorithm := c.text(entry, pEntry, "scoring_algorithm", true)
	slug, ok := c.text(entry, pEntry, "interaction_type_slug", true)
	if !ok {
		return c.problems
	}
	typ, supported := itemTypes[slug]
	switch {
	case !supported && slices.Contains(knownInteractions, slug):
		c.addf("%s[interaction_type_slug] %q is not one of the types this fake validates (%s)",
			pEntry, slug, strings.Join(slices.Sorted(maps.Keys(itemTypes)), ", "))
		return c.problems
	case !supported:
		c.addf("%s[interaction_type_slug] %q is not a valid interaction type", pEntry, slug)
		return c.problems
	}
	if hasAlgorithm && algorithm != typ.algorithm {
		c.addf("%s[scoring_algorithm] must be %s for %s, not %q", pEntry, typ.algorithm, slug, algorithm)
	}
	if hasData && hasScoring {
		typ.check(c, entry)
	}
	return c.problems
}

// choiceIDs checks interaction_data.choices (choice, multi-answer) and
// returns the set of their ids.
func choiceIDs(c *itemCheck, entry map[string]any) map[string]bool {
	data := entry["interaction_data"].(map[string]any)
	choices, _ := c.nonEmptyArray(data, pData, "choices")
	return c.ids(choices, pData+"[choices]", func(choice map[string]any, p string) {
		if v, ok := c.lookup(choice, p, "position", false); ok {
			c.integer(v, p+"[position]", 1)
		}
		c.text(choice, p, "item_body", true)
	})
}

// checkChoice: scoring_data.value is the id of the correct choice.
func checkChoice(c *itemCheck, entry map[string]any) {
	ids := choiceIDs(c, entry)
	scoring := entry["scoring_data"].(map[string]any)
	if v, ok := c.lookup(scoring, pScoring, "value", true); ok {
		if id, ok := c.asString(v, pValue); ok && !ids[id] {
			c.addf("%s %q is not the id of a choice", pValue, id)
		}
	}
}

// checkMultiAnswer: scoring_data.value lists the ids of the correct
// choices, at least one, each once.
func checkMultiAnswer(c *itemCheck, entry map[string]any) {
	ids := choiceIDs(c, entry)
	scoring := entry["scoring_data"].(map[string]any)
	values, _ := c.nonEmptyArray(scoring, pScoring, "value")
	seen := map[string]bool{}
	for i, v := range values {
		p := fmt.Sprintf("%s[%d]", pValue, i)
		id, ok := c.asString(v, p)
		switch {
		case !ok:
		case !ids[id]:
			c.addf("%s %q is not the id of a choice", p, id)
		case seen[id]:
			c.addf("%s %q is not unique", p, id)
		}
		seen[id] = true
	}
}

// checkTrueFalse: the two labels, and a boolean answer.
func checkTrueFalse(c *itemCheck, entry map[string]any) {
	data := entry["interaction_data"].(map[string]any)
	c.text(data, pData, "true_choice", true)
	c.text(data, pData, "false_choice", true)
	scoring := entry["scoring_data"].(map[string]any)
	if v, ok := c.lookup(scoring, pScoring, "value", true); ok {
		if _, isBool := v.(bool); !isBool {
			c.addf("%s must be a boolean", pValue)
		}
	}
}

// spanID finds the id of each <span> of an item body.
var spanID = regexp.MustCompile(`(?i)<span\b[^>]*?\bid\s*=\s*["']([^"']*)["']`)

// blankAlgorithms are the scoring algorithms of one blank; TextInChoices
// scores against a list of accepted answers, the others against one value.
var blankAlgorithms = []string{"Equivalence", "TextCloseEnough", "TextContainsAnswer", "TextEquivalence", "TextInChoices", "TextRegex"}

// checkFillBlank: every blank has exactly one <span id> in the body and
// one scoring entry, and every span and scoring entry is a blank.
func checkFillBlank(c *itemCheck, entry map[string]any) {
	data := entry["interaction_data"].(map[string]any)
	blanks, _ := c.nonEmptyArray(data, pData, "blanks")
	ids := c.ids(blanks, pData+"[blanks]", func(blank map[string]any, p string) {
		if at, ok := c.text(blank, p, "answer_type", true); ok && at != "openEntry" && at != "dropdown" && at != "wordbank" {
			c.addf("%s[answer_type] must be one of openEntry, dropdown, wordbank, not %q", p, at)
		}
	})
	order := orderedIDs(blanks)

	body, _ := entry["item_body"].(string)
	spans := map[string]int{}
	for _, m := range spanID.FindAllStringSubmatch(body, -1) {
		if spans[m[1]]++; spans[m[1]] == 1 && !ids[m[1]] {
			c.addf("<span id=%q> in %s is not a blank", m[1], pBody)
		}
	}
	for _, id := range order {
		switch spans[id] {
		case 0:
			c.addf("blank %q has no <span id=%q> in %s", id, id, pBody)
		case 1:
		default:
			c.addf("blank %q has %d <span id=%q> in %s", id, spans[id], id, pBody)
		}
	}

	scoring := entry["scoring_data"].(map[string]any)
	c.text(scoring, pScoring, "working_item_body", false)
	values, _ := c.nonEmptyArray(scoring, pScoring, "value")
	scored := map[string]bool{}
	for i, v := range values {
		p := fmt.Sprintf("%s[%d]", pValue, i)
		s, ok := c.asObject(v, p)
		if !ok {
			continue
		}
		if id, ok := c.text(s, p, "id", true); ok {
			switch {
			case !ids[id]:
				c.addf("%s[id] %q is not the id of a blank", p, id)
			case scored[id]:
				c.addf("blank %q has more than one entry in %s", id, pValue)
			}
			scored[id] = true
		}
		algorithm, hasAlgorithm := c.text(s, p, "scoring_algorithm", true)
		if hasAlgorithm && !slices.Contains(blankAlgorithms, algorithm) {
			c.addf("%s[scoring_algorithm] must be one of %s, not %q", p, strings.Join(blankAlgorithms, ", "), algorithm)
		}
		sd, ok := c.object(s, p, "scoring_data", true)
		if !ok {
			continue
		}
		c.text(sd, p+"[scoring_data]", "blank_text", false)
		if algorithm == "TextInChoices" {
			answers, _ := c.nonEmptyArray(sd, p+"[scoring_data]", "value")
			for j, a := range answers {
				c.nonEmptyString(a, fmt.Sprintf("%s[scoring_data][value][%d]", p, j))
			}
		} else if v, ok := c.lookup(sd, p+"[scoring_data]", "value", true); ok {
			c.nonEmptyString(v, p+"[scoring_data][value]")
		}
	}
	for _, id := range order {
		if !scored[id] {
			c.addf("blank %q has no entry in %s", id, pValue)
		}
	}
}

// orderedIDs returns the ids of a list of objects in order, each once.
func orderedIDs(blanks []any) []string {
	var out []string
	for _, b := range blanks {
		m, _ := b.(map[string]any)
		if id, _ := m["id"].(string); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// checkMatching: every question has an answer in scoring_data.value, and
// that answer is one of interaction_data.answers.
func checkMatching(c *itemCheck, entry map[string]any) {
	data := entry["interaction_data"].(map[string]any)
	answerList, _ := c.nonEmptyArray(data, pData, "answers")
	answers := map[string]bool{}
	for i, a := range answerList {
		if s, ok := c.nonEmptyString(a, fmt.Sprintf("%s[answers][%d]", pData, i)); ok {
			answers[s] = true
		}
	}
	questions, _ := c.nonEmptyArray(data, pData, "questions")
	ids := c.ids(questions, pData+"[questions]", func(q map[string]any, p string) {
		c.text(q, p, "item_body", true)
	})

	scoring := entry["scoring_data"].(map[string]any)
	if ed, ok := c.object(scoring, pScoring, "edit_data", false); ok {
		c.array(ed, pScoring+"[edit_data]", "matches", false)
		c.array(ed, pScoring+"[edit_data]", "distractors", false)
	}
	value, ok := c.object(scoring, pScoring, "value", true)
	if !ok {
		return
	}
	for _, id := range orderedIDs(questions) {
		a, present := value[id]
		if !present || a == nil {
			c.addf("question %q has no answer in %s", id, pValue)
			continue
		}
		p := fmt.Sprintf("%s[%s]", pValue, id)
		if s, ok := c.asString(a, p); ok && !answers[s] {
			c.addf("%s %q is not one of %s[answers]", p, s, pData)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(value)) {
		if !ids[id] {
			c.addf("%s %q is not the id of a question", pValue, id)
		}
	}
}

// checkCategorization: category_order lists exactly the categories; each
// category has one scoring entry with at least one item; every scored item
// is in the distractors map (which holds items and distractors) and in
// one category only.
func checkCategorization(c *itemCheck, entry map[string]any) {
	data := entry["interaction_data"].(map[string]any)
	categories := c.idMap(data, "categories", true)
	items := c.idMap(data, "distractors", false)
	if order, ok := c.array(data, pData, "category_order", true); ok {
		listed := map[string]bool{}
		for i, v := range order {
			p := fmt.Sprintf("%s[category_order][%d]", pData, i)
			id, ok := c.asString(v, p)
			switch {
			case !ok:
			case !categories[id]:
				c.addf("%s %q is not the id of a category", p, id)
			case listed[id]:
				c.addf("%s %q is not unique", p, id)
			}
			listed[id] = true
		}
		for _, id := range slices.Sorted(maps.Keys(categories)) {
			if !listed[id] {
				c.addf("category %q is not in %s[category_order]", id, pData)
			}
		}
	}

	scoring := entry["scoring_data"].(map[string]any)
	c.text(scoring, pScoring, "score_method", false)
	values, _ := c.nonEmptyArray(scoring, pScoring, "value")
	scored := map[string]bool{}
	placed := map[string]bool{}
	for i, v := range values {
		p := fmt.Sprintf("%s[%d]", pValue, i)
		s, ok := c.asObject(v, p)
		if !ok {
			continue
		}
		if id, ok := c.text(s, p, "id", true); ok {
			switch {
			case !categories[id]:
				c.addf("%s[id] %q is not the id of a category", p, id)
			case scored[id]:
				c.addf("category %q has more than one entry in %s", id, pValue)
			}
			scored[id] = true
		}
		c.text(s, p, "scoring_algorithm", false)
		sd, ok := c.object(s, p, "scoring_data", true)
		if !ok {
			continue
		}
		members, _ := c.nonEmptyArray(sd, p+"[scoring_data]", "value")
		for j, m := range members {
			pm := fmt.Sprintf("%s[scoring_data][value][%d]", p, j)
			id, ok := c.asString(m, pm)
			switch {
			case !ok:
			case !items[id]:
				c.addf("%s %q is not the id of an item in %s[distractors]", pm, id, pData)
			case placed[id]:
				c.addf("item %q is in more than one category", id)
			}
			placed[id] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(categories)) {
		if !scored[id] {
			c.addf("category %q has no entry in %s", id, pValue)
		}
	}
}

// itemCheck collects the problems of one item, each a message naming the
// field in Canvas's bracket notation (item[entry][scoring_data]).
type itemCheck struct{ problems []string }

func (c *itemCheck) addf(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// lookup returns m[key]; absent or null counts as missing, reported when
// required.
func (c *itemCheck) lookup(m map[string]any, path, key string, required bool) (any, bool) {
	v, ok := m[key]
	if !ok || v == nil {
		if required {
			c.addf("%s[%s] is required", path, key)
		}
		return nil, false
	}
	return v, true
}

func (c *itemCheck) object(m map[string]any, path, key string, required bool) (map[string]any, bool) {
	v, ok := c.lookup(m, path, key, required)
	if !ok {
		return nil, false
	}
	return c.asObject(v, path+"["+key+"]")
}

func (c *itemCheck) array(m map[string]any, path, key string, required bool) ([]any, bool) {
	v, ok := c.lookup(m, path, key, required)
	if !ok {
		return nil, false
	}
	a, ok := v.([]any)
	if !ok {
		c.addf("%s[%s] must be an array", path, key)
	}
	return a, ok
}

// nonEmptyArray is a required array with at least one element.
func (c *itemCheck) nonEmptyArray(m map[string]any, path, key string) ([]any, bool) {
	a, ok := c.array(m, path, key, true)
	if ok && len(a) == 0 {
		c.addf("%s[%s] must not be empty", path, key)
		return nil, false
	}
	return a, ok
}

// text is a string; a required one must not be empty either.
func (c *itemCheck) text(m map[string]any, path, key string, required bool) (string, bool) {
	v, ok := c.lookup(m, path, key, required)
	if !ok {
		return "", false
	}
	s, ok := c.asString(v, path+"["+key+"]")
	if ok && required && s == "" {
		c.addf("%s[%s] is required", path, key)
		return "", false
	}
	return s, ok
}

func (c *itemCheck) asObject(v any, p string) (map[string]any, bool) {
	o, ok := v.(map[string]any)
	if !ok {
		c.addf("%s must be an object", p)
	}
	return o, ok
}

func (c *itemCheck) asString(v any, p string) (string, bool) {
	s, ok := v.(string)
	if !ok {
		c.addf("%s must be a string", p)
	}
	return s, ok
}

func (c *itemCheck) nonEmptyString(v any, p string) (string, bool) {
	s, ok := c.asString(v, p)
	if ok && strings.TrimSpace(s) == "" {
		c.addf("%s must not be empty", p)
		return "", false
	}
	return s, ok
}

// integer checks a JSON number that is a whole number >= lowest.
func (c *itemCheck) integer(v any, p string, lowest float64) {
	f, ok := v.(float64)
	switch {
	case !ok || f != math.Trunc(f):
		c.addf("%s must be an integer", p)
	case f < lowest:
		c.addf("%s must be at least %v", p, lowest)
	}
}

func (c *itemCheck) positive(v any, p string) {
	f, ok := v.(float64)
	switch {
	case !ok:
		c.addf("%s must be a number", p)
	case f <= 0:
		c.addf("%s must be greater than 0", p)
	}
}

// ids checks a list of objects with unique non-empty string ids, calling
// each for the rest of each object, and returns the set of ids.
func (c *itemCheck) ids(list []any, path string, each func(obj map[string]any, p string)) map[string]bool {
	ids := map[string]bool{}
	for i, v := range list {
		p := fmt.Sprintf("%s[%d]", path, i)
		obj, ok := c.asObject(v, p)
		if !ok {
			continue
		}
		if id, ok := c.text(obj, p, "id", true); ok {
			if ids[id] {
				c.addf("%s[id] %q is not unique", p, id)
			}
			ids[id] = true
		}
		each(obj, p)
	}
	return ids
}

// idMap checks interaction_data[key], an object of {id, item_body} by id
// (categorization's categories and distractors), and returns its ids.
func (c *itemCheck) idMap(data map[string]any, key string, nonEmpty bool) map[string]bool {
	ids := map[string]bool{}
	m, ok := c.object(data, pData, key, true)
	if !ok {
		return ids
	}
	path := pData + "[" + key + "]"
	if nonEmpty && len(m) == 0 {
		c.addf("%s must not be empty", path)
	}
	for _, id := range slices.Sorted(maps.Keys(m)) {
		p := path + "[" + id + "]"
		obj, ok := c.asObject(m[id], p)
		if !ok {
			continue
		}
		if got, ok := c.text(obj, p, "id", true); ok && got != id {
			c.addf("%s[id] must be %q, the key of its entry, not %q", p, id, got)
		}
		c.text(obj, p, "item_body", true)
		ids[id] = true
	}
	return ids
}
