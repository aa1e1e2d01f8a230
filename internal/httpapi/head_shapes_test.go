package httpapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
)

// Every 2xx JSON answer of a root route (today's contract) that a test of
// this package gets through newEnv's handler is checked against its
// operation's 200 schema in /openapi.json; a mismatch fails the test that
// made the request. TestMain then fails a full run of the package when a
// root operation with a JSON answer was never checked.

// headShapes records which root operations had an answer checked.
var headShapes = struct { //nolint:gochecknoglobals // the package run's record
	sync.Mutex
	want map[string]bool // "METHOD pattern" of each root operation with a 200 JSON schema
	seen map[string]bool
}{want: map[string]bool{}, seen: map[string]bool{}}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && flag.Lookup("test.skip").Value.String() == "" {
		if missing := headShapesMissing(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: root operations whose JSON answer no test checked against /openapi.json:\n\t%s\n",
				strings.Join(missing, "\n\t"))
			code = 1
		}
	}
	os.Exit(code)
}

// headShapesMissing lists the root operations never checked.
func headShapesMissing() []string {
	headShapes.Lock()
	defer headShapes.Unlock()
	var out []string
	for op := range headShapes.want {
		if !headShapes.seen[op] {
			out = append(out, op)
		}
	}
	sort.Strings(out)
	return out
}

// headRoute is a root operation with its 200 JSON schema (nil: none).
type headRoute struct {
	method, pattern string
	segs            []string
	schema          any
}

// headShapeChecker validates the answers of one handler against that
// handler's own /openapi.json.
type headShapeChecker struct {
	h       http.Handler
	once    sync.Once
	schemas map[string]any
	routes  []headRoute
	err     error
}

// headShapeCheck wraps a handler of newEnv (benchmarks keep theirs: the
// check would be part of what they measure).
func headShapeCheck(t testing.TB, h http.Handler) http.Handler {
	if _, bench := t.(*testing.B); bench {
		return h
	}
	sc := &headShapeChecker{h: h}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &headTeeWriter{ResponseWriter: w}
		h.ServeHTTP(tw, r)
		for _, msg := range sc.check(r, tw) {
			t.Errorf("shape of the answer: %s", msg)
		}
	})
}

// headTeeWriter keeps a copy of what a handler writes.
type headTeeWriter struct {
	http.ResponseWriter
	code int
	body bytes.Buffer
}

func (w *headTeeWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *headTeeWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

func (w *headTeeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// load reads the handler's root document once.
func (sc *headShapeChecker) load() {
	rec := httptest.NewRecorder()
	sc.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	if rec.Code != http.StatusOK {
		sc.err = fmt.Errorf("GET /openapi.json: %d", rec.Code)
		return
	}
	var doc map[string]any
	if sc.err = json.Unmarshal(rec.Body.Bytes(), &doc); sc.err != nil {
		return
	}
	sc.schemas = asMap(asMap(doc["components"])["schemas"])
	headShapes.Lock()
	defer headShapes.Unlock()
	for pattern, item := range asMap(doc["paths"]) {
		if strings.HasPrefix(pattern, "/api/v1") {
			continue
		}
		for method, op := range asMap(item) {
			rt := headRoute{method: strings.ToUpper(method), pattern: pattern, segs: strings.Split(pattern, "/")}
			ok := asMap(asMap(op)["responses"])["200"]
			if media := asMap(asMap(asMap(ok)["content"])["application/json"]); media != nil {
				rt.schema = media["schema"]
				headShapes.want[rt.method+" "+pattern] = true
			}
			sc.routes = append(sc.routes, rt)
		}
	}
	// The router's order within a group: a literal segment before a
	// parameter at the first place two patterns differ.
	sort.Slice(sc.routes, func(i, j int) bool {
		a, b := sc.routes[i].segs, sc.routes[j].segs
		for k := 0; k < len(a) && k < len(b); k++ {
			pa, pb := strings.HasPrefix(a[k], "{"), strings.HasPrefix(b[k], "{")
			if pa != pb {
				return pb
			}
		}
		return sc.routes[i].pattern < sc.routes[j].pattern
	})
}

// match finds the root operation of a request.
func (sc *headShapeChecker) match(method, path string) *headRoute {
	segs := strings.Split(path, "/")
	for i := range sc.routes {
		rt := &sc.routes[i]
		if rt.method != method || len(rt.segs) != len(segs) {
			continue
		}
		ok := true
		for k, s := range rt.segs {
			if strings.HasPrefix(s, "{") {
				ok = segs[k] != ""
			} else {
				ok = s == segs[k]
			}
			if !ok {
				break
			}
		}
		if ok {
			return rt
		}
	}
	return nil
}

// check validates one answer; it returns what is wrong with it.
func (sc *headShapeChecker) check(r *http.Request, w *headTeeWriter) []string {
	if strings.HasPrefix(r.URL.Path, "/api/v1") || w.code < 200 || w.code > 299 ||
		!strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		return nil
	}
	sc.once.Do(sc.load)
	if sc.err != nil {
		return []string{sc.err.Error()}
	}
	what := r.Method + " " + r.URL.Path
	rt := sc.match(r.Method, r.URL.Path)
	switch {
	case rt == nil:
		return []string{what + ": a JSON answer of a path /openapi.json does not have"}
	case rt.schema == nil:
		return []string{fmt.Sprintf("%s (%s %s): %d JSON answer, no 200 schema", what, rt.method, rt.pattern, w.code)}
	}
	dec := json.NewDecoder(bytes.NewReader(w.body.Bytes()))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []string{fmt.Sprintf("%s: not JSON: %v", what, err)}
	}
	var errs []string
	headValidate(sc.schemas, rt.schema, v, "$", &errs)
	headShapes.Lock()
	headShapes.seen[rt.method+" "+rt.pattern] = true
	headShapes.Unlock()
	for i, e := range errs {
		errs[i] = fmt.Sprintf("%s (%s %s): %s", what, rt.method, rt.pattern, e)
	}
	return errs
}

