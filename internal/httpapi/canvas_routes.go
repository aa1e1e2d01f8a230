package httpapi

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"

	"quizgen/internal/canvas"
	"quizgen/internal/quiz"
)

// Canvas failures of the proxy routes (docs/compatibility.md, Canvas).
const (
	detailCanvasTokenInvalid = "Canvas access token invalid. Please re-login."
	detailCanvasDown         = "Canvas service is temporarily unavailable. Please try again later."
	detailCanvasUnreachable  = "Failed to connect to Canvas API"
	detailCanvasBadFormat    = "Invalid response format from Canvas"
)

// canvasError maps a Canvas client error to the proxy's response:
// forbidden and notFound are the route's messages ("" when the route maps
// that status to 503, as the original did).
func canvasError(err error, forbidden, notFound string) error {
	var netErr net.Error
	switch {
	case errors.Is(err, canvas.ErrUnauthorized):
		return failWith(http.StatusUnauthorized, detailCanvasTokenInvalid, err)
	case errors.Is(err, canvas.ErrForbidden) && forbidden != "":
		return failWith(http.StatusForbidden, forbidden, err)
	case errors.Is(err, canvas.ErrNotFound) && notFound != "":
		return failWith(http.StatusNotFound, notFound, err)
	case errors.Is(err, canvas.ErrBadResponse) && notFound != "":
		return failWith(http.StatusInternalServerError, detailCanvasBadFormat, err)
	case errors.As(err, &netErr), noAnswer(err):
		return failWith(http.StatusServiceUnavailable, detailCanvasUnreachable, err)
	case errors.Is(err, canvas.ErrForbidden), errors.Is(err, canvas.ErrNotFound):
		return failWith(http.StatusServiceUnavailable, detailCanvasDown, err)
	}
	return failWith(http.StatusServiceUnavailable, detailCanvasDown, err)
}

// noAnswer reports whether Canvas sent no complete answer: the
// connection failed or dropped mid-answer (httpx's RequestError in the
// original, which it also reported as "Failed to connect to Canvas API").
func noAnswer(err error) bool {
	var ce *canvas.Error
	return errors.As(err, &ce) && ce.Status == 0 && errors.Is(err, quiz.ErrTemporary)
}

type idName struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func (s *Server) getCourses(c *call) error {
	courses, err := s.Canvas.TeachingCourses(c.ctx, c.canvasToken)
	if errors.Is(err, canvas.ErrBadResponse) { // not a list: nothing to show (docs/compatibility.md, Canvas)
		courses, err = nil, nil
	}
	if err != nil {
		return canvasError(err, "", "")
	}
	out := make([]idName, 0, len(courses))
	for _, co := range courses {
		out = append(out, idName{co.ID, strings.TrimSpace(co.Name)})
	}
	return c.json(out)
}

// positive validates path ids: 422 when not integers, then 400 with msg
// when not positive (the original's order, docs/compatibility.md, Routes and errors).
func positive(c *call, msg string, names ...string) ([]int64, error) {
	var ch checks
	ids := make([]int64, len(names))
	for i, n := range names {
		ids[i] = ch.pathInt(c.params, n)
	}
	if err := ch.err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if id <= 0 {
			return nil, fail(http.StatusBadRequest, msg)
		}
	}
	return ids, nil
}

func (s *Server) getCourseModules(c *call) error {
	ids, err := positive(c, "Course ID must be a positive integer", "course_id")
	if err != nil {
		return err
	}
	mods, err := s.Canvas.Modules(c.ctx, c.canvasToken, ids[0])
	if errors.Is(err, canvas.ErrBadResponse) {
		mods, err = nil, nil
	}
	if err != nil {
		return canvasError(err, "You don't have access to this course.", "")
	}
	out := make([]idName, 0, len(mods))
	for _, m := range mods {
		out = append(out, idName{m.ID, strings.TrimSpace(m.Name)})
	}
	return c.json(out)
}

