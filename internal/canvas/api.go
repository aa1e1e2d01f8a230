package canvas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

const acceptJSON = "application/json"

// apiCall prepares a JSON API call to path (already escaped) under APIURL.
func (c *Client) apiCall(method, path, token string) (*call, error) {
	u, err := url.Parse(c.apiBase + path)
	if err != nil {
		return nil, fmt.Errorf("canvas: build URL for %s %s: %w", method, path, err)
	}
	return &call{
		client:         c.http,
		method:         method,
		u:              u,
		token:          token,
		accept:         acceptJSON,
		maxBytes:       c.maxResponseBytes,
		attemptTimeout: c.timeout,
	}, nil
}

// get sends a GET to path and returns the 2xx body.
func (c *Client) get(ctx context.Context, token, path string) (*response, *call, error) {
	cl, err := c.apiCall(http.MethodGet, path, token)
	if err != nil {
		return nil, nil, err
	}
	resp, err := c.send(ctx, cl)
	return resp, cl, err
}

// list GETs every page of the list at path and returns the elements in
// order. It follows Link rel="next" while the next URL stays on the API
// host, for at most MaxPages pages.
func (c *Client) list(ctx context.Context, token, path string) ([]json.RawMessage, error) {
	cl, err := c.apiCall(http.MethodGet, path, token)
	if err != nil {
		return nil, err
	}
	q := cl.u.Query()
	q.Set("per_page", strconv.Itoa(c.perPage))
	cl.u.RawQuery = q.Encode()
	seen := map[string]bool{}
	var all []json.RawMessage
	for page := 1; ; page++ {
		seen[cl.u.String()] = true
		resp, err := c.send(ctx, cl)
		if err != nil {
			return nil, err
		}
		items, err := decodeList(resp.body)
		if err != nil {
			return nil, cl.fail(resp.status, resp.attempts, nil, err)
		}
		all = append(all, items...)

		next, ok := nextLink(resp.header.Values("Link"))
		if !ok {
			return all, nil
		}
		nu, err := c.follow(cl.u, next)
		switch {
		case err != nil:
			return nil, cl.fail(resp.status, resp.attempts, nil, err)
		case seen[nu.String()]:
			return nil, cl.fail(resp.status, resp.attempts, nil,
				fmt.Errorf("%w: pagination loops back to page %d", ErrBadResponse, page))
		case page >= c.maxPages:
			return nil, cl.fail(resp.status, resp.attempts, nil,
				fmt.Errorf("%w: more than %d pages", ErrBadResponse, c.maxPages))
		}
		next2 := *cl
		next2.u = nu
		cl = &next2
	}
}

// follow resolves a next link against the current URL and checks that it
// stays on the API host (the token goes with it).
func (c *Client) follow(cur *url.URL, link string) (*url.URL, error) {
	ref, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("%w: unreadable next link", ErrBadResponse)
	}
	u := cur.ResolveReference(ref)
	if u.Scheme != c.apiURL.Scheme || !strings.EqualFold(u.Host, c.apiURL.Host) {
		return nil, fmt.Errorf("%w: next link leaves the API host", ErrBadResponse)
	}
	u.Fragment = ""
	return u, nil
}

// nextLink finds the rel="next" target in Link header values.
func nextLink(values []string) (string, bool) {
	for _, v := range values {
		for len(v) > 0 {
			start := strings.IndexByte(v, '<')
			if start < 0 {
				break
			}
			end := strings.IndexByte(v[start:], '>')
			if end < 0 {
				break
			}
			target := v[start+1 : start+end]
			rest := v[start+end+1:]
			// The parameters run to the next link, which starts with '<'.
			params := rest
			if i := strings.IndexByte(rest, '<'); i >= 0 {
				params = rest[:i]
			}
			if hasRel(params, "next") {
				return target, true
			}
			v = rest
		}
	}
	return "", false
}

