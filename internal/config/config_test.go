package config_test

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/config"
	"quizgen/internal/db"
	"quizgen/internal/quiz"
)

// Values of the minimal environments.
const (
	databaseURL  = "postgres://quizgen@pgbouncer:6432/quizgen"
	directURL    = "postgres://quizgen@postgres:5432/quizgen"
	canvasURL    = "https://canvas.example.edu"
	canvasSecret = "canvas-client-secret-value"
	jwtSecret    = "jwt-secret-value-that-is-at-least-32-bytes"
	redirectURI  = "https://api.example.edu/auth/callback"
	generateURL  = "https://sqs.eu-west-1.amazonaws.com/123456789012/generate"
	exportURL    = "https://sqs.eu-west-1.amazonaws.com/123456789012/export"
)

// tokenKey encodes to base64 with '+' and '/' (standard) or '-' and '_'
// (URL-safe), so each encoding is really exercised; its other bytes are
// distinct, so it is random enough for production.
func tokenKey() []byte {
	k := []byte{0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff}
	for i := range 26 {
		k = append(k, byte(0x20+7*i))
	}
	return k
}

// minimalEnv returns a fresh environment with only the required variables
// of function set.
func minimalEnv(function string) map[string]string {
	switch function {
	case "migrate":
		return map[string]string{"DATABASE_DIRECT_URL": directURL}
	}
	m := map[string]string{
		"DATABASE_URL":         databaseURL,
		"CANVAS_BASE_URL":      canvasURL,
		"CANVAS_CLIENT_ID":     "client-id",
		"CANVAS_CLIENT_SECRET": canvasSecret,
		"TOKEN_ENCRYPTION_KEY": base64.StdEncoding.EncodeToString(tokenKey()),
	}
	switch function {
	case "api":
		m["JWT_SECRET"] = jwtSecret
		m["CANVAS_REDIRECT_URI"] = redirectURI
		m["GENERATE_QUEUE_URL"] = generateURL
		m["EXPORT_QUEUE_URL"] = exportURL
	case "generate":
		m["GENERATE_QUEUE_URL"] = generateURL
	case "export":
		m["EXPORT_QUEUE_URL"] = exportURL
	}
	return m
}