type moduleItemJSON struct {
	ID      int64   `json:"id"`
	Title   string  `json:"title"`
	Type    string  `json:"type"`
	HTMLURL *string `json:"html_url"`
	PageURL *string `json:"page_url"`
	URL     *string `json:"url"`
}

func (s *Server) getModuleItems(c *call) error {
	ids, err := positive(c, "Course ID and Module ID must be positive integers", "course_id", "module_id")
	if err != nil {
		return err
	}
	items, err := s.Canvas.ModuleItems(c.ctx, c.canvasToken, ids[0], ids[1])
	if errors.Is(err, canvas.ErrBadResponse) {
		items, err = nil, nil
	}
	if err != nil {
		return canvasError(err, "You don't have access to this course or module.", "")
	}
	out := make([]moduleItemJSON, 0, len(items))
	for _, it := range items {
		if strings.TrimSpace(it.Type) == "" {
			continue
		}
		title := strings.TrimSpace(it.Title)
		if it.Title == "" {
			title = "Untitled"
		}
		out = append(out, moduleItemJSON{it.ID, title, strings.TrimSpace(it.Type), it.HTMLURL, it.PageURL, it.URL})
	}
	return c.json(out)
}

type pageJSON struct {
	Title     string          `json:"title"`
	Body      string          `json:"body"`
	URL       string          `json:"url"`
	CreatedAt json.RawMessage `json:"created_at"`
	UpdatedAt json.RawMessage `json:"updated_at"`
}

func rawOrNull(r json.RawMessage) json.RawMessage {
	if len(r) == 0 {
		return json.RawMessage("null")
	}
	return r
}

func (s *Server) getPageContent(c *call) error {
	ids, err := positive(c, "Course ID must be a positive integer", "course_id")
	if err != nil {
		return err
	}
	slug := strings.TrimSpace(c.params["page_url"])
	if slug == "" {
		return fail(http.StatusBadRequest, "Page URL cannot be empty")
	}
	if slug == "." || slug == ".." {
		// Canvas would get /pages/. or /pages/..: another resource.
		return fail(http.StatusBadRequest, "Page URL cannot be . or ..")
	}
	p, err := s.Canvas.Page(c.ctx, c.canvasToken, ids[0], slug)
	if err != nil {
		return canvasError(err, "You don't have access to this course or page.", "Page not found in this course.")
	}
	out := pageJSON{Title: strings.TrimSpace(p.Title), URL: p.URL,
		CreatedAt: rawOrNull(p.CreatedAt), UpdatedAt: rawOrNull(p.UpdatedAt)}
	if out.Title == "" {
		out.Title = "Untitled Page"
	}
	if p.Body != nil {
		out.Body = *p.Body
	}
	if out.URL == "" {
		out.URL = slug
	}
	return c.json(out)
}

type fileJSON struct {
	ID          int64           `json:"id"`
	DisplayName string          `json:"display_name"`
	Filename    string          `json:"filename"`
	ContentType string          `json:"content-type"`
	URL         string          `json:"url"`
	Size        int64           `json:"size"`
	CreatedAt   json.RawMessage `json:"created_at"`
	UpdatedAt   json.RawMessage `json:"updated_at"`
	MimeClass   string          `json:"mime_class"`
}

func (s *Server) getFileInfo(c *call) error {
	ids, err := positive(c, "Course ID and File ID must be positive integers", "course_id", "file_id")
	if err != nil {
		return err
	}
	f, err := s.Canvas.File(c.ctx, c.canvasToken, ids[0], ids[1])
	if err != nil {
		return canvasError(err, "You don't have access to this file.", "File not found in this course.")
	}
	return c.json(fileJSON{f.ID, f.DisplayName, f.Filename, f.ContentType, f.URL, f.Size,
		rawOrNull(f.CreatedAt), rawOrNull(f.UpdatedAt), f.MimeClass})
}
