package config

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"strconv"
	"time"

	"quizgen/internal/db"
	"quizgen/internal/quiz"
)

// Environment is the deployment stage (ENVIRONMENT).
type Environment string

// The stages ENVIRONMENT accepts.
const (
	EnvLocal      Environment = "local"
	EnvStaging    Environment = "staging"
	EnvProduction Environment = "production"
)

// Canvas is how the functions reach Canvas LMS.
type Canvas struct {
	// BaseURL is the browser-facing Canvas (CANVAS_BASE_URL, required,
	// http or https), without trailing slashes. The OAuth login redirect
	// and the token refresh go there.
	BaseURL string
	// APIURL is the base of server-to-server calls (CANVAS_API_URL,
	// default BaseURL), without trailing slashes: a Canvas mock in local
	// runs, like the original's CANVAS_MOCK_URL.
	APIURL string
	// ClientID is the OAuth developer key id (CANVAS_CLIENT_ID, required).
	ClientID string
	// ClientSecret is the OAuth developer key secret (CANVAS_CLIENT_SECRET,
	// required).
	ClientSecret Secret
	// Timeout bounds each Canvas HTTP request (CANVAS_TIMEOUT, 30s).
	Timeout time.Duration
	// DownloadHosts are the hosts, besides Canvas's own, that course files
	// may be downloaded from or redirected to: the Canvas's file stores
	// (CANVAS_DOWNLOAD_HOSTS, comma-separated host names, "*.domain" for
	// every subdomain; default none).
	DownloadHosts []string
	// AllowPrivate lets downloads reach Canvas's own host on a loopback or
	// private address (a fake Canvas): set only when ENVIRONMENT=local.
	AllowPrivate bool
}

// LLMProvider names the question writer (LLM_PROVIDER).
type LLMProvider string

// The providers LLM_PROVIDER accepts.
const (
	LLMMock   LLMProvider = "mock"   // canned questions, no network
	LLMOpenAI LLMProvider = "openai" // an OpenAI-compatible chat API
)

// LLM configures the question writer of the generate function.
type LLM struct {
	// Provider is LLM_PROVIDER (mock or openai, default mock).
	Provider LLMProvider
	// BaseURL is an OpenAI-compatible endpoint (LLM_BASE_URL, optional,
	// without trailing slashes); empty means the provider's default.
	BaseURL string
	// APIKey is LLM_API_KEY, required when Provider is openai.
	APIKey Secret
	// Model is LLM_MODEL (default o3).
	Model string
	// Timeout bounds one LLM request (LLM_TIMEOUT, 120s).
	Timeout time.Duration
	// Concurrency is how many batch jobs a local generate process runs at
	// once, one queue poller each (LLM_CONCURRENCY, 4, 1..32); unused under
	// Lambda, where each environment runs one job at a time.
	Concurrency int
	// MaxRetries is how often a failed LLM request is retried
	// (LLM_MAX_RETRIES, 3, 0..10).
	MaxRetries int
	// MockLatency is how long the mock provider waits per answer
	// (MOCK_LLM_LATENCY, 0s).
	MockLatency time.Duration
}

// ContentLimits bounds the course content the generate function extracts;
// the defaults are the original's. All are positive.
type ContentLimits struct {
	// MaxFileSize is the largest file, in bytes, that is downloaded
	// (MAX_FILE_SIZE, 10485760).
	MaxFileSize int64
	// MaxTotalContentSize caps the characters extracted for one quiz
	// (MAX_TOTAL_CONTENT_SIZE, 52428800).
	MaxTotalContentSize int
	// MaxPagesPerModule caps the items read per module
	// (MAX_PAGES_PER_MODULE, 100).
	MaxPagesPerModule int
	// MaxContentLength caps the characters kept per page or file
	// (MAX_CONTENT_LENGTH, 500000).
	MaxContentLength int
	// MinContentLength is the fewest characters a page or file needs to
	// count (MIN_CONTENT_LENGTH, 50, at most MaxContentLength).
	MinContentLength int
}

