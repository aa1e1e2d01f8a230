package httpapi

import (
	"net/http"
	"slices"
	"sort"
	"strings"

	"quizgen/internal/quiz"
)

// route is one operation of the API.
type route struct {
	method  string
	pattern string // "/api/v1/quiz/{quiz_id}"; "{name}" matches one non-empty segment
	segs    []string
	op      operation
	auth    authLevel
	h       handler
	// prefetch adds to what authentication reads with the user (the quiz
	// named by the path's quiz_id is always read) what the handler will
	// need, so that it costs no round trip of its own (README, Database
	// connections).
	prefetch func(c *call, p *quiz.Prefetch)
}

// authLevel is what a route needs before its handler runs.
type authLevel int

const (
	authNone   authLevel = iota // public
	authUser                    // a valid app token of an existing user
	authCanvas                  // authUser plus a fresh Canvas access token
)

// router matches requests against the routes with Starlette's semantics:
// 405 with Allow when only the method differs, a 307 redirect to the same
// path with (or without) a trailing slash when only that matches, and 404
// otherwise, all with {"detail": ...} bodies.
type router struct {
	routes []*route
	srv    *Server
}

func splitPath(p string) []string {
	return strings.Split(strings.TrimPrefix(p, "/"), "/")
}

// match reports whether path's segments fit the route, and its params.
func (rt *route) match(segs []string) (map[string]string, bool) {
	if len(segs) != len(rt.segs) {
		return nil, false
	}
	var params map[string]string
	for i, s := range rt.segs {
		if strings.HasPrefix(s, "{") {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = make(map[string]string, 2)
			}
			params[s[1:len(s)-1]] = segs[i]
			continue
		}
		if s != segs[i] {
			return nil, false
		}
	}
	return params, true
}

func methodMatches(route, req string) bool {
	return route == req || (req == http.MethodHead && route == http.MethodGet)
}

func (rr *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	segs := splitPath(r.URL.Path)
	var allowed []string
	for _, rt := range rr.routes {
		params, ok := rt.match(segs)
		if !ok {
			continue
		}
		if methodMatches(rt.method, r.Method) {
			rr.srv.serve(w, r, rt, params)
			return
		}
		allowed = append(allowed, rt.method)
	}
	if len(allowed) > 0 {
		sort.Strings(allowed)
		// Two routes of a path may share a method (PUT /questions/{quiz_id}/bulk-approve
		// and PUT /questions/{quiz_id}/{question_id}): each is named once.
		allowed = slices.Compact(allowed)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Detail: "Method Not Allowed"})
		return
	}
	if alt, ok := rr.slashTwin(r.URL.Path); ok {
		u := *r.URL
		u.Path, u.RawPath = alt, ""
		http.Redirect(w, r, u.RequestURI(), http.StatusTemporaryRedirect)
		return
	}
	writeJSON(w, http.StatusNotFound, errorBody{Detail: "Not Found"})
}

// slashTwin returns path with its trailing slash added or removed, when a
// route (any method) matches that form.
func (rr *router) slashTwin(path string) (string, bool) {
	if path == "/" || path == "" {
		return "", false
	}
	alt := path + "/"
	if strings.HasSuffix(path, "/") {
		alt = strings.TrimSuffix(path, "/")
	}
	segs := splitPath(alt)
	for _, rt := range rr.routes {
		if _, ok := rt.match(segs); ok {
			return alt, true
		}
	}
	return "", false
}
