package canvas

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// listSeeds are list bodies Canvas (or something in front of it) might
// send; they seed FuzzDecodeList.
var listSeeds = []string{
	`[]`,
	`[{"id": 1, "name": "INF-2600", "enrollments": [{"type": "teacher", "role": "TeacherEnrollment"}]}]`,
	`[{"id": "173467", "name": " Admin ", "position": "1", "items_count": 2.0}]`,
	`[{"id": 1189104, "title": "CSP", "type": "Page", "page_url": "csp", "html_url": null, "content_id": 501104}]`,
	`[null, 1, "x", [], {}, {"id": null}, {"id": -3, "name": ""}, {"id": 99999999999999999999, "name": "big"}]`,
	`[{"id": 1e3, "type": "File"}, {"id": "0001", "type": "File", "content_id": 1.5}]`,
	`{"errors": [{"message": "not a list"}]}`,
	`[{"id": 1, "name": "a", "enrollments": {"type": "teacher"}}]`,
	`[{"id":1,"id":"2","name":"dup","type":"Page"}]`,
	`[`, `null`, ``, `"[]"`, "[{\"id\": 1, \"name\": \"\xff\xfe\"}]",
}

// FuzzDecodeList checks that no list body makes the lenient decoders
// panic, and that what they keep has the fields that identify it.
func FuzzDecodeList(f *testing.F) {
	for _, s := range listSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		list, err := decodeList(body)
		if err != nil {
			if !strings.Contains(err.Error(), ErrBadResponse.Error()) {
				t.Fatalf("error %v does not wrap ErrBadResponse", err)
			}
			return
		}
		for _, c := range decodeAll(list, decodeCourse) {
			if c.Name != strings.TrimSpace(c.Name) {
				t.Fatalf("course name %q not stripped", c.Name)
			}
		}
		for _, m := range decodeAll(list, decodeModule) {
			if m.Name != strings.TrimSpace(m.Name) {
				t.Fatalf("module name %q not stripped", m.Name)
			}
		}
		for _, it := range decodeAll(list, func(raw []byte) (ModuleItem, bool) { return decodeModuleItem(raw, 7) }) {
			if it.Type == "" || it.Type != strings.TrimSpace(it.Type) || it.Title == "" {
				t.Fatalf("item kept with type %q title %q", it.Type, it.Title)
			}
		}
		for _, raw := range list {
			_, _ = decodePage(raw, "slug")
			_, _ = decodeFile(raw, 1)
			_, _ = decodeToken(raw)
			if o, ok := parseObject(raw); ok {
				_, _ = o.idString("id")
			}
		}
	})
}

func TestDecodeCourseIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want int64
		ok   bool
	}{
		{`{"id": 37823, "name": "x"}`, 37823, true},
		{`{"id": "37823", "name": "x"}`, 37823, true},
		{`{"id": " 37823", "name": "x"}`, 0, false},
		{`{"id": "-1", "name": "x"}`, 0, false},
		{`{"id": 1.0, "name": "x"}`, 0, false},
		{`{"id": true, "name": "x"}`, 0, false},
		{`{"id": 1, "name": null}`, 0, false},
		{`{"id": "99999999999999999999", "name": "x"}`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			c, ok := decodeCourse([]byte(tt.raw))
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, c.ID)
		})
	}
}

