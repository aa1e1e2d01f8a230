package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"quizgen/internal/quiz/qtype"
)

// fieldError is one entry of a 422 body, in pydantic v2's shape (docs/compatibility.md, Routes and errors).
type fieldError struct {
	Type  string         `json:"type"`
	Loc   []any          `json:"loc"`
	Msg   string         `json:"msg"`
	Input any            `json:"input"`
	Ctx   map[string]any `json:"ctx,omitempty"`
}

// validationError is a request that failed validation: 422.
type validationError struct{ errs []fieldError }

func (e *validationError) Error() string {
	parts := make([]string, len(e.errs))
	for i, fe := range e.errs {
		parts[i] = fmt.Sprintf("%v: %s", fe.Loc, fe.Msg)
	}
	return "validation: " + strings.Join(parts, "; ")
}

// checks collects field errors for one request.
type checks struct{ errs []fieldError }

func (c *checks) add(typ string, loc []any, msg string, input any, ctx map[string]any) {
	c.errs = append(c.errs, fieldError{Type: typ, Loc: loc, Msg: msg, Input: input, Ctx: ctx})
}

// err returns the collected errors as one *validationError, or nil.
func (c *checks) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return &validationError{errs: c.errs}
}

// pathUUID parses a path parameter typed UUID.
func (c *checks) pathUUID(params map[string]string, name string) uuid.UUID {
	raw := params[name]
	id, err := uuid.Parse(raw)
	if err != nil || strings.HasPrefix(raw, "{") || strings.HasPrefix(strings.ToLower(raw), "urn:") {
		c.add("uuid_parsing", []any{"path", name},
			"Input should be a valid UUID, "+uuidProblem(raw), raw, map[string]any{"error": uuidProblem(raw)})
		return uuid.Nil
	}
	return id
}

func uuidProblem(s string) string {
	for i, r := range s {
		if !(r == '-' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'f') || ('A' <= r && r <= 'F')) {
			return fmt.Sprintf("invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `%c` at %d", r, i+1)
		}
	}
	return fmt.Sprintf("invalid group length in group 0: expected 8, found %d", len(strings.SplitN(s, "-", 2)[0]))
}

// pathInt parses a path parameter typed int.
func (c *checks) pathInt(params map[string]string, name string) int64 {
	raw := params[name]
	n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil {
		c.add("int_parsing", []any{"path", name},
			"Input should be a valid integer, unable to parse string as an integer", raw, nil)
	}
	return n
}

// body is a JSON object request body, field by field.
type body struct {
	fields map[string]json.RawMessage
	c      *checks
	// refused is set when the body itself was refused (missing, malformed
	// or not an object): FastAPI then reports only that, no missing fields.
	refused bool
	// nul names the fields already refused for holding a NUL character:
	// their validators add nothing more.
	nul map[string]bool
}

var errBodyTooLarge = errors.New("request body too large")

// readBody reads the JSON object body of r. A missing, malformed or
// non-object body is recorded in c and yields an empty body.
func readBody(r *http.Request, c *checks) (body, error) {
	b := body{fields: map[string]json.RawMessage{}, c: c}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return b, errBodyTooLarge
		}
		return b, fmt.Errorf("read body: %w", err)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		c.add("missing", []any{"body"}, "Field required", nil, nil)
		b.refused = true
		return b, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil || dec.More() {
		pos := 0
		var se *json.SyntaxError
		if errors.As(err, &se) {
			pos = int(se.Offset)
		}
		c.add("json_invalid", []any{"body", pos}, "JSON decode error", map[string]any{},
			map[string]any{"error": "Expecting value"})
		b.refused = true
		return b, nil
	}
	if _, ok := v.(map[string]any); !ok {
		c.add("model_attributes_type", []any{"body"},
			"Input should be a valid dictionary or object to extract fields from", v, nil)
		b.refused = true
		return b, nil
	}
	if err := json.Unmarshal(raw, &b.fields); err != nil {
		return b, fmt.Errorf("decode body: %w", err)
	}
	if bytes.Contains(raw, []byte(`\u0000`)) {
		b.nul = map[string]bool{}
		for name, fv := range v.(map[string]any) {
			if c.refuseNUL([]any{"body", name}, fv) {
				b.nul[name] = true
			}
		}
	}
	return b, nil
}

