package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/config"
)

// TestCanvasScopes: CANVAS_OAUTH_SCOPES takes Canvas's scope strings
// separated by spaces or commas, "none" for an unscoped key, and names a
// malformed one.
func TestCanvasScopes(t *testing.T) {
	t.Parallel()
	load := func(v string) (config.API, error) {
		return config.LoadAPI(t.Context(), lookup(with(minimalEnv("api"), "CANVAS_OAUTH_SCOPES", v)), nil)
	}
	got, err := load(" url:GET|/api/v1/courses,url:POST|/api/quiz/v1/courses/:course_id/quizzes  url:GET|/api/v1/users/self ")
	require.NoError(t, err)
	assert.Equal(t, []string{"url:GET|/api/v1/courses", "url:POST|/api/quiz/v1/courses/:course_id/quizzes", "url:GET|/api/v1/users/self"},
		got.CanvasScopes)

	got, err = load("none")
	require.NoError(t, err)
	assert.Empty(t, got.CanvasScopes)

	assert.Len(t, config.DefaultCanvasScopes, 11)
	for _, bad := range []string{"GET|/api/v1/courses", "url:FETCH|/api/v1/courses", "url:GET /api/v1/courses", "url:GET|/courses"} {
		_, err := load(bad)
		assert.ErrorContains(t, err, "CANVAS_OAUTH_SCOPES:", bad)
	}
}

// TestCanvasCoursePrefixes: CANVAS_COURSE_PREFIX_FILTER is a
// comma-separated list; blanks around entries and empty entries are
// dropped, and unset is no filter.
func TestCanvasCoursePrefixes(t *testing.T) {
	t.Parallel()
	got, err := config.LoadAPI(t.Context(), lookup(with(minimalEnv("api"), "CANVAS_COURSE_PREFIX_FILTER", " INF-,, MAT-1 ,")), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"INF-", "MAT-1"}, got.CanvasCoursePrefixes)
	got, err = config.LoadAPI(t.Context(), lookup(minimalEnv("api")), nil)
	require.NoError(t, err)
	assert.Nil(t, got.CanvasCoursePrefixes)
}
