package qtype

import (
	"encoding/json"
	"errors"
	"html"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text limits every type shares (in characters, after trimming).
const (
	maxQuestionText = 2000
	maxExplanation  = 1000
	maxTitle        = 70
)

// checker collects the problems of one question's data, so Normalize
// reports them all at once.
type checker struct {
	name     Name
	problems []Problem
}

// add records a problem at path.
func (c *checker) add(msg string, path ...any) {
	c.problems = append(c.problems, Problem{Path: path, Msg: msg})
}

// err is nil without problems, else a *ValidationError listing them.
func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return &ValidationError{Type: c.name, Problems: c.problems}
}

// text trims *s in place and checks it has no NUL character and min..max
// characters (min 0: optional).
func (c *checker) text(s *string, lo, hi int, path ...any) {
	*s = strings.TrimSpace(*s)
	if strings.ContainsRune(*s, 0) {
		c.add("must not contain NUL characters", path...)
		return
	}
	n := utf8.RuneCountInString(*s)
	switch {
	case n == 0 && lo > 0:
		c.add("is required", path...)
	case n < lo || n > hi:
		c.add("must have "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi)+" characters", path...)
	}
}

// decodeStrict decodes one JSON object into v, refusing unknown fields, a
// value of the wrong JSON type and trailing data. Its error is a
// *ValidationError of type name.
func decodeStrict(name Name, data json.RawMessage, v any) error {
	c := &checker{name: name}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, tErr := dec.Token(); !errors.Is(tErr, io.EOF) {
			c.add("unexpected data after the object")
		}
		return c.err()
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		var path []any
		if typeErr.Field != "" {
			// Go 1.27 names list elements too ("blanks.0.position"):
			// indexes become numbers, as in every other path here.
			for f := range strings.SplitSeq(typeErr.Field, ".") {
				if i, err := strconv.Atoi(f); err == nil {
					path = append(path, i)
					continue
				}
				path = append(path, f)
			}
		}
		c.add("must be a JSON "+jsonKind(typeErr.Type.Kind().String()), path...)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		c.add("unknown field", field)
	default:
		c.add("must be a JSON object: " + err.Error())
	}
	return c.err()
}

// jsonKind names a Go kind the way a JSON document would.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	case "ptr":
		return "value of the right type"
	default:
		return "number"
	}
}

// canonical marshals a normalized question (fixed field order: the struct's).
func canonical(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// paragraph is s HTML-escaped inside <p>…</p>.
func paragraph(s string) string { return "<p>" + html.EscapeString(s) + "</p>" }

// canvasEntry is the part of a New Quizzes item entry every type shares:
// title (the question text cut to 70 characters), item_body, calculator,
// explanation as neutral feedback, and points. The type adds its
// interaction fields.
func canvasEntry(questionText, explanation string, points float64) map[string]any {
	title := questionText
	if utf8.RuneCountInString(title) > maxTitle {
		title = string([]rune(title)[:maxTitle]) + "…"
	}
	feedback := map[string]any{}
	if explanation != "" {
		feedback["neutral"] = html.EscapeString(explanation)
	}
	return map[string]any{
		"title":           title,
		"item_body":       paragraph(questionText),
		"calculator_type": "none",
		"feedback":        feedback,
		"points_possible": points,
	}
}
