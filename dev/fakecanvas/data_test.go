package fakecanvas_test

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
)

func TestCourses(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	tok, _ := srv.IssueToken(fakecanvas.UserID)
	resp, body := get(t, srv.URL()+"/api/v1/courses", tok)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var courses []struct {
		ID          int64  `json:"id"`
		Name        string `json:"name"`
		Enrollments []struct {
			Type string `json:"type"`
		} `json:"enrollments"`
	}
	require.NoError(t, json.Unmarshal(body, &courses))
	require.Len(t, courses, 3)
	assert.Equal(t, int64(37823), courses[0].ID)
	assert.Equal(t, "INF-2600 AI Methods and applications", courses[0].Name)
	assert.Equal(t, "teacher", courses[0].Enrollments[0].Type)
	assert.Equal(t, "ALI-1111 Episk diktning fra ca 1800 til i dag", courses[1].Name)
	assert.Equal(t, "student", courses[1].Enrollments[0].Type)
	assert.Equal(t, int64(37825), courses[2].ID)

	resp, body = get(t, srv.URL()+"/api/v1/courses/37824/modules", tok)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, string(body), "Unauthorized access to course modules")
	resp, _ = get(t, srv.URL()+"/api/v1/courses/1/modules", tok)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestModulesAndItems(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	tok, _ := srv.IssueToken(fakecanvas.UserID)

	_, body := get(t, srv.URL()+"/api/v1/courses/37823/modules", tok)
	var mods []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	require.NoError(t, json.Unmarshal(body, &mods))
	require.Len(t, mods, 6)
	assert.Equal(t, "Admin infomation", mods[0].Name)
	assert.Equal(t, int64(173577), mods[5].ID)

	type item struct {
		ID        int64   `json:"id"`
		Title     string  `json:"title"`
		Type      string  `json:"type"`
		PageURL   *string `json:"page_url"`
		ContentID int64   `json:"content_id"`
		ModuleID  int64   `json:"module_id"`
		Position  int     `json:"position"`
	}
	items := func(module int64) []item {
		resp, body := get(t, srv.URL()+"/api/v1/courses/37823/modules/"+itoa(module)+"/items", tok)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var list []item
		require.NoError(t, json.Unmarshal(body, &list))
		return list
	}
	sched := items(fakecanvas.ModuleScheduling)
	require.Len(t, sched, 3, "the CSP page is an item too (the original's duplicated key is fixed)")
	assert.Equal(t, "CSP", sched[0].Title)
	assert.Equal(t, "csp", *sched[0].PageURL)
	assert.Equal(t, int64(fakecanvas.FileMDPPDF), sched[1].ContentID)
	assert.Equal(t, "Markov Decision Process", sched[2].Title)
	assert.Equal(t, 3, sched[2].Position)

	search := items(fakecanvas.ModuleSearch)
	require.Len(t, search, 3)
	assert.Equal(t, "Assignment", search[2].Type)
	assert.Nil(t, search[2].PageURL)
	assert.Empty(t, items(fakecanvas.ModuleAdmin))
	assert.Empty(t, items(fakecanvas.ModuleMDP))
	assert.Empty(t, items(999), "an unknown module is an empty list, as in the original")
}

func TestPagination(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	tok, _ := srv.IssueToken(fakecanvas.UserID)
	base := srv.URL() + "/api/v1/courses/37823/modules"

	resp, body := get(t, base+"?per_page=4&include%5B%5D=items", tok)
	var page []map[string]any
	require.NoError(t, json.Unmarshal(body, &page))
	assert.Len(t, page, 4)
	links := parseLinks(resp.Header.Get("Link"))
	assert.Equal(t, base+"?include%5B%5D=items&page=1&per_page=4", links["current"])
	assert.Equal(t, base+"?include%5B%5D=items&page=2&per_page=4", links["next"])
	assert.Equal(t, base+"?include%5B%5D=items&page=1&per_page=4", links["first"])
	assert.Equal(t, base+"?include%5B%5D=items&page=2&per_page=4", links["last"])
	assert.NotContains(t, links, "prev")

	resp, body = get(t, links["next"], tok)
	require.NoError(t, json.Unmarshal(body, &page))
	assert.Len(t, page, 2)
	assert.InDelta(t, 173577, page[1]["id"], 0)
	links = parseLinks(resp.Header.Get("Link"))
	assert.NotContains(t, links, "next")
	assert.Contains(t, links["prev"], "page=1")

	_, body = get(t, base+"?page=9", tok)
	assert.Equal(t, "[]\n", string(body))

	resp, _ = get(t, base+"?per_page=1000", tok)
	assert.Contains(t, resp.Header.Get("Link"), "per_page=100>")
	resp, body = get(t, base+"?per_page=abc", tok)
	require.NoError(t, json.Unmarshal(body, &page))
	assert.Len(t, page, 6)
	assert.Contains(t, resp.Header.Get("Link"), "per_page=10>", "Canvas's default page size")

	resp, _ = get(t, srv.URL()+"/api/v1/courses?per_page=1", tok)
	assert.Contains(t, parseLinks(resp.Header.Get("Link"))["last"], "page=3")
}