// hasRel reports whether link parameters (`; rel="next", `) name rel.
func hasRel(params, rel string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
			continue
		}
		val = strings.Trim(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(val), ",")), `"`)
		for r := range strings.FieldsSeq(val) {
			if strings.EqualFold(r, rel) {
				return true
			}
		}
	}
	return false
}

// Courses returns every course of the token's user, following pagination.
// Entries that are not objects, lack an id (a number or numeric string)
// or a string name are skipped. It returns ErrUnauthorized when Canvas
// refuses the token.
func (c *Client) Courses(ctx context.Context, token string) ([]Course, error) {
	list, err := c.list(ctx, token, "/api/v1/courses")
	if err != nil {
		return nil, err
	}
	return decodeAll(list, decodeCourse), nil
}

// TeachingCourses returns the courses where the user has a teacher
// enrollment (docs/compatibility.md, Canvas), in Canvas's order, following pagination: Canvas
// is asked for those only (enrollment_type=teacher), and the enrollments
// it sends are checked too. With Config.CoursePrefixes only the courses
// whose name starts with one of them are kept.
func (c *Client) TeachingCourses(ctx context.Context, token string) ([]Course, error) {
	list, err := c.list(ctx, token, "/api/v1/courses?enrollment_type=teacher")
	if err != nil {
		return nil, err
	}
	all := decodeAll(list, decodeCourse)
	out := all[:0]
	for _, course := range all {
		if course.Teaches() && c.coursePrefixed(course.Name) {
			out = append(out, course)
		}
	}
	return out, nil
}

// coursePrefixed reports whether a course named name passes
// Config.CoursePrefixes.
func (c *Client) coursePrefixed(name string) bool {
	if len(c.coursePrefixes) == 0 {
		return true
	}
	return slices.ContainsFunc(c.coursePrefixes, func(p string) bool { return strings.HasPrefix(name, p) })
}

// Modules returns the modules of a course, following pagination. Entries
// without an id or a string name are skipped. It returns ErrForbidden or
// ErrNotFound when the course is not the user's to read.
func (c *Client) Modules(ctx context.Context, token string, courseID int64) ([]Module, error) {
	list, err := c.list(ctx, token, "/api/v1/courses/"+itoa(courseID)+"/modules")
	if err != nil {
		return nil, err
	}
	return decodeAll(list, decodeModule), nil
}

// ModuleItems returns the items of a module, following pagination, of
// every type (Page, File, Assignment, ...). Entries without an id or a
// type are skipped.
func (c *Client) ModuleItems(ctx context.Context, token string, courseID, moduleID int64) ([]ModuleItem, error) {
	list, err := c.list(ctx, token, "/api/v1/courses/"+itoa(courseID)+"/modules/"+itoa(moduleID)+"/items")
	if err != nil {
		return nil, err
	}
	return decodeAll(list, func(raw []byte) (ModuleItem, bool) { return decodeModuleItem(raw, moduleID) }), nil
}

// Page returns a wiki page by its url slug. The slug is trimmed and
// percent-encoded with no safe characters (docs/compatibility.md, Canvas); a blank slug is an
// error without a request. It returns ErrNotFound for an unknown page and
// ErrBadResponse when the body is not a JSON object. Page.URL falls back
// to the slug; Page.Title is as Canvas sent it.
func (c *Client) Page(ctx context.Context, token string, courseID int64, pageURL string) (Page, error) {
	slug := strings.TrimSpace(pageURL)
	if slug == "" {
		return Page{}, errors.New("canvas: page: empty page url")
	}
	resp, cl, err := c.get(ctx, token, "/api/v1/courses/"+itoa(courseID)+"/pages/"+escapeAll(slug))
	if err != nil {
		return Page{}, err
	}
	p, err := decodePage(resp.body, slug)
	if err != nil {
		return Page{}, cl.fail(resp.status, resp.attempts, nil, err)
	}
	return p, nil
}