func lookup(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// with returns a copy of m with kv (name, value, name, value...) set.
func with(m map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(m)+len(kv)/2)
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// load runs the loader of function and returns its config as any.
func load(ctx context.Context, function string, getenv func(string) string, f config.Fetcher) (any, error) {
	switch function {
	case "api":
		return config.LoadAPI(ctx, getenv, f)
	case "generate":
		return config.LoadGenerate(ctx, getenv, f)
	case "export":
		return config.LoadExport(ctx, getenv, f)
	case "migrate":
		return config.LoadMigrate(ctx, getenv, f)
	}
	panic("unknown function " + function)
}

// fakeFetcher is a Fetcher whose methods call its fields.
type fakeFetcher struct {
	secretString func(ctx context.Context, id string) (string, error)
	parameter    func(ctx context.Context, name string) (string, error)
}

func (f fakeFetcher) SecretString(ctx context.Context, id string) (string, error) {
	return f.secretString(ctx, id)
}

func (f fakeFetcher) Parameter(ctx context.Context, name string) (string, error) {
	return f.parameter(ctx, name)
}

// mapFetcher serves secrets and parameters from maps and fails for
// unknown ids.
func mapFetcher(secrets, params map[string]string) fakeFetcher {
	get := func(m map[string]string, id string) (string, error) {
		if v, ok := m[id]; ok {
			return v, nil
		}
		return "", errors.New("ResourceNotFoundException: not found")
	}
	return fakeFetcher{
		secretString: func(_ context.Context, id string) (string, error) { return get(secrets, id) },
		parameter:    func(_ context.Context, name string) (string, error) { return get(params, name) },
	}
}

// wantDB is the database configuration the minimal environment yields,
// spelled out rather than taken from db.DefaultConfig so that a changed
// default there is noticed here.
func wantDB(function string) db.Config {
	return db.Config{
		URL:                   databaseURL,
		Pooler:                db.PoolerPgBouncer,
		MaxConns:              2,
		MinConns:              0,
		MaxConnIdleTime:       45 * time.Second,
		MaxConnLifetime:       30 * time.Minute,
		MaxConnLifetimeJitter: 5 * time.Minute,
		ConnectTimeout:        5 * time.Second,
		AcquireTimeout:        10 * time.Second,
		UnavailableWait:       10 * time.Second,
		PingIdle:              2 * time.Second,
		PingTimeout:           2 * time.Second,
		HealthCheckPeriod:     30 * time.Second,
		StatementTimeout:      15 * time.Second,
		ApplicationName:       "quizgen-" + function,
	}
}

func wantCanvas() config.Canvas {
	return config.Canvas{
		BaseURL:      canvasURL,
		APIURL:       canvasURL,
		ClientID:     "client-id",
		ClientSecret: canvasSecret,
		Timeout:      30 * time.Second,
		AllowPrivate: true, // local
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()

	t.Run("api", func(t *testing.T) {
		t.Parallel()
		got, err := config.LoadAPI(t.Context(), lookup(minimalEnv("api")), nil)
		require.NoError(t, err)
		assert.Equal(t, config.API{
			LogLevel:          slog.LevelInfo,
			Environment:       config.EnvLocal,
			DB:                wantDB("api"),
			Canvas:            wantCanvas(),
			TokenKey:          tokenKey(),
			JWTSecret:         jwtSecret,
			AccessTokenTTL:    11520 * time.Minute,
			CanvasRedirectURI: redirectURI,
			CanvasScopes:      config.DefaultCanvasScopes,
			FrontendHost:      "http://localhost:5173",
			CORSOrigins:       nil,
			ProjectName:       "quizgen",
			GenerateQueueURL:  generateURL,
			ExportQueueURL:    exportURL,
			Port:              8080,
			ListenHost:        "127.0.0.1",
			MaxBodyBytes:      1048576,
			Health:            config.Health{Timeout: 2 * time.Second, CacheTTL: 5 * time.Second, MaxWait: time.Second},
			MetricsInterval:   time.Minute,
			Limits:            quiz.Limits{QuestionsPerDay: 2000, GenerationsPerQuiz: 5, ProcessingQuizzes: 5},
		}, got)
		assert.Equal(t, []string{"http://localhost:5173"}, got.AllCORSOrigins())
	})

	t.Run("generate", func(t *testing.T) {
		t.Parallel()
		got, err := config.LoadGenerate(t.Context(), lookup(minimalEnv("generate")), nil)
		require.NoError(t, err)
		assert.Equal(t, config.Generate{
			LogLevel:         slog.LevelInfo,
			Environment:      config.EnvLocal,
			DB:               wantDB("generate"),
			Canvas:           wantCanvas(),
			TokenKey:         tokenKey(),
			GenerateQueueURL: generateURL,
			LLM: config.LLM{
				Provider:    config.LLMMock,
				Model:       "o3",
				Timeout:     120 * time.Second,
				Concurrency: 4,
				MaxRetries:  3,
				MockLatency: 0,
			},
			Content: config.ContentLimits{
				MaxFileSize:         10485760,
				MaxTotalContentSize: 52428800,
				MaxPagesPerModule:   100,
				MaxContentLength:    500000,
				MinContentLength:    50,
			},
		}, got)
	})

	t.Run("export", func(t *testing.T) {
		t.Parallel()
		got, err := config.LoadExport(t.Context(), lookup(minimalEnv("export")), nil)
		require.NoError(t, err)
		assert.Equal(t, config.Export{
			LogLevel:       slog.LevelInfo,
			Environment:    config.EnvLocal,
			DB:             wantDB("export"),
			Canvas:         wantCanvas(),
			TokenKey:       tokenKey(),
			ExportQueueURL: exportURL,
		}, got)
	})

	t.Run("migrate", func(t *testing.T) {
		t.Parallel()
		got, err := config.LoadMigrate(t.Context(), lookup(minimalEnv("migrate")), nil)
		require.NoError(t, err)
		assert.Equal(t, config.Migrate{
			LogLevel:    slog.LevelInfo,
			Environment: config.EnvLocal,
			URL:         directURL,
			LockTimeout: 60 * time.Second,
		}, got)
		assert.Equal(t, directURL, got.DirectURL())
	})
}

func TestOverrides(t *testing.T) {
	t.Parallel()

	env := with(minimalEnv("api"),
		"ENVIRONMENT", "production",
		"LOG_LEVEL", "DEBUG",
		"DB_POOLER", "rds-proxy",
		"DB_QUERY_EXEC_MODE", "simple_protocol",
		"DB_MAX_CONNS", "5",
		"DB_MIN_CONNS", "1",
		"DB_MAX_CONN_IDLE_TIME", "20s",
		"DB_MAX_CONN_LIFETIME", "600",
		"DB_MAX_CONN_LIFETIME_JITTER", "0",
		"DB_CONNECT_TIMEOUT", "3s",
		"DB_ACQUIRE_TIMEOUT", "1m",
		"DB_UNAVAILABLE_WAIT", "15s",
		"DB_PING_IDLE", "0s",
		"DB_PING_TIMEOUT", "500ms",
		"DB_HEALTH_CHECK_PERIOD", "1m",
		"DB_STATEMENT_TIMEOUT", "0",
		"DB_APPLICATION_NAME", "api-canary",
		"CANVAS_API_URL", "http://canvas-mock:8001/",
		"CANVAS_TIMEOUT", "10",
		"ACCESS_TOKEN_EXPIRE_MINUTES", "60",
		"FRONTEND_HOST", "https://quiz.example.edu/",
		"BACKEND_CORS_ORIGINS", "https://a.example.edu/, https://quiz.example.edu",
		"PROJECT_NAME", "Rag@UiT",
		"PORT", "9000",
		"MAX_BODY_BYTES", "2048",
	)
	got, err := config.LoadAPI(t.Context(), lookup(env), nil)
	require.NoError(t, err)

	assert.Equal(t, config.EnvProduction, got.Environment)
	assert.Equal(t, slog.LevelDebug, got.LogLevel)
	want := db.Config{
		URL:                   databaseURL,
		Pooler:                db.PoolerRDSProxy,
		QueryExecMode:         "simple_protocol",
		MaxConns:              5,
		MinConns:              1,
		MaxConnIdleTime:       20 * time.Second,
		MaxConnLifetime:       10 * time.Minute,
		MaxConnLifetimeJitter: 0,
		ConnectTimeout:        3 * time.Second,
		AcquireTimeout:        time.Minute,
		UnavailableWait:       15 * time.Second,
		PingIdle:              0,
		PingTimeout:           500 * time.Millisecond,
		HealthCheckPeriod:     time.Minute,
		StatementTimeout:      0,
		ApplicationName:       "api-canary",
	}
	assert.Equal(t, want, got.DB)
	require.NoError(t, got.DB.Validate())
	assert.Equal(t, canvasURL, got.Canvas.BaseURL)
	assert.Equal(t, "http://canvas-mock:8001", got.Canvas.APIURL)
	assert.Equal(t, 10*time.Second, got.Canvas.Timeout)
	assert.Equal(t, time.Hour, got.AccessTokenTTL)
	assert.Equal(t, "https://quiz.example.edu", got.FrontendHost)
	assert.Equal(t, []string{"https://a.example.edu", "https://quiz.example.edu"}, got.CORSOrigins)
	assert.Equal(t, []string{"https://a.example.edu", "https://quiz.example.edu"}, got.AllCORSOrigins())
	assert.Equal(t, "Rag@UiT", got.ProjectName)
	assert.Equal(t, 9000, got.Port)
	assert.Equal(t, int64(2048), got.MaxBodyBytes)
}

func TestPoolerReachesDBConfig(t *testing.T) {
	t.Parallel()

	for _, p := range []db.Pooler{db.PoolerPgBouncer, db.PoolerRDSProxy, db.PoolerDirect} {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			got, err := config.LoadExport(t.Context(), lookup(with(minimalEnv("export"), "DB_POOLER", string(p))), nil)
			require.NoError(t, err)
			assert.Equal(t, p, got.DB.Pooler)
			assert.Empty(t, got.DB.QueryExecMode, "no override: the pooler decides")
		})
	}
	for _, mode := range []string{"exec", "cache_describe", "cache_statement", "describe_exec", "simple_protocol"} {
		t.Run("exec mode "+mode, func(t *testing.T) {
			t.Parallel()
			got, err := config.LoadGenerate(t.Context(), lookup(with(minimalEnv("generate"), "DB_QUERY_EXEC_MODE", mode)), nil)
			require.NoError(t, err)
			assert.Equal(t, mode, got.DB.QueryExecMode)
		})
	}
	t.Run("bad values", func(t *testing.T) {
		t.Parallel()
		_, err := config.LoadAPI(t.Context(), lookup(with(minimalEnv("api"),
			"DB_POOLER", "pgpool", "DB_QUERY_EXEC_MODE", "turbo")), nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `DB_POOLER: unknown pooler "pgpool"`)
		assert.Contains(t, err.Error(), `DB_QUERY_EXEC_MODE: `)
		assert.Contains(t, err.Error(), `"turbo"`)
	})
}

