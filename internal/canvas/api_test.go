package canvas_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/canvas"
	"quizgen/internal/quiz"
)

func TestCourses(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()

	all, err := e.client.Courses(ctx, e.token)
	require.NoError(t, err)
	require.Len(t, all, 3)
	assert.Equal(t, int64(fakecanvas.CourseAI), all[0].ID)
	assert.Equal(t, "INF-2600 AI Methods and applications", all[0].Name)
	assert.Equal(t, "INF-2600", all[0].CourseCode)
	assert.Equal(t, []canvas.Enrollment{{Type: "teacher", Role: "TeacherEnrollment"}}, all[0].Enrollments)
	assert.Equal(t, "student", all[1].Enrollments[0].Type)

	teaching, err := e.client.TeachingCourses(ctx, e.token)
	require.NoError(t, err)
	var ids []int64
	for _, c := range teaching {
		ids = append(ids, c.ID)
	}
	assert.Equal(t, []int64{fakecanvas.CourseAI, fakecanvas.CourseNorwegian}, ids)
	assert.Equal(t, "INF-1600 Innføring i kunstig intelligens", teaching[1].Name)

	reqs := e.srv.Requests()
	require.NotEmpty(t, reqs)
	assert.Equal(t, "/api/v1/courses", reqs[0].Path)
	assert.Equal(t, "per_page=100", reqs[0].Query)
	assert.True(t, reqs[0].Authorization)
}

func TestTeachingCoursesSkipsMalformedEntries(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.srv.Inject(fakecanvas.Fault{Method: http.MethodGet, PathPrefix: "/api/v1/courses", Status: http.StatusOK, Body: `[
		"not an object",
		{"id": "42", "name": "  String id  ", "enrollments": [{"type": "teacher"}]},
		{"id": "4x2", "name": "Bad id", "enrollments": [{"type": "teacher"}]},
		{"id": 43, "name": 7, "enrollments": [{"type": "teacher"}]},
		{"name": "No id", "enrollments": [{"type": "teacher"}]},
		{"id": 44, "name": "Student", "enrollments": [{"type": "student"}]},
		{"id": 45, "name": "No enrollments"},
		{"id": 46, "name": "Odd enrollments", "enrollments": [3, null, {"type": 1}, {"type": "teacher"}]},
		{"id": 1.5, "name": "Float id", "enrollments": [{"type": "teacher"}]},
		null
	]`})
	got, err := e.client.TeachingCourses(t.Context(), e.token)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, canvas.Course{ID: 42, Name: "String id", Enrollments: []canvas.Enrollment{{Type: "teacher"}}}, got[0])
	assert.Equal(t, int64(46), got[1].ID)
}

func TestListThatIsNotAnArray(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.srv.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses", Status: http.StatusOK, Body: `{"errors":[]}`})
	_, err := e.client.Courses(t.Context(), e.token)
	require.ErrorIs(t, err, canvas.ErrBadResponse)
	assert.False(t, (err.(*canvas.Error)).Temporary())
}

func TestModulesFollowPagination(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *canvas.Config) { c.PerPage = 2 })
	got, err := e.client.Modules(t.Context(), e.token, fakecanvas.CourseAI)
	require.NoError(t, err)
	want := []canvas.Module{
		{ID: 173467, Name: "Admin infomation", Position: 1},
		{ID: 173574, Name: "Search", Position: 2, ItemsCount: 3},
		{ID: 173468, Name: "Constraint Satisfaction Problems", Position: 3, ItemsCount: 2},
		{ID: 173469, Name: "Sheduling and Adversarial Search", Position: 4, ItemsCount: 3},
		{ID: 173579, Name: "Markov Decision Processes", Position: 5},
		{ID: 173577, Name: "Reinforcement Learning", Position: 6, ItemsCount: 3},
	}
	assert.Equal(t, want, got)

	var queries []string
	for _, r := range e.srv.Requests() {
		queries = append(queries, r.Query)
	}
	assert.Equal(t, []string{"per_page=2", "page=2&per_page=2", "page=3&per_page=2"}, queries)
}

func TestCoursesOnePerPage(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *canvas.Config) { c.PerPage = 1 })
	got, err := e.client.Courses(t.Context(), e.token)
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, []int64{37823, 37824, 37825}, []int64{got[0].ID, got[1].ID, got[2].ID})
	assert.Equal(t, 3, e.count(http.MethodGet, "/api/v1/courses"))
}