// API is the configuration of the api function.
type API struct {
	// LogLevel is LOG_LEVEL (debug, info, warn or error; default info).
	LogLevel slog.Level
	// Environment is ENVIRONMENT (default local).
	Environment Environment
	// DB is the pool configuration (DATABASE_URL, DB_PASSWORD, DB_*).
	DB db.Config
	// Canvas is CANVAS_*.
	Canvas Canvas
	// TokenKey is the AES-256-GCM key of Canvas tokens at rest
	// (TOKEN_ENCRYPTION_KEY, required, base64 of 32 bytes).
	TokenKey SecretBytes
	// JWTSecret is the HS256 key of session tokens (JWT_SECRET, required,
	// at least 32 bytes; "changethis" is accepted only in local).
	JWTSecret Secret
	// AccessTokenTTL is the lifetime of a session token
	// (ACCESS_TOKEN_EXPIRE_MINUTES, default 11520 minutes: 8 days).
	AccessTokenTTL time.Duration
	// CanvasRedirectURI is the OAuth redirect_uri registered with Canvas
	// (CANVAS_REDIRECT_URI, required), exactly as given.
	CanvasRedirectURI string
	// CanvasScopes are the developer key scopes the login asks Canvas for
	// (CANVAS_OAUTH_SCOPES, space- or comma-separated; default
	// DefaultCanvasScopes; "none" asks for none, for an unscoped key).
	CanvasScopes []string
	// CanvasCoursePrefixes keep, of the courses a teacher teaches, those
	// whose name starts with one of them (CANVAS_COURSE_PREFIX_FILTER,
	// comma-separated; default none: every course).
	CanvasCoursePrefixes []string
	// FrontendHost is the frontend's origin, without trailing slashes
	// (FRONTEND_HOST, default http://localhost:5173): OAuth redirects go
	// there, and CORS allows it.
	FrontendHost string
	// CORSOrigins are further origins CORS allows (BACKEND_CORS_ORIGINS,
	// comma-separated or a JSON list, trailing slashes removed; default
	// none). See AllCORSOrigins.
	CORSOrigins []string
	// ProjectName is the application's title (PROJECT_NAME, default quizgen).
	ProjectName string
	// GenerateQueueURL is the SQS queue of generation jobs
	// (GENERATE_QUEUE_URL, required).
	GenerateQueueURL string
	// ExportQueueURL is the SQS queue of export jobs (EXPORT_QUEUE_URL,
	// required).
	ExportQueueURL string
	// Port is where the API listens when run locally outside Lambda (PORT,
	// default 8080).
	Port int
	// ListenHost is the address the API listens on outside Lambda
	// (LISTEN_HOST, default 127.0.0.1: this machine only; 0.0.0.0 or ::
	// for every interface, e.g. in a container).
	ListenHost string
	// MaxBodyBytes caps request bodies (MAX_BODY_BYTES, default 1048576).
	MaxBodyBytes int64
	// Health configures GET /api/v1/utils/health/db.
	Health Health
	// MetricsInterval is how often local mode writes the pool metrics
	// (METRICS_INTERVAL, default 60s; under Lambda: after every invocation).
	MetricsInterval time.Duration
	// Limits caps the LLM work one user may start; 0 disables a limit:
	// LIMIT_QUESTIONS_PER_DAY (default 2000), LIMIT_GENERATIONS_PER_QUIZ
	// (default 5) and LIMIT_PROCESSING_QUIZZES (default 5).
	Limits quiz.Limits
}

// Health configures the database health check.
type Health struct {
	// PgBouncerAdminURL reaches PgBouncer's admin console as the stats
	// user (PGBOUNCER_ADMIN_URL; empty: the pooler is not inspected).
	PgBouncerAdminURL string
	// PgBouncerAdminPassword replaces that URL's password
	// (PGBOUNCER_ADMIN_PASSWORD, secret, optional).
	PgBouncerAdminPassword Secret
	// RDSProxyName is the RDS Proxy whose targets are described
	// (RDS_PROXY_NAME; used when DB_POOLER=rds-proxy).
	RDSProxyName string
	// Timeout bounds the whole check (HEALTH_TIMEOUT, 2s).
	Timeout time.Duration
	// CacheTTL is how long a pooler answer is reused (HEALTH_CACHE_TTL, 5s).
	CacheTTL time.Duration
	// MaxWait: clients waiting at the pooler longer than this make the
	// verdict degraded (HEALTH_MAX_WAIT, 1s).
	MaxWait time.Duration
	// DetailToken is the bearer token that shows the health report's
	// versions, names and error text (HEALTH_DETAIL_TOKEN, secret,
	// optional; unset: never shown).
	DetailToken Secret
}