func TestAllProblemsReportedAtOnce(t *testing.T) {
	t.Parallel()

	t.Run("api", func(t *testing.T) {
		t.Parallel()
		env := with(minimalEnv("api"),
			"DATABASE_URL", "mysql://quizgen:hunter2@db/quizgen",
			"DB_MAX_CONNS", "abc",
			"DB_MIN_CONNS", "-1",
			"DB_CONNECT_TIMEOUT", "soon",
			"DB_POOLER", "pgpool",
			"LOG_LEVEL", "loud",
			"ENVIRONMENT", "dev",
			"CANVAS_BASE_URL", "ftp://canvas.example.edu",
			"CANVAS_TIMEOUT", "-3s",
			"TOKEN_ENCRYPTION_KEY", "not base64!",
			"PORT", "0",
			"ACCESS_TOKEN_EXPIRE_MINUTES", "0",
			"BACKEND_CORS_ORIGINS", "https://ok.example.edu,not-a-url",
			"FRONTEND_HOST", "localhost:5173",
			"MAX_BODY_BYTES", "lots",
		)
		delete(env, "JWT_SECRET")
		delete(env, "CANVAS_CLIENT_ID")
		delete(env, "EXPORT_QUEUE_URL")

		_, err := config.LoadAPI(t.Context(), lookup(env), nil)
		require.Error(t, err)
		msg := err.Error()
		for _, name := range []string{
			"DATABASE_URL", "DB_MAX_CONNS", "DB_MIN_CONNS", "DB_CONNECT_TIMEOUT", "DB_POOLER",
			"LOG_LEVEL", "ENVIRONMENT", "CANVAS_BASE_URL", "CANVAS_TIMEOUT", "TOKEN_ENCRYPTION_KEY",
			"PORT", "ACCESS_TOKEN_EXPIRE_MINUTES", "BACKEND_CORS_ORIGINS", "FRONTEND_HOST",
			"MAX_BODY_BYTES", "JWT_SECRET", "CANVAS_CLIENT_ID", "EXPORT_QUEUE_URL",
		} {
			assert.Contains(t, msg, name+": ", "every broken variable is named")
		}
		assert.Contains(t, msg, `DB_MAX_CONNS: "abc" is not an integer`)
		assert.NotContains(t, msg, "hunter2", "the database URL is never echoed")
		assert.NotContains(t, msg, "mysql://", "the database URL is never echoed")

		var joined interface{ Unwrap() []error }
		require.ErrorAs(t, err, &joined)
		assert.Len(t, joined.Unwrap(), 18, "one error per variable:\n%s", msg)
	})

	t.Run("generate", func(t *testing.T) {
		t.Parallel()
		env := with(minimalEnv("generate"),
			"LLM_PROVIDER", "openai",
			"LLM_CONCURRENCY", "64",
			"LLM_MAX_RETRIES", "x",
			"LLM_TIMEOUT", "0",
			"LLM_BASE_URL", "api.openai.com",
			"MOCK_LLM_LATENCY", "1.5",
			"MAX_FILE_SIZE", "0",
			"MIN_CONTENT_LENGTH", "600000",
		)
		delete(env, "GENERATE_QUEUE_URL")
		delete(env, "DATABASE_URL")

		_, err := config.LoadGenerate(t.Context(), lookup(env), nil)
		require.Error(t, err)
		for _, name := range []string{
			"LLM_API_KEY", "LLM_CONCURRENCY", "LLM_MAX_RETRIES", "LLM_TIMEOUT", "LLM_BASE_URL",
			"MOCK_LLM_LATENCY", "MAX_FILE_SIZE", "MIN_CONTENT_LENGTH", "GENERATE_QUEUE_URL", "DATABASE_URL",
		} {
			assert.Contains(t, err.Error(), name+": ")
		}
		assert.NotContains(t, err.Error(), "DB_*", "a missing DATABASE_URL is not reported twice")
		assert.Contains(t, err.Error(), "LLM_CONCURRENCY: 64 must be between 1 and 32")
	})

	t.Run("migrate", func(t *testing.T) {
		t.Parallel()
		_, err := config.LoadMigrate(t.Context(), lookup(map[string]string{
			"MIGRATE_LOCK_TIMEOUT": "forever",
			"LOG_LEVEL":            "trace",
		}), nil)
		require.Error(t, err)
		for _, name := range []string{"DATABASE_DIRECT_URL", "MIGRATE_LOCK_TIMEOUT", "LOG_LEVEL"} {
			assert.Contains(t, err.Error(), name+": ")
		}
	})
}

