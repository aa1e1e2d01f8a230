package config_test

import (
	"flag"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/config"
	"quizgen/internal/db"
)

var update = flag.Bool("update", false, "rewrite the config table in ../../README.md") //nolint:gochecknoglobals // test flag

// runsIn reports whether v is read by function.
func runsIn(v config.Var, function string) bool {
	return slices.Contains(strings.Split(v.Functions, ", "), function)
}

// literalDefault reports whether v.Default is a value one could set, as
// opposed to "" or a note like "(required)" or "quizgen-<function>".
func literalDefault(v config.Var) bool {
	return v.Default != "" && !strings.HasPrefix(v.Default, "(") && !strings.Contains(v.Default, "<")
}

// TestVariablesListed keeps Variables in step with the loaders: each
// function reads exactly the variables the table gives it, plus the
// _SECRET_ARN and _SSM_PARAMETER forms of its secrets.
func TestVariablesListed(t *testing.T) {
	t.Parallel()

	vars := config.Variables()
	for _, fn := range []string{"api", "generate", "export", "migrate"} {
		t.Run(fn, func(t *testing.T) {
			t.Parallel()
			env := minimalEnv(fn)
			read := map[string]bool{}
			getenv := func(k string) string {
				read[k] = true
				return env[k]
			}
			_, err := load(t.Context(), fn, getenv, nil)
			require.NoError(t, err)

			want := map[string]bool{}
			for _, v := range vars {
				if !runsIn(v, fn) {
					continue
				}
				want[v.Name] = true
				if v.Secret {
					want[v.Name+"_SECRET_ARN"] = true
					want[v.Name+"_SSM_PARAMETER"] = true
				}
			}
			assert.Equal(t, slices.Sorted(maps.Keys(want)), slices.Sorted(maps.Keys(read)))
		})
	}

	t.Run("well formed", func(t *testing.T) {
		t.Parallel()
		seen := map[string]bool{}
		for _, v := range vars {
			assert.False(t, seen[v.Name], "%s listed twice", v.Name)
			seen[v.Name] = true
			assert.NotEmpty(t, v.Description, v.Name)
			fns := strings.Split(v.Functions, ", ")
			assert.NotEmpty(t, v.Functions, v.Name)
			for _, fn := range fns {
				assert.Contains(t, []string{"api", "generate", "export", "migrate"}, fn, v.Name)
			}
			assert.True(t, slices.IsSortedFunc(fns, func(a, b string) int {
				order := []string{"api", "generate", "export", "migrate"}
				return slices.Index(order, a) - slices.Index(order, b)
			}), "%s: functions in the order api, generate, export, migrate", v.Name)
		}
	})
}

// TestVariablesDefaults checks the Default column: setting each variable
// to its documented default changes nothing.
func TestVariablesDefaults(t *testing.T) {
	t.Parallel()

	for _, fn := range []string{"api", "generate", "export", "migrate"} {
		t.Run(fn, func(t *testing.T) {
			t.Parallel()
			env := minimalEnv(fn)
			want, err := load(t.Context(), fn, lookup(env), nil)
			require.NoError(t, err)

			explicit := with(env)
			for _, v := range config.Variables() {
				if runsIn(v, fn) && literalDefault(v) {
					_, set := env[v.Name]
					require.False(t, set, "%s is in the minimal environment", v.Name)
					explicit[v.Name] = v.Default
				}
			}
			got, err := load(t.Context(), fn, lookup(explicit), nil)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

func TestMarkdownTable(t *testing.T) {
	t.Parallel()

	table := config.MarkdownTable()
	lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	require.Len(t, lines, 2+len(config.Variables()))
	assert.Equal(t, "| Variable | Default | Functions | Description |", lines[0])
	assert.Equal(t, "|---|---|---|---|", lines[1])
	assert.Contains(t, table, "| `DB_MAX_CONNS` | `2` | api, generate, export | ")
	assert.Contains(t, table, "| `DATABASE_URL` | (required) | api, generate, export | ")
	assert.Contains(t, table, "`JWT_SECRET_SECRET_ARN`")
	assert.Contains(t, table, "`JWT_SECRET_SSM_PARAMETER`")
	for _, l := range lines {
		assert.Equal(t, 5, strings.Count(strings.ReplaceAll(l, `\|`, ""), "|"), "four cells: %s", l)
	}
}

// TestReadmeTable checks that the README holds MarkdownTable between its
// markers; a missing README or marker fails. Run with -update to rewrite
// that section:
//
//	go test ./internal/config -run TestReadmeTable -update
func TestReadmeTable(t *testing.T) {
	t.Parallel()

	const (
		path  = "../../README.md"
		start = "<!-- config-table:start -->"
		end   = "<!-- config-table:end -->"
	)
	data, err := os.ReadFile(path)
	require.NoError(t, err, "the README holds the configuration table")
	text := string(data)

	// A README without the markers would let the table drift unseen.
	from := lineIndex(text, start, 0)
	require.GreaterOrEqual(t, from, 0, "README.md has no %s line: the configuration table lives between %s and %s", start, start, end)
	bodyStart := from + len(start)
	if nl := strings.IndexByte(text[bodyStart:], '\n'); nl >= 0 {
		bodyStart += nl + 1
	} else {
		bodyStart = len(text)
	}
	bodyEnd := lineIndex(text, end, bodyStart)
	require.GreaterOrEqual(t, bodyEnd, 0, "README.md has %s but no %s line after it", start, end)

	table := config.MarkdownTable()
	if *update {
		text = text[:bodyStart] + table + text[bodyEnd:]
		info, err := os.Stat(path)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, []byte(text), info.Mode().Perm()))
		t.Logf("rewrote the config table in %s", path)
		return
	}
	assert.Equal(t, strings.Trim(table, "\n"), strings.Trim(text[bodyStart:bodyEnd], "\n"),
		"README.md's config table is stale: run go test ./internal/config -run TestReadmeTable -update")
}

// lineIndex returns the index of the first line of text, at or after from,
// that is exactly marker (trailing white space aside), or -1.
func lineIndex(text, marker string, from int) int {
	for i := from; i < len(text); {
		j := strings.Index(text[i:], marker)
		if j < 0 {
			return -1
		}
		at := i + j
		rest := text[at+len(marker):]
		if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
			rest = rest[:nl]
		}
		if (at == 0 || text[at-1] == '\n') && strings.TrimSpace(rest) == "" {
			return at
		}
		i = at + len(marker)
	}
	return -1
}

// TestDatabaseDefaults: the loaders take the DB_* defaults from Variables,
// and db.DefaultConfig, which tools and the database package's tests start
// from, keeps the same values (db cannot import this package).
func TestDatabaseDefaults(t *testing.T) {
	t.Parallel()

	got, err := config.LoadAPI(t.Context(), lookup(minimalEnv("api")), nil)
	require.NoError(t, err)
	want := db.DefaultConfig(got.DB.URL, db.PoolerPgBouncer)
	want.ApplicationName = "quizgen-api"
	assert.Equal(t, want, got.DB)
}
