package fakecanvas_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
)

// secondCourses lists the courses a token's user sees, with its
// enrollment type per course, for query q.
func secondCourses(t *testing.T, srv *fakecanvas.Server, tok, q string) map[int64]string {
	t.Helper()
	resp, body := get(t, srv.URL()+"/api/v1/courses"+q, tok)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var list []struct {
		ID          int64 `json:"id"`
		Enrollments []struct {
			Type string `json:"type"`
		} `json:"enrollments"`
	}
	require.NoError(t, json.Unmarshal(body, &list))
	out := map[int64]string{}
	for _, c := range list {
		out[c.ID] = c.Enrollments[0].Type
	}
	return out
}

// TestSecondTeacher: user 12346 has a name and courses of its own, shares
// CourseAI with 12345, and its token answers for it; 12345 is unchanged.
func TestSecondTeacher(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	first, _ := srv.IssueToken(fakecanvas.UserID)
	second, _ := srv.IssueToken(fakecanvas.SecondUserID)

	for tok, want := range map[string]struct {
		id   int64
		name string
	}{first: {fakecanvas.UserID, "Marius Solaas"}, second: {fakecanvas.SecondUserID, "Kari Nordmann"}} {
		for _, path := range []string{"/api/v1/users/self", "/api/v1/users/self/profile"} {
			resp, body := get(t, srv.URL()+path, tok)
			require.Equal(t, http.StatusOK, resp.StatusCode, path)
			var u struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			}
			require.NoError(t, json.Unmarshal(body, &u))
			assert.Equal(t, want.id, u.ID, path)
			assert.Equal(t, want.name, u.Name, path)
		}
	}

	assert.Equal(t, map[int64]string{fakecanvas.CourseAI: "teacher", fakecanvas.CourseStudent: "student",
		fakecanvas.CourseNorwegian: "teacher"}, secondCourses(t, srv, first, ""), "12345 unchanged")
	assert.Equal(t, map[int64]string{fakecanvas.CourseAI: "teacher", fakecanvas.CourseML: "teacher"},
		secondCourses(t, srv, second, ""))

	// The second teacher reads its own course and the shared one, not
	// 12345's other course; 12345 cannot read the second teacher's.
	resp, _ := get(t, srv.URL()+"/api/v1/courses/"+itoa(fakecanvas.CourseML)+"/modules", second)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp, body := get(t, srv.URL()+"/api/v1/courses/"+itoa(fakecanvas.CourseML)+"/pages/what-is-machine-learning", second)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "Supervised learning")
	resp, _ = get(t, srv.URL()+"/api/v1/courses/"+itoa(fakecanvas.CourseAI)+"/modules", second)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = get(t, srv.URL()+"/api/v1/courses/"+itoa(fakecanvas.CourseNorwegian)+"/modules", second)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = get(t, srv.URL()+"/api/v1/courses/"+itoa(fakecanvas.CourseML)+"/modules", first)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

// TestCoursesEnrollmentType: enrollment_type keeps one type of
// enrollment, as Canvas's filter does.
func TestCoursesEnrollmentType(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{})
	tok, _ := srv.IssueToken(fakecanvas.UserID)
	assert.Equal(t, map[int64]string{fakecanvas.CourseAI: "teacher", fakecanvas.CourseNorwegian: "teacher"},
		secondCourses(t, srv, tok, "?enrollment_type=teacher&per_page=100"))
	assert.Equal(t, map[int64]string{fakecanvas.CourseStudent: "student"}, secondCourses(t, srv, tok, "?enrollment_type=student"))
}

// TestConsentChoosesTheUser: the consent page offers one link per
// teacher, authorize takes user_id (default 12345, a bad one refused),
// and the token the code buys is that user's; replace_tokens=1 ends the
// user's earlier tokens, not another user's.
func TestConsentChoosesTheUser(t *testing.T) {
	t.Parallel()
	srv := fakecanvas.NewTest(t, fakecanvas.Options{ClientID: "cid", ClientSecret: "csecret"})
	redirect := "http://localhost:8000/auth/callback/canvas"
	auth := url.Values{"client_id": {"cid"}, "redirect_uri": {redirect}, "response_type": {"code"}, "state": {"s"}}

	resp, page := get(t, srv.URL()+"/login/oauth2/auth?"+auth.Encode(), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(page), "Authorize as Marius Solaas (user 12345)")
	assert.Contains(t, string(page), "Authorize as Kari Nordmann (user 12346)")
	assert.Contains(t, string(page), "user_id=12346")

	login := func(userID string, replace bool) (int, string) {
		q := url.Values{"action": {"authorize"}}
		for k, v := range auth {
			q[k] = v
		}
		if userID != "" {
			q.Set("user_id", userID)
		}
		resp, _ := get(t, srv.URL()+"/login/oauth2/authorize?"+q.Encode(), "")
		if resp.StatusCode != http.StatusTemporaryRedirect {
			return resp.StatusCode, ""
		}
		loc, err := url.Parse(resp.Header.Get("Location"))
		require.NoError(t, err)
		form := url.Values{"grant_type": {"authorization_code"}, "client_id": {"cid"}, "client_secret": {"csecret"},
			"redirect_uri": {redirect}, "code": {loc.Query().Get("code")}}
		if replace {
			form.Set("replace_tokens", "1")
		}
		resp, m := postForm(t, srv.URL()+"/login/oauth2/token", form)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		user := m["user"].(map[string]any)
		return int(user["id"].(float64)), m["access_token"].(string)
	}

	id, tok := login("", false)
	assert.Equal(t, fakecanvas.UserID, id, "the default user")
	id, second := login("12346", false)
	assert.Equal(t, fakecanvas.SecondUserID, id)
	assert.Contains(t, secondCourses(t, srv, second, ""), int64(fakecanvas.CourseML))
	for _, bad := range []string{"0", "-1", "x"} {
		status, _ := login(bad, false)
		assert.Equal(t, http.StatusBadRequest, status, bad)
	}

	_, again := login("12345", true)
	resp, _ = get(t, srv.URL()+"/api/v1/users/self", tok)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "replace_tokens ended the earlier token")
	resp, _ = get(t, srv.URL()+"/api/v1/users/self", again)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = get(t, srv.URL()+"/api/v1/users/self", second)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "another user's token lives on")
}