// ListenAddr is the host:port the API listens on outside Lambda.
func (c API) ListenAddr() string {
	return net.JoinHostPort(c.ListenHost, strconv.Itoa(c.Port))
}

// AllCORSOrigins returns CORSOrigins followed by FrontendHost unless it is
// already listed: the original's all_cors_origins.
func (c API) AllCORSOrigins() []string {
	out := make([]string, 0, len(c.CORSOrigins)+1)
	seen := false
	for _, o := range c.CORSOrigins {
		seen = seen || o == c.FrontendHost
		out = append(out, o)
	}
	if !seen && c.FrontendHost != "" {
		out = append(out, c.FrontendHost)
	}
	return out
}

// Generate is the configuration of the generate function.
type Generate struct {
	// LogLevel is LOG_LEVEL (default info).
	LogLevel slog.Level
	// Environment is ENVIRONMENT (default local).
	Environment Environment
	// DB is the pool configuration (DATABASE_URL, DB_PASSWORD, DB_*).
	DB db.Config
	// Canvas is CANVAS_*.
	Canvas Canvas
	// TokenKey is TOKEN_ENCRYPTION_KEY (see API.TokenKey).
	TokenKey SecretBytes
	// GenerateQueueURL is the SQS queue this function consumes
	// (GENERATE_QUEUE_URL, required).
	GenerateQueueURL string
	// LLM is LLM_* and MOCK_LLM_LATENCY.
	LLM LLM
	// Content is MAX_FILE_SIZE, MAX_TOTAL_CONTENT_SIZE,
	// MAX_PAGES_PER_MODULE, MAX_CONTENT_LENGTH and MIN_CONTENT_LENGTH.
	Content ContentLimits
}

// Export is the configuration of the export function.
type Export struct {
	// LogLevel is LOG_LEVEL (default info).
	LogLevel slog.Level
	// Environment is ENVIRONMENT (default local).
	Environment Environment
	// DB is the pool configuration (DATABASE_URL, DB_PASSWORD, DB_*).
	DB db.Config
	// Canvas is CANVAS_*.
	Canvas Canvas
	// TokenKey is TOKEN_ENCRYPTION_KEY (see API.TokenKey).
	TokenKey SecretBytes
	// ExportQueueURL is the SQS queue this function consumes
	// (EXPORT_QUEUE_URL, required).
	ExportQueueURL string
}

// Migrate is the configuration of the migrate function, which talks to
// PostgreSQL directly: migrations take session-level advisory locks that a
// transaction-mode pooler cannot keep.
type Migrate struct {
	// LogLevel is LOG_LEVEL (default info).
	LogLevel slog.Level
	// Environment is ENVIRONMENT (default local).
	Environment Environment
	// URL is DATABASE_DIRECT_URL (required): a postgres:// URL of
	// PostgreSQL itself, never of the pooler. Connect with DirectURL, which
	// applies Password.
	URL string
	// Password is DB_PASSWORD (optional); it replaces the password of URL.
	Password Secret
	// LockTimeout bounds the wait for the migration lock
	// (MIGRATE_LOCK_TIMEOUT, default 60s).
	LockTimeout time.Duration
}

// DirectURL returns URL with Password, if set, as its password. The result
// holds the password: pass it to the driver, never log it. It returns URL
// unchanged if Password is empty.
func (c Migrate) DirectURL() string {
	if c.Password == "" {
		return c.URL
	}
	u, err := url.Parse(c.URL)
	if err != nil { // LoadMigrate accepted only parseable URLs
		return c.URL
	}
	u.User = url.UserPassword(u.User.Username(), c.Password.Value())
	return u.String()
}