func TestDatabaseURLNeverEchoed(t *testing.T) {
	t.Parallel()

	for _, u := range []string{
		"postgres://quizgen:hunter2@pgbouncer:notaport/quizgen", // url.Parse fails and its error quotes the URL
		"mysql://quizgen:hunter2@db/quizgen",
		"quizgen:hunter2@pgbouncer:6432/quizgen",
		"host=pgbouncer password=hunter2",
	} {
		t.Run(u, func(t *testing.T) {
			t.Parallel()
			_, err := config.LoadExport(t.Context(), lookup(with(minimalEnv("export"), "DATABASE_URL", u)), nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "DATABASE_URL: ")
			assert.NotContains(t, err.Error(), "hunter2")

			_, err = config.LoadMigrate(t.Context(), lookup(map[string]string{"DATABASE_DIRECT_URL": u}), nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "DATABASE_DIRECT_URL: ")
			assert.NotContains(t, err.Error(), "hunter2")
		})
	}
}

func TestDurations(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name, value string
		want        time.Duration
		wantErr     string // substring of the error; "" for success
	}{
		{"go syntax", "45s", 45 * time.Second, ""},
		{"compound", "1m30s", 90 * time.Second, ""},
		{"milliseconds", "1500ms", 1500 * time.Millisecond, ""},
		{"plain seconds", "45", 45 * time.Second, ""},
		{"plain seconds with spaces", " 120 ", 2 * time.Minute, ""},
		{"zero is not positive", "0", 0, "MIGRATE_LOCK_TIMEOUT: must be positive"},
		{"negative", "-5s", 0, "MIGRATE_LOCK_TIMEOUT: -5s must not be negative"},
		{"negative seconds", "-5", 0, "must not be negative"},
		{"fractional seconds", "1.5", 0, `MIGRATE_LOCK_TIMEOUT: "1.5" is not a duration`},
		{"word", "soon", 0, `MIGRATE_LOCK_TIMEOUT: "soon" is not a duration`},
		{"overflow", "9223372036854775807", 0, "is not a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := config.LoadMigrate(t.Context(), lookup(with(minimalEnv("migrate"), "MIGRATE_LOCK_TIMEOUT", tt.value)), nil)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.LockTimeout)
		})
	}

	t.Run("zero allowed where it means off", func(t *testing.T) {
		t.Parallel()
		got, err := config.LoadGenerate(t.Context(), lookup(with(minimalEnv("generate"),
			"DB_STATEMENT_TIMEOUT", "0", "MOCK_LLM_LATENCY", "250ms", "LLM_TIMEOUT", "300")), nil)
		require.NoError(t, err)
		assert.Zero(t, got.DB.StatementTimeout)
		assert.Equal(t, 250*time.Millisecond, got.LLM.MockLatency)
		assert.Equal(t, 5*time.Minute, got.LLM.Timeout)
	})
}

