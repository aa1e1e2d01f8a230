package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFastValidation: bad bodies, path and query parameters are a 422 in
// pydantic's shape (type, loc, msg, input) at the right place, on routes
// of both contracts, before anything is stored or started.
func TestFastValidation(t *testing.T) {
	t.Parallel()
	a := newFastAPI(t)
	u := a.addUser("Olga")
	q := a.addQuiz(u).ID.String()

	for _, c := range []struct {
		name, method, path, body string
		typ                      string
		loc                      []any
	}{
		{"missing field", "PATCH", "/users/me", `{}`, "missing", []any{"body", "name"}},
		{"wrong type", "PATCH", "/api/v1/users/me", `{"name": 5}`, "string_type", []any{"body", "name"}},
		{"no body", "PATCH", "/users/me", "", "missing", []any{"body"}},
		{"not an object", "PATCH", "/users/me", `[]`, "model_attributes_type", []any{"body"}},
		{"NUL in a name", "PATCH", "/users/me", `{"name": "A\u0000"}`, "value_error", []any{"body", "name"}},
		{"NUL in a title", "POST", "/api/v1/quiz/", `{"canvas_course_id": 37823, "canvas_course_name": "AI",
			"selected_modules": {"173468": "CSP"}, "title": "Mid\u0000term"}`, "value_error", []any{"body", "title"}},
		{"path uuid", "GET", "/quiz/not-a-uuid", "", "uuid_parsing", []any{"path", "quiz_id"}},
		{"path uuid, v1", "DELETE", "/api/v1/quiz/not-a-uuid", "", "uuid_parsing", []any{"path", "quiz_id"}},
		{"path uuid after a literal", "PUT", "/questions/nope/bulk-approve", `{"question_ids": ["` + randomUUID + `"]}`,
			"uuid_parsing", []any{"path", "quiz_id"}},
		{"query bound", "GET", "/questions/" + q + "?limit=0", "", "greater_than_equal", []any{"query", "limit"}},
		{"query bool", "GET", "/questions/" + q + "?approved_only=maybe", "", "bool_parsing", []any{"query", "approved_only"}},
		{"query enum", "GET", "/questions/" + q + "?question_type=essay", "", "enum", []any{"query", "question_type"}},
		{"empty list", "PUT", "/questions/" + q + "/bulk-approve", `{"question_ids": []}`, "too_short", []any{"body", "question_ids"}},
		{"list item", "PUT", "/questions/" + q + "/bulk-approve", `{"question_ids": ["` + randomUUID + `", "nope"]}`,
			"uuid_parsing", []any{"body", "question_ids", 1.0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := oneFieldErr(t, a.do(c.method, c.path, u.jwt, c.body), c.typ, c.loc...)
			if strings.HasPrefix(c.name, "NUL") {
				assert.Contains(t, f.Msg, "NUL")
			}
		})
	}

	t.Run("bad JSON", func(t *testing.T) {
		for _, body := range []string{`{"name": x}`, `{"name": "x"`, `{"name": "x"} {}`} {
			errs := validation(t, a.do("PATCH", "/api/v1/users/me", u.jwt, body))
			require.Len(t, errs, 1, body)
			assert.Equal(t, "json_invalid", errs[0].Type, body)
			require.Len(t, errs[0].Loc, 2, body)
			assert.Equal(t, "body", errs[0].Loc[0], body)
			assert.IsType(t, 0.0, errs[0].Loc[1], "%s: the position in the body", body)
		}
	})
	t.Run("every missing field at once", func(t *testing.T) {
		errs := validation(t, a.do("POST", "/quiz/", u.jwt, `{}`))
		var locs []string
		for _, e := range errs {
			assert.Equal(t, "missing", e.Type, "%v", e.Loc)
			locs = append(locs, e.Loc[1].(string))
		}
		assert.Subset(t, locs, []string{"canvas_course_id", "canvas_course_name", "selected_modules", "title"})
	})
	assert.Equal(t, 0, a.store.writes(), "nothing stored")
	assert.Equal(t, 0, a.quizzes.calls, "nothing started")
}

// TestFastBodyLimit: a body over MaxBodyBytes is a 413 that names the
// limit, whether its length is declared (refused before routing, even
// unauthenticated) or found while reading it.
func TestFastBodyLimit(t *testing.T) {
	t.Parallel()
	a := newFastAPI(t)
	u := a.addUser("Olga")
	big := `{"name": "` + strings.Repeat("x", 2<<10) + `"}`
	const detail = "Request body too large: at most 1024 bytes"

	assertDetail(t, a.do("PATCH", "/users/me", u.jwt, big), http.StatusRequestEntityTooLarge, detail)
	assertDetail(t, a.do("PATCH", "/users/me", "", big), http.StatusRequestEntityTooLarge, detail)

	req := httptest.NewRequestWithContext(context.Background(), "PATCH", "/api/v1/users/me", strings.NewReader(big))
	req.ContentLength = -1 // chunked: the length is learnt by reading
	req.Header.Set("Authorization", "Bearer "+u.jwt)
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	assertDetail(t, resp{rec, t}, http.StatusRequestEntityTooLarge, detail)

	r := a.do("PATCH", "/users/me", u.jwt, `{"name": "Olga O."}`)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, "Olga O.", r.obj()["name"])
	assert.Equal(t, 1, a.store.calls["UpdateUserProfile"], "only the small body reached the store")
}