// msgNUL refuses a string holding U+0000: Postgres cannot store it in text
// (it was a 500).
const msgNUL = "Text may not contain the NUL character (\\u0000)"

// refuseNUL adds a value_error for every string (or object key) in v that
// holds a NUL character, at its place under loc; it reports whether any did.
func (c *checks) refuseNUL(loc []any, v any) bool {
	at := func(more ...any) []any { return append(append([]any{}, loc...), more...) }
	found := false
	switch x := v.(type) {
	case string:
		if strings.IndexByte(x, 0) >= 0 {
			c.add("value_error", loc, "Value error, "+msgNUL, x, map[string]any{"error": msgNUL})
			return true
		}
	case []any:
		for i, e := range x {
			found = c.refuseNUL(at(i), e) || found
		}
	case map[string]any:
		for k, e := range x {
			if strings.IndexByte(k, 0) >= 0 {
				c.add("value_error", at(k, "[key]"), "Value error, "+msgNUL, k, map[string]any{"error": msgNUL})
				found = true
				continue
			}
			found = c.refuseNUL(at(k), e) || found
		}
	}
	return found
}

// has reports whether the body names field (even as null).
func (b body) has(name string) bool {
	_, ok := b.fields[name]
	return ok
}

func (b body) value(name string) any {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b.fields[name]))
	dec.UseNumber()
	_ = dec.Decode(&v)
	return v
}

func (b body) missing(name string) {
	if b.refused {
		return
	}
	b.c.add("missing", []any{"body", name}, "Field required", nil, nil)
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// str validates a string field of min..max characters (max 0: unbounded).
// ok is false when the field is absent or invalid.
func (b body) str(name string, required bool, minLen, maxLen int) (s string, ok bool) {
	if b.nul[name] {
		return "", false
	}
	if !b.has(name) {
		if required {
			b.missing(name)
		}
		return "", false
	}
	v := b.value(name)
	s, isStr := v.(string)
	if !isStr {
		b.c.add("string_type", []any{"body", name}, "Input should be a valid string", v, nil)
		return "", false
	}
	n := utf8.RuneCountInString(s)
	if n < minLen {
		b.c.add("string_too_short", []any{"body", name},
			"String should have at least "+plural(minLen, "character"), s, map[string]any{"min_length": minLen})
		return "", false
	}
	if maxLen > 0 && n > maxLen {
		b.c.add("string_too_long", []any{"body", name},
			"String should have at most "+plural(maxLen, "character"), s, map[string]any{"max_length": maxLen})
		return "", false
	}
	return s, true
}

// pattern checks that a validated string fully matches re (pydantic's
// string_pattern_mismatch).
func (b body) pattern(name, s string, re *regexp.Regexp, expr string) bool {
	if re.MatchString(s) {
		return true
	}
	b.c.add("string_pattern_mismatch", []any{"body", name}, fmt.Sprintf("String should match pattern '%s'", expr), s,
		map[string]any{"pattern": expr})
	return false
}

// integer validates an integer field in [lo, hi] with pydantic's lax rules
// (a numeric string or a float with no fraction is accepted).
func (b body) integer(name string, required bool, def, lo, hi int64) (int64, bool) {
	if b.nul[name] {
		return 0, false
	}
	if !b.has(name) {
		if required {
			b.missing(name)
		}
		return def, !required
	}
	v := b.value(name)
	var n int64
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			n = i
		} else if f, err := x.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			n = int64(f)
		} else if err == nil {
			b.c.add("int_from_float", []any{"body", name}, "Input should be a valid integer, got a number with a fractional part", v, nil)
			return 0, false
		} else {
			b.c.add("int_parsing", []any{"body", name}, "Input should be a valid integer, unable to parse string as an integer", v, nil)
			return 0, false
		}
	case string:
		i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			b.c.add("int_parsing", []any{"body", name}, "Input should be a valid integer, unable to parse string as an integer", v, nil)
			return 0, false
		}
		n = i
	default:
		b.c.add("int_type", []any{"body", name}, "Input should be a valid integer", v, nil)
		return 0, false
	}
	if n < lo {
		b.c.add("greater_than_equal", []any{"body", name}, fmt.Sprintf("Input should be greater than or equal to %d", lo), v, map[string]any{"ge": lo})
		return 0, false
	}
	if n > hi {
		b.c.add("less_than_equal", []any{"body", name}, fmt.Sprintf("Input should be less than or equal to %d", hi), v, map[string]any{"le": hi})
		return 0, false
	}
	return n, true
}

