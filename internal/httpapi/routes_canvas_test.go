package httpapi_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/auth"
	"quizgen/internal/canvas"
	"quizgen/internal/logging"
)

const (
	detailTokenInvalid = "Canvas access token invalid. Please re-login."
	detailCanvasDown   = "Canvas service is temporarily unavailable. Please try again later."
	detailBadFormat    = "Invalid response format from Canvas"
	detailExpired      = "Canvas session expired, Please re-login."
	detailRefreshDown  = "Canvas temporarily unavailable. Please try again."
	detailUnreachable  = "Failed to connect to Canvas API"
)

func cpath(format ...any) string {
	p := "/api/v1/canvas/courses"
	for _, s := range format {
		switch v := s.(type) {
		case int:
			p += "/" + strconv.Itoa(v)
		case string:
			p += "/" + v
		}
	}
	return p
}

// canvasGET answers what the fake Canvas itself answers to a GET of path
// with the user's Canvas token.
func canvasGET(t *testing.T, e *env, token, path string) map[string]any {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", e.canvas.URL()+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, string(raw))
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

// canvasCalls counts the requests the fake got for path.
func canvasCalls(e *env, method, path string) int {
	n := 0
	for _, r := range e.canvas.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

func TestCanvasCourses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	get := func() resp { return e.do("GET", cpath(), u.jwt, nil) }

	t.Run("only the courses the user teaches", func(t *testing.T) {
		r := get()
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, []any{
			map[string]any{"id": float64(fakecanvas.CourseAI), "name": "INF-2600 AI Methods and applications"},
			map[string]any{"id": float64(fakecanvas.CourseNorwegian), "name": "INF-1600 Innføring i kunstig intelligens"},
		}, r.list(), "student course %d is left out", fakecanvas.CourseStudent)
		assert.Equal(t, 1, canvasCalls(e, "GET", "/api/v1/courses"))
	})

	t.Run("entries Canvas sends in other shapes are skipped", func(t *testing.T) {
		e.canvas.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses", Times: 1, Body: `[
			{"id": "42", "name": "  Padded  ", "enrollments": [{"type": "student"}, {"type": "teacher"}]},
			{"id": "x1", "name": "Bad id", "enrollments": [{"type": "teacher"}]},
			{"id": 7, "name": 5, "enrollments": [{"type": "teacher"}]},
			{"name": "No id", "enrollments": [{"type": "teacher"}]},
			{"id": 8, "name": "No enrollments"},
			{"id": 9, "name": "TA only", "enrollments": [{"type": "ta"}]},
			"not an object", 12]`})
		r := get()
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, `[{"id":42,"name":"Padded"}]`, r.Body.String())
	})

	t.Run("an empty list", func(t *testing.T) {
		e.canvas.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses", Times: 1, Body: `[]`})
		r := get()
		require.Equal(t, http.StatusOK, r.Code)
		assert.Equal(t, "[]", r.Body.String())
	})

	t.Run("an object instead of a list", func(t *testing.T) {
		e.canvas.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses", Times: 1, Body: `{"errors": "unexpected"}`})
		r := get()
		require.Equal(t, http.StatusOK, r.Code, "as in the original: iterating an object yields nothing")
		assert.Equal(t, "[]", r.Body.String())
	})

	t.Run("Canvas errors", func(t *testing.T) {
		for status, want := range map[int]struct {
			code   int
			detail string
		}{
			401: {401, detailTokenInvalid},
			403: {503, detailCanvasDown}, // no 403 case for courses
			404: {503, detailCanvasDown},
			500: {503, detailCanvasDown},
			502: {503, detailCanvasDown},
		} {
			e.canvas.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses", Status: status, Times: 1})
			assertDetail(t, get(), want.code, want.detail)
		}
		e.canvas.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses", Truncate: true, Times: 1})
		assertDetail(t, get(), http.StatusServiceUnavailable, detailUnreachable)
	})
}

// canvasRoute is one of the four Canvas routes with a path parameter.
type canvasRoute struct {
	name      string
	path      string // a valid request
	canvas    string // the Canvas path it calls
	forbidden string // detail of a Canvas 403 ("" = 503)
	notFound  string // detail of a Canvas 404 ("" = 503)
}

func TestCanvasErrorMapping(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	routes := []canvasRoute{
		{"modules", cpath(courseAI, "modules"), "/api/v1/courses/37823/modules",
			"You don't have access to this course.", ""},
		{"items", cpath(courseAI, "modules", fakecanvas.ModuleSearch, "items"), "/api/v1/courses/37823/modules/173574/items",
			"You don't have access to this course or module.", ""},
		{"page", cpath(courseAI, "pages", "csp"), "/api/v1/courses/37823/pages/csp",
			"You don't have access to this course or page.", "Page not found in this course."},
		{"file", cpath(courseAI, "files", fakecanvas.FileSearchPDF), "/api/v1/courses/37823/files/3615155",
			"You don't have access to this file.", "File not found in this course."},
	}
	for _, rt := range routes {
		t.Run(rt.name, func(t *testing.T) {
			fault := func(status int, body string) resp {
				t.Helper()
				e.canvas.Inject(fakecanvas.Fault{PathPrefix: rt.canvas, Status: status, Body: body, Times: 1})
				return e.do("GET", rt.path, u.jwt, nil)
			}
			assertDetail(t, fault(401, ""), http.StatusUnauthorized, detailTokenInvalid)
			if rt.forbidden != "" {
				assertDetail(t, fault(403, ""), http.StatusForbidden, rt.forbidden)
			}
			if rt.notFound != "" {
				assertDetail(t, fault(404, ""), http.StatusNotFound, rt.notFound)
			} else {
				assertDetail(t, fault(404, ""), http.StatusServiceUnavailable, detailCanvasDown)
			}
			for _, status := range []int{500, 503} {
				assertDetail(t, fault(status, ""), http.StatusServiceUnavailable, detailCanvasDown)
			}
			// Canvas drops the connection halfway through its answer.
			e.canvas.Inject(fakecanvas.Fault{PathPrefix: rt.canvas, Truncate: true, Times: 1})
			assertDetail(t, e.do("GET", rt.path, u.jwt, nil), http.StatusServiceUnavailable, detailUnreachable)
			if rt.name == "page" || rt.name == "file" {
				for _, body := range []string{`[{"title": "a list"}]`, `"a string"`, `not json`} {
					assertDetail(t, fault(0, body), http.StatusInternalServerError, detailBadFormat)
				}
			}
			r := e.do("GET", rt.path, u.jwt, nil)
			assert.Equal(t, http.StatusOK, r.Code, "without a fault: %s", r.Body.String())
		})
	}

	t.Run("Canvas's own 403 and 404 answers", func(t *testing.T) {
		student := fakecanvas.CourseStudent
		assertDetail(t, e.do("GET", cpath(student, "modules"), u.jwt, nil), http.StatusForbidden, "You don't have access to this course.")
		assertDetail(t, e.do("GET", cpath(student, "modules", 1, "items"), u.jwt, nil), http.StatusForbidden, "You don't have access to this course or module.")
		assertDetail(t, e.do("GET", cpath(student, "pages", "csp"), u.jwt, nil), http.StatusForbidden, "You don't have access to this course or page.")
		assertDetail(t, e.do("GET", cpath(student, "files", 1), u.jwt, nil), http.StatusForbidden, "You don't have access to this file.")
		assertDetail(t, e.do("GET", cpath(99999, "modules"), u.jwt, nil), http.StatusServiceUnavailable, detailCanvasDown)
		assertDetail(t, e.do("GET", cpath(courseAI, "pages", "no-such-page"), u.jwt, nil), http.StatusNotFound, "Page not found in this course.")
		assertDetail(t, e.do("GET", cpath(courseAI, "files", 1), u.jwt, nil), http.StatusNotFound, "File not found in this course.")
	})

	t.Run("bad ids", func(t *testing.T) {
		before := len(e.canvas.Requests())
		const course, courseModule, courseFile = "Course ID must be a positive integer",
			"Course ID and Module ID must be positive integers", "Course ID and File ID must be positive integers"
		for _, c := range []struct {
			path, detail string
		}{
			{cpath(0, "modules"), course},
			{cpath(-4, "modules"), course},
			{cpath(0, "modules", 1, "items"), courseModule},
			{cpath(1, "modules", 0, "items"), courseModule},
			{cpath(1, "modules", -1, "items"), courseModule},
			{cpath(0, "pages", "csp"), course},
			{cpath(-1, "pages", "%20%20"), course},
			{cpath(courseAI, "pages", "%20%20"), "Page URL cannot be empty"},
			{cpath(courseAI, "pages", "%20%09%20"), "Page URL cannot be empty"},
			{cpath(courseAI, "pages", "%2E"), "Page URL cannot be . or .."},
			{cpath(courseAI, "pages", "%2E%2E"), "Page URL cannot be . or .."},
			{cpath(courseAI, "pages", "%20..%20"), "Page URL cannot be . or .."},
			{cpath(0, "files", 1), courseFile},
			{cpath(1, "files", 0), courseFile},
			{cpath(1, "files", -2), courseFile},
		} {
			assertDetail(t, e.do("GET", c.path, u.jwt, nil), http.StatusBadRequest, c.detail)
		}
		for _, c := range []struct {
			path  string
			param string
		}{
			{cpath("abc", "modules"), "course_id"},
			{cpath("1.5", "modules"), "course_id"},
			{cpath("x", "modules", 1, "items"), "course_id"},
			{cpath(1, "modules", "y", "items"), "module_id"},
			{cpath("c", "pages", "csp"), "course_id"},
			{cpath("c", "files", 1), "course_id"},
			{cpath(1, "files", "f"), "file_id"},
		} {
			fe := oneFieldErr(t, e.do("GET", c.path, u.jwt, nil), "int_parsing", "path", c.param)
			assert.Equal(t, "Input should be a valid integer, unable to parse string as an integer", fe.Msg)
		}
		assert.Len(t, e.canvas.Requests(), before, "nothing reached Canvas")
	})
}

func TestCanvasModulesAndItems(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	base := e.canvas.URL()

	t.Run("modules", func(t *testing.T) {
		r := e.do("GET", cpath(courseAI, "modules"), u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, `[{"id":173467,"name":"Admin infomation"},{"id":173574,"name":"Search"},`+
			`{"id":173468,"name":"Constraint Satisfaction Problems"},{"id":173469,"name":"Sheduling and Adversarial Search"},`+
			`{"id":173579,"name":"Markov Decision Processes"},{"id":173577,"name":"Reinforcement Learning"}]`, r.Body.String())
	})

	t.Run("modules in other shapes are skipped", func(t *testing.T) {
		e.canvas.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses/37823/modules", Times: 1,
			Body: `[{"id": "10", "name": " Week 1 "}, {"id": 11}, {"name": "no id"}, {"id": 12, "name": null}, 5, "m"]`})
		r := e.do("GET", cpath(courseAI, "modules"), u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, `[{"id":10,"name":"Week 1"}]`, r.Body.String())
	})

	t.Run("items of every type", func(t *testing.T) {
		r := e.do("GET", cpath(courseAI, "modules", fakecanvas.ModuleSearch, "items"), u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		var raws []json.RawMessage
		require.NoError(t, json.Unmarshal(r.Body.Bytes(), &raws))
		require.Len(t, raws, 3)
		for _, raw := range raws {
			assert.Equal(t, []string{"id", "title", "type", "html_url", "page_url", "url"}, keysInOrder(t, raw))
		}
		c := base + "/courses/37823/modules/items/"
		api := base + "/api/v1/courses/37823/"
		assert.Equal(t, []any{
			map[string]any{"id": float64(1189103), "title": "2 Lecture - Search - INF-2600.pdf", "type": "File",
				"html_url": c + "1189103", "page_url": nil, "url": api + "files/3615155"},
			map[string]any{"id": float64(1189106), "title": "Search algorithms", "type": "Page",
				"html_url": c + "1189106", "page_url": "search-algorithms", "url": api + "pages/search-algorithms"},
			map[string]any{"id": float64(1189107), "title": "Assignment 1: Route planning with A*", "type": "Assignment",
				"html_url": c + "1189107", "page_url": nil, "url": api + "assignments/880101"},
		}, r.list())
	})

	t.Run("an empty module", func(t *testing.T) {
		r := e.do("GET", cpath(courseAI, "modules", fakecanvas.ModuleAdmin, "items"), u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code)
		assert.Equal(t, "[]", r.Body.String())
	})

	t.Run("item defaults and skipped entries", func(t *testing.T) {
		e.canvas.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses/37823/modules/173574/items", Times: 1, Body: `[
			{"id": 1, "type": "SubHeader"},
			{"id": "2", "title": "   ", "type": " Page ", "page_url": "p"},
			{"id": 3, "title": "No type"},
			{"id": 4, "title": "Blank type", "type": "  "},
			{"title": "No id", "type": "Page"},
			{"id": "abc", "title": "Bad id", "type": "File"},
			"not an object",
			{"id": 5, "title": "  Quiz 1 ", "type": "Quiz", "html_url": "h", "page_url": null, "url": "u"}]`})
		r := e.do("GET", cpath(courseAI, "modules", fakecanvas.ModuleSearch, "items"), u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, []any{
			map[string]any{"id": float64(1), "title": "Untitled", "type": "SubHeader", "html_url": nil, "page_url": nil, "url": nil},
			map[string]any{"id": float64(2), "title": "Untitled", "type": "Page", "html_url": nil, "page_url": "p", "url": nil},
			map[string]any{"id": float64(5), "title": "Quiz 1", "type": "Quiz", "html_url": "h", "page_url": nil, "url": "u"},
		}, r.list())
	})
}

func TestCanvasPageAndFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)

	t.Run("page", func(t *testing.T) {
		r := e.do("GET", cpath(courseAI, "pages", "csp"), u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, []string{"title", "body", "url", "created_at", "updated_at"}, keysInOrder(t, r.Body.Bytes()))
		fromCanvas := canvasGET(t, e, u.canvasToken, "/api/v1/courses/37823/pages/csp")
		require.NotEmpty(t, fromCanvas["body"])
		assert.Equal(t, map[string]any{"title": "CSP", "body": fromCanvas["body"], "url": "csp",
			"created_at": "2025-01-24T12:30:00Z", "updated_at": "2025-02-03T16:05:12Z"}, r.obj())
	})

	t.Run("page slug is percent-encoded with no safe characters", func(t *testing.T) {
		r := e.do("GET", cpath(courseAI, "pages", "my%20page%26more"), u.jwt, nil)
		assertDetail(t, r, http.StatusNotFound, "Page not found in this course.")
		reqs := e.canvas.Requests()
		assert.Equal(t, "/api/v1/courses/37823/pages/my%20page%26more", reqs[len(reqs)-1].RawPath)
		r = e.do("GET", cpath(courseAI, "pages", "%20csp%20"), u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, "the slug is trimmed: %s", r.Body.String())
		assert.Equal(t, "CSP", r.obj()["title"])
	})

	t.Run("page defaults", func(t *testing.T) {
		e.canvas.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses/37823/pages/", Times: 1,
			Body: `{"title": null, "body": null, "created_at": null}`})
		r := e.do("GET", cpath(courseAI, "pages", "draft"), u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, map[string]any{"title": "Untitled Page", "body": "", "url": "draft", "created_at": nil, "updated_at": nil}, r.obj())
	})

	t.Run("file", func(t *testing.T) {
		r := e.do("GET", cpath(courseAI, "files", fakecanvas.FileSearchPDF), u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, []string{"id", "display_name", "filename", "content-type", "url", "size", "created_at", "updated_at", "mime_class"},
			keysInOrder(t, r.Body.Bytes()))
		data, ok := e.canvas.FileBytes(fakecanvas.FileSearchPDF)
		require.True(t, ok)
		assert.Equal(t, map[string]any{"id": float64(fakecanvas.FileSearchPDF), "display_name": "2 Lecture - Search - INF-2600.pdf",
			"filename": "2+Lecture+-+Search+-+INF-2600.pdf", "content-type": "application/pdf",
			"url": e.canvas.DownloadURL(fakecanvas.FileSearchPDF), "size": float64(len(data)),
			"created_at": "2025-01-13T08:20:41Z", "updated_at": "2025-01-13T08:20:41Z", "mime_class": "pdf"}, r.obj())
	})

	t.Run("file defaults", func(t *testing.T) {
		e.canvas.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses/37823/files/", Times: 1, Body: `{"id": 77}`})
		r := e.do("GET", cpath(courseAI, "files", 77), u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, map[string]any{"id": float64(77), "display_name": "", "filename": "", "content-type": "", "url": "",
			"size": float64(0), "created_at": nil, "updated_at": nil, "mime_class": ""}, r.obj())
	})
}

// TestCanvasTokenDependency: the routes that call Canvas first make sure
// the stored Canvas token is fresh (docs/compatibility.md, Canvas).
func TestCanvasTokenDependency(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	expireSoon := func() {
		e.sql(`UPDATE "user" SET expires_at = now() + interval '4 minutes' WHERE id = $1`, u.ID)
	}
	refreshes := func() int { return canvasCalls(e, "POST", "/login/oauth2/token") }
	stored := func(t *testing.T) (access, refresh string, expires *time.Time) {
		t.Helper()
		su, err := e.store.User(t.Context(), u.ID)
		require.NoError(t, err)
		access, err = e.cipher.DecryptFor(su.AccessToken, auth.Binding{CanvasUserID: su.CanvasID, Column: auth.ColumnAccessToken})
		require.NoError(t, err)
		refresh, err = e.cipher.DecryptFor(su.RefreshToken, auth.Binding{CanvasUserID: su.CanvasID, Column: auth.ColumnRefreshToken})
		require.NoError(t, err)
		return access, refresh, su.ExpiresAt
	}

	t.Run("a token valid for more than 5 minutes is used as it is", func(t *testing.T) {
		e.sql(`UPDATE "user" SET expires_at = now() + interval '6 minutes' WHERE id = $1`, u.ID)
		r := e.do("GET", cpath(), u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Zero(t, refreshes())
	})

	t.Run("an expiring token is refreshed and the rotated refresh token stored", func(t *testing.T) {
		access0, refresh0, _ := stored(t)
		expireSoon()
		e.canvas.ExpireAccessTokens() // the old access token no longer works at Canvas
		r := e.do("GET", cpath(), u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, 1, refreshes())
		access1, refresh1, exp := stored(t)
		assert.NotEqual(t, access0, access1)
		assert.NotEqual(t, refresh0, refresh1, "the rotated refresh token is stored")
		require.NotNil(t, exp)
		assert.WithinDuration(t, time.Now().Add(time.Hour), *exp, 5*time.Minute)

		// Canvas retired refresh0: a second refresh works only with refresh1.
		expireSoon()
		e.canvas.ExpireAccessTokens()
		r = e.do("GET", cpath(courseAI, "modules"), u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, 2, refreshes())
		_, refresh2, _ := stored(t)
		assert.NotEqual(t, refresh1, refresh2)
	})

	t.Run("Canvas down during the refresh is 503 and keeps the tokens", func(t *testing.T) {
		access0, refresh0, _ := stored(t)
		expireSoon()
		for _, status := range []int{500, 503} {
			e.canvas.Inject(fakecanvas.Fault{Method: "POST", PathPrefix: "/login/oauth2/token", Status: status, Times: 1})
			assertDetail(t, e.do("GET", cpath(), u.jwt, nil), http.StatusServiceUnavailable, detailRefreshDown)
		}
		access1, refresh1, exp := stored(t)
		assert.Equal(t, access0, access1)
		assert.Equal(t, refresh0, refresh1)
		assert.NotNil(t, exp)
		r := e.do("GET", cpath(), u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, "Canvas is back: %s", r.Body.String())
	})

	t.Run("Canvas refusing the refresh token ends the Canvas session", func(t *testing.T) {
		q := e.createQuiz(u)["id"].(string)
		for _, rq := range []struct{ method, path string }{
			{"GET", cpath()},
			{"GET", cpath(courseAI, "modules")},
			{"GET", cpath(courseAI, "modules", fakecanvas.ModuleSearch, "items")},
			{"GET", cpath(courseAI, "pages", "csp")},
			{"GET", cpath(courseAI, "files", fakecanvas.FileSearchPDF)},
			{"POST", "/api/v1/quiz/"},
			{"POST", "/api/v1/quiz/" + q + "/extract-content"},
			{"POST", "/api/v1/quiz/" + q + "/export"},
		} {
			bogus, err := e.cipher.Encrypt("mock_refresh_token_unknown")
			require.NoError(t, err)
			e.sql(`UPDATE "user" SET refresh_token = $2, expires_at = now() + interval '1 minute' WHERE id = $1`, u.ID, bogus)
			var body any
			if rq.path == "/api/v1/quiz/" {
				body = newQuizBody()
			}
			r := e.do(rq.method, rq.path, u.jwt, body)
			assertDetail(t, r, http.StatusUnauthorized, detailExpired)
			su, err := e.store.User(t.Context(), u.ID)
			require.NoError(t, err)
			assert.Empty(t, su.AccessToken, "%s %s clears the tokens", rq.method, rq.path)
			assert.Empty(t, su.RefreshToken)
			assert.Nil(t, su.ExpiresAt)
		}
		assert.Len(t, e.do("GET", "/api/v1/quiz/", u.jwt, nil).list(), 1, "no quiz was created")
		assert.Equal(t, "pending", e.getQuiz(u, q)["content_extraction_status"])
	})

	t.Run("routes that do not call Canvas never refresh", func(t *testing.T) {
		before := refreshes()
		expireSoon()
		e.canvas.Inject(fakecanvas.Fault{Method: "POST", PathPrefix: "/login/oauth2/token", Status: 500})
		defer e.canvas.Reset()
		r := e.do("GET", "/api/v1/quiz/", u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code)
		r = e.do("GET", "/api/v1/users/me", u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code)
		assert.Equal(t, before, refreshes())
	})

	t.Run("Canvas refusing the access token is 401", func(t *testing.T) {
		u2 := e.signIn(teacherID)
		e.canvas.ExpireAccessTokens() // stored expiry is an hour away: no refresh
		assertDetail(t, e.do("GET", cpath(), u2.jwt, nil), http.StatusUnauthorized, detailTokenInvalid)
	})
}

// deadCanvas is e's API with a Canvas that refuses connections.
func (e *env) deadCanvas(t *testing.T) *env {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	log := logging.Discard()
	cc, err := canvas.New(canvas.Config{BaseURL: "http://" + addr, ClientID: "client-id", ClientSecret: "client-secret",
		RedirectURI: "http://api.test/api/v1/auth/callback/canvas", HTTPClient: &http.Client{Timeout: 5 * time.Second},
		MaxRetries: -1, Log: log})
	require.NoError(t, err)
	return e.withHandler(t, cc, log)
}

func TestCanvasUnreachable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	dead := e.deadCanvas(t)

	t.Run("proxy routes", func(t *testing.T) {
		for _, p := range []string{cpath(), cpath(courseAI, "modules"), cpath(courseAI, "modules", 1, "items"),
			cpath(courseAI, "pages", "csp"), cpath(courseAI, "files", 1)} {
			assertDetail(t, dead.do("GET", p, u.jwt, nil), http.StatusServiceUnavailable, detailUnreachable)
		}
	})

	t.Run("refresh in the token dependency is 503 and keeps the tokens", func(t *testing.T) {
		e.sql(`UPDATE "user" SET expires_at = now() + interval '1 minute' WHERE id = $1`, u.ID)
		before, err := e.store.User(t.Context(), u.ID)
		require.NoError(t, err)
		assertDetail(t, dead.do("GET", cpath(), u.jwt, nil), http.StatusServiceUnavailable, detailRefreshDown)
		assertDetail(t, dead.do("POST", "/api/v1/quiz/", u.jwt, newQuizBody()), http.StatusServiceUnavailable, detailRefreshDown)
		after, err := e.store.User(t.Context(), u.ID)
		require.NoError(t, err)
		assert.Equal(t, before.AccessToken, after.AccessToken)
		assert.Equal(t, before.RefreshToken, after.RefreshToken)
		assert.Equal(t, before.ExpiresAt, after.ExpiresAt)
		assert.Equal(t, "[]", e.do("GET", "/api/v1/quiz/", u.jwt, nil).Body.String())
	})

	t.Run("POST /auth/refresh is 503", func(t *testing.T) {
		assertDetail(t, dead.do("POST", "/api/v1/auth/refresh", u.jwt, nil), http.StatusServiceUnavailable, detailRefreshDown)
	})

	t.Run("OAuth callback", func(t *testing.T) {
		r := dead.do("GET", "/api/v1/auth/login/canvas", "", nil)
		require.Equal(t, http.StatusTemporaryRedirect, r.Code)
		to, err := url.Parse(r.Header().Get("Location"))
		require.NoError(t, err)
		ck := r.Result().Cookies()[0]
		r = dead.do("GET", "/api/v1/auth/callback/canvas?code=c&state="+url.QueryEscape(to.Query().Get("state")), "", nil,
			"Cookie", ck.Name+"="+ck.Value)
		require.Equal(t, http.StatusTemporaryRedirect, r.Code)
		back, err := url.Parse(r.Header().Get("Location"))
		require.NoError(t, err)
		assert.Equal(t, "/login", back.Path)
		assert.True(t, strings.HasPrefix(back.Query().Get("error"), "Canvas authentication failed: 503: Failed to connect to Canvas"),
			back.String())
	})

	t.Run("logout still ends the session", func(t *testing.T) {
		assertMessage(t, dead.do("DELETE", "/api/v1/auth/logout", u.jwt, nil), "Canvas account disconnected successfully")
		su, err := e.store.User(t.Context(), u.ID)
		require.NoError(t, err)
		assert.Empty(t, su.AccessToken)
		assert.Empty(t, su.RefreshToken)
	})
}