// headValue renders a value for a message, shortened.
func headValue(v any) string {
	raw, _ := json.Marshal(v)
	if len(raw) > 120 {
		cut := 120
		for cut > 0 && !utf8.RuneStart(raw[cut]) {
			cut--
		}
		return string(raw[:cut]) + "…"
	}
	return string(raw)
}

// headJSONType is the JSON Schema type of a decoded value (numbers as
// json.Number).
func headJSONType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// headValidate checks v against the subset of JSON Schema the root
// document uses; a keyword it does not know is itself an error.
func headValidate(schemas map[string]any, schema, v any, path string, errs *[]string) {
	fail := func(format string, args ...any) {
		*errs = append(*errs, fmt.Sprintf("%s: %s (value %s)", path, fmt.Sprintf(format, args...), headValue(v)))
	}
	s, ok := schema.(map[string]any)
	if !ok {
		fail("schema %v is not an object", schema)
		return
	}
	if r, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(r, "#/components/schemas/")
		target, ok := schemas[name]
		if !ok {
			fail("$ref %s not in the document", r)
			return
		}
		headValidate(schemas, target, v, path, errs)
		return
	}
	for k := range s {
		if !docSchemaKeys[k] {
			fail("schema keyword %q unknown to the validator", k)
			return
		}
	}
	if anyOf, ok := s["anyOf"].([]any); ok {
		var first []string
		for _, alt := range anyOf {
			var sub []string
			headValidate(schemas, alt, v, path, &sub)
			if len(sub) == 0 {
				return
			}
			if am, _ := alt.(map[string]any); first == nil && am["type"] != "null" {
				first = sub
			}
		}
		fail("matches none of %d alternatives, e.g. %s", len(anyOf), strings.Join(first, "; "))
		return
	}
	if c, ok := s["const"]; ok && v != c {
		fail("want %v", c)
		return
	}
	got := headJSONType(v)
	if typ, ok := s["type"].(string); ok {
		if typ != got && (typ != "number" || got != "integer") {
			fail("want %s, got %s", typ, got)
			return
		}
	}
	if e, ok := s["enum"].([]any); ok && !slices.Contains(e, v) {
		fail("not one of %v", e)
	}
	num := func(k string) (float64, bool) { f, ok := s[k].(float64); return f, ok }
	switch x := v.(type) {
	case string:
		n := float64(utf8.RuneCountInString(x))
		if m, ok := num("minLength"); ok && n < m {
			fail("shorter than %v", m)
		}
		if m, ok := num("maxLength"); ok && n > m {
			fail("longer than %v", m)
		}
		switch s["format"] {
		case "uuid":
			if u, err := uuid.Parse(x); err != nil || u.String() != x {
				fail("not a uuid in its canonical form")
			}
		case "date-time":
			if !pyTimeRE.MatchString(x) {
				fail("not a datetime as FastAPI writes one")
			}
		}
	case json.Number:
		f, _ := x.Float64()
		if m, ok := num("minimum"); ok && f < m {
			fail("below %v", m)
		}
		if m, ok := num("maximum"); ok && f > m {
			fail("above %v", m)
		}
		if math.IsInf(f, 0) {
			fail("out of range")
		}
	case []any:
		n := float64(len(x))
		if m, ok := num("minItems"); ok && n < m {
			fail("fewer items than %v", m)
		}
		if m, ok := num("maxItems"); ok && n > m {
			fail("more items than %v", m)
		}
		if items, ok := s["items"]; ok {
			for i, it := range x {
				headValidate(schemas, items, it, fmt.Sprintf("%s[%d]", path, i), errs)
			}
		}
	case map[string]any:
		props, hasProps := s["properties"].(map[string]any)
		// FastAPI writes every field of a response model, null or default
		// included, so today's answers carry every property (the frontend
		// reads optional ones such as a quiz's status and question_count).
		var absent []string
		for k := range props {
			if _, ok := x[k]; !ok {
				absent = append(absent, k)
			}
		}
		sort.Strings(absent)
		for _, k := range absent {
			fail("key %q missing", k)
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sub := path + "." + k
			if p, ok := props[k]; ok {
				headValidate(schemas, p, x[k], sub, errs)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case nil:
				if hasProps {
					*errs = append(*errs, fmt.Sprintf("%s: a key the schema does not have (value %s)", sub, headValue(x[k])))
				}
			case bool:
				if !ap {
					*errs = append(*errs, fmt.Sprintf("%s: a key the schema does not have (value %s)", sub, headValue(x[k])))
				}
			default:
				headValidate(schemas, ap, x[k], sub, errs)
			}
		}
	}
}

