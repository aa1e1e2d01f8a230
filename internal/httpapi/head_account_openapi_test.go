package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// accountDoc fetches an OpenAPI document of the API.
func accountDoc(t *testing.T, e *env, path string) map[string]any {
	t.Helper()
	r := e.do("GET", path, "", nil)
	require.Equal(t, http.StatusOK, r.Code, path)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(r.Body.Bytes(), &doc))
	return doc
}

// accountRefs collects every "$ref" in v.
func accountRefs(v any, out map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "$ref" {
				out[s] = true
			}
			accountRefs(x, out)
		}
	case []any:
		for _, x := range v {
			accountRefs(x, out)
		}
	}
}

// TestHeadOpenAPIRefsResolve: in the v1 document and in the root one,
// every $ref names a schema of the same document, so a client generator
// accepts both.
func TestHeadOpenAPIRefsResolve(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	for _, path := range []string{"/api/v1/openapi.json", "/openapi.json"} {
		doc := accountDoc(t, e, path)
		schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
		refs := map[string]bool{}
		accountRefs(doc, refs)
		require.NotEmpty(t, refs, path)
		for ref := range refs {
			name, ok := strings.CutPrefix(ref, "#/components/schemas/")
			if assert.True(t, ok, "%s: %s is a schema ref", path, ref) {
				assert.Contains(t, schemas, name, "%s: %s resolves", path, ref)
			}
		}
	}
}

// TestHeadOpenAPIDocument: the root document lists today's routes at the
// root only, with the title of v1's, and v1's document none of them.
func TestHeadOpenAPIDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	root := accountDoc(t, e, "/openapi.json")
	v1 := accountDoc(t, e, "/api/v1/openapi.json")
	assert.Equal(t, v1["info"], root["info"], "same title and version")
	for path := range root["paths"].(map[string]any) {
		assert.False(t, strings.HasPrefix(path, "/api/v1/"), path)
	}
	for path := range v1["paths"].(map[string]any) {
		assert.True(t, strings.HasPrefix(path, "/api/v1/"), path)
	}
	paths := root["paths"].(map[string]any)
	for _, p := range []string{"/auth/login/canvas", "/auth/callback/canvas", "/auth/logout", "/users/me",
		"/canvas/courses", "/utils/health-check/", "/openapi.json", "/quiz/", "/questions/{quiz_id}"} {
		assert.Contains(t, paths, p)
	}
	assert.NotContains(t, paths, "/auth/refresh", "today's app has no refresh route; v1 keeps it")
	assert.NotContains(t, paths, "/utils/health/db")
	// Today's schema names, and a list answer as an array of one.
	list := paths["/quiz/"].(map[string]any)["get"].(map[string]any)["responses"].(map[string]any)["200"]
	schema := list.(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"]
	assert.Equal(t, map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/Quiz"}}, schema)
	schemas := root["components"].(map[string]any)["schemas"].(map[string]any)
	for _, name := range []string{"QuizInviteResponse", "BulkOperationResponse", "Body_quiz-upload_manual_module", "UserPublic"} {
		assert.Contains(t, schemas, name)
	}
	user := schemas["UserPublic"].(map[string]any)
	assert.Contains(t, user["required"], "id", "today's UserPublic has the id")
}
