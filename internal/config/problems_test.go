package config_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/config"
)

// A function run by hand with a broken configuration prints each problem
// on a line of its own, "config: NAME: problem", as main gets the error
// (wrapped by app.Load); a secret's value is never printed.
func TestPrintLocallyOneProblemPerLine(t *testing.T) {
	t.Parallel()
	env := with(minimalEnv("api"), "DATABASE_URL", "", "CANVAS_BASE_URL", "ftp://canvas",
		"JWT_SECRET", "hunter2", "ENVIRONMENT", "staging", "PORT", "0")
	_, err := config.LoadAPI(t.Context(), lookup(env), nil)
	require.Error(t, err)
	wrapped := fmt.Errorf("load config: %w", err)

	var out strings.Builder
	require.True(t, config.PrintLocally(&out, wrapped, lookup(map[string]string{"ENVIRONMENT": "local"}), false))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	names := make([]string, 0, len(lines))
	for _, l := range lines {
		rest, ok := strings.CutPrefix(l, "config: ")
		require.True(t, ok, "line %q", l)
		name, problem, ok := strings.Cut(rest, ": ")
		require.True(t, ok, "line %q", l)
		assert.NotEmpty(t, problem, "line %q", l)
		names = append(names, name)
	}
	assert.ElementsMatch(t, []string{"DATABASE_URL", "CANVAS_BASE_URL", "JWT_SECRET", "PORT"}, names)
	assert.NotContains(t, out.String(), "hunter2")
	assert.NotContains(t, out.String(), "{", "not JSON")
	assert.Equal(t, lines, prefixed(config.Problems(wrapped)))
}

func prefixed(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = "config: " + p
	}
	return out
}

// When lines are printed and when the caller keeps its JSON log.
func TestPrintLocallyWhen(t *testing.T) {
	t.Parallel()
	_, cfgErr := config.LoadMigrate(t.Context(), lookup(map[string]string{}), nil)
	require.Error(t, cfgErr)
	for _, tc := range []struct {
		name     string
		env      map[string]string
		terminal bool
		err      error
		want     bool
	}{
		{"local", map[string]string{"ENVIRONMENT": "local"}, false, cfgErr, true},
		{"unset means local", map[string]string{}, false, cfgErr, true},
		{"staging on a terminal", map[string]string{"ENVIRONMENT": "production"}, true, cfgErr, true},
		{"staging in a pipe", map[string]string{"ENVIRONMENT": "staging"}, false, cfgErr, false},
		{"under Lambda", map[string]string{"ENVIRONMENT": "local", "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}, true, cfgErr, false},
		{"not a configuration error", map[string]string{}, true, errors.New("load AWS config: no region"), false},
		{"no error", map[string]string{}, true, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out strings.Builder
			got := config.PrintLocally(&out, tc.err, lookup(tc.env), tc.terminal)
			assert.Equal(t, tc.want, got)
			if tc.want {
				assert.Equal(t, "config: DATABASE_DIRECT_URL: required\n", out.String())
			} else {
				assert.Empty(t, out.String())
			}
		})
	}
}