// LoadAPI reads the api configuration through getenv (os.Getenv in main,
// a map lookup in tests), fetching referenced secrets through f (which may
// be nil when no *_SECRET_ARN or *_SSM_PARAMETER is set). On failure it
// returns the zero API and an error listing every invalid variable.
func LoadAPI(ctx context.Context, getenv func(string) string, f Fetcher) (API, error) {
	e := &env{getenv: getenv}
	stage := e.environment()
	s := e.secrets(ctx, f,
		secretSpec{"DB_PASSWORD", false},
		secretSpec{"CANVAS_CLIENT_SECRET", true},
		secretSpec{"TOKEN_ENCRYPTION_KEY", true},
		secretSpec{"JWT_SECRET", true},
		secretSpec{"PGBOUNCER_ADMIN_PASSWORD", false},
		secretSpec{"HEALTH_DETAIL_TOKEN", false},
	)
	cfg := API{
		LogLevel:             e.level(),
		Environment:          stage,
		DB:                   e.database("api", s["DB_PASSWORD"], stage),
		Canvas:               e.canvas(s["CANVAS_CLIENT_SECRET"]),
		TokenKey:             e.tokenKey(s["TOKEN_ENCRYPTION_KEY"]),
		JWTSecret:            e.jwtSecret(s["JWT_SECRET"], stage),
		AccessTokenTTL:       time.Duration(e.integer("ACCESS_TOKEN_EXPIRE_MINUTES", 1, math.MaxInt64/int64(time.Minute))) * time.Minute,
		CanvasRedirectURI:    e.required("CANVAS_REDIRECT_URI"),
		CanvasScopes:         e.scopes("CANVAS_OAUTH_SCOPES"),
		CanvasCoursePrefixes: e.prefixes("CANVAS_COURSE_PREFIX_FILTER"),
		FrontendHost:         e.httpURL("FRONTEND_HOST"),
		CORSOrigins:          e.origins("BACKEND_CORS_ORIGINS"),
		ProjectName:          e.str("PROJECT_NAME"),
		GenerateQueueURL:     e.requiredHTTPURL("GENERATE_QUEUE_URL"),
		ExportQueueURL:       e.requiredHTTPURL("EXPORT_QUEUE_URL"),
		Port:                 int(e.integer("PORT", 1, 65535)),
		ListenHost:           e.listenHost("LISTEN_HOST"),
		MaxBodyBytes:         e.integer("MAX_BODY_BYTES", 1, math.MaxInt64),
		Health: Health{
			PgBouncerAdminURL:      e.optionalPostgresURL("PGBOUNCER_ADMIN_URL"),
			PgBouncerAdminPassword: s["PGBOUNCER_ADMIN_PASSWORD"],
			DetailToken:            s["HEALTH_DETAIL_TOKEN"],
			RDSProxyName:           e.str("RDS_PROXY_NAME"),
			Timeout:                e.duration("HEALTH_TIMEOUT", true),
			CacheTTL:               e.duration("HEALTH_CACHE_TTL", true),
			MaxWait:                e.duration("HEALTH_MAX_WAIT", true),
		},
		MetricsInterval: e.duration("METRICS_INTERVAL", true),
		Limits: quiz.Limits{
			QuestionsPerDay:    int(e.integer("LIMIT_QUESTIONS_PER_DAY", 0, math.MaxInt32)),
			GenerationsPerQuiz: int(e.integer("LIMIT_GENERATIONS_PER_QUIZ", 0, math.MaxInt32)),
			ProcessingQuizzes:  int(e.integer("LIMIT_PROCESSING_QUIZZES", 0, math.MaxInt32)),
		},
	}
	// The redirect URI must match Canvas's registration byte for byte, so
	// it is checked but kept as given (no slash trimming).
	if cfg.CanvasRedirectURI != "" {
		if err := checkHTTPURL(cfg.CanvasRedirectURI); err != nil {
			e.fail("CANVAS_REDIRECT_URI", err)
		}
	}
	if err := e.err(); err != nil {
		return API{}, err
	}
	return cfg, nil
}

