package llm_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/llm"
)

// doc builds an extracted-content document from module keys and items, in
// the given key order.
func doc(t testing.TB, modules ...any) json.RawMessage {
	t.Helper()
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < len(modules); i += 2 {
		if i > 0 {
			b.WriteString(",")
		}
		k, err := json.Marshal(modules[i])
		require.NoError(t, err)
		v, err := json.Marshal(modules[i+1])
		require.NoError(t, err)
		b.Write(k)
		b.WriteString(":")
		b.Write(v)
	}
	b.WriteString("}")
	return json.RawMessage(b.String())
}

func item(title, content string) map[string]any {
	return map[string]any{"title": title, "content": content, "type": "page"}
}

// sentences returns n distinct sentences of about 60 characters, one line.
func sentences(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "Sentence number %d explains one more idea of the course. ", i)
	}
	return strings.TrimSpace(b.String())
}

func TestChunks(t *testing.T) {
	t.Parallel()

	long := sentences(20) // about 1,200 characters

	t.Run("short contents are one chunk each, in document order", func(t *testing.T) {
		t.Parallel()
		got := llm.Chunks(doc(t,
			"module_9", []any{item("Z page", long)},
			"module_2", []any{item("A page", long), item("B page", long)},
		), 2000)
		require.Len(t, got, 3)
		assert.Equal(t, llm.Chunk{ModuleID: "9", Title: "Z page", Content: long}, got[0])
		assert.Equal(t, []string{"2", "2"}, []string{got[1].ModuleID, got[2].ModuleID})
		assert.Equal(t, []string{"A page", "B page"}, []string{got[1].Title, got[2].Title})
	})

	t.Run("a long page without newlines is split at sentence ends", func(t *testing.T) {
		t.Parallel()
		page := sentences(200) // about 12,000 characters on one line
		got := llm.Chunks(doc(t, "module_1", []any{item("HTML page", page)}), 1000)
		require.Greater(t, len(got), 10)
		var joined []string
		for _, c := range got {
			n := utf8.RuneCountInString(c.Content)
			assert.LessOrEqual(t, n, 1000)
			assert.Greater(t, n, 500, "greedy packing fills chunks")
			assert.True(t, strings.HasPrefix(c.Content, "Sentence number"), "cut at a sentence end: %q", c.Content[:20])
			assert.True(t, strings.HasSuffix(c.Content, "course."))
			assert.Equal(t, "HTML page", c.Title)
			joined = append(joined, c.Content)
		}
		assert.Equal(t, page, strings.Join(joined, " "), "nothing lost, order kept")
	})

	t.Run("paragraphs are packed greedily", func(t *testing.T) {
		t.Parallel()
		para := strings.Repeat("x", 860) + "."
		got := llm.Chunks(doc(t, "module_1", []any{item("PDF", para+"\n\n"+para+"\n\n"+para)}), 1500)
		require.Len(t, got, 3)
		for _, c := range got {
			assert.Equal(t, para, c.Content)
		}
		got = llm.Chunks(doc(t, "module_1", []any{item("PDF", "ab\n\n"+para+"\n\n"+para)}), 1000)
		require.Len(t, got, 2)
		assert.Equal(t, "ab\n\n"+para, got[0].Content)
	})

	t.Run("a text without any break is cut hard", func(t *testing.T) {
		t.Parallel()
		got := llm.Chunks(doc(t, "module_1", []any{item("blob", strings.Repeat("é", 2500))}), 1000)
		require.Len(t, got, 3)
		assert.Equal(t, []int{1000, 1000, 500}, []int{
			utf8.RuneCountInString(got[0].Content), utf8.RuneCountInString(got[1].Content), utf8.RuneCountInString(got[2].Content),
		})
	})

	t.Run("short, empty and malformed items are skipped", func(t *testing.T) {
		t.Parallel()
		got := llm.Chunks(doc(t,
			"module_1", "not a list",
			"module_2", []any{
				"not an object",
				map[string]any{"title": "no content"},
				map[string]any{"title": "number", "content": 42},
				item("too short", strings.Repeat("a", 99)),
				item("short after trimming", "   "+strings.Repeat("a", 99)+"\n\n  "),
				item("empty", ""),
				nil,
				item("kept", strings.Repeat("b", 100)),
			},
			"module_3", []any{},
		), 0)
		require.Len(t, got, 1)
		assert.Equal(t, "kept", got[0].Title)
	})

	t.Run("default size", func(t *testing.T) {
		t.Parallel()
		got := llm.Chunks(doc(t, "module_1", []any{item("p", sentences(200))}), 0)
		require.Len(t, got, 2)
		assert.LessOrEqual(t, utf8.RuneCountInString(got[0].Content), llm.DefaultMaxChunk)
	})

	t.Run("documents that are not objects", func(t *testing.T) {
		t.Parallel()
		for _, raw := range []string{"", "null", "[]", `"x"`, "{", `{"module_1": [`} {
			assert.Empty(t, llm.Chunks(json.RawMessage(raw), 100), raw)
		}
	})

	t.Run("a broken document keeps what came before the break", func(t *testing.T) {
		t.Parallel()
		raw := `{"module_1": [{"title": "ok", "content": "` + strings.Repeat("c", 120) + `"}], "module_2": [{"title": "x", "content": "`
		got := llm.Chunks(json.RawMessage(raw), 100)
		require.Len(t, got, 2)
		assert.Equal(t, "ok", got[0].Title)
	})
}

func FuzzChunks(f *testing.F) {
	f.Add(`{"module_1":[{"title":"t","content":"`+sentences(30)+`"}]}`, 200)
	f.Add(`{"module_1":[{"title":"t","content":"a\n\nb"}]}`, 1)
	f.Fuzz(func(t *testing.T, raw string, size int) {
		size = size%5000 + 1
		if size <= 0 {
			size = -size + 1
		}
		for _, c := range llm.Chunks(json.RawMessage(raw), size) {
			if n := utf8.RuneCountInString(c.Content); n == 0 || n > size {
				t.Fatalf("chunk of %d characters, limit %d", n, size)
			}
			if strings.TrimSpace(c.Content) != c.Content {
				t.Fatalf("chunk not trimmed: %q", c.Content)
			}
		}
	})
}
