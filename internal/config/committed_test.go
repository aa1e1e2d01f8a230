package config_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/config"
)

// exampleSecret is a value given to a secret variable in a committed file.
type exampleSecret struct{ file, name, value string }

// committedExampleSecrets scans the repository's example and fixture
// files (.env.example, events/*.json, scripts, the template, Go tests,
// docs) for values assigned to secret variables: NAME=value,
// "NAME": "value" and "NAME=value".
func committedExampleSecrets(t *testing.T) []exampleSecret {
	t.Helper()
	root := filepath.Join("..", "..")
	var names []string
	for _, v := range config.Variables() {
		if v.Secret {
			names = append(names, regexp.QuoteMeta(v.Name))
		}
	}
	alt := strings.Join(names, "|")
	patterns := []*regexp.Regexp{
		regexp.MustCompile(`(?:^|[^A-Za-z0-9_"])(` + alt + `)=([^\s"'$<]+)`),
		regexp.MustCompile(`"(` + alt + `)"\s*:\s*"([^"]+)"`),
		regexp.MustCompile(`"(` + alt + `)=([^"$]+)"`),
	}
	var found []exampleSecret
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".run", "node_modules", ".aws-sam":
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".example", ".env", ".json", ".sh", ".yaml", ".yml", ".toml", ".ini", ".go", ".md", ".txt":
		default:
			if d.Name() != "Makefile" {
				return nil
			}
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			for _, re := range patterns {
				for _, m := range re.FindAllStringSubmatch(sc.Text(), -1) {
					found = append(found, exampleSecret{file: rel, name: m[1], value: m[2]})
				}
			}
		}
		return sc.Err()
	})
	require.NoError(t, err)
	return found
}

// firstFunction is the first function that reads v.
func firstFunction(v config.Var) string {
	fn, _, _ := strings.Cut(v.Functions, ", ")
	return fn
}

// TestCommittedSecretsRefused: every secret value committed in the
// repository's example and fixture files is refused outside local, by the
// variable it was given to. A newly committed example secret fails here
// until it is added to the list in committed.go.
func TestCommittedSecretsRefused(t *testing.T) {
	t.Parallel()
	vars := map[string]config.Var{}
	for _, v := range config.Variables() {
		vars[v.Name] = v
	}
	found := committedExampleSecrets(t)
	files := map[string]bool{}
	for _, s := range found {
		files[s.file] = true
	}
	for _, f := range []string{".env.example", filepath.Join("events", "env.json"), filepath.Join("scripts", "bench-coldstart.sh")} {
		require.True(t, files[f], "the scan found no secret in %s: is it still scanning?", f)
	}
	for _, s := range found {
		fn := firstFunction(vars[s.name])
		for _, stage := range []string{"staging", "production"} {
			_, err := load(t.Context(), fn, lookup(with(minimalEnv(fn), "ENVIRONMENT", stage, s.name, s.value)), nil)
			if assert.Error(t, err, "%s: %s=%q is accepted with ENVIRONMENT=%s", s.file, s.name, s.value, stage) {
				assert.Contains(t, err.Error(), s.name+":", "%s: %s", s.file, s.name)
				assert.NotContains(t, err.Error(), s.value, "the error never quotes a secret")
			}
		}
		_, err := load(t.Context(), fn, lookup(with(minimalEnv(fn), s.name, s.value)), nil)
		if err != nil {
			assert.NotContains(t, err.Error(), s.name+": is an example", "%s: fine in local", s.file)
		}
	}
}

// TestEnvExampleRefusedInProduction is the audit's demonstration: the
// .env.example secrets loaded with ENVIRONMENT=production, and a session
// token signed with its JWT_SECRET was accepted.
func TestEnvExampleRefusedInProduction(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../.env.example")
	require.NoError(t, err)
	env := map[string]string{
		"DATABASE_URL":       "postgres://quizgen:a-real-password-9f8e7d@db.internal:6432/quizgen",
		"GENERATE_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/generate",
		"EXPORT_QUEUE_URL":   "https://sqs.eu-west-1.amazonaws.com/123456789012/export",
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			env[k] = v
		}
	}
	env["ENVIRONMENT"] = "production"
	_, err = config.LoadAPI(t.Context(), lookup(env), nil)
	require.Error(t, err)
	for _, name := range []string{"JWT_SECRET", "TOKEN_ENCRYPTION_KEY", "CANVAS_CLIENT_SECRET"} {
		assert.Contains(t, err.Error(), name+": is an example")
	}
}