// LoadGenerate reads the generate configuration; see LoadAPI for getenv,
// f and errors.
func LoadGenerate(ctx context.Context, getenv func(string) string, f Fetcher) (Generate, error) {
	e := &env{getenv: getenv}
	stage := e.environment()
	provider := e.llmProvider()
	s := e.secrets(ctx, f,
		secretSpec{"DB_PASSWORD", false},
		secretSpec{"CANVAS_CLIENT_SECRET", true},
		secretSpec{"TOKEN_ENCRYPTION_KEY", true},
		secretSpec{"LLM_API_KEY", provider == LLMOpenAI},
	)
	cfg := Generate{
		LogLevel:         e.level(),
		Environment:      stage,
		DB:               e.database("generate", s["DB_PASSWORD"], stage),
		Canvas:           e.canvas(s["CANVAS_CLIENT_SECRET"]),
		TokenKey:         e.tokenKey(s["TOKEN_ENCRYPTION_KEY"]),
		GenerateQueueURL: e.requiredHTTPURL("GENERATE_QUEUE_URL"),
		LLM: LLM{
			Provider:    provider,
			BaseURL:     e.httpURL("LLM_BASE_URL"),
			APIKey:      s["LLM_API_KEY"],
			Model:       e.str("LLM_MODEL"),
			Timeout:     e.duration("LLM_TIMEOUT", true),
			Concurrency: int(e.integer("LLM_CONCURRENCY", 1, 32)),
			MaxRetries:  int(e.integer("LLM_MAX_RETRIES", 0, 10)),
			MockLatency: e.duration("MOCK_LLM_LATENCY", false),
		},
		Content: ContentLimits{
			MaxFileSize:         e.integer("MAX_FILE_SIZE", 1, math.MaxInt64),
			MaxTotalContentSize: int(e.integer("MAX_TOTAL_CONTENT_SIZE", 1, math.MaxInt32)),
			MaxPagesPerModule:   int(e.integer("MAX_PAGES_PER_MODULE", 1, math.MaxInt32)),
			MaxContentLength:    int(e.integer("MAX_CONTENT_LENGTH", 1, math.MaxInt32)),
			MinContentLength:    int(e.integer("MIN_CONTENT_LENGTH", 1, math.MaxInt32)),
		},
	}
	if c := cfg.Content; c.MinContentLength > c.MaxContentLength {
		e.failf("MIN_CONTENT_LENGTH", "%d is more than MAX_CONTENT_LENGTH (%d)", c.MinContentLength, c.MaxContentLength)
	}
	if err := e.err(); err != nil {
		return Generate{}, err
	}
	return cfg, nil
}

// LoadExport reads the export configuration; see LoadAPI for getenv, f and
// errors.
func LoadExport(ctx context.Context, getenv func(string) string, f Fetcher) (Export, error) {
	e := &env{getenv: getenv}
	stage := e.environment()
	s := e.secrets(ctx, f,
		secretSpec{"DB_PASSWORD", false},
		secretSpec{"CANVAS_CLIENT_SECRET", true},
		secretSpec{"TOKEN_ENCRYPTION_KEY", true},
	)
	cfg := Export{
		LogLevel:       e.level(),
		Environment:    stage,
		DB:             e.database("export", s["DB_PASSWORD"], stage),
		Canvas:         e.canvas(s["CANVAS_CLIENT_SECRET"]),
		TokenKey:       e.tokenKey(s["TOKEN_ENCRYPTION_KEY"]),
		ExportQueueURL: e.requiredHTTPURL("EXPORT_QUEUE_URL"),
	}
	if err := e.err(); err != nil {
		return Export{}, err
	}
	return cfg, nil
}

// LoadMigrate reads the migrate configuration; see LoadAPI for getenv, f
// and errors.
func LoadMigrate(ctx context.Context, getenv func(string) string, f Fetcher) (Migrate, error) {
	e := &env{getenv: getenv}
	stage := e.environment()
	s := e.secrets(ctx, f, secretSpec{"DB_PASSWORD", false})
	cfg := Migrate{
		LogLevel:    e.level(),
		Environment: stage,
		URL:         e.postgresURL("DATABASE_DIRECT_URL"),
		Password:    s["DB_PASSWORD"],
		LockTimeout: e.duration("MIGRATE_LOCK_TIMEOUT", true),
	}
	if cfg.Password == "" { // DB_PASSWORD itself was checked by secrets
		e.noPlaceholder("DATABASE_DIRECT_URL", urlPassword(cfg.URL), stage)
	}
	if err := e.err(); err != nil {
		return Migrate{}, err
	}
	return cfg, nil
}