func TestNextLink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []string
		want   string
	}{
		{"canvas order", []string{`<https://c/api/v1/courses?page=1&per_page=10>; rel="current",<https://c/api/v1/courses?page=2&per_page=10>; rel="next",<https://c/api/v1/courses?page=1&per_page=10>; rel="first",<https://c/api/v1/courses?page=3&per_page=10>; rel="last"`}, "https://c/api/v1/courses?page=2&per_page=10"},
		{"spaces and unquoted rel", []string{`<https://c/a?page=1>; rel=current, <https://c/a?page=2> ; rel = next`}, "https://c/a?page=2"},
		{"several rels", []string{`<https://c/a?page=2>; rel="next last"`}, "https://c/a?page=2"},
		{"several header lines", []string{`<https://c/a?page=1>; rel="current"`, `<https://c/a?page=2>; rel="next"`}, "https://c/a?page=2"},
		{"bookmark pages", []string{`<https://c/a?page=bookmark:WzEwXQ&per_page=10>; rel="next"`}, "https://c/a?page=bookmark:WzEwXQ&per_page=10"},
		{"last page", []string{`<https://c/a?page=3>; rel="current",<https://c/a?page=1>; rel="first"`}, ""},
		{"nextish rel", []string{`<https://c/a?page=2>; rel="nextpage"`}, ""},
		{"garbage", []string{`rel="next"`, `<unterminated; rel="next"`}, ""},
		{"none", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := nextLink(tt.values)
			assert.Equal(t, tt.want != "", ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEscapeAll(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"markov-decision-process": "markov-decision-process",
		"a b&c/d":                 "a%20b%26c%2Fd",
		"x+y=z?#%":                "x%2By%3Dz%3F%23%25",
		"~._-AZaz09":              "~._-AZaz09",
		"æøå":                     "%C3%A6%C3%B8%C3%A5",
		"@:;,$!'()*":              "%40%3A%3B%2C%24%21%27%28%29%2A",
	} {
		assert.Equal(t, want, escapeAll(in), in)
	}
}

func TestSnippet(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 400) + "TOKEN"
	s := snippet([]byte(long), []string{"TOKEN"})
	assert.LessOrEqual(t, len(s), maxBodySnippet+len("…"))
	assert.True(t, utf8.ValidString(s))

	// A secret across the cut is redacted before cutting.
	s = snippet([]byte(strings.Repeat("a", 495)+"SECRETSECRET"), []string{"SECRETSECRET"})
	assert.NotContains(t, s, "SECRET")

	s = snippet([]byte(`see https://files.example/f/1?sig=abc&verifier=xyz for details`), nil)
	assert.Equal(t, "see https://files.example/f/1?[REDACTED] for details", s)
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	c := &Client{retryBase: 500 * time.Millisecond, retryMax: 10 * time.Second, jitter: func(d time.Duration) time.Duration { return d }}
	var got []time.Duration
	for n := 1; n <= 8; n++ {
		got = append(got, c.backoff(n))
	}
	s := time.Second
	assert.Equal(t, []time.Duration{s / 2, s, 2 * s, 4 * s, 8 * s, 10 * s, 10 * s, 10 * s}, got)
	assert.Equal(t, 10*s, c.backoff(1000), "no overflow")

	c.jitter = func(d time.Duration) time.Duration { return 100 * d }
	assert.Equal(t, 10*s, c.backoff(1), "jitter never exceeds RetryMax")
	c.jitter = func(time.Duration) time.Duration { return -s }
	assert.Zero(t, c.backoff(1))
}

func BenchmarkDecodeModuleItems(b *testing.B) {
	var sb strings.Builder
	sb.WriteByte('[')
	for i := range 100 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"id":%d,"title":"Lecture %d","position":%d,"indent":0,"quiz_lti":false,"type":"Page",`+
			`"module_id":173469,"html_url":"https://canvas.example/courses/37823/modules/items/%d",`+
			`"page_url":"lecture-%d","url":"https://canvas.example/api/v1/courses/37823/pages/lecture-%d",`+
			`"content_id":%d,"published":true,"unpublishable":false}`, 1189000+i, i, i+1, 1189000+i, i, i, 500000+i)
	}
	sb.WriteByte(']')
	body := []byte(sb.String())
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		list, err := decodeList(body)
		if err != nil {
			b.Fatal(err)
		}
		items := decodeAll(list, func(raw []byte) (ModuleItem, bool) { return decodeModuleItem(raw, 173469) })
		if len(items) != 100 {
			b.Fatalf("%d items", len(items))
		}
	}
}

func BenchmarkNextLink(b *testing.B) {
	values := []string{`<https://c/api/v1/courses/1/modules?page=1&per_page=100>; rel="current",<https://c/api/v1/courses/1/modules?page=2&per_page=100>; rel="next",<https://c/api/v1/courses/1/modules?page=1&per_page=100>; rel="first",<https://c/api/v1/courses/1/modules?page=9&per_page=100>; rel="last"`}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := nextLink(values); !ok {
			b.Fatal("no next")
		}
	}
}
