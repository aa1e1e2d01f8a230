package qtype

import (
	"encoding/json"
	"errors"
	"html"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Limits of a categorization question (README "Question types"). The original
// states no length for an id; 100 characters hold any uuid or label.
const (
	minCategories     = 2
	maxCategories     = 8
	maxCategoryName   = 100
	minCatItems       = 4
	maxCatItems       = 20
	maxCatItemText    = 200
	maxCatDistractors = 5
	maxCatID          = 100
)

// categorization is the categorization type: items sorted into named
// categories, plus distractors that belong to none.
type categorization struct{}

type catData struct {
	QuestionText string        `json:"question_text"`
	Categories   []catCategory `json:"categories"`
	Items        []catItem     `json:"items"`
	Distractors  []catItem     `json:"distractors"`
	Explanation  string        `json:"explanation"`
}

type catCategory struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	CorrectItems []string `json:"correct_items"`
}

type catItem struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

func (categorization) Name() Name { return Categorization }

// Normalize checks the rules (README "Question types") for categorization: 2 to 8
// categories with unique names of 1 to 100 characters, 4 to 20 items and
// at most 5 distractors with unique texts of 1 to 200 characters (ignoring
// case), unique ids (a missing id becomes a uuid), every category naming
// existing items and at least one, every item in exactly one category. An
// item whose text (or id) is also a distractor's is removed from the items
// and from the categories before the counts are checked.
func (categorization) Normalize(data json.RawMessage) (json.RawMessage, error) {
	var q catData
	if err := decodeStrict(Categorization, data, &q); err != nil {
		return nil, err
	}
	c := &checker{name: Categorization}
	c.text(&q.QuestionText, 1, maxQuestionText, "question_text")
	c.text(&q.Explanation, 0, maxExplanation, "explanation")

	ids := map[string]bool{}
	id := func(s *string, path ...any) {
		c.text(s, 0, maxCatID, path...)
		if *s == "" {
			*s = uuid.NewString()
		}
		if ids[*s] {
			c.add("repeats the id "+strconv.Quote(*s), path...)
		}
		ids[*s] = true
	}

	// Distractors first: they decide which items are dropped.
	texts := map[string]int{}
	dropText, dropID := map[string]bool{}, map[string]bool{}
	if len(q.Distractors) > maxCatDistractors {
		c.add("must have at most "+strconv.Itoa(maxCatDistractors)+" distractors", "distractors")
	}
	for j := range q.Distractors {
		d := &q.Distractors[j]
		c.text(&d.Text, 1, maxCatItemText, "distractors", j, "text")
		uniqueFold(c, texts, d.Text, j, "repeats the text of distractor ", "distractors", j, "text")
		d.ID = strings.TrimSpace(d.ID)
		dropText[strings.ToLower(d.Text)] = d.Text != ""
		dropID[d.ID] = d.ID != ""
	}
	items := make([]catItem, 0, len(q.Items))
	index := map[string]int{} // item id -> its index in the input
	dropped := map[string]bool{}
	itemTexts := map[string]int{}
	for i, it := range q.Items {
		c.text(&it.Text, 1, maxCatItemText, "items", i, "text")
		it.ID = strings.TrimSpace(it.ID)
		if dropText[strings.ToLower(it.Text)] || dropID[it.ID] {
			dropped[it.ID] = it.ID != ""
			continue
		}
		uniqueFold(c, itemTexts, it.Text, i, "repeats the text of item ", "items", i, "text")
		id(&it.ID, "items", i, "id")
		index[it.ID] = i
		items = append(items, it)
	}
	for j := range q.Distractors {
		id(&q.Distractors[j].ID, "distractors", j, "id")
	}
	q.Items = items
	if n := len(q.Items); n < minCatItems || n > maxCatItems {
		c.add("must have "+strconv.Itoa(minCatItems)+" to "+strconv.Itoa(maxCatItems)+
			" items that are not distractors", "items")
	}

	if n := len(q.Categories); n < minCategories || n > maxCategories {
		c.add("must have "+strconv.Itoa(minCategories)+" to "+strconv.Itoa(maxCategories)+" categories", "categories")
	}
	names := map[string]int{}
	placed := map[string]int{} // item id -> its category's index
	for i := range q.Categories {
		cat := &q.Categories[i]
		c.text(&cat.Name, 1, maxCategoryName, "categories", i, "name")
		uniqueFold(c, names, cat.Name, i, "repeats the name of category ", "categories", i, "name")
		id(&cat.ID, "categories", i, "id")
		refs := make([]string, 0, len(cat.CorrectItems))
		for j, ref := range cat.CorrectItems {
			ref = strings.TrimSpace(ref)
			_, isItem := index[ref]
			first, isPlaced := placed[ref]
			switch {
			case !isItem && dropped[ref]:
				continue // the item was a distractor too
			case !isItem:
				c.add("names no item (a category holds items, not distractors)", "categories", i, "correct_items", j)
			case isPlaced && first == i:
				continue // named twice in one category
			case isPlaced:
				c.add("names an item of category "+strconv.Itoa(first)+" (an item is in one category)",
					"categories", i, "correct_items", j)
			default:
				placed[ref] = i
				refs = append(refs, ref)
			}
		}
		cat.CorrectItems = refs
		if len(refs) == 0 {
			c.add("must hold at least one item", "categories", i, "correct_items")
		}
	}
	for _, it := range q.Items {
		if _, ok := placed[it.ID]; !ok {
			c.add("is in no category (an item that belongs nowhere is a distractor)", "items", index[it.ID])
		}
	}
	if q.Distractors == nil {
		q.Distractors = []catItem{}
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return canonical(q)
}

// Mock makes a category of the term of each of 2 or 3 sentences, holding
// two words of its sentence, with 0 to 2 further terms as distractors.
func (categorization) Mock(m Material) (json.RawMessage, error) {
	q := catData{
		QuestionText: "Place each word under the concept described in the same sentence of the course material.",
		Explanation:  "Each word appears in the same sentence as the concept it belongs to.",
		Categories:   []catCategory{},
		Items:        []catItem{},
		Distractors:  []catItem{},
	}
	if m.Language == Norwegian {
		q.QuestionText = "Plasser hvert ord under begrepet som beskrives i samme setning i kursmaterialet."
		q.Explanation = "Hvert ord står i samme setning som begrepet det hører til."
	}
	terms := map[string]bool{strings.ToLower(mockClean(m.Term)): true}
	for _, t := range m.Terms {
		terms[strings.ToLower(mockClean(t))] = true
	}
	used := map[string]bool{} // item texts and category names, lower case
	want := minCategories + m.Variant%2
	n := min(len(m.Sentences), len(m.Terms))
	for i := 0; i < n && len(q.Categories) < want; i++ {
		k := (m.Variant + i) % n
		name := mockCut(mockClean(m.Terms[k]), maxCategoryName)
		if name == "" || used["name:"+strings.ToLower(name)] {
			continue
		}
		var words []string
		for _, w := range strings.FieldsFunc(mockClean(m.Sentences[k]), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}) {
			low := strings.ToLower(w)
			if utf8.RuneCountInString(w) < 4 || utf8.RuneCountInString(w) > maxCatItemText ||
				terms[low] || used[low] || strings.Contains(low, strings.ToLower(name)) {
				continue
			}
			used[low] = true
			words = append(words, w)
			if len(words) == 2 {
				break
			}
		}
		if len(words) < 2 {
			for _, w := range words {
				delete(used, strings.ToLower(w))
			}
			continue
		}
		used["name:"+strings.ToLower(name)] = true
		cat := catCategory{ID: "c" + strconv.Itoa(len(q.Categories)+1), Name: name}
		for _, w := range words {
			it := catItem{ID: "i" + strconv.Itoa(len(q.Items)+1), Text: w}
			q.Items = append(q.Items, it)
			cat.CorrectItems = append(cat.CorrectItems, it.ID)
		}
		q.Categories = append(q.Categories, cat)
	}
	if len(q.Categories) < minCategories {
		return nil, errors.New("mock categorization: fewer than 2 sentences with two words besides their terms")
	}
	for i := 0; i < len(m.Others) && len(q.Distractors) < m.Variant%3; i++ {
		d := mockCut(mockClean(m.Others[(m.Variant+i)%len(m.Others)]), maxCatItemText)
		if d == "" || used[strings.ToLower(d)] {
			continue
		}
		used[strings.ToLower(d)] = true
		q.Distractors = append(q.Distractors, catItem{ID: "d" + strconv.Itoa(len(q.Distractors)+1), Text: d})
	}
	return canonical(q)
}