// File returns a file's metadata. File.URL is the download URL, to be
// fetched with Download. It returns ErrNotFound for an unknown file and
// ErrBadResponse when the body is not a JSON object.
func (c *Client) File(ctx context.Context, token string, courseID, fileID int64) (File, error) {
	resp, cl, err := c.get(ctx, token, "/api/v1/courses/"+itoa(courseID)+"/files/"+itoa(fileID))
	if err != nil {
		return File{}, err
	}
	f, err := decodeFile(resp.body, fileID)
	if err != nil {
		return File{}, cl.fail(resp.status, resp.attempts, nil, err)
	}
	return f, nil
}

// CreateQuiz creates a New Quiz in a course and returns its id, which
// Canvas may send as a string or a number. The POST is not retried once
// it may have reached Canvas, so a 5xx or a timeout returns an error
// wrapping quiz.ErrTemporary and the quiz may or may not exist.
func (c *Client) CreateQuiz(ctx context.Context, token string, courseID int64, q NewQuiz) (string, error) {
	return c.create(ctx, token, "/api/quiz/v1/courses/"+itoa(courseID)+"/quizzes", q)
}

// CreateItem adds an item to a New Quiz (body {"item": item}) and returns
// its id as a string. Like CreateQuiz, it is retried only when Canvas
// certainly did not get it.
func (c *Client) CreateItem(ctx context.Context, token string, courseID int64, quizID string, item NewItem) (string, error) {
	path := "/api/quiz/v1/courses/" + itoa(courseID) + "/quizzes/" + escapeAll(quizID) + "/items"
	return c.create(ctx, token, path, struct {
		Item NewItem `json:"item"`
	}{item})
}

// ListQuizzes returns the New Quizzes of a course, following pagination.
// Entries without an id are skipped.
func (c *Client) ListQuizzes(ctx context.Context, token string, courseID int64) ([]ListedQuiz, error) {
	list, err := c.list(ctx, token, "/api/quiz/v1/courses/"+itoa(courseID)+"/quizzes")
	if err != nil {
		return nil, err
	}
	return decodeAll(list, decodeListedQuiz), nil
}

// ListItems returns the items of a New Quiz, following pagination.
// Entries without an id are skipped. It returns ErrNotFound when the quiz
// does not exist (any more).
func (c *Client) ListItems(ctx context.Context, token string, courseID int64, quizID string) ([]ListedItem, error) {
	list, err := c.list(ctx, token, "/api/quiz/v1/courses/"+itoa(courseID)+"/quizzes/"+escapeAll(quizID)+"/items")
	if err != nil {
		return nil, err
	}
	return decodeAll(list, decodeListedItem), nil
}

// create POSTs v as JSON to path and returns the "id" of the answer.
func (c *Client) create(ctx context.Context, token, path string, v any) (string, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("canvas: encode body for POST %s: %w", path, err)
	}
	cl, err := c.apiCall(http.MethodPost, path, token)
	if err != nil {
		return "", err
	}
	cl.body = body
	cl.contentType = "application/json"
	resp, err := c.send(ctx, cl)
	if err != nil {
		return "", err
	}
	o, ok := parseObject(resp.body)
	if !ok {
		return "", cl.fail(resp.status, resp.attempts, nil, fmt.Errorf("%w: answer is not a JSON object", ErrBadResponse))
	}
	id, ok := o.idString("id")
	if !ok {
		return "", cl.fail(resp.status, resp.attempts, nil, fmt.Errorf("%w: answer has no id", ErrBadResponse))
	}
	return id, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// escapeAll percent-encodes every byte except ASCII letters, digits and
// "-._~", like Python's quote(s, safe=""): a space is %20, "&" is %26 and
// "/" is %2F.
func escapeAll(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := range len(s) {
		ch := s[i]
		switch {
		case 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z', '0' <= ch && ch <= '9',
			ch == '-', ch == '.', ch == '_', ch == '~':
			b.WriteByte(ch)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[ch>>4])
			b.WriteByte(hex[ch&15])
		}
	}
	return b.String()
}
