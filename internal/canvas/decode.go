package canvas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// object is a JSON object whose fields are decoded one by one, so that a
// field of an unexpected type spoils only itself.
type object map[string]json.RawMessage

// parseObject decodes raw if it is a JSON object.
func parseObject(raw []byte) (object, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	var o object
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, false
	}
	return o, true
}

// decodeList splits a JSON array into its elements.
func decodeList(body []byte) ([]json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '[' {
		return nil, fmt.Errorf("%w: not a JSON array", ErrBadResponse)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("%w: invalid JSON array", ErrBadResponse)
	}
	return list, nil
}

// id reads an integer id: a JSON integer, or a string of ASCII digits (the
// form Canvas uses with "Accept: application/json+canvas-string-ids").
func (o object) id(key string) (int64, bool) {
	raw, ok := o[key]
	if !ok {
		return 0, false
	}
	return parseID(raw)
}

func parseID(raw json.RawMessage) (int64, bool) {
	s := string(bytes.TrimSpace(raw))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil || !allDigits(s) {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// idString reads an id Canvas sends as a string or a number, as a string.
func (o object) idString(key string) (string, bool) {
	raw, ok := o[key]
	if !ok || isNull(raw) {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		s = strings.TrimSpace(s)
		return s, s != ""
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", false
	}
	if i, err := n.Int64(); err == nil {
		return strconv.FormatInt(i, 10), true
	}
	// A float id (1e3) is only accepted when it is a whole number.
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return "", false
	}
	return strconv.FormatInt(int64(f), 10), true
}

// str reads a string field; null is absent.
func (o object) str(key string) (string, bool) {
	raw, ok := o[key]
	if !ok || isNull(raw) {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// strPtr reads a string field that may be absent or null (nil then).
func (o object) strPtr(key string) *string {
	s, ok := o.str(key)
	if !ok {
		return nil
	}
	return &s
}

// num reads an integer field leniently: a JSON number (whole floats
// included) or a numeric string; 0 when absent or unreadable.
func (o object) num(key string) int64 {
	raw, ok := o[key]
	if !ok {
		return 0
	}
	if n, ok := parseID(raw); ok {
		return n
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err == nil && !math.IsNaN(f) && math.Abs(f) < 1<<62 {
		return int64(f)
	}
	return 0
}

// raw returns a field as Canvas wrote it, nil when absent.
func (o object) raw(key string) json.RawMessage {
	raw, ok := o[key]
	if !ok {
		return nil
	}
	return append(json.RawMessage(nil), raw...)
}

// decodeListedQuiz keeps a quiz object with an id.
func decodeListedQuiz(raw []byte) (ListedQuiz, bool) {
	o, ok := parseObject(raw)
	if !ok {
		return ListedQuiz{}, false
	}
	id, ok := o.idString("id")
	if !ok {
		return ListedQuiz{}, false
	}
	title, _ := o.str("title")
	instructions, _ := o.str("instructions")
	return ListedQuiz{ID: id, Title: title, Instructions: instructions}, true
}

// decodeListedItem keeps a quiz item object with an id; the title comes
// from its entry.
func decodeListedItem(raw []byte) (ListedItem, bool) {
	o, ok := parseObject(raw)
	if !ok {
		return ListedItem{}, false
	}
	id, ok := o.idString("id")
	if !ok {
		return ListedItem{}, false
	}
	it := ListedItem{ID: id, Position: int(o.num("position"))}
	if e, ok := parseObject(o.raw("entry")); ok {
		it.Title, _ = e.str("title")
	}
	return it, true
}

// decodeCourse keeps an object with an id and a string name (stripped),
// as the original did (docs/compatibility.md, Canvas). Enrollments that are not objects with a string type
// are dropped.
func decodeCourse(raw []byte) (Course, bool) {
	o, ok := parseObject(raw)
	if !ok {
		return Course{}, false
	}
	id, ok := o.id("id")
	if !ok {
		return Course{}, false
	}
	name, ok := o.str("name")
	if !ok {
		return Course{}, false
	}
	c := Course{ID: id, Name: strings.TrimSpace(name)}
	c.CourseCode, _ = o.str("course_code")
	if list, err := decodeList(o["enrollments"]); err == nil {
		for _, er := range list {
			eo, ok := parseObject(er)
			if !ok {
				continue
			}
			typ, ok := eo.str("type")
			if !ok {
				continue
			}
			role, _ := eo.str("role")
			c.Enrollments = append(c.Enrollments, Enrollment{Type: typ, Role: role})
		}
	}
	return c, true
}

// Teaches reports whether the current user has a teacher enrollment in c.
func (c Course) Teaches() bool {
	for _, e := range c.Enrollments {
		if e.Type == "teacher" {
			return true
		}
	}
	return false
}

// decodeModule keeps an object with an id and a string name (stripped).
func decodeModule(raw []byte) (Module, bool) {
	o, ok := parseObject(raw)
	if !ok {
		return Module{}, false
	}
	id, ok := o.id("id")
	if !ok {
		return Module{}, false
	}
	name, ok := o.str("name")
	if !ok {
		return Module{}, false
	}
	return Module{
		ID:         id,
		Name:       strings.TrimSpace(name),
		Position:   int(o.num("position")),
		ItemsCount: int(o.num("items_count")),
	}, true
}

// decodeModuleItem keeps an object with an id and a non-blank type. The
// title is stripped and defaults to "Untitled"; moduleID fills module_id
// when Canvas leaves it out.
func decodeModuleItem(raw []byte, moduleID int64) (ModuleItem, bool) {
	o, ok := parseObject(raw)
	if !ok {
		return ModuleItem{}, false
	}
	id, ok := o.id("id")
	if !ok {
		return ModuleItem{}, false
	}
	typ, _ := o.str("type")
	if typ = strings.TrimSpace(typ); typ == "" {
		return ModuleItem{}, false
	}
	title, _ := o.str("title")
	if title = strings.TrimSpace(title); title == "" {
		title = "Untitled"
	}
	it := ModuleItem{
		ID:       id,
		Title:    title,
		Type:     typ,
		ModuleID: moduleID,
		Position: int(o.num("position")),
		HTMLURL:  o.strPtr("html_url"),
		PageURL:  o.strPtr("page_url"),
		URL:      o.strPtr("url"),
	}
	if m, ok := o.id("module_id"); ok {
		it.ModuleID = m
	}
	if c, ok := o.id("content_id"); ok {
		it.ContentID = c
	}
	return it, true
}

// decodeAll applies decode to every element, skipping the rejected ones.
func decodeAll[T any](list []json.RawMessage, decode func([]byte) (T, bool)) []T {
	out := make([]T, 0, len(list))
	for _, raw := range list {
		if v, ok := decode(raw); ok {
			out = append(out, v)
		}
	}
	return out
}

// decodePage reads a page object. slug fills URL when Canvas leaves it
// out. Title is returned as Canvas sent it (callers apply "Untitled Page").
func decodePage(body []byte, slug string) (Page, error) {
	o, ok := parseObject(body)
	if !ok {
		return Page{}, fmt.Errorf("%w: page is not a JSON object", ErrBadResponse)
	}
	p := Page{
		Body:      o.strPtr("body"),
		CreatedAt: o.raw("created_at"),
		UpdatedAt: o.raw("updated_at"),
	}
	p.Title, _ = o.str("title")
	p.URL, _ = o.str("url")
	if p.URL == "" {
		p.URL = slug
	}
	return p, nil
}

// decodeFile reads a file object; fileID fills id when Canvas leaves it
// out.
func decodeFile(body []byte, fileID int64) (File, error) {
	o, ok := parseObject(body)
	if !ok {
		return File{}, fmt.Errorf("%w: file is not a JSON object", ErrBadResponse)
	}
	f := File{
		ID:        fileID,
		Size:      o.num("size"),
		CreatedAt: o.raw("created_at"),
		UpdatedAt: o.raw("updated_at"),
	}
	if id, ok := o.id("id"); ok {
		f.ID = id
	}
	f.DisplayName, _ = o.str("display_name")
	f.Filename, _ = o.str("filename")
	f.ContentType, _ = o.str("content-type")
	f.URL, _ = o.str("url")
	f.MimeClass, _ = o.str("mime_class")
	return f, nil
}

// decodeToken reads a token answer. It requires a non-empty access_token.
func decodeToken(body []byte) (Token, error) {
	o, ok := parseObject(body)
	if !ok {
		return Token{}, fmt.Errorf("%w: token answer is not a JSON object", ErrBadResponse)
	}
	var t Token
	t.AccessToken, _ = o.str("access_token")
	if t.AccessToken == "" {
		return Token{}, fmt.Errorf("%w: no access_token", ErrBadResponse)
	}
	t.RefreshToken, _ = o.str("refresh_token")
	t.TokenType, _ = o.str("token_type")
	t.ExpiresIn = max(o.num("expires_in"), 0)
	if uo, ok := parseObject(o["user"]); ok {
		if id, ok := uo.id("id"); ok {
			name, _ := uo.str("name")
			t.User = &User{ID: id, Name: name}
		}
	}
	return t, nil
}