func TestPaginationGuards(t *testing.T) {
	t.Parallel()
	t.Run("next link to another host", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		e.srv.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses", Status: http.StatusOK, Body: `[]`,
			Header: map[string]string{"Link": `<http://evil.example/api/v1/courses?page=2>; rel="next"`}})
		_, err := e.client.Courses(t.Context(), e.token)
		require.ErrorIs(t, err, canvas.ErrBadResponse)
		assert.Equal(t, 1, e.count(http.MethodGet, "/api/v1/courses"))
	})
	t.Run("next link back to the same page", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		e.srv.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses", Status: http.StatusOK, Body: `[]`,
			Header: map[string]string{"Link": `</api/v1/courses?per_page=100>; rel="next"`}})
		_, err := e.client.Courses(t.Context(), e.token)
		require.ErrorIs(t, err, canvas.ErrBadResponse)
		assert.Contains(t, err.Error(), "loops")
	})
	t.Run("too many pages", func(t *testing.T) {
		t.Parallel()
		e := setup(t, func(c *canvas.Config) { c.PerPage, c.MaxPages = 1, 2 })
		_, err := e.client.Courses(t.Context(), e.token)
		require.ErrorIs(t, err, canvas.ErrBadResponse)
		assert.Equal(t, 2, e.count(http.MethodGet, "/api/v1/courses"))
	})
}

func TestModuleItems(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()

	items, err := e.client.ModuleItems(ctx, e.token, fakecanvas.CourseAI, fakecanvas.ModuleScheduling)
	require.NoError(t, err)
	require.Len(t, items, 3)
	assert.Equal(t, "CSP", items[0].Title)
	assert.Equal(t, "Page", items[0].Type)
	require.NotNil(t, items[0].PageURL)
	assert.Equal(t, "csp", *items[0].PageURL)
	assert.Equal(t, int64(fakecanvas.ModuleScheduling), items[0].ModuleID)
	assert.Equal(t, "File", items[1].Type)
	assert.Equal(t, int64(fakecanvas.FileMDPPDF), items[1].ContentID)
	assert.Nil(t, items[1].PageURL)
	assert.Equal(t, "markov-decision-process", *items[2].PageURL)
	assert.Equal(t, 3, items[2].Position)

	search, err := e.client.ModuleItems(ctx, e.token, fakecanvas.CourseAI, fakecanvas.ModuleSearch)
	require.NoError(t, err)
	var types []string
	for _, it := range search {
		types = append(types, it.Type)
	}
	assert.Equal(t, []string{"File", "Page", "Assignment"}, types)

	empty, err := e.client.ModuleItems(ctx, e.token, fakecanvas.CourseAI, fakecanvas.ModuleAdmin)
	require.NoError(t, err)
	assert.Empty(t, empty)

	_, err = e.client.ModuleItems(ctx, e.token, fakecanvas.CourseStudent, 1)
	require.ErrorIs(t, err, canvas.ErrForbidden)
}

