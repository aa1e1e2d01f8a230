package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNULInStringFields: Postgres refuses U+0000 in text columns, so a
// string field holding it is a 422 at that field, never a 500, on every
// route that takes a body.
func TestNULInStringFields(t *testing.T) {
	t.Parallel()
	qe := newQuestionsEnv(t, 1)
	quizBody := func(field string, value any) map[string]any {
		b := map[string]any{
			"canvas_course_id": courseAI, "canvas_course_name": "INF-2600 AI",
			"selected_modules": map[string]string{"173468": "Constraint Satisfaction Problems"},
			"title":            "Midterm", "question_count": 20,
		}
		b[field] = value
		return b
	}
	nul := func(t *testing.T, r resp, loc ...any) {
		t.Helper()
		f := oneFieldErr(t, r, "value_error", loc...)
		assert.Contains(t, f.Msg, "NUL")
	}
	t.Run("quiz title", func(t *testing.T) {
		nul(t, qe.do("POST", "/api/v1/quiz/", qe.u.jwt, quizBody("title", "Mid\u0000term")), "body", "title")
	})
	t.Run("course name", func(t *testing.T) {
		nul(t, qe.do("POST", "/api/v1/quiz/", qe.u.jwt, quizBody("canvas_course_name", "\u0000")), "body", "canvas_course_name")
	})
	t.Run("module name", func(t *testing.T) {
		nul(t, qe.do("POST", "/api/v1/quiz/", qe.u.jwt, quizBody("selected_modules", map[string]string{"173468": "CSP\u0000"})),
			"body", "selected_modules", "173468")
	})
	t.Run("llm model", func(t *testing.T) {
		nul(t, qe.do("POST", "/api/v1/quiz/", qe.u.jwt, quizBody("llm_model", "o3\u0000")), "body", "llm_model")
	})
	t.Run("user name", func(t *testing.T) {
		nul(t, qe.do("PATCH", "/api/v1/users/me", qe.u.jwt, map[string]any{"name": "A\u0000"}), "body", "name")
	})
	for _, field := range []string{"question_text", "option_a", "option_b", "option_c", "option_d", "correct_answer"} {
		t.Run("question "+field, func(t *testing.T) {
			nul(t, qe.do("PUT", qe.path(qe.quizID, qe.qids[0]), qe.u.jwt, map[string]any{field: "B\u0000"}), "body", field)
		})
	}
	t.Run("nothing was stored", func(t *testing.T) {
		r := qe.do("GET", "/api/v1/quiz/", qe.u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Len(t, r.list(), 2, "only the two quizzes of the setup")
		q := qe.get(t, qe.quizID, qe.qids[0])
		assert.NotContains(t, q["question_text"], "\u0000")
	})
}