func (e *env) llmProvider() LLMProvider {
	const name = "LLM_PROVIDER"
	switch p := LLMProvider(e.str(name)); p {
	case LLMMock, LLMOpenAI:
		return p
	default:
		e.failf(name, "%q is not a provider (want mock or openai)", p)
		return LLMProvider(tableDefault(name))
	}
}

func (e *env) canvas(secret Secret) Canvas {
	c := Canvas{
		BaseURL:       e.requiredHTTPURL("CANVAS_BASE_URL"),
		APIURL:        e.httpURL("CANVAS_API_URL"),
		ClientID:      e.required("CANVAS_CLIENT_ID"),
		ClientSecret:  secret,
		Timeout:       e.duration("CANVAS_TIMEOUT", true),
		DownloadHosts: e.hosts("CANVAS_DOWNLOAD_HOSTS"),
		AllowPrivate:  e.stage == EnvLocal,
	}
	if c.APIURL == "" {
		c.APIURL = c.BaseURL
	}
	return c
}

// database starts from db.DefaultConfig and applies DATABASE_URL,
// DB_PASSWORD and DB_*, unset ones at their defaults in Variables
// (TestDatabaseDefaults keeps db.DefaultConfig's the same). Each variable is checked here so that its error
// names it; db.Config.Validate then runs as the database package's own
// last word.
// maxUnavailableWait bounds DB_UNAVAILABLE_WAIT below the API function's
// timeout (29 s in template.yaml), leaving time for the work itself.
const maxUnavailableWait = 20 * time.Second

func (e *env) database(function string, password Secret, stage Environment) db.Config {
	dbURL := e.postgresURL("DATABASE_URL")
	pooler, err := db.ParsePooler(e.str("DB_POOLER"))
	if err != nil {
		e.fail("DB_POOLER", err)
		pooler = db.Pooler(tableDefault("DB_POOLER"))
	}
	c := db.DefaultConfig(dbURL, pooler)
	c.Password = password.Value()
	if c.Password == "" { // DB_PASSWORD itself was checked by secrets
		e.noPlaceholder("DATABASE_URL", urlPassword(dbURL), stage)
	}
	if v := e.get("DB_QUERY_EXEC_MODE"); v != "" {
		// db owns the list of exec modes; ask it through a config that is
		// valid except for the mode.
		probe := db.DefaultConfig("postgres://probe", db.PoolerDirect)
		probe.QueryExecMode = v
		if err := probe.Validate(); err != nil {
			e.fail("DB_QUERY_EXEC_MODE", err)
		} else {
			c.QueryExecMode = v
		}
	}
	c.MaxConns = e.int32("DB_MAX_CONNS", 1)
	if n := e.int32("DB_MIN_CONNS", 0); n > c.MaxConns {
		e.failf("DB_MIN_CONNS", "%d is more than DB_MAX_CONNS (%d)", n, c.MaxConns)
	} else {
		c.MinConns = n
	}
	c.MaxConnIdleTime = e.duration("DB_MAX_CONN_IDLE_TIME", true)
	c.MaxConnLifetime = e.duration("DB_MAX_CONN_LIFETIME", true)
	c.MaxConnLifetimeJitter = e.duration("DB_MAX_CONN_LIFETIME_JITTER", false)
	c.ConnectTimeout = e.duration("DB_CONNECT_TIMEOUT", true)
	c.AcquireTimeout = e.duration("DB_ACQUIRE_TIMEOUT", true)
	c.UnavailableWait = e.duration("DB_UNAVAILABLE_WAIT", false)
	if c.UnavailableWait > maxUnavailableWait {
		e.failf("DB_UNAVAILABLE_WAIT", "%s is more than %s: the API function answers within 29 s, and the request must still do its work after the wait",
			c.UnavailableWait, maxUnavailableWait)
		c.UnavailableWait = maxUnavailableWait
	}
	c.PingIdle = e.duration("DB_PING_IDLE", false)
	c.PingTimeout = e.duration("DB_PING_TIMEOUT", true)
	c.HealthCheckPeriod = e.duration("DB_HEALTH_CHECK_PERIOD", true)
	c.StatementTimeout = e.duration("DB_STATEMENT_TIMEOUT", false)
	c.ApplicationName = e.str("DB_APPLICATION_NAME")
	if c.ApplicationName == "" {
		c.ApplicationName = "quizgen-" + function
	}
	c.IAMAuth = e.boolean("DB_IAM_AUTH")

	check := c
	if check.URL == "" { // already reported as DATABASE_URL
		check.URL = "postgres://unset"
	}
	if err := check.Validate(); err != nil {
		e.fail("DB_*", err)
	}
	return c
}