// TestUnavailableWait: DB_UNAVAILABLE_WAIT may be 0 (no waiting) and at
// most 20s, so a request that waited for the database still answers within
// the API function's 29 s.
func TestUnavailableWait(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		value, wantErr string
		want           time.Duration
	}{
		{"", "", 10 * time.Second},
		{"0", "", 0},
		{"20s", "", 20 * time.Second},
		{"2500ms", "", 2500 * time.Millisecond},
		{"21s", "DB_UNAVAILABLE_WAIT: 21s is more than 20s", 0},
		{"-1s", "DB_UNAVAILABLE_WAIT: -1s must not be negative", 0},
		{"soon", `DB_UNAVAILABLE_WAIT: "soon" is not a duration`, 0},
	} {
		t.Run(tt.value, func(t *testing.T) {
			t.Parallel()
			env := minimalEnv("api")
			if tt.value != "" {
				env = with(env, "DB_UNAVAILABLE_WAIT", tt.value)
			}
			got, err := config.LoadAPI(t.Context(), lookup(env), nil)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.DB.UnavailableWait)
		})
	}
}

func TestTokenEncryptionKey(t *testing.T) {
	t.Parallel()

	key := tokenKey()
	tests := []struct {
		name, value, wantErr string
	}{
		{"standard padded", base64.StdEncoding.EncodeToString(key), ""},
		{"standard raw", base64.RawStdEncoding.EncodeToString(key), ""},
		{"url-safe padded", base64.URLEncoding.EncodeToString(key), ""},
		{"url-safe raw", base64.RawURLEncoding.EncodeToString(key), ""},
		{"trailing newline", base64.StdEncoding.EncodeToString(key) + "\n", ""},
		{"16 bytes", base64.StdEncoding.EncodeToString(key[:16]), "TOKEN_ENCRYPTION_KEY: decodes to 16 bytes, want 32"},
		{"not base64", "correct horse battery staple", "TOKEN_ENCRYPTION_KEY: is not base64"},
		{"mixed alphabets", strings.Replace(base64.StdEncoding.EncodeToString(key), "+", "-", 1), "is not base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := config.LoadExport(t.Context(), lookup(with(minimalEnv("export"), "TOKEN_ENCRYPTION_KEY", tt.value)), nil)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.NotContains(t, err.Error(), strings.TrimSpace(tt.value), "the key is never echoed")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, key, got.TokenKey.Value())
		})
	}
}

