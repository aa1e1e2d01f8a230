package httpapi

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"

	"quizgen/internal/health"
)

// operation describes a route for the OpenAPI document and for errors.
type operation struct {
	id      string // operationId: "{tag}-{function}" as FastAPI names them (docs/compatibility.md, Routes and errors)
	tag     string
	summary string
	// failMsg is the detail of an unexpected failure (docs/compatibility.md, Routes and errors).
	failMsg string
	// query lists the query parameters: name → OpenAPI type.
	query []queryParam
	// body names the request body schema, "" for none.
	body string
	// form: the body is multipart/form-data (else JSON); optionalBody: a
	// request may have none.
	form, optionalBody bool
	// resp names the 200 response schema; "[]Name" is an array of Name.
	resp string
	// errs are the documented error statuses besides 401/404/422.
	errs []int
}

type queryParam struct {
	name, typ string
	required  bool
}

// routeTable lists the routes: the 27 of the v1 contract under /api/v1, in
// its order, then today's routes at the root (README, Question types and
// today's routes).
func (s *Server) routeTable() []*route {
	return slices.Concat(s.v1Routes(), s.headRoutes())
}

// headRoutes are today's routes at the root, in today's order (auth,
// users, canvas, quiz, quiz-sharing, questions, utils); within a group the
// first route that matches a path wins, so literal segments
// (bulk-approve) come before parameters.
func (s *Server) headRoutes() []*route {
	return slices.Concat(s.headAuthRoutes(), s.headUserRoutes(), s.headCanvasRoutes(),
		s.headQuizRoutes(), s.manualRoutes(), s.sharingRoutes(), s.headQuestionRoutes(), s.headUtilRoutes())
}