// Printing, logging or marshalling a whole configuration must not reveal
// the database password, which db.Config holds as a plain string (in
// Password or in the URL). Each configuration type therefore formats a
// copy with those redacted; the copy's type (xxxView) has no methods, so
// formatting it does not recurse. Secret and SecretBytes fields redact
// themselves.

type (
	apiView      API
	generateView Generate
	exportView   Export
	migrateView  Migrate
)

func redactDB(c db.Config) db.Config {
	c.URL = redactURL(c.URL)
	if c.Password != "" {
		c.Password = redacted
	}
	return c
}

// redactURL hides the password of a postgres URL, in the user info or in
// a password query parameter.
func redactURL(v string) string {
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil {
		return redacted
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

func formatView(f fmt.State, verb rune, v any) { fmt.Fprintf(f, fmt.FormatString(f, verb), v) }

func (c API) view() apiView           { c.DB = redactDB(c.DB); return apiView(c) }
func (c Generate) view() generateView { c.DB = redactDB(c.DB); return generateView(c) }
func (c Export) view() exportView     { c.DB = redactDB(c.DB); return exportView(c) }
func (c Migrate) view() migrateView   { c.URL = redactURL(c.URL); return migrateView(c) }

// Format prints c with every secret and database password redacted.
func (c API) Format(f fmt.State, verb rune) { formatView(f, verb, c.view()) }

// String returns c as %+v prints it, secrets redacted.
func (c API) String() string { return fmt.Sprintf("%+v", c.view()) }

// LogValue logs c with every secret and database password redacted.
func (c API) LogValue() slog.Value { return slog.AnyValue(c.view()) }

// MarshalJSON encodes c with every secret and database password redacted.
func (c API) MarshalJSON() ([]byte, error) { return json.Marshal(c.view()) }

// Format prints c with every secret and database password redacted.
func (c Generate) Format(f fmt.State, verb rune) { formatView(f, verb, c.view()) }

// String returns c as %+v prints it, secrets redacted.
func (c Generate) String() string { return fmt.Sprintf("%+v", c.view()) }

// LogValue logs c with every secret and database password redacted.
func (c Generate) LogValue() slog.Value { return slog.AnyValue(c.view()) }

// MarshalJSON encodes c with every secret and database password redacted.
func (c Generate) MarshalJSON() ([]byte, error) { return json.Marshal(c.view()) }

// Format prints c with every secret and database password redacted.
func (c Export) Format(f fmt.State, verb rune) { formatView(f, verb, c.view()) }

// String returns c as %+v prints it, secrets redacted.
func (c Export) String() string { return fmt.Sprintf("%+v", c.view()) }

// LogValue logs c with every secret and database password redacted.
func (c Export) LogValue() slog.Value { return slog.AnyValue(c.view()) }

// MarshalJSON encodes c with every secret and database password redacted.
func (c Export) MarshalJSON() ([]byte, error) { return json.Marshal(c.view()) }

// Format prints c with the password (in Password and in URL) redacted.
func (c Migrate) Format(f fmt.State, verb rune) { formatView(f, verb, c.view()) }

// String returns c as %+v prints it, secrets redacted.
func (c Migrate) String() string { return fmt.Sprintf("%+v", c.view()) }

// LogValue logs c with the password (in Password and in URL) redacted.
func (c Migrate) LogValue() slog.Value { return slog.AnyValue(c.view()) }

// MarshalJSON encodes c with the password (in Password and in URL) redacted.
func (c Migrate) MarshalJSON() ([]byte, error) { return json.Marshal(c.view()) }
