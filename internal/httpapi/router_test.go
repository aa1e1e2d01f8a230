package httpapi_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRouterSemantics(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)

	r := e.do("GET", "/api/v1/quiz", u.jwt, nil)
	assert.Equal(t, http.StatusTemporaryRedirect, r.Code, "the slash form is declared")
	assert.Equal(t, "/api/v1/quiz/", r.Header().Get("Location"))
	r = e.do("GET", "/api/v1/utils/health-check?x=1", "", nil)
	assert.Equal(t, http.StatusTemporaryRedirect, r.Code)
	assert.Equal(t, "/api/v1/utils/health-check/?x=1", r.Header().Get("Location"))
	r = e.do("GET", "/api/v1/users/me/", u.jwt, nil)
	assert.Equal(t, http.StatusTemporaryRedirect, r.Code, "and the reverse")
	assert.Equal(t, "/api/v1/users/me", r.Header().Get("Location"))

	r = e.do("GET", "/api/v1/nothing-here", "", nil)
	assert.Equal(t, http.StatusNotFound, r.Code)
	assert.Equal(t, "Not Found", r.detail())

	r = e.do("PUT", "/api/v1/users/me", u.jwt, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.Code)
	assert.Equal(t, "Method Not Allowed", r.detail())
	assert.Equal(t, "DELETE, GET, PATCH", r.Header().Get("Allow"))

	r = e.do("GET", "/api/v1/utils/health-check/", "", nil)
	assert.Equal(t, http.StatusOK, r.Code)
	assert.Equal(t, "true", r.Body.String())
	id := r.Header().Get("X-Request-ID")
	assert.Len(t, id, 36)
	assert.Equal(t, 4, strings.Count(id, "-"), "a UUID request id locally")

	r = e.do("HEAD", "/api/v1/utils/health-check/", "", nil)
	assert.Equal(t, http.StatusOK, r.Code, "HEAD is served by GET routes")
}

func TestCORS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	r := e.do("OPTIONS", "/api/v1/quiz/", "", nil, "Origin", frontend, "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "authorization,content-type")
	assert.Equal(t, http.StatusOK, r.Code)
	assert.Equal(t, frontend, r.Header().Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "true", r.Header().Get("Access-Control-Allow-Credentials"))
	assert.Equal(t, "authorization,content-type", r.Header().Get("Access-Control-Allow-Headers"))

	r = e.do("OPTIONS", "/api/v1/quiz/", "", nil, "Origin", "http://evil.test", "Access-Control-Request-Method", "POST")
	assert.Equal(t, http.StatusBadRequest, r.Code)
	assert.Empty(t, r.Header().Get("Access-Control-Allow-Origin"))

	r = e.do("GET", "/api/v1/utils/health-check/", "", nil, "Origin", "http://evil.test")
	assert.Equal(t, http.StatusOK, r.Code)
	assert.Empty(t, r.Header().Get("Access-Control-Allow-Origin"), "other origins get no CORS headers")
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	big := `{"name": "` + strings.Repeat("x", 70<<10) + `"}`
	r := e.do("PATCH", "/api/v1/users/me", u.jwt, big)
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.Code)
	assert.Equal(t, "Request body too large: at most 65536 bytes", r.detail(), "the detail says the limit")
}

// TestOpenAPIMatchesRouter: every route the router serves is in the
// document with its operation id, and nothing else is.
func TestOpenAPIMatchesRouter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	r := e.do("GET", "/api/v1/openapi.json", "", nil)
	require.Equal(t, http.StatusOK, r.Code)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(r.Body.Bytes(), &doc))
	assert.True(t, strings.HasPrefix(doc.OpenAPI, "3."))
	var inDoc []string
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			var op struct {
				OperationID string `json:"operationId"`
			}
			require.NoError(t, json.Unmarshal(raw, &op))
			inDoc = append(inDoc, strings.ToUpper(method)+" "+path+" "+op.OperationID)
		}
	}
	sort.Strings(inDoc)
	served := servedRoutes()
	sort.Strings(served)
	assert.Equal(t, served, inDoc)

	// Every route in the document answers something other than 404/405 on
	// the router (path parameters filled with placeholders).
	for _, line := range inDoc {
		parts := strings.Fields(line)
		path := strings.NewReplacer("{quiz_id}", "00000000-0000-4000-8000-000000000001",
			"{question_id}", "00000000-0000-4000-8000-000000000002", "{course_id}", "1", "{module_id}", "2",
			"{file_id}", "3", "{page_url}", "p").Replace(parts[1])
		res := e.do(parts[0], path, "", nil)
		assert.NotEqual(t, http.StatusMethodNotAllowed, res.Code, line)
		if res.Code == http.StatusNotFound {
			assert.NotEqual(t, "Not Found", res.detail(), "%s is routed", line)
		}
	}
}

// servedRoutes is v1's 27 routes plus the document itself.
func servedRoutes() []string {
	return []string{
		"GET /api/v1/auth/login/canvas auth-login_canvas",
		"GET /api/v1/auth/callback/canvas auth-auth_canvas",
		"DELETE /api/v1/auth/logout auth-logout_canvas",
		"POST /api/v1/auth/refresh auth-refresh_canvas_token",
		"GET /api/v1/canvas/courses canvas-get_courses",
		"GET /api/v1/canvas/courses/{course_id}/modules canvas-get_course_modules",
		"GET /api/v1/canvas/courses/{course_id}/modules/{module_id}/items canvas-get_module_items",
		"GET /api/v1/canvas/courses/{course_id}/pages/{page_url} canvas-get_page_content",
		"GET /api/v1/canvas/courses/{course_id}/files/{file_id} canvas-get_file_info",
		"POST /api/v1/quiz/ quiz-create_new_quiz",
		"GET /api/v1/quiz/ quiz-get_user_quizzes_endpoint",
		"GET /api/v1/quiz/{quiz_id} quiz-get_quiz",
		"DELETE /api/v1/quiz/{quiz_id} quiz-delete_quiz_endpoint",
		"POST /api/v1/quiz/{quiz_id}/extract-content quiz-trigger_content_extraction",
		"POST /api/v1/quiz/{quiz_id}/generate-questions quiz-trigger_question_generation",
		"GET /api/v1/quiz/{quiz_id}/questions/stats quiz-get_quiz_question_stats",
		"POST /api/v1/quiz/{quiz_id}/export quiz-export_quiz_to_canvas",
		"GET /api/v1/quiz/{quiz_id}/questions questions-get_quiz_questions",
		"GET /api/v1/quiz/{quiz_id}/questions/{question_id} questions-get_question",
		"PUT /api/v1/quiz/{quiz_id}/questions/{question_id} questions-update_quiz_question",
		"PUT /api/v1/quiz/{quiz_id}/questions/{question_id}/approve questions-approve_quiz_question",
		"DELETE /api/v1/quiz/{quiz_id}/questions/{question_id} questions-delete_quiz_question",
		"GET /api/v1/users/me users-read_user_me",
		"PATCH /api/v1/users/me users-update_user_me",
		"DELETE /api/v1/users/me users-delete_user_me",
		"GET /api/v1/utils/health-check/ utils-health_check",
		"GET /api/v1/utils/health/db utils-get_db_health",
		"GET /api/v1/openapi.json openapi",
	}
}