// TestHeadShapeCheckFinds: the check takes a real quiz and reports,
// against the real document, a missing key, a key the schema does not have, a wrong type, a
// null where none is allowed, a value outside an enum, a bad uuid or
// datetime, and items of an array; a v1 answer and an error are not
// checked.
func TestHeadShapeCheckFinds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	sc := &headShapeChecker{h: e.h}
	answer := func(method, path string, code int, body string) []string {
		w := &headTeeWriter{ResponseWriter: httptest.NewRecorder()}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
		return sc.check(httptest.NewRequest(method, path, nil), w)
	}
	u := e.signIn(teacherID)
	created := e.createTyped(u, typedQuizBody())
	id := created["id"].(string)
	r := e.do("GET", "/quiz/"+id, u.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	quiz := r.Body.String()
	assert.Empty(t, answer("GET", "/quiz/"+id, 200, quiz), "a valid quiz")
	assert.Empty(t, answer("GET", "/quiz/", 200, "["+quiz+","+quiz+"]"), "a valid list")

	got := strings.Join(answer("GET", "/quiz/"+id, 200, `{"id":"not-a-uuid","owner_id":null,"canvas_course_id":1.5,`+
		`"title":null,"status":"done","last_status_update":"2025-01-02 03:04","extra":1,"generation_metadata":[]}`), "\n")
	for _, want := range []string{
		`GET /quiz/` + id + ` (GET /quiz/{quiz_id}): $: key "canvas_course_name" missing`,
		`$.id: not a uuid in its canonical form (value "not-a-uuid")`,
		`$.canvas_course_id: want integer, got number (value 1.5)`,
		`$.title: want string, got null (value null)`,
		`$.status: not one of [created`,
		`$.last_status_update: not a datetime as FastAPI writes one`,
		`$.extra: a key the schema does not have (value 1)`,
		`$.generation_metadata: want object, got array`,
	} {
		assert.Contains(t, got, want)
	}
	got = strings.Join(answer("GET", "/quiz/", 200, `[`+quiz+`,{"id":"`+id+`"}]`), "\n")
	assert.Contains(t, got, `$[1]: key "title" missing`)
	assert.NotContains(t, got, `$[0]`)
	// Literal segments win over parameters, as in the router.
	got = strings.Join(answer("PUT", "/questions/"+id+"/bulk-approve", 200, `{"success_count":1}`), "\n")
	assert.Contains(t, got, `(PUT /questions/{quiz_id}/bulk-approve): $: key "failed_count" missing`)
	assert.Empty(t, answer("GET", "/api/v1/quiz/"+id, 200, `{"x":1}`), "v1 has its own contract")
	assert.Empty(t, answer("GET", "/quiz/"+id, 404, `{"detail":"Quiz not found"}`), "errors are not checked here")
	assert.NotEmpty(t, answer("GET", "/no/such/route", 200, `{}`), "a root JSON answer of no operation")
}

// TestHeadShapesCanvas: today's Canvas routes at the root answer what v1's
// answer (the same handlers, whose bodies v1's tests pin), in the shapes
// /openapi.json gives them.
func TestHeadShapesCanvas(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	for _, p := range []string{
		fmt.Sprintf("/canvas/courses/%d/modules", courseAI),
		fmt.Sprintf("/canvas/courses/%d/modules/%d/items", courseAI, fakecanvas.ModuleSearch),
		fmt.Sprintf("/canvas/courses/%d/pages/csp", courseAI),
		fmt.Sprintf("/canvas/courses/%d/files/%d", courseAI, fakecanvas.FileSearchPDF),
	} {
		root := e.do("GET", p, u.jwt, nil)
		require.Equal(t, http.StatusOK, root.Code, "%s: %s", p, root.Body.String())
		v1 := e.do("GET", "/api/v1"+p, u.jwt, nil)
		require.Equal(t, http.StatusOK, v1.Code, "%s: %s", p, v1.Body.String())
		assert.JSONEq(t, v1.Body.String(), root.Body.String(), p)
		assert.NotEqual(t, "[]", strings.TrimSpace(root.Body.String()), "%s: something to show", p)
	}
}
