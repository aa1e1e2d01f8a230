package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFastRouterMisses: Starlette's answers when no route serves a
// request: 404 "Not Found", 405 with Allow listing the path's methods, and
// a 307 to the path with (or without) its trailing slash, query kept.
func TestFastRouterMisses(t *testing.T) {
	t.Parallel()
	a := newFastAPI(t)
	u := a.addUser("Olga")

	r := a.do("GET", "/api/v1/nothing-here", "", "")
	assertDetail(t, r, http.StatusNotFound, "Not Found")
	r = a.do("GET", "/nothing-here", "", "")
	assertDetail(t, r, http.StatusNotFound, "Not Found")

	r = a.do("PUT", "/api/v1/users/me", u.jwt, "")
	assertDetail(t, r, http.StatusMethodNotAllowed, "Method Not Allowed")
	assert.Equal(t, "DELETE, GET, PATCH", r.Header().Get("Allow"))
	r = a.do("POST", "/questions/"+randomUUID+"/bulk-approve", u.jwt, "")
	assertDetail(t, r, http.StatusMethodNotAllowed, "Method Not Allowed")
	assert.Equal(t, "DELETE, GET, PUT", r.Header().Get("Allow"), "the methods of every route of the path, each once")

	for _, c := range []struct{ path, location string }{
		{"/api/v1/quiz", "/api/v1/quiz/"},
		{"/quiz", "/quiz/"},
		{"/api/v1/utils/health-check?x=1", "/api/v1/utils/health-check/?x=1"},
		{"/api/v1/users/me/", "/api/v1/users/me"},
		{"/users/me/", "/users/me"},
	} {
		r := a.do("GET", c.path, "", "")
		assert.Equal(t, http.StatusTemporaryRedirect, r.Code, c.path)
		assert.Equal(t, c.location, r.Header().Get("Location"), c.path)
	}
	assert.Equal(t, 0, a.store.writes())
}

// TestFastRouterServes: a served route answers with a request id; HEAD is
// served by GET routes.
func TestFastRouterServes(t *testing.T) {
	t.Parallel()
	a := newFastAPI(t)
	r := a.do("GET", "/api/v1/utils/health-check/", "", "")
	require.Equal(t, http.StatusOK, r.Code)
	assert.Equal(t, "true", r.Body.String())
	id := r.Header().Get("X-Request-ID")
	assert.Len(t, id, 36, "a UUID request id")
	assert.NotEqual(t, id, a.do("GET", "/utils/health-check/", "", "").Header().Get("X-Request-ID"), "one per request")
	assert.Equal(t, http.StatusOK, a.do("HEAD", "/utils/health-check/", "", "").Code)
}

// TestFastRouterFirstMatch: within a group the first route that matches
// wins, so PUT /questions/{quiz_id}/bulk-approve reaches bulk approval,
// not the edit of a question whose id would be "bulk-approve" (a 422 on
// question_id).
func TestFastRouterFirstMatch(t *testing.T) {
	t.Parallel()
	a := newFastAPI(t)
	owner := a.addUser("Olga")
	q := a.addQuiz(owner)
	r := a.do("PUT", "/questions/"+q.ID.String()+"/bulk-approve", owner.jwt, `{"question_ids": ["`+randomUUID+`"]}`)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, map[string]any{"success_count": 1.0, "failed_count": 0.0, "failed_ids": []any{},
		"message": "Approved 1 questions"}, r.obj())
	assert.Equal(t, 1, a.store.calls["BulkApproveQuestions"])
}

// TestFastRouteCounts: the v1 document lists v1's 27 routes plus itself,
// the root document today's 37 plus itself, and every operation of either
// is routed (no 404 "Not Found", no 405).
func TestFastRouteCounts(t *testing.T) {
	t.Parallel()
	a := newFastAPI(t)
	for _, c := range []struct {
		doc  string
		want int
	}{{"/api/v1/openapi.json", 27 + 1}, {"/openapi.json", 37 + 1}} {
		r := a.do("GET", c.doc, "", "")
		require.Equal(t, http.StatusOK, r.Code)
		var doc struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		require.NoError(t, json.Unmarshal(r.Body.Bytes(), &doc))
		n := 0
		for path, ops := range doc.Paths {
			assert.Equal(t, strings.HasPrefix(c.doc, "/api/v1/"), strings.HasPrefix(path, "/api/v1/"), "%s lists %s", c.doc, path)
			for method := range ops {
				n++
				filled := strings.NewReplacer("{quiz_id}", randomUUID, "{question_id}", randomUUID, "{collaborator_id}", randomUUID,
					"{invite_id}", randomUUID, "{token}", "tok", "{course_id}", "1", "{module_id}", "2", "{file_id}", "3",
					"{page_url}", "p").Replace(path)
				res := a.do(strings.ToUpper(method), filled, "", "")
				assert.NotEqual(t, http.StatusMethodNotAllowed, res.Code, "%s %s", method, path)
				if res.Code == http.StatusNotFound {
					assert.NotEqual(t, `{"detail":"Not Found"}`, res.Body.String(), "%s %s is routed", method, path)
				}
			}
		}
		assert.Equal(t, c.want, n, "operations in %s", c.doc)
	}
}

// TestFastCORS: the allowed origin gets CORS headers with credentials, a
// preflight is answered before routing and authentication, and another
// origin gets no CORS header (its preflight a 400).
func TestFastCORS(t *testing.T) {
	t.Parallel()
	a := newFastAPI(t)

	r := a.do("OPTIONS", "/quiz/", "", "", "Origin", fastOrigin, "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "authorization,content-type")
	assert.Equal(t, http.StatusOK, r.Code)
	assert.Equal(t, fastOrigin, r.Header().Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "true", r.Header().Get("Access-Control-Allow-Credentials"))
	assert.Equal(t, "authorization,content-type", r.Header().Get("Access-Control-Allow-Headers"))
	assert.Contains(t, r.Header().Get("Access-Control-Allow-Methods"), "PATCH")
	assert.Equal(t, "600", r.Header().Get("Access-Control-Max-Age"))

	r = a.do("GET", "/users/me", "", "", "Origin", fastOrigin+"/")
	assert.Empty(t, r.Header().Get("Access-Control-Allow-Origin"), "an origin is matched exactly")
	r = a.do("GET", "/users/me", "", "", "Origin", fastOrigin)
	assert.Equal(t, http.StatusUnauthorized, r.Code, "a simple request is still authenticated")
	assert.Equal(t, fastOrigin, r.Header().Get("Access-Control-Allow-Origin"), "its error answer carries CORS headers")
	assert.Equal(t, "true", r.Header().Get("Access-Control-Allow-Credentials"))
	assert.Contains(t, r.Header().Get("Access-Control-Expose-Headers"), "X-Request-ID")
	assert.Contains(t, r.Header().Values("Vary"), "Origin")

	r = a.do("OPTIONS", "/quiz/", "", "", "Origin", "http://evil.test", "Access-Control-Request-Method", "POST")
	assert.Equal(t, http.StatusBadRequest, r.Code)
	assert.Equal(t, "Disallowed CORS origin", r.Body.String())
	assert.Empty(t, r.Header().Get("Access-Control-Allow-Origin"))

	r = a.do("GET", "/utils/health-check/", "", "", "Origin", "http://evil.test")
	assert.Equal(t, http.StatusOK, r.Code)
	assert.Empty(t, r.Header().Get("Access-Control-Allow-Origin"), "other origins get no CORS headers")
	assert.Empty(t, r.Header().Get("Access-Control-Allow-Credentials"))
}