func TestModuleItemsLenientDecoding(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.srv.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses/1/modules/2/items", Status: http.StatusOK, Body: `[
		{"id": "10", "type": " Page ", "title": "  Intro  ", "page_url": "intro", "html_url": null},
		{"id": 11, "type": "File", "content_id": "99"},
		{"id": 12, "title": "no type"},
		{"type": "Page", "title": "no id"},
		{"id": 13, "type": ""},
		[1, 2],
		{"id": 14, "type": "SubHeader", "title": 5, "page_url": 6}
	]`})
	items, err := e.client.ModuleItems(t.Context(), e.token, 1, 2)
	require.NoError(t, err)
	require.Len(t, items, 3)
	assert.Equal(t, int64(10), items[0].ID)
	assert.Equal(t, "Page", items[0].Type)
	assert.Equal(t, "Intro", items[0].Title)
	assert.Nil(t, items[0].HTMLURL)
	assert.Equal(t, int64(2), items[0].ModuleID)
	assert.Equal(t, int64(99), items[1].ContentID)
	assert.Equal(t, "Untitled", items[1].Title)
	assert.Equal(t, "Untitled", items[2].Title)
	assert.Nil(t, items[2].PageURL)
}

func TestPage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()

	p, err := e.client.Page(ctx, e.token, fakecanvas.CourseAI, "  csp ")
	require.NoError(t, err)
	assert.Equal(t, "CSP", p.Title)
	assert.Equal(t, "csp", p.URL)
	require.NotNil(t, p.Body)
	assert.Greater(t, len(*p.Body), 15000)
	assert.Contains(t, *p.Body, "arc consistency")
	assert.JSONEq(t, `"2025-01-24T12:30:00Z"`, string(p.CreatedAt))

	no, err := e.client.Page(ctx, e.token, fakecanvas.CourseNorwegian, "kunstig-intelligens-grunnbegreper")
	require.NoError(t, err)
	assert.Contains(t, *no.Body, "læring")
}

func TestPageSlugIsFullyEscaped(t *testing.T) {
	t.Parallel()
	e := setup(t)
	_, err := e.client.Page(t.Context(), e.token, fakecanvas.CourseAI, " a b&c/d?é ")
	require.ErrorIs(t, err, canvas.ErrNotFound)
	reqs := e.srv.Requests()
	require.Len(t, reqs, 1, "a 404 is not retried")
	assert.Equal(t, "/api/v1/courses/37823/pages/a%20b%26c%2Fd%3F%C3%A9", reqs[0].RawPath)
	assert.Equal(t, "", reqs[0].Query)
	assert.Equal(t, "canvas: GET /api/v1/courses/37823/pages/a%20b%26c%2Fd%3F%C3%A9: 404: canvas: not found", err.Error())

	_, err = e.client.Page(t.Context(), e.token, fakecanvas.CourseAI, "   ")
	require.Error(t, err)
	assert.Len(t, e.srv.Requests(), 1, "a blank slug sends nothing")
}

func TestPageNotAnObject(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.srv.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses/37823/pages/", Status: http.StatusOK, Body: `["body"]`})
	_, err := e.client.Page(t.Context(), e.token, fakecanvas.CourseAI, "csp")
	require.ErrorIs(t, err, canvas.ErrBadResponse)
}

func TestPageDefaults(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.srv.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses/37823/pages/", Status: http.StatusOK, Body: `{"title": null, "body": null}`})
	p, err := e.client.Page(t.Context(), e.token, fakecanvas.CourseAI, "some-page")
	require.NoError(t, err)
	assert.Equal(t, canvas.Page{URL: "some-page"}, p)
}

func TestFile(t *testing.T) {
	t.Parallel()
	e := setup(t)
	f, err := e.client.File(t.Context(), e.token, fakecanvas.CourseAI, fakecanvas.FileSearchPDF)
	require.NoError(t, err)
	data, ok := e.srv.FileBytes(fakecanvas.FileSearchPDF)
	require.True(t, ok)
	assert.Equal(t, int64(fakecanvas.FileSearchPDF), f.ID)
	assert.Equal(t, "2 Lecture - Search - INF-2600.pdf", f.DisplayName)
	assert.Equal(t, "application/pdf", f.ContentType)
	assert.Equal(t, "pdf", f.MimeClass)
	assert.Equal(t, int64(len(data)), f.Size)
	assert.True(t, strings.HasPrefix(f.URL, e.srv.URL()+"/files/3615155/download?download_frd=1&verifier="))

	_, err = e.client.File(t.Context(), e.token, fakecanvas.CourseAI, 1)
	require.ErrorIs(t, err, canvas.ErrNotFound)
}

func TestCreateQuizAndItems(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()

	qid, err := e.client.CreateQuiz(ctx, e.token, fakecanvas.CourseAI, canvas.NewQuiz{
		Title: "Search and CSP", PointsPossible: 2,
		QuizSettings: canvas.QuizSettings{ShuffleQuestions: true, ShuffleAnswers: true, TimeLimit: 60, ScoringPolicy: "keep_highest"},
	})
	require.NoError(t, err)
	assert.Equal(t, "10000", qid)

	var ids []string
	for pos := 1; pos <= 2; pos++ {
		id, err := e.client.CreateItem(ctx, e.token, fakecanvas.CourseAI, qid, choiceItem(pos))
		require.NoError(t, err)
		ids = append(ids, id)
	}
	assert.Equal(t, []string{"20000", "20001"}, ids)

	quizzes := e.srv.Quizzes()
	require.Len(t, quizzes, 1)
	q := quizzes[0]
	assert.Equal(t, "Search and CSP", q.Title)
	assert.JSONEq(t, `{"title":"Search and CSP","points_possible":2,"published":false,"quiz_settings":{"shuffle_questions":true,
		"shuffle_answers":true,"time_limit":60,"multiple_attempts":false,"scoring_policy":"keep_highest"}}`, string(q.Raw))
	require.Len(t, q.Items, 2)
	var body struct {
		Item canvas.NewItem `json:"item"`
	}
	require.NoError(t, json.Unmarshal(q.Items[1].Raw, &body))
	assert.Equal(t, choiceItem(2), body.Item)
	assert.Equal(t, 2, q.Items[1].Position)
	for _, r := range e.srv.Requests() {
		assert.Equal(t, "application/json", r.ContentType)
	}
}

// ListQuizzes and ListItems read every page and return what an exporter
// needs to recognise its own quiz and items: the instructions and the
// entry titles it sent.
func TestListQuizzesAndItemsAcrossPages(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *canvas.Config) { c.PerPage = 2 })
	ctx := t.Context()
	var qid string
	for i := range 3 {
		id, err := e.client.CreateQuiz(ctx, e.token, fakecanvas.CourseAI, canvas.NewQuiz{
			Title: "Q" + strconv.Itoa(i), Instructions: "<p>marker " + strconv.Itoa(i) + "</p>"})
		require.NoError(t, err)
		qid = id
	}
	quizzes, err := e.client.ListQuizzes(ctx, e.token, fakecanvas.CourseAI)
	require.NoError(t, err)
	require.Len(t, quizzes, 3, "two pages of two")
	assert.Equal(t, canvas.ListedQuiz{ID: qid, Title: "Q2", Instructions: "<p>marker 2</p>"}, quizzes[2])

	for pos := 1; pos <= 5; pos++ {
		it := choiceItem(pos)
		it.Entry["title"] = "Question " + strconv.Itoa(pos)
		_, err := e.client.CreateItem(ctx, e.token, fakecanvas.CourseAI, qid, it)
		require.NoError(t, err)
	}
	items, err := e.client.ListItems(ctx, e.token, fakecanvas.CourseAI, qid)
	require.NoError(t, err)
	require.Len(t, items, 5, "three pages")
	assert.Equal(t, canvas.ListedItem{ID: "20004", Position: 5, Title: "Question 5"}, items[4])

	_, err = e.client.ListItems(ctx, e.token, fakecanvas.CourseAI, "999")
	require.ErrorIs(t, err, canvas.ErrNotFound)
}

func choiceItem(pos int) canvas.NewItem {
	return canvas.NewItem{
		ID: "item_x", EntryType: "Item", EntryID: "item_x", Position: pos, ItemType: "Question",
		Properties: map[string]any{"shuffle_answers": true}, PointsPossible: 1,
		Entry: map[string]any{
			"interaction_type_slug": "choice", "item_body": "<p>Which search is optimal for unit step costs?</p>",
			"interaction_data": map[string]any{"choices": []any{
				map[string]any{"id": "choice_1", "position": float64(1), "item_body": "<p>Breadth-first</p>"},
				map[string]any{"id": "choice_2", "position": float64(2), "item_body": "<p>Depth-first</p>"},
			}},
			"scoring_algorithm": "Equivalence", "scoring_data": map[string]any{"value": "choice_1"},
		},
	}
}

func TestCreateItemRejected(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	qid, err := e.client.CreateQuiz(ctx, e.token, fakecanvas.CourseAI, canvas.NewQuiz{Title: "Q"})
	require.NoError(t, err)
	bad := choiceItem(1)
	bad.Entry["interaction_type_slug"] = "multiple-choice"
	_, err = e.client.CreateItem(ctx, e.token, fakecanvas.CourseAI, qid, bad)
	var ce *canvas.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, http.StatusBadRequest, ce.Status)
	assert.Contains(t, ce.Body, "interaction_type_slug")
	assert.False(t, ce.Temporary())
	assert.NotErrorIs(t, err, quiz.ErrTemporary)
}

func TestCreateIDsAsNumbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body, want string
		ok         bool
	}{
		{`{"id": 12345}`, "12345", true},
		{`{"id": "abc-1"}`, "abc-1", true},
		{`{"id": 1e3}`, "1000", true},
		{`{"id": 1.5}`, "", false},
		{`{"id": null}`, "", false},
		{`{"id": ""}`, "", false},
		{`{}`, "", false},
		{`[{"id": 1}]`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.srv.Inject(fakecanvas.Fault{Method: http.MethodPost, Status: http.StatusOK, Body: tt.body})
			id, err := e.client.CreateQuiz(t.Context(), e.token, fakecanvas.CourseAI, canvas.NewQuiz{Title: "Q"})
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, tt.want, id)
			} else {
				require.ErrorIs(t, err, canvas.ErrBadResponse)
			}
		})
	}
}