// v1Routes are the 27 routes of the v1 contract under /api/v1, in its
// order, and its OpenAPI document.
func (s *Server) v1Routes() []*route {
	const v1 = "/api/v1"
	return []*route{
		// auth
		{method: http.MethodGet, pattern: v1 + "/auth/login/canvas", auth: authNone, h: s.loginCanvas,
			op: operation{id: "auth-login_canvas", tag: "auth", summary: "Start the Canvas OAuth login (307 to Canvas)", resp: "Redirect", errs: []int{400, 503}}},
		{method: http.MethodGet, pattern: v1 + "/auth/callback/canvas", auth: authNone, h: s.authCanvas,
			op: operation{id: "auth-auth_canvas", tag: "auth", summary: "Canvas OAuth callback (307 to the frontend)", resp: "Redirect",
				query: []queryParam{{"code", "string", false}, {"state", "string", false}, {"error", "string", false}}}},
		{method: http.MethodDelete, pattern: v1 + "/auth/logout", auth: authUser, h: s.logoutCanvas,
			op: operation{id: "auth-logout_canvas", tag: "auth", summary: "Revoke the Canvas token and end every session", resp: "Message"}},
		{method: http.MethodPost, pattern: v1 + "/auth/refresh", auth: authUser, h: s.refreshCanvasToken,
			op: operation{id: "auth-refresh_canvas_token", tag: "auth", summary: "Refresh the stored Canvas token", resp: "Message", errs: []int{400, 503}}},
		// canvas
		{method: http.MethodGet, pattern: v1 + "/canvas/courses", auth: authCanvas, h: s.getCourses,
			op: operation{id: "canvas-get_courses", tag: "canvas", summary: "Courses the user teaches", resp: "CanvasCourseList",
				failMsg: "Unexpected error fetching courses", errs: []int{503}}},
		{method: http.MethodGet, pattern: v1 + "/canvas/courses/{course_id}/modules", auth: authCanvas, h: s.getCourseModules,
			op: operation{id: "canvas-get_course_modules", tag: "canvas", summary: "Modules of a course", resp: "CanvasModuleList",
				failMsg: "Unexpected error fetching modules", errs: []int{400, 403, 503}}},
		{method: http.MethodGet, pattern: v1 + "/canvas/courses/{course_id}/modules/{module_id}/items", auth: authCanvas, h: s.getModuleItems,
			op: operation{id: "canvas-get_module_items", tag: "canvas", summary: "Items of a module", resp: "CanvasModuleItemList",
				failMsg: "Unexpected error fetching module items", errs: []int{400, 403, 503}}},
		{method: http.MethodGet, pattern: v1 + "/canvas/courses/{course_id}/pages/{page_url}", auth: authCanvas, h: s.getPageContent,
			op: operation{id: "canvas-get_page_content", tag: "canvas", summary: "A page of a course", resp: "CanvasPage",
				failMsg: "Unexpected error fetching page content", errs: []int{400, 403, 503}}},
		{method: http.MethodGet, pattern: v1 + "/canvas/courses/{course_id}/files/{file_id}", auth: authCanvas, h: s.getFileInfo,
			op: operation{id: "canvas-get_file_info", tag: "canvas", summary: "Metadata of a course file", resp: "CanvasFile",
				failMsg: "Unexpected error fetching file info", errs: []int{400, 403, 503}}},
		// quiz
		{method: http.MethodPost, pattern: v1 + "/quiz/", auth: authCanvas, h: s.createQuiz,
			op: operation{id: "quiz-create_new_quiz", tag: "quiz", summary: "Create a quiz and start extracting its content", body: "QuizCreate", resp: "Quiz",
				failMsg: "Failed to create quiz. Please try again.", errs: []int{403, 429, 503}}},
		{method: http.MethodGet, pattern: v1 + "/quiz/", auth: authUser, h: s.listQuizzes,
			op: operation{id: "quiz-get_user_quizzes_endpoint", tag: "quiz", summary: "The user's quizzes, newest first", resp: "QuizList",
				failMsg: "Failed to retrieve quizzes. Please try again."}},
		{method: http.MethodGet, pattern: v1 + "/quiz/{quiz_id}", auth: authUser, h: s.getQuiz,
			op: operation{id: "quiz-get_quiz", tag: "quiz", summary: "One quiz", resp: "Quiz",
				failMsg: "Failed to retrieve quiz. Please try again."}},
		{method: http.MethodDelete, pattern: v1 + "/quiz/{quiz_id}", auth: authUser, h: s.deleteQuiz,
			op: operation{id: "quiz-delete_quiz_endpoint", tag: "quiz", summary: "Delete a quiz and its questions", resp: "Message",
				failMsg: "Failed to delete quiz. Please try again."}},
		{method: http.MethodPost, pattern: v1 + "/quiz/{quiz_id}/extract-content", auth: authCanvas, h: s.triggerExtraction,
			op: operation{id: "quiz-trigger_content_extraction", tag: "quiz", summary: "Extract the quiz's content again", resp: "Message",
				failMsg: "Failed to trigger content extraction", errs: []int{409, 429, 503}}},
		{method: http.MethodPost, pattern: v1 + "/quiz/{quiz_id}/generate-questions", auth: authUser, h: s.triggerGeneration,
			op: operation{id: "quiz-trigger_question_generation", tag: "quiz", summary: "Generate questions from the extracted content", resp: "Message",
				failMsg: "Failed to trigger question generation", errs: []int{400, 409, 429, 503}}},
		{method: http.MethodGet, pattern: v1 + "/quiz/{quiz_id}/questions/stats", auth: authUser, h: s.questionStats,
			op: operation{id: "quiz-get_quiz_question_stats", tag: "quiz", summary: "Number of questions and approved questions", resp: "QuestionStats",
				failMsg: "Failed to retrieve question stats. Please try again."}},
		{method: http.MethodPost, pattern: v1 + "/quiz/{quiz_id}/export", auth: authCanvas, h: s.exportQuiz,
			op: operation{id: "quiz-export_quiz_to_canvas", tag: "quiz", summary: "Export the approved questions to Canvas", resp: "Message",
				failMsg: "Failed to start quiz export. Please try again.", errs: []int{400, 409, 503}}},
		// questions
		{method: http.MethodGet, pattern: v1 + "/quiz/{quiz_id}/questions", auth: authUser, h: s.listQuestions,
			op: operation{id: "questions-get_quiz_questions", tag: "questions", summary: "The quiz's questions in creation order", resp: "QuestionList",
				failMsg: "Failed to retrieve questions. Please try again."}},
		{method: http.MethodGet, pattern: v1 + "/quiz/{quiz_id}/questions/{question_id}", auth: authUser, h: s.getQuestion,
			op: operation{id: "questions-get_question", tag: "questions", summary: "One question", resp: "Question",
				failMsg: "Failed to retrieve question. Please try again."}},
		{method: http.MethodPut, pattern: v1 + "/quiz/{quiz_id}/questions/{question_id}", auth: authUser, h: s.updateQuestion,
			op: operation{id: "questions-update_quiz_question", tag: "questions", summary: "Edit a question (fields present in the body)", body: "QuestionUpdate", resp: "Question",
				failMsg: "Failed to update question. Please try again."}},
		{method: http.MethodPut, pattern: v1 + "/quiz/{quiz_id}/questions/{question_id}/approve", auth: authUser, h: s.approveQuestion,
			op: operation{id: "questions-approve_quiz_question", tag: "questions", summary: "Approve a question", resp: "Question",
				failMsg: "Failed to approve question. Please try again."}},
		{method: http.MethodDelete, pattern: v1 + "/quiz/{quiz_id}/questions/{question_id}", auth: authUser, h: s.deleteQuestion,
			op: operation{id: "questions-delete_quiz_question", tag: "questions", summary: "Delete a question", resp: "Message",
				failMsg: "Failed to delete question. Please try again."}},
		// users
		{method: http.MethodGet, pattern: v1 + "/users/me", auth: authUser, h: s.readUserMe,
			op: operation{id: "users-read_user_me", tag: "users", summary: "The signed-in user", resp: "UserPublic"}},
		{method: http.MethodPatch, pattern: v1 + "/users/me", auth: authUser, h: s.updateUserMe,
			op: operation{id: "users-update_user_me", tag: "users", summary: "Change the name or onboarding flag", body: "UserUpdateMe", resp: "UserPublic"}},
		{method: http.MethodDelete, pattern: v1 + "/users/me", auth: authUser, h: s.deleteUserMe,
			op: operation{id: "users-delete_user_me", tag: "users", summary: "Delete the user, their quizzes and questions", resp: "Message"}},
		// utils
		{method: http.MethodGet, pattern: v1 + "/utils/health-check/", auth: authNone, h: s.healthCheck,
			op: operation{id: "utils-health_check", tag: "utils", summary: "Liveness", resp: "True"}},
		{method: http.MethodGet, pattern: v1 + "/utils/health/db", auth: authNone, h: s.dbHealth,
			op: operation{id: "utils-get_db_health", tag: "utils", summary: "Pool, database and pooler health", resp: "DBHealth", errs: []int{503}}},
		// the document itself
		{method: http.MethodGet, pattern: v1 + "/openapi.json", auth: authNone, h: s.openAPI,
			op: operation{id: "openapi", tag: "utils", summary: "This OpenAPI document", resp: "Object"}},
	}
}

type message struct {
	Message string `json:"message"`
}

func (s *Server) healthCheck(c *call) error { return c.json(true) }

func (s *Server) dbHealth(c *call) error {
	body, status := s.Health.Check(c.ctx)
	if !s.healthDetail(c.r) {
		body = health.Public(body)
	}
	writeJSON(c.w, status, body)
	return nil
}

// healthDetail reports whether r carries HEALTH_DETAIL_TOKEN as its
// bearer token (compared in constant time). With no token configured the
// details are never shown: the route is public.
func (s *Server) healthDetail(r *http.Request) bool {
	want := s.cfg.HealthDetailToken
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return want != "" && ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(want)) == 1
}
