package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestUnexpectedFailures: a failure the handlers do not expect (here, a
// table gone missing) is a 500 with the route's own message (docs/compatibility.md, Routes and errors), as
// JSON, with nothing of the cause.
func TestUnexpectedFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	id := e.createQuiz(u)["id"].(string)
	qid := e.addQuestions(id, 1)[0].ID.String()
	check := func(t *testing.T, method, path string, body any, detail string) {
		t.Helper()
		r := e.do(method, path, u.jwt, body)
		assertDetail(t, r, http.StatusInternalServerError, detail)
		assert.NotContains(t, r.Body.String(), "relation", "no database text")
	}
	q := "/api/v1/quiz/" + id

	t.Run("questions", func(t *testing.T) {
		e.sql(`ALTER TABLE question RENAME TO question_gone`)
		defer e.sql(`ALTER TABLE question_gone RENAME TO question`)
		check(t, "GET", q+"/questions", nil, "Failed to retrieve questions. Please try again.")
		check(t, "GET", q+"/questions/"+qid, nil, "Failed to retrieve question. Please try again.")
		check(t, "PUT", q+"/questions/"+qid, map[string]any{"option_a": "x"}, "Failed to update question. Please try again.")
		check(t, "PUT", q+"/questions/"+qid+"/approve", nil, "Failed to approve question. Please try again.")
		check(t, "DELETE", q+"/questions/"+qid, nil, "Failed to delete question. Please try again.")
		check(t, "GET", q+"/questions/stats", nil, "Failed to retrieve question stats. Please try again.")
		check(t, "POST", q+"/export", nil, "Failed to start quiz export. Please try again.")
	})

	t.Run("quizzes", func(t *testing.T) {
		e.sql(`ALTER TABLE quiz RENAME TO quiz_gone`)
		defer e.sql(`ALTER TABLE quiz_gone RENAME TO quiz`)
		check(t, "POST", "/api/v1/quiz/", newQuizBody(), "Failed to create quiz. Please try again.")
		check(t, "GET", "/api/v1/quiz/", nil, "Failed to retrieve quizzes. Please try again.")
		check(t, "GET", q, nil, "Failed to retrieve quiz. Please try again.")
		check(t, "DELETE", q, nil, "Failed to delete quiz. Please try again.")
		check(t, "POST", q+"/extract-content", nil, "Failed to trigger content extraction")
		check(t, "POST", q+"/generate-questions", nil, "Failed to trigger question generation")
	})

	t.Run("users", func(t *testing.T) {
		e.sql(`ALTER TABLE "user" RENAME TO user_gone`)
		defer e.sql(`ALTER TABLE user_gone RENAME TO "user"`)
		check(t, "GET", "/api/v1/users/me", nil, "Internal Server Error")
	})

	t.Run("everything works again", func(t *testing.T) {
		r := e.do("GET", q+"/questions/"+qid, u.jwt, nil)
		assert.Equal(t, http.StatusOK, r.Code, r.Body.String())
	})
}
