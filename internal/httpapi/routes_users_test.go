package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/quiz"
)

func TestUsersMe(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	me := func(t *testing.T) map[string]any {
		t.Helper()
		r := e.do("GET", "/api/v1/users/me", u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, []string{"name", "onboarding_completed"}, keysInOrder(t, r.Body.Bytes()), "no ids, no tokens")
		return r.obj()
	}
	patch := func(body any) resp { return e.do("PATCH", "/api/v1/users/me", u.jwt, body) }

	t.Run("read", func(t *testing.T) {
		assert.Equal(t, map[string]any{"name": "Teacher", "onboarding_completed": false}, me(t))
	})

	t.Run("update the name", func(t *testing.T) {
		r := patch(map[string]any{"name": "Marius Solaas"})
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, []string{"name", "onboarding_completed"}, keysInOrder(t, r.Body.Bytes()))
		assert.Equal(t, map[string]any{"name": "Marius Solaas", "onboarding_completed": false}, r.obj())
		assert.Equal(t, r.obj(), me(t))
	})

	t.Run("update both, then only the name keeps the flag", func(t *testing.T) {
		r := patch(map[string]any{"name": "M", "onboarding_completed": true})
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, map[string]any{"name": "M", "onboarding_completed": true}, r.obj())
		r = patch(map[string]any{"name": "Marius"})
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, map[string]any{"name": "Marius", "onboarding_completed": true}, r.obj())
		assert.Equal(t, r.obj(), me(t))
	})

	t.Run("other keys are ignored", func(t *testing.T) {
		r := patch(map[string]any{"name": "Marius", "id": "00000000-0000-4000-8000-000000000001", "canvas_id": 1,
			"access_token": "stolen", "onboarding_completed": false})
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		stored, err := e.store.User(t.Context(), u.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(teacherID), stored.CanvasID)
		assert.Equal(t, u.AccessToken, stored.AccessToken)
		assert.False(t, stored.OnboardingCompleted)
	})

	t.Run("name length up to 255", func(t *testing.T) {
		for _, name := range []string{strings.Repeat("n", 255), strings.Repeat("ø", 255), ""} {
			r := patch(map[string]any{"name": name})
			require.Equal(t, http.StatusOK, r.Code, r.Body.String())
			assert.Equal(t, name, r.obj()["name"])
		}
		fe := oneFieldErr(t, patch(map[string]any{"name": strings.Repeat("n", 256)}), "string_too_long", "body", "name")
		assert.Equal(t, map[string]any{"max_length": float64(255)}, fe.Ctx)
		oneFieldErr(t, patch(map[string]any{"name": strings.Repeat("ø", 256)}), "string_too_long", "body", "name")
		assert.Empty(t, me(t)["name"], "unchanged by the refused updates")
	})

	t.Run("422s", func(t *testing.T) {
		fe := oneFieldErr(t, patch(map[string]any{}), "missing", "body", "name")
		assert.Equal(t, "Field required", fe.Msg)
		oneFieldErr(t, patch(map[string]any{"onboarding_completed": true}), "missing", "body", "name")
		oneFieldErr(t, patch(map[string]any{"name": 123}), "string_type", "body", "name")
		oneFieldErr(t, patch(`{"name": null}`), "string_type", "body", "name")
		oneFieldErr(t, patch(`{"name": "x", "onboarding_completed": null}`), "bool_type", "body", "onboarding_completed")
		oneFieldErr(t, patch(map[string]any{"name": "x", "onboarding_completed": "maybe"}), "bool_parsing", "body", "onboarding_completed")
		oneFieldErr(t, patch(`["name"]`), "model_attributes_type", "body")
		oneFieldErr(t, e.do("PATCH", "/api/v1/users/me", u.jwt, nil), "missing", "body")
		errs := validation(t, patch(`{"name": "x"`))
		require.Len(t, errs, 1)
		assert.Equal(t, "json_invalid", errs[0].Type)
		assert.Equal(t, map[string]any{"name": "", "onboarding_completed": false}, me(t), "nothing was applied")
	})

	t.Run("delete", func(t *testing.T) {
		q := e.createQuiz(u)
		qs := e.addQuestions(q["id"].(string), 1)
		assertMessage(t, e.do("DELETE", "/api/v1/users/me", u.jwt, nil), "User deleted successfully")
		assertDetail(t, e.do("GET", "/api/v1/users/me", u.jwt, nil), http.StatusNotFound, "User not found")
		assertDetail(t, e.do("DELETE", "/api/v1/users/me", u.jwt, nil), http.StatusNotFound, "User not found")
		_, err := e.store.Question(t.Context(), qs[0].ID)
		assert.ErrorIs(t, err, quiz.ErrNotFound, "questions go with the user")
	})
}

func TestUtils(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))

	r := e.do("GET", "/api/v1/utils/health-check/", "", nil)
	require.Equal(t, http.StatusOK, r.Code)
	assert.Equal(t, "true", r.Body.String(), "the JSON literal true")
	assert.Equal(t, "application/json", r.Header().Get("Content-Type"))

	r = e.do("GET", "/api/v1/utils/health/db", "", nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	h := r.obj()
	assert.Equal(t, "healthy", h["status"])
	for _, k := range []string{"pool_size", "checked_out_connections", "overflow", "total", "available"} {
		require.IsType(t, float64(0), h[k], "%s is a number: %s", k, r.Body.String())
	}
	assert.Positive(t, h["pool_size"])
	assert.GreaterOrEqual(t, h["checked_out_connections"], float64(0))
	assert.GreaterOrEqual(t, h["available"], float64(0))
	assert.Equal(t, h["pool_size"].(float64)+h["overflow"].(float64), h["total"], "total = pool_size + overflow")
	assert.Equal(t, h["pool_size"].(float64)-h["checked_out_connections"].(float64), h["available"], "available = pool_size - checked out")
	assert.NotContains(t, h, "error")
}