func TestJWTSecret(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name, environment, value, wantErr string
	}{
		{"long enough", "production", jwtSecret, ""},
		{"too short", "local", "short", "JWT_SECRET: must be at least 32 bytes"},
		{"changethis in local", "local", "changethis", ""},
		{"changethis by default (local)", "", "changethis", ""},
		{"changethis in staging", "staging", "changethis", `JWT_SECRET: the placeholder "changethis" is only allowed when ENVIRONMENT=local`},
		{"changethis in production", "production", "changethis", `JWT_SECRET: the placeholder "changethis"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := config.LoadAPI(t.Context(), lookup(with(minimalEnv("api"),
				"ENVIRONMENT", tt.environment, "JWT_SECRET", tt.value)), nil)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.value, got.JWTSecret.Value())
		})
	}

	t.Run("database password changethis refused outside local", func(t *testing.T) {
		t.Parallel()
		_, err := config.LoadAPI(t.Context(), lookup(with(minimalEnv("api"),
			"ENVIRONMENT", "staging", "DB_PASSWORD", "changethis")), nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "DB_PASSWORD: the placeholder")

		_, err = config.LoadMigrate(t.Context(), lookup(map[string]string{
			"ENVIRONMENT": "production", "DATABASE_DIRECT_URL": "postgres://quizgen:changethis@postgres/quizgen",
		}), nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "DATABASE_DIRECT_URL: the placeholder")

		_, err = config.LoadMigrate(t.Context(), lookup(map[string]string{
			"DATABASE_DIRECT_URL": "postgres://quizgen:changethis@postgres/quizgen",
		}), nil)
		require.NoError(t, err, "fine in local")
	})
}

func TestCORSOrigins(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name, value string
		want        []string
	}{
		{"empty", "", nil},
		{"one", "https://a.example.edu", []string{"https://a.example.edu"}},
		{"comma-separated", "https://a.example.edu/, http://localhost:3000 ,,", []string{"https://a.example.edu", "http://localhost:3000"}},
		{"JSON list", `["https://a.example.edu/", "http://localhost:3000"]`, []string{"https://a.example.edu", "http://localhost:3000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := config.LoadAPI(t.Context(), lookup(with(minimalEnv("api"), "BACKEND_CORS_ORIGINS", tt.value)), nil)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.CORSOrigins)
			assert.Equal(t, append(tt.want, "http://localhost:5173"), got.AllCORSOrigins())
		})
	}

	t.Run("bad JSON", func(t *testing.T) {
		t.Parallel()
		_, err := config.LoadAPI(t.Context(), lookup(with(minimalEnv("api"), "BACKEND_CORS_ORIGINS", `["https://a.example.edu"`)), nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "BACKEND_CORS_ORIGINS: ")
	})
}

func TestLLM(t *testing.T) {
	t.Parallel()

	t.Run("openai with key", func(t *testing.T) {
		t.Parallel()
		got, err := config.LoadGenerate(t.Context(), lookup(with(minimalEnv("generate"),
			"LLM_PROVIDER", "openai", "LLM_API_KEY", "sk-test", "LLM_BASE_URL", "https://llm.example.edu/v1/",
			"LLM_MODEL", "gpt-4.1", "LLM_CONCURRENCY", "32", "LLM_MAX_RETRIES", "0")), nil)
		require.NoError(t, err)
		assert.Equal(t, config.LLM{
			Provider:    config.LLMOpenAI,
			BaseURL:     "https://llm.example.edu/v1",
			APIKey:      "sk-test",
			Model:       "gpt-4.1",
			Timeout:     120 * time.Second,
			Concurrency: 32,
			MaxRetries:  0,
		}, got.LLM)
	})

	t.Run("openai without key", func(t *testing.T) {
		t.Parallel()
		_, err := config.LoadGenerate(t.Context(), lookup(with(minimalEnv("generate"), "LLM_PROVIDER", "openai")), nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "LLM_API_KEY: required")
	})

	t.Run("unknown provider", func(t *testing.T) {
		t.Parallel()
		_, err := config.LoadGenerate(t.Context(), lookup(with(minimalEnv("generate"), "LLM_PROVIDER", "claude")), nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `LLM_PROVIDER: "claude" is not a provider`)
	})
}

func TestMigrateDirectURL(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name, url, password, want string
	}{
		{"no password", directURL, "", directURL},
		{"password added", directURL, "s3cret", "postgres://quizgen:s3cret@postgres:5432/quizgen"},
		{"password replaced", "postgres://quizgen:old@postgres/quizgen?sslmode=require", "new", "postgres://quizgen:new@postgres/quizgen?sslmode=require"},
		{"escaped", directURL, "p@ss:w/rd", "postgres://quizgen:p%40ss%3Aw%2Frd@postgres:5432/quizgen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := config.LoadMigrate(t.Context(), lookup(map[string]string{
				"DATABASE_DIRECT_URL": tt.url, "DB_PASSWORD": tt.password,
			}), nil)
			require.NoError(t, err)
			assert.Equal(t, tt.url, got.URL)
			assert.Equal(t, tt.want, got.DirectURL())
		})
	}
}

func TestSecretSources(t *testing.T) {
	t.Parallel()

	const dbPassword = "db-password-value"
	fetcher := mapFetcher(
		map[string]string{
			"arn:aws:secretsmanager:eu-west-1:123456789012:secret:quizgen-abc": `{"jwt":"` + jwtSecret + `","canvas":"` + canvasSecret + `","port":5432}`,
			"db-creds": dbPassword,
		},
		map[string]string{"/quizgen/db-password": dbPassword},
	)

	tests := []struct {
		name string
		env  map[string]string
	}{
		{"value", map[string]string{"DB_PASSWORD": dbPassword}},
		{"secrets manager", map[string]string{"DB_PASSWORD_SECRET_ARN": "db-creds"}},
		{"secrets manager json key", map[string]string{
			"DB_PASSWORD_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:quizgen-abc#jwt",
		}},
		{"ssm", map[string]string{"DB_PASSWORD_SSM_PARAMETER": "/quizgen/db-password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := with(minimalEnv("api"))
			for k, v := range tt.env {
				env[k] = v
			}
			got, err := config.LoadAPI(t.Context(), lookup(env), fetcher)
			require.NoError(t, err)
			want := dbPassword
			if strings.HasSuffix(tt.name, "json key") {
				want = jwtSecret
			}
			assert.Equal(t, want, got.DB.Password)
		})
	}

	t.Run("every secret by reference, one fetch per secret id", func(t *testing.T) {
		t.Parallel()
		var smCalls, ssmCalls atomic.Int32
		f := fakeFetcher{
			secretString: func(ctx context.Context, id string) (string, error) {
				smCalls.Add(1)
				return fetcher.SecretString(ctx, id)
			},
			parameter: func(_ context.Context, name string) (string, error) {
				ssmCalls.Add(1)
				assert.Equal(t, "/quizgen/token-key", name) // not require: this runs on another goroutine
				return base64.StdEncoding.EncodeToString(tokenKey()), nil
			},
		}
		env := minimalEnv("api")
		delete(env, "JWT_SECRET")
		delete(env, "CANVAS_CLIENT_SECRET")
		delete(env, "TOKEN_ENCRYPTION_KEY")
		env["JWT_SECRET_SECRET_ARN"] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:quizgen-abc#jwt"
		env["CANVAS_CLIENT_SECRET_SECRET_ARN"] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:quizgen-abc#canvas"
		env["TOKEN_ENCRYPTION_KEY_SSM_PARAMETER"] = "/quizgen/token-key"
		env["DB_PASSWORD_SECRET_ARN"] = "db-creds"

		got, err := config.LoadAPI(t.Context(), lookup(env), f)
		require.NoError(t, err)
		assert.Equal(t, jwtSecret, got.JWTSecret.Value())
		assert.Equal(t, canvasSecret, got.Canvas.ClientSecret.Value())
		assert.Equal(t, tokenKey(), got.TokenKey.Value())
		assert.Equal(t, dbPassword, got.DB.Password)
		assert.Equal(t, int32(2), smCalls.Load(), "quizgen-abc is read once for both keys, plus db-creds")
		assert.Equal(t, int32(1), ssmCalls.Load())
	})

	t.Run("two sources", func(t *testing.T) {
		t.Parallel()
		_, err := config.LoadAPI(t.Context(), lookup(with(minimalEnv("api"),
			"JWT_SECRET_SSM_PARAMETER", "/quizgen/jwt",
			"DB_PASSWORD", dbPassword, "DB_PASSWORD_SECRET_ARN", "db-creds", "DB_PASSWORD_SSM_PARAMETER", "/quizgen/db-password",
		)), fetcher)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "JWT_SECRET: set only one of JWT_SECRET, JWT_SECRET_SSM_PARAMETER")
		assert.Contains(t, err.Error(), "DB_PASSWORD: set only one of DB_PASSWORD, DB_PASSWORD_SECRET_ARN, DB_PASSWORD_SSM_PARAMETER")
		assert.NotContains(t, err.Error(), jwtSecret)
		assert.NotContains(t, err.Error(), dbPassword)
	})

	t.Run("missing required secret names all three forms", func(t *testing.T) {
		t.Parallel()
		env := minimalEnv("export")
		delete(env, "CANVAS_CLIENT_SECRET")
		_, err := config.LoadExport(t.Context(), lookup(env), nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(),
			"CANVAS_CLIENT_SECRET: required (set CANVAS_CLIENT_SECRET, CANVAS_CLIENT_SECRET_SECRET_ARN or CANVAS_CLIENT_SECRET_SSM_PARAMETER)")
	})

	t.Run("nil fetcher", func(t *testing.T) {
		t.Parallel()
		_, err := config.LoadMigrate(t.Context(), lookup(with(minimalEnv("migrate"),
			"DB_PASSWORD_SSM_PARAMETER", "/quizgen/db-password")), nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "DB_PASSWORD_SSM_PARAMETER: cannot be resolved: no secret fetcher")
	})

	t.Run("fetch errors", func(t *testing.T) {
		t.Parallel()
		errDenied := errors.New("AccessDeniedException: not authorized to perform secretsmanager:GetSecretValue")
		f := fakeFetcher{
			secretString: func(_ context.Context, id string) (string, error) {
				if id == "quizgen-abc" {
					return `{"jwt": "` + jwtSecret + `", "canvas": 42}`, nil
				}
				return "", errDenied
			},
			parameter: func(context.Context, string) (string, error) { return "", context.DeadlineExceeded },
		}
		env := minimalEnv("api")
		delete(env, "JWT_SECRET")
		delete(env, "CANVAS_CLIENT_SECRET")
		delete(env, "TOKEN_ENCRYPTION_KEY")
		env["DB_PASSWORD_SECRET_ARN"] = "db-creds"
		env["JWT_SECRET_SECRET_ARN"] = "quizgen-abc#missing"
		env["CANVAS_CLIENT_SECRET_SECRET_ARN"] = "quizgen-abc#canvas"
		env["TOKEN_ENCRYPTION_KEY_SSM_PARAMETER"] = "/quizgen/token-key"

		_, err := config.LoadAPI(t.Context(), lookup(env), f)
		require.Error(t, err)
		msg := err.Error()
		assert.Contains(t, msg, "DB_PASSWORD_SECRET_ARN: read secret: AccessDeniedException")
		assert.Contains(t, msg, `JWT_SECRET_SECRET_ARN: the secret has no key "missing"`)
		assert.Contains(t, msg, `CANVAS_CLIENT_SECRET_SECRET_ARN: the value of key "canvas" is not a string`)
		assert.Contains(t, msg, "TOKEN_ENCRYPTION_KEY_SSM_PARAMETER: read parameter: context deadline exceeded")
		require.ErrorIs(t, err, errDenied, "fetch errors are wrapped")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.NotContains(t, msg, jwtSecret, "other keys of a secret are never echoed")
		assert.NotContains(t, msg, "JWT_SECRET: required", "a failed reference is not also reported as missing")
	})

	t.Run("malformed JSON secret is not echoed", func(t *testing.T) {
		t.Parallel()
		f := fakeFetcher{secretString: func(context.Context, string) (string, error) {
			return "topsecretvalue-not-json", nil
		}}
		_, err := config.LoadMigrate(t.Context(), lookup(with(minimalEnv("migrate"),
			"DB_PASSWORD_SECRET_ARN", "db-creds#password")), f)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "DB_PASSWORD_SECRET_ARN: the secret is not a JSON object")
		assert.NotContains(t, err.Error(), "topsecret")
		assert.NotContains(t, err.Error(), "'t'", "not even one character, as json.SyntaxError would show")
	})

	t.Run("empty secret", func(t *testing.T) {
		t.Parallel()
		f := fakeFetcher{parameter: func(context.Context, string) (string, error) { return "", nil }}
		_, err := config.LoadMigrate(t.Context(), lookup(with(minimalEnv("migrate"),
			"DB_PASSWORD_SSM_PARAMETER", "/quizgen/db-password")), f)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "DB_PASSWORD_SSM_PARAMETER: the secret is empty")
	})
}