// number validates a float field in [lo, hi].
func (b body) number(name string, def, lo, hi float64) (float64, bool) {
	if b.nul[name] {
		return 0, false
	}
	if !b.has(name) {
		return def, true
	}
	v := b.value(name)
	var f float64
	switch x := v.(type) {
	case json.Number:
		g, err := x.Float64()
		if err != nil {
			b.c.add("float_parsing", []any{"body", name}, "Input should be a valid number, unable to parse string as a number", v, nil)
			return 0, false
		}
		f = g
	case string:
		g, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil || math.IsNaN(g) || math.IsInf(g, 0) {
			b.c.add("float_parsing", []any{"body", name}, "Input should be a valid number, unable to parse string as a number", v, nil)
			return 0, false
		}
		f = g
	default:
		b.c.add("float_type", []any{"body", name}, "Input should be a valid number", v, nil)
		return 0, false
	}
	if f < lo {
		b.c.add("greater_than_equal", []any{"body", name}, fmt.Sprintf("Input should be greater than or equal to %s", pyNum(lo)), v, map[string]any{"ge": lo})
		return 0, false
	}
	if f > hi {
		b.c.add("less_than_equal", []any{"body", name}, fmt.Sprintf("Input should be less than or equal to %s", pyNum(hi)), v, map[string]any{"le": hi})
		return 0, false
	}
	return f, true
}

func pyNum(f float64) string {
	b, _ := pyFloat(f).MarshalJSON()
	return string(b)
}

// boolean validates a bool field with pydantic's lax rules.
func (b body) boolean(name string) (val, present bool) {
	if b.nul[name] {
		return false, false
	}
	if !b.has(name) {
		return false, false
	}
	v := b.value(name)
	switch x := v.(type) {
	case bool:
		return x, true
	case json.Number:
		switch x.String() {
		case "0":
			return false, true
		case "1":
			return true, true
		}
		b.c.add("bool_parsing", []any{"body", name}, "Input should be a valid boolean, unable to interpret input", v, nil)
	case string:
		switch strings.ToLower(x) {
		case "0", "off", "f", "false", "n", "no":
			return false, true
		case "1", "on", "t", "true", "y", "yes":
			return true, true
		}
		b.c.add("bool_parsing", []any{"body", name}, "Input should be a valid boolean, unable to interpret input", v, nil)
	default:
		b.c.add("bool_type", []any{"body", name}, "Input should be a valid boolean", v, nil)
	}
	return false, false
}

// typeProblems is the 422 of question data that breaks a rule of its type
// (a *qtype.ValidationError, whose paths are inside the data): one
// value_error per problem at loc at followed by the problem's path, with
// input(path) as its input (the submitted value there).
func typeProblems(ve *qtype.ValidationError, at []any, input func(path []any) any) error {
	var ch checks
	for _, p := range ve.Problems {
		loc := append(append([]any{}, at...), p.Path...)
		ch.add("value_error", loc, "Value error, "+p.Msg, input(p.Path), nil)
	}
	return ch.err()
}

// valueAt returns the value at path inside v (object keys and list
// indexes), or nil when v has nothing there.
func valueAt(v any, path []any) any {
	for _, step := range path {
		switch x := v.(type) {
		case map[string]any:
			k, ok := step.(string)
			if !ok {
				return nil
			}
			v = x[k]
		case []any:
			i, ok := step.(int)
			if !ok || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}