// parseLinks reads a Link header into rel → URL.
func parseLinks(h string) map[string]string {
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`<([^>]*)>; rel="([^"]*)"`).FindAllStringSubmatch(h, -1) {
		out[m[2]] = m[1]
	}
	return out
}

func TestPages(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	tok, _ := srv.IssueToken(fakecanvas.UserID)
	pages := map[string]string{
		"37823/pages/search-algorithms":                 "A* evaluates nodes",
		"37823/pages/csp":                               "AC-3",
		"37823/pages/markov-decision-process":           "Bellman equation",
		"37823/pages/reinforcement-learning":            "Q-learning",
		"37825/pages/kunstig-intelligens-grunnbegreper": "rasjonell agent",
	}
	for path, topic := range pages {
		resp, body := get(t, srv.URL()+"/api/v1/courses/"+path, tok)
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		var p struct {
			Title   string `json:"title"`
			URL     string `json:"url"`
			Body    string `json:"body"`
			HTMLURL string `json:"html_url"`
			PageID  int64  `json:"page_id"`
		}
		require.NoError(t, json.Unmarshal(body, &p))
		assert.Greater(t, len(p.Body), 15_000, path)
		assert.Contains(t, p.Body, topic, path)
		assert.Equal(t, srv.URL()+"/courses/"+strings.Replace(path, "/pages/", "/pages/", 1), p.HTMLURL)
		for _, want := range []string{
			"<nav", "<header", "<footer", "<script", "<style", "<table", "<pre><code", "<ul>", "<ol>", "<h2>", "<!--",
			"&amp;", "&nbsp;", "&#8212;", "&eacute;", "ic-app-header", "ic-app-nav-toggle-and-crumbs", "breadcrumbs", "course-title",
			"right-side-wrapper", "page-toolbar", `role="navigation"`, `data-component="Navigation"`, "ui-widget",
			"ui-state-default", "canvas_user_content", "<div class=\"section",
		} {
			assert.True(t, strings.Contains(p.Body, want), "%s lacks %q", path, want)
		}
	}
	_, body := get(t, srv.URL()+"/api/v1/courses/37825/pages/kunstig-intelligens-grunnbegreper", tok)
	for _, r := range []string{"æ", "ø", "å", "«"} {
		assert.True(t, strings.Contains(string(body), r), "Norwegian page lacks %q", r)
	}
	_, body = get(t, srv.URL()+"/api/v1/courses/37823/pages/search-algorithms", tok)
	assert.True(t, strings.Contains(string(body), "&eacute;"), "named entities beyond the basic ones")

	resp, body := get(t, srv.URL()+"/api/v1/courses/37823/pages/kunstig-intelligens-grunnbegreper", tok)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "pages belong to their course")
	assert.Contains(t, string(body), "Page not found")
	resp, _ = get(t, srv.URL()+"/api/v1/courses/37823/pages/a%20b%26c%2Fd", tok)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, "/api/v1/courses/37823/pages/a b&c/d", srv.Requests()[len(srv.Requests())-1].Path)
}

