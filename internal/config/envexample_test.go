package config_test

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"quizgen/internal/config"
)

// TestEnvExampleLoads keeps .env.example a working local configuration:
// with the database and queue settings make dev writes, every function's
// loader accepts it.
func TestEnvExampleLoads(t *testing.T) {
	t.Parallel()
	f, err := os.Open("../../.env.example")
	require.NoError(t, err)
	defer f.Close()
	env := map[string]string{
		"DATABASE_URL":        "postgres://quizgen:pw@127.0.0.1:64320/quizgen",
		"DATABASE_DIRECT_URL": "postgres://quizgen:pw@127.0.0.1:54320/quizgen",
		"GENERATE_QUEUE_URL":  "http://127.0.0.1:9324/123456789012/quizgen-generate",
		"EXPORT_QUEUE_URL":    "http://127.0.0.1:9324/123456789012/quizgen-export",
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		require.True(t, ok, "line %q", line)
		env[k] = v
	}
	require.NoError(t, sc.Err())
	_, err = config.LoadAPI(t.Context(), lookup(env), nil)
	require.NoError(t, err, "api")
	_, err = config.LoadGenerate(t.Context(), lookup(env), nil)
	require.NoError(t, err, "generate")
	_, err = config.LoadExport(t.Context(), lookup(env), nil)
	require.NoError(t, err, "export")
	_, err = config.LoadMigrate(t.Context(), lookup(env), nil)
	require.NoError(t, err, "migrate")
}
