package canvas_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/canvas"
)

func teachingIDs(cs []canvas.Course) []int64 {
	var ids []int64
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

// TestTeachingCoursesAsksForTeacherEnrollments: Canvas is asked for the
// teacher's courses only (enrollment_type=teacher), page by page.
func TestTeachingCoursesAsksForTeacherEnrollments(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *canvas.Config) { c.PerPage = 1 })
	got, err := e.client.TeachingCourses(t.Context(), e.token)
	require.NoError(t, err)
	assert.Equal(t, []int64{fakecanvas.CourseAI, fakecanvas.CourseNorwegian}, teachingIDs(got))
	reqs := e.srv.Requests()
	require.Len(t, reqs, 2, "two pages of one course")
	q, err := url.ParseQuery(reqs[0].Query)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"enrollment_type": {"teacher"}, "per_page": {"1"}}, q)
}

// TestTeachingCoursesPrefixFilter: with CoursePrefixes only the courses
// whose name starts with one of them are kept; none keeps all.
func TestTeachingCoursesPrefixFilter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		prefixes []string
		want     []int64
	}{
		{nil, []int64{fakecanvas.CourseAI, fakecanvas.CourseNorwegian}},
		{[]string{"INF-26"}, []int64{fakecanvas.CourseAI}},
		{[]string{"MAT-", "INF-16"}, []int64{fakecanvas.CourseNorwegian}},
		{[]string{"inf-"}, nil}, // case-sensitive
		{[]string{"ALI-"}, nil}, // a course the user attends is not one they teach
	} {
		e := setup(t, func(c *canvas.Config) { c.CoursePrefixes = tc.prefixes })
		got, err := e.client.TeachingCourses(t.Context(), e.token)
		require.NoError(t, err)
		assert.Equal(t, tc.want, teachingIDs(got), "%q", tc.prefixes)
	}
}

// TestAuthorizeURLScopes: the scopes go space-separated (%20) in scope,
// after state; none sends no scope.
func TestAuthorizeURLScopes(t *testing.T) {
	t.Parallel()
	c, err := canvas.New(canvas.Config{BaseURL: "http://canvas.test", ClientID: "1", RedirectURI: "http://api.test/auth/callback/canvas",
		HTTPClient: &http.Client{}, Scopes: []string{"url:GET|/api/v1/courses", "url:POST|/api/quiz/v1/courses/:course_id/quizzes"}})
	require.NoError(t, err)
	got := c.AuthorizeURL("st")
	assert.True(t, strings.HasSuffix(got,
		"&state=st&scope=url%3AGET%7C%2Fapi%2Fv1%2Fcourses%20url%3APOST%7C%2Fapi%2Fquiz%2Fv1%2Fcourses%2F%3Acourse_id%2Fquizzes"), got)
	u, err := url.Parse(got)
	require.NoError(t, err)
	assert.Equal(t, "url:GET|/api/v1/courses url:POST|/api/quiz/v1/courses/:course_id/quizzes", u.Query().Get("scope"))
}

// TestExchangeCodeReplacesTokens: the code exchange asks Canvas to
// replace the user's earlier tokens, so a user's logins do not pile up
// live refresh tokens at Canvas.
func TestExchangeCodeReplacesTokens(t *testing.T) {
	t.Parallel()
	e := setup(t)
	code, _ := authorize(t, e, "state-1")
	tok, err := e.client.ExchangeCode(t.Context(), code)
	require.NoError(t, err)
	_, err = e.client.Courses(t.Context(), e.token)
	require.ErrorIs(t, err, canvas.ErrUnauthorized, "the token issued before the login was replaced")
	_, err = e.client.Courses(t.Context(), tok.AccessToken)
	require.NoError(t, err)
}
