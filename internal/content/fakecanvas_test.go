package content_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/canvas"
	"quizgen/internal/content"
	"quizgen/internal/logging/logtest"
)

// TestExtractFakeCanvasGolden extracts every module of the fake Canvas's
// two teaching courses through the real canvas.Client, which covers every
// page and file the fake serves (PDFs, one behind a redirect, a corrupt
// PDF and a Word document), and compares a readable rendering of the
// result with testdata/fakecanvas/*.golden.
func TestExtractFakeCanvasGolden(t *testing.T) {
	t.Parallel()
	const token = "content-golden-token"
	srv := fakecanvas.NewTest(t, fakecanvas.Options{StaticTokens: map[string]int64{token: fakecanvas.UserID}})
	client, err := canvas.New(canvas.Config{
		BaseURL:    srv.URL(),
		HTTPClient: &http.Client{Timeout: 30 * time.Second},
		Log:        logtest.New(t),
	})
	require.NoError(t, err)
	e := &content.Extractor{Source: client, Log: logtest.New(t)}

	courses := []struct {
		id      int64
		modules []int64
	}{
		{fakecanvas.CourseAI, []int64{
			fakecanvas.ModuleAdmin, fakecanvas.ModuleSearch, fakecanvas.ModuleCSP,
			fakecanvas.ModuleScheduling, fakecanvas.ModuleMDP, fakecanvas.ModuleRL,
		}},
		{fakecanvas.CourseNorwegian, []int64{fakecanvas.ModuleUke1, fakecanvas.ModuleUke2}},
	}
	for _, c := range courses {
		t.Run(fmt.Sprint(c.id), func(t *testing.T) {
			t.Parallel()
			res, err := e.Extract(t.Context(), token, c.id, c.modules)
			require.NoError(t, err)
			require.Len(t, res.Modules, len(c.modules))
			for _, m := range res.Modules {
				for _, it := range m.Items {
					assert.NotRegexp(t, `</?(p|div|span|a|h[1-6]|li|ul|table|td|script|style|nav)\b`, it.Content, "no markup left in %q", it.Title)
				}
			}
			checkGolden(t, filepath.Join("testdata", "fakecanvas", fmt.Sprintf("course_%d.golden", c.id)), render(res))
		})
	}
}

// render writes a Result for review: each module, each item with its
// content on one block, then the skips.
func render(r content.Result) string {
	var b strings.Builder
	for _, m := range r.Modules {
		fmt.Fprintf(&b, "# module_%d (%d items)\n\n", m.ID, len(m.Items))
		for _, it := range m.Items {
			fmt.Fprintf(&b, "## %s: %s", it.Type, it.Title)
			if it.ContentType != "" {
				fmt.Fprintf(&b, " (%s)", it.ContentType)
			}
			fmt.Fprintf(&b, "\n%s\n\n", it.Content)
		}
	}
	b.WriteString("# skipped\n")
	for _, s := range r.Skipped {
		fmt.Fprintf(&b, "module %d item %d %q: %s\n", s.ModuleID, s.ItemID, s.Title, s.Reason)
	}
	sum := r.Summary()
	fmt.Fprintf(&b, "\n# summary: %d modules, %d items, %d words, %d characters, %d skipped\n",
		sum.Modules, sum.Items, sum.Words, sum.Characters, sum.Skipped)
	return b.String()
}
