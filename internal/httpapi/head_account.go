package httpapi

import (
	"net/http"

	"quizgen/internal/quiz"
)

// Today's auth, users, canvas and utils routes at the root (README, today's
// routes). They reuse v1's handlers where the answer has the same shape.
// POST /auth/refresh is not among them: today's app removed it and today's
// frontend never calls it (the Canvas token is refreshed when a route needs
// it); v1 keeps it.

// headAuthRoutes are today's auth routes (tag auth).
func (s *Server) headAuthRoutes() []*route {
	return []*route{
		{method: http.MethodGet, pattern: "/auth/login/canvas", auth: authNone, h: s.loginCanvas,
			op: operation{id: "auth-login_canvas", tag: "auth", summary: "Start the Canvas OAuth login (307 to Canvas)", resp: "Redirect", errs: []int{400, 503}}},
		{method: http.MethodGet, pattern: rootCallbackPath, auth: authNone, h: s.authCanvas,
			op: operation{id: "auth-auth_canvas", tag: "auth", summary: "Canvas OAuth callback (307 to the frontend); Canvas sends code and state, or error", resp: "Redirect"}},
		{method: http.MethodDelete, pattern: "/auth/logout", auth: authUser, h: s.logoutCanvas,
			op: operation{id: "auth-logout_canvas", tag: "auth", summary: "Revoke the Canvas token and end every session", resp: "Message"}},
	}
}

// headUserRoutes are today's users routes (tag users).
func (s *Server) headUserRoutes() []*route {
	return []*route{
		{method: http.MethodGet, pattern: "/users/me", auth: authUser, h: s.headReadUserMe,
			op: operation{id: "users-read_user_me", tag: "users", summary: "The signed-in user", resp: "UserPublic"}},
		{method: http.MethodDelete, pattern: "/users/me", auth: authUser, h: s.headDeleteUserMe,
			op: operation{id: "users-delete_user_me", tag: "users", summary: "Delete the user, their quizzes and questions (answers null)", resp: "Null"}},
		{method: http.MethodPatch, pattern: "/users/me", auth: authUser, h: s.headUpdateUserMe,
			op: operation{id: "users-update_user_me", tag: "users", summary: "Change the name or onboarding flag", body: "UserUpdateMe", resp: "UserPublic"}},
	}
}

// headCanvasRoutes are today's canvas routes (tag canvas): v1's.
func (s *Server) headCanvasRoutes() []*route {
	return []*route{
		{method: http.MethodGet, pattern: "/canvas/courses", auth: authCanvas, h: s.getCourses,
			op: operation{id: "canvas-get_courses", tag: "canvas", summary: "Courses the user teaches", resp: "[]CanvasCourse",
				failMsg: "Unexpected error fetching courses", errs: []int{503}}},
		{method: http.MethodGet, pattern: "/canvas/courses/{course_id}/modules", auth: authCanvas, h: s.getCourseModules,
			op: operation{id: "canvas-get_course_modules", tag: "canvas", summary: "Modules of a course", resp: "[]CanvasModule",
				failMsg: "Unexpected error fetching modules", errs: []int{400, 403, 503}}},
		{method: http.MethodGet, pattern: "/canvas/courses/{course_id}/modules/{module_id}/items", auth: authCanvas, h: s.getModuleItems,
			op: operation{id: "canvas-get_module_items", tag: "canvas", summary: "Items of a module", resp: "CanvasModuleItemList",
				failMsg: "Unexpected error fetching module items", errs: []int{400, 403, 503}}},
		{method: http.MethodGet, pattern: "/canvas/courses/{course_id}/pages/{page_url}", auth: authCanvas, h: s.getPageContent,
			op: operation{id: "canvas-get_page_content", tag: "canvas", summary: "A page of a course", resp: "CanvasPage",
				failMsg: "Unexpected error fetching page content", errs: []int{400, 403, 503}}},
		{method: http.MethodGet, pattern: "/canvas/courses/{course_id}/files/{file_id}", auth: authCanvas, h: s.getFileInfo,
			op: operation{id: "canvas-get_file_info", tag: "canvas", summary: "Metadata of a course file", resp: "CanvasFile",
				failMsg: "Unexpected error fetching file info", errs: []int{400, 403, 503}}},
	}
}

// headUtilRoutes are today's utils routes and the root OpenAPI document.
func (s *Server) headUtilRoutes() []*route {
	return []*route{
		{method: http.MethodGet, pattern: "/utils/health-check/", auth: authNone, h: s.healthCheck,
			op: operation{id: "utils-health_check", tag: "utils", summary: "Liveness", resp: "True"}},
		{method: http.MethodGet, pattern: "/openapi.json", auth: authNone, h: s.headOpenAPI,
			op: operation{id: "openapi", tag: "utils", summary: "This OpenAPI document", resp: "Object"}},
	}
}

// accountStore is what today's account routes need of the store beyond
// Store.
type accountStore interface{}

// headUser is today's UserPublic: v1's plus the user's id.
type headUser struct {
	ID quiz.ID `json:"id"`
	userPublic
}

func (s *Server) headReadUserMe(c *call) error {
	return c.json(headUser{c.user.ID, publicUser(c.user.Name, c.user.OnboardingCompleted)})
}

func (s *Server) headUpdateUserMe(c *call) error {
	u, err := s.updateUser(c)
	if err != nil {
		return err
	}
	return c.json(headUser{u.ID, publicUser(u.Name, u.OnboardingCompleted)})
}

// headDeleteUserMe deletes the user's data as v1 does (not anonymised as
// today's app does, README, today's routes) and answers null as today's.
func (s *Server) headDeleteUserMe(c *call) error {
	if err := s.deleteUser(c); err != nil {
		return err
	}
	return c.json(nil)
}

// headOpenAPI serves the root OpenAPI document (today's routes).
func (s *Server) headOpenAPI(c *call) error {
	writeJSONBytes(c.w, http.StatusOK, s.headDoc())
	return nil
}