func TestFiles(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	tok, _ := srv.IssueToken(fakecanvas.UserID)
	for _, id := range []int64{fakecanvas.FileSearchPDF, fakecanvas.FileCSPPDF, fakecanvas.FileMDPPDF, fakecanvas.FileRLPDF} {
		data := fileMetaAndDownload(t, srv, tok, id, "application/pdf", "pdf")
		require.True(t, bytes.HasPrefix(data, []byte("%PDF-1.")), "file %d", id)
		require.True(t, bytes.HasSuffix(bytes.TrimSpace(data), []byte("%%EOF")), "file %d", id)
		assert.GreaterOrEqual(t, bytes.Count(data, []byte("/Type /Page\n")), 5, "title page plus slides, file %d", id)
		text := pdfText(t, data)
		assert.Greater(t, len(text), 3000, "file %d has %d characters of text", id, len(text))
	}
	corrupt := fileMetaAndDownload(t, srv, tok, fakecanvas.FileCorruptPDF, "application/pdf", "pdf")
	assert.True(t, bytes.HasPrefix(corrupt, []byte("%PDF-")))
	assert.NotContains(t, string(corrupt), "%%EOF")
	assert.NotContains(t, string(corrupt), "xref")

	doc := fileMetaAndDownload(t, srv, tok, fakecanvas.FileDocx,
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "doc")
	zr, err := zip.NewReader(bytes.NewReader(doc), int64(len(doc)))
	require.NoError(t, err)
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	assert.Contains(t, names, "word/document.xml")

	resp, _ := get(t, srv.URL()+"/api/v1/courses/37823/files/1", tok)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = get(t, srv.URL()+"/api/v1/courses/37825/files/3615155", tok)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "files belong to their course")
}

// fileMetaAndDownload checks a file's metadata and downloads it the way
// Canvas clients do, without Authorization.
func fileMetaAndDownload(t *testing.T, srv *fakecanvas.Server, tok string, id int64, contentType, mimeClass string) []byte {
	t.Helper()
	resp, body := get(t, srv.URL()+"/api/v1/courses/37823/files/"+itoa(id), tok)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var meta map[string]any
	require.NoError(t, json.Unmarshal(body, &meta))
	assert.Equal(t, contentType, meta["content-type"])
	assert.Equal(t, mimeClass, meta["mime_class"])
	u := meta["url"].(string)
	require.True(t, strings.HasPrefix(u, srv.URL()+"/files/"+itoa(id)+"/download?download_frd=1&verifier="), u)
	assert.Equal(t, srv.DownloadURL(id), u)

	resp, data := get(t, u, "")
	if id == fakecanvas.FileMDPPDF {
		require.Equal(t, http.StatusFound, resp.StatusCode, "the MDP slides come through a redirect")
		loc := resp.Header.Get("Location")
		assert.Contains(t, loc, "/inst-fs/files/3615152/5+MDP+-+INF-2600.pdf?token=")
		resp, data = get(t, loc, "")
		bad, _ := get(t, strings.Split(loc, "?")[0]+"?token=wrong", "")
		assert.Equal(t, http.StatusForbidden, bad.StatusCode)
	}
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, contentType, resp.Header.Get("Content-Type"))
	assert.InDelta(t, len(data), meta["size"], 0, "metadata size is the real size")
	want, ok := srv.FileBytes(id)
	require.True(t, ok)
	assert.Equal(t, want, data)

	bad, _ := get(t, strings.Split(u, "verifier=")[0]+"verifier=wrong", "")
	assert.Equal(t, http.StatusUnauthorized, bad.StatusCode)
	return data
}

// pdfText pulls the text shown by Tj operators out of the compressed
// content streams: enough to check the PDFs carry real text.
func pdfText(t *testing.T, data []byte) string {
	t.Helper()
	var sb strings.Builder
	streams := regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`).FindAllSubmatch(data, -1)
	show := regexp.MustCompile(`\(((?:\\.|[^\\)])*)\)\s*Tj`)
	for _, s := range streams {
		zr, err := zlib.NewReader(bytes.NewReader(s[1]))
		if err != nil {
			continue
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			continue
		}
		for _, m := range show.FindAllSubmatch(plain, -1) {
			sb.Write(m[1])
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

func TestFilesAreDeterministic(t *testing.T) {
	t.Parallel()
	a, b := fakecanvas.New(fakecanvas.Options{}), fakecanvas.New(fakecanvas.Options{})
	for _, id := range []int64{fakecanvas.FileSearchPDF, fakecanvas.FileMDPPDF, fakecanvas.FileCorruptPDF, fakecanvas.FileDocx} {
		x, ok := a.FileBytes(id)
		require.True(t, ok)
		y, _ := b.FileBytes(id)
		assert.Equal(t, x, y, "file %d", id)
	}
	_, ok := a.FileBytes(1)
	assert.False(t, ok)
}

func TestCommittedDataIsSmall(t *testing.T) {
	t.Parallel()
	var total int64
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		total += info.Size()
		return nil
	})
	require.NoError(t, err)
	assert.Less(t, total, int64(400<<10), "dev/fakecanvas holds %d bytes", total)
	_, err = os.Stat("testdata/pages/layout.html")
	require.NoError(t, err)
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