// Schema is one categorization item as the LLM writes it: it names the
// ids itself, so categories can refer to items.
func (categorization) Schema() map[string]any {
	item := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"id":   map[string]any{"type": "string"},
			"text": map[string]any{"type": "string"},
		},
		"required":             []any{"id", "text"},
		"additionalProperties": false,
	}
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			"question_text": map[string]any{"type": "string"},
			"categories": map[string]any{
				"type": "array",
				"items": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"id":   map[string]any{"type": "string"},
						"name": map[string]any{"type": "string"},
						"correct_items": map[string]any{
							"type":        "array",
							"items":       map[string]any{"type": "string"},
							"description": "The ids of the items in this category.",
						},
					},
					"required":             []any{"id", "name", "correct_items"},
					"additionalProperties": false,
				},
			},
			"items": map[string]any{"type": "array", "items": item},
			"distractors": map[string]any{
				"type":        []any{"array", "null"},
				"items":       item,
				"description": "Items that belong to no category.",
			},
			"explanation": map[string]any{"type": "string"},
		},
		"required":             []any{"question_text", "categories", "items", "distractors", "explanation"},
		"additionalProperties": false,
	}
}

// Canvas is a categorization item worth one point per category. Ids are
// new (categories, then items, then distractors, from newID); Canvas lists
// the items and the distractors together under "distractors".
func (categorization) Canvas(data json.RawMessage, newID func() string) (CanvasItem, error) {
	norm, err := categorization{}.Normalize(data)
	if err != nil {
		return CanvasItem{}, err
	}
	var q catData
	if err := json.Unmarshal(norm, &q); err != nil {
		return CanvasItem{}, err
	}
	points := float64(len(q.Categories))
	entry := canvasEntry(q.QuestionText, q.Explanation, points)

	catIDs := make([]string, len(q.Categories))
	for i := range q.Categories {
		catIDs[i] = newID()
	}
	itemIDs := map[string]string{} // our id -> Canvas id
	all := map[string]any{}
	for _, it := range append(q.Items, q.Distractors...) {
		cid := newID()
		itemIDs[it.ID] = cid
		all[cid] = map[string]any{"id": cid, "item_body": html.EscapeString(it.Text)}
	}
	categories := map[string]any{}
	order := make([]any, 0, len(q.Categories))
	values := make([]any, 0, len(q.Categories))
	for i, cat := range q.Categories {
		cid := catIDs[i]
		categories[cid] = map[string]any{"id": cid, "item_body": html.EscapeString(cat.Name)}
		order = append(order, cid)
		members := make([]any, 0, len(cat.CorrectItems))
		for _, ref := range cat.CorrectItems {
			members = append(members, itemIDs[ref])
		}
		values = append(values, map[string]any{
			"id":                cid,
			"scoring_data":      map[string]any{"value": members},
			"scoring_algorithm": "AllOrNothing",
		})
	}

	entry["interaction_type_slug"] = "categorization"
	entry["scoring_algorithm"] = "Categorization"
	entry["interaction_data"] = map[string]any{
		"categories": categories, "distractors": all, "category_order": order,
	}
	entry["properties"] = map[string]any{
		"shuffle_rules": map[string]any{"questions": map[string]any{"shuffled": false}},
	}
	entry["scoring_data"] = map[string]any{"value": values, "score_method": "all_or_nothing"}
	return CanvasItem{Points: points, Entry: entry}, nil
}