func TestWeakKeysRefusedOutsideLocal(t *testing.T) {
	t.Parallel()
	committedKey, err := base64.StdEncoding.DecodeString("bG9jYWwtb25seS10b2tlbi1rZXktMzItYnl0ZXMhISE=")
	require.NoError(t, err)
	tests := []struct {
		name, variable, value, wantErr string
	}{
		{"one character", "JWT_SECRET", strings.Repeat("a", 64), "JWT_SECRET: is not random enough"},
		{"a word repeated", "JWT_SECRET", strings.Repeat("password", 4), "JWT_SECRET: is not random enough"},
		{"two alternating bytes", "TOKEN_ENCRYPTION_KEY", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xfb, 0xff}, 16)), "TOKEN_ENCRYPTION_KEY: is not random enough"},
		{"all zero", "TOKEN_ENCRYPTION_KEY", base64.StdEncoding.EncodeToString(make([]byte, 32)), "TOKEN_ENCRYPTION_KEY: is not random enough"},
		{"committed key re-encoded", "TOKEN_ENCRYPTION_KEY", base64.RawURLEncoding.EncodeToString(committedKey), "TOKEN_ENCRYPTION_KEY: is an example key"},
		{"committed secret with a newline", "CANVAS_CLIENT_SECRET", "local-canvas-secret\n", "CANVAS_CLIENT_SECRET: is an example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.LoadAPI(t.Context(), lookup(with(minimalEnv("api"), "ENVIRONMENT", "production", tt.variable, tt.value)), nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			_, err = config.LoadAPI(t.Context(), lookup(with(minimalEnv("api"), tt.variable, tt.value)), nil)
			assert.NoError(t, err, "accepted in local")
		})
	}
	t.Run("random keys pass", func(t *testing.T) {
		t.Parallel()
		_, err := config.LoadAPI(t.Context(), lookup(with(minimalEnv("api"), "ENVIRONMENT", "production",
			"JWT_SECRET", "q8Vn1xR0b3Lk9Zt7Yw2Hc5Md4Pf6Gs8Ja0Ue1Ti3Oo=",
			"TOKEN_ENCRYPTION_KEY", "3q2+7wBk1Xz9Lm4Pq8Rs2Tu6Vw0Yz5Ab7Cd9Ef1Gh3I=")), nil)
		assert.NoError(t, err)
	})
}

func TestListenHost(t *testing.T) {
	t.Parallel()
	got, err := config.LoadAPI(t.Context(), lookup(minimalEnv("api")), nil)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8080", got.ListenAddr(), "this machine only unless asked")

	got, err = config.LoadAPI(t.Context(), lookup(with(minimalEnv("api"), "LISTEN_HOST", "::", "PORT", "9000")), nil)
	require.NoError(t, err)
	assert.Equal(t, "[::]:9000", got.ListenAddr())

	_, err = config.LoadAPI(t.Context(), lookup(with(minimalEnv("api"), "LISTEN_HOST", "0.0.0.0:8080")), nil)
	assert.ErrorContains(t, err, "LISTEN_HOST:")
}

func TestCanvasDownloadHosts(t *testing.T) {
	t.Parallel()
	got, err := config.LoadExport(t.Context(), lookup(with(minimalEnv("export"),
		"CANVAS_DOWNLOAD_HOSTS", " *.InscloudGate.net, instructure-uploads.s3.amazonaws.com ,")), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"*.inscloudgate.net", "instructure-uploads.s3.amazonaws.com"}, got.Canvas.DownloadHosts)
	assert.True(t, got.Canvas.AllowPrivate, "local: the fake Canvas may be on loopback")

	got, err = config.LoadExport(t.Context(), lookup(with(minimalEnv("export"), "ENVIRONMENT", "production")), nil)
	require.NoError(t, err)
	assert.False(t, got.Canvas.AllowPrivate, "never outside local")

	for _, bad := range []string{"https://files.example.com", "files.example.com:443", "a/b", "*"} {
		_, err := config.LoadExport(t.Context(), lookup(with(minimalEnv("export"), "CANVAS_DOWNLOAD_HOSTS", bad)), nil)
		assert.ErrorContains(t, err, "CANVAS_DOWNLOAD_HOSTS:", bad)
	}
}
