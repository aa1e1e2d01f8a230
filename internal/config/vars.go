package config

import "strings"

// Var documents one environment variable a loader reads.
type Var struct {
	// Name is the variable. For a secret it is X; X_SECRET_ARN and
	// X_SSM_PARAMETER are read as well.
	Name string
	// Default is the value used when the variable is unset: a literal
	// value, "" when there is none, or a parenthesised note such as
	// "(required)".
	Default string
	// Functions lists the functions that read it, comma-separated in the
	// order "api, generate, export, migrate".
	Functions string
	// Description says what it is for and what values it takes.
	Description string
	// Secret is set for variables that may also be given as X_SECRET_ARN
	// or X_SSM_PARAMETER, and whose value is never printed.
	Secret bool
}

// Function lists of Var.Functions.
const (
	fnAll    = "api, generate, export, migrate"
	fnPooled = "api, generate, export"
)

// Variables returns every variable the loaders read, in README order.
// TestVariablesListed checks it against what the loaders actually read.
func Variables() []Var {
	return []Var{
		{Name: "ENVIRONMENT", Default: "local", Functions: fnAll,
			Description: "Deployment stage: local, staging or production. Outside local every secret value committed in the repository (changethis, the examples of .env.example and events/env.json) is refused, and JWT_SECRET and TOKEN_ENCRYPTION_KEY must look random (at least 128 bits of estimated entropy)."},
		{Name: "LOG_LEVEL", Default: "info", Functions: fnAll,
			Description: "Log level: debug, info, warn or error."},

		{Name: "DATABASE_URL", Default: "(required)", Functions: fnPooled,
			Description: "postgres:// URL of the pooler (PgBouncer or RDS Proxy), or of PostgreSQL when DB_POOLER=direct. Never shown in errors."},
		{Name: "DB_PASSWORD", Functions: fnAll, Secret: true,
			Description: "Database password; replaces the password of DATABASE_URL (or DATABASE_DIRECT_URL for migrate)."},
		{Name: "DB_POOLER", Default: "pgbouncer", Functions: fnPooled,
			Description: "What DATABASE_URL points at: pgbouncer, rds-proxy or direct. Decides the query exec mode."},
		{Name: "DB_QUERY_EXEC_MODE", Functions: fnPooled,
			Description: "Overrides the exec mode DB_POOLER implies: exec, cache_describe, cache_statement, describe_exec or simple_protocol."},
		{Name: "DB_MAX_CONNS", Default: "2", Functions: fnPooled,
			Description: "Most connections one execution environment opens."},
		{Name: "DB_MIN_CONNS", Default: "0", Functions: fnPooled,
			Description: "Connections kept open while idle, at most DB_MAX_CONNS."},
		{Name: "DB_MAX_CONN_IDLE_TIME", Default: "45s", Functions: fnPooled,
			Description: "Closes connections idle longer than this; keep it below the pooler's client idle timeout."},
		{Name: "DB_MAX_CONN_LIFETIME", Default: "30m", Functions: fnPooled,
			Description: "Recycles connections older than this."},
		{Name: "DB_MAX_CONN_LIFETIME_JITTER", Default: "5m", Functions: fnPooled,
			Description: "Random extra lifetime, so connections are not all recycled at once."},
		{Name: "DB_CONNECT_TIMEOUT", Default: "5s", Functions: fnPooled,
			Description: "Bounds one connection attempt."},
		{Name: "DB_ACQUIRE_TIMEOUT", Default: "10s", Functions: fnPooled,
			Description: "Bounds the wait for a free pool connection."},
		{Name: "DB_UNAVAILABLE_WAIT", Default: "10s", Functions: fnPooled,
			Description: "How long a request waits, with backoff, for a pooler or database that cannot be reached (a restart) before failing with 503; at most 20s, within the request's own deadline; 0 retries only at once on a fresh connection."},
		{Name: "DB_PING_IDLE", Default: "2s", Functions: fnPooled,
			Description: "A connection idle at least this long is pinged before use (it may have died while the environment was frozen)."},
		{Name: "DB_PING_TIMEOUT", Default: "2s", Functions: fnPooled,
			Description: "Bounds that ping."},
		{Name: "DB_HEALTH_CHECK_PERIOD", Default: "30s", Functions: fnPooled,
			Description: "How often idle connections are checked in the background."},
		{Name: "DB_STATEMENT_TIMEOUT", Default: "15s", Functions: fnPooled,
			Description: "statement_timeout of every transaction and query; 0 disables it."},
		{Name: "DB_APPLICATION_NAME", Default: "quizgen-<function>", Functions: fnPooled,
			Description: "application_name sent to PostgreSQL."},

		{Name: "CANVAS_BASE_URL", Default: "(required)", Functions: fnPooled,
			Description: "Browser-facing Canvas URL (http or https); the OAuth login redirect goes there."},
		{Name: "CANVAS_API_URL", Default: "(CANVAS_BASE_URL)", Functions: fnPooled,
			Description: "Base URL of server-to-server Canvas calls, e.g. a Canvas mock in local runs."},
		{Name: "CANVAS_CLIENT_ID", Default: "(required)", Functions: fnPooled,
			Description: "OAuth developer key id."},
		{Name: "CANVAS_CLIENT_SECRET", Default: "(required)", Functions: fnPooled, Secret: true,
			Description: "OAuth developer key secret."},
		{Name: "CANVAS_TIMEOUT", Default: "30s", Functions: fnPooled,
			Description: "Bounds each Canvas HTTP request."},
		{Name: "CANVAS_DOWNLOAD_HOSTS", Functions: fnPooled,
			Description: "Hosts besides Canvas's own that course files may be downloaded from or redirected to (Canvas's file store, e.g. its inst-fs or S3 host): comma-separated host names, *.domain for every subdomain. Downloads connect only to public addresses whatever the host (Canvas's own host may be loopback or private only when ENVIRONMENT=local), and follow at most 5 redirects."},
		{Name: "TOKEN_ENCRYPTION_KEY", Default: "(required)", Functions: fnPooled, Secret: true,
			Description: "Base64 (standard or URL-safe, padding optional) of 32 random bytes: the AES-256-GCM key of Canvas tokens at rest. Make one with openssl rand -base64 32."},

		{Name: "JWT_SECRET", Default: "(required)", Functions: "api", Secret: true,
			Description: "HS256 key of session tokens, at least 32 bytes; changethis and other committed examples are accepted only when ENVIRONMENT=local. Make one with openssl rand -base64 32."},
		{Name: "ACCESS_TOKEN_EXPIRE_MINUTES", Default: "11520", Functions: "api",
			Description: "Lifetime of a session token in minutes (8 days)."},
		{Name: "CANVAS_REDIRECT_URI", Default: "(required)", Functions: "api",
			Description: "OAuth redirect_uri registered with Canvas, used exactly as given."},
		{Name: "CANVAS_OAUTH_SCOPES", Default: "(the 11 endpoints the functions call)", Functions: "api",
			Description: "Developer key scopes the login asks for, space- or comma-separated, each url:VERB|/api/path as Canvas lists them (url:GET|/api/v1/courses); none asks for no scope (an unscoped key). The default: GET courses, modules, module items, pages and files; New Quizzes: create, list and delete quizzes, create, list and delete items. A scoped developer key must enable every scope asked for."},
		{Name: "CANVAS_COURSE_PREFIX_FILTER", Functions: "api",
			Description: "Comma-separated course name prefixes (case-sensitive): GET /canvas/courses lists, and quizzes may be made for, only the taught courses whose name starts with one of them. Empty: every taught course."},
		{Name: "FRONTEND_HOST", Default: "http://localhost:5173", Functions: "api",
			Description: "Frontend origin: OAuth redirects go there and CORS allows it."},
		{Name: "BACKEND_CORS_ORIGINS", Functions: "api",
			Description: "Further origins CORS allows: comma-separated or a JSON list of URLs; trailing / removed."},
		{Name: "PROJECT_NAME", Default: "quizgen", Functions: "api",
			Description: "Application title."},
		{Name: "GENERATE_QUEUE_URL", Default: "(required)", Functions: "api, generate",
			Description: "SQS queue URL of generation jobs."},
		{Name: "EXPORT_QUEUE_URL", Default: "(required)", Functions: "api, export",
			Description: "SQS queue URL of export jobs."},
		{Name: "PORT", Default: "8080", Functions: "api",
			Description: "Listen port when the API runs locally outside Lambda (1-65535)."},
		{Name: "LISTEN_HOST", Default: "127.0.0.1", Functions: "api",
			Description: "Address the API listens on outside Lambda: 127.0.0.1 (this machine only); 0.0.0.0 or :: for every interface (a container)."},
		{Name: "MAX_BODY_BYTES", Default: "1048576", Functions: "api",
			Description: "Largest request body accepted."},
		{Name: "LIMIT_QUESTIONS_PER_DAY", Default: "2000", Functions: "api",
			Description: "Most questions one user's generation runs may ask for per UTC day (each run asks for the quiz's question_count); beyond it 429. 0: no limit."},
		{Name: "LIMIT_GENERATIONS_PER_QUIZ", Default: "5", Functions: "api",
			Description: "Most generation runs of one quiz, the one at creation and re-extractions included; beyond it 429. 0: no limit."},
		{Name: "LIMIT_PROCESSING_QUIZZES", Default: "5", Functions: "api",
			Description: "Most quizzes of one user with an extraction or generation queued or running; beyond it 429. 0: no limit."},

		{Name: "LLM_PROVIDER", Default: "mock", Functions: "generate",
			Description: "Question writer: mock (canned questions) or openai."},
		{Name: "LLM_BASE_URL", Functions: "generate",
			Description: "OpenAI-compatible endpoint; empty means the provider's default."},
		{Name: "LLM_API_KEY", Default: "(required for openai)", Functions: "generate", Secret: true,
			Description: "API key of the LLM provider."},
		{Name: "LLM_MODEL", Default: "o3", Functions: "generate",
			Description: "Model name."},
		{Name: "LLM_TIMEOUT", Default: "120s", Functions: "generate",
			Description: "Bounds one LLM request."},
		{Name: "LLM_CONCURRENCY", Default: "4", Functions: "generate",
			Description: "Outside Lambda: batch jobs one generate process runs at once (1-32), each its own queue poller taking one message at a time, as that many Lambda environments would. Under Lambda each environment runs one job at a time and the function's concurrency bounds them."},
		{Name: "LLM_MAX_RETRIES", Default: "3", Functions: "generate",
			Description: "Retries of a failed LLM request (0-10)."},
		{Name: "MOCK_LLM_LATENCY", Default: "0s", Functions: "generate",
			Description: "Delay of each mock answer."},
		{Name: "MAX_FILE_SIZE", Default: "10485760", Functions: "generate",
			Description: "Largest course file downloaded, in bytes."},
		{Name: "MAX_TOTAL_CONTENT_SIZE", Default: "52428800", Functions: "generate",
			Description: "Most characters extracted for one quiz."},
		{Name: "MAX_PAGES_PER_MODULE", Default: "100", Functions: "generate",
			Description: "Most items read per module."},
		{Name: "MAX_CONTENT_LENGTH", Default: "500000", Functions: "generate",
			Description: "Most characters kept per page or file."},
		{Name: "MIN_CONTENT_LENGTH", Default: "50", Functions: "generate",
			Description: "Fewest characters a page or file needs to count, at most MAX_CONTENT_LENGTH."},

		{Name: "DB_IAM_AUTH", Default: "false", Functions: fnPooled,
			Description: "Log in with RDS IAM authentication tokens built per connection (RDS Proxy), instead of a password; uses the function's AWS credentials and AWS_REGION."},
		{Name: "PGBOUNCER_ADMIN_URL", Default: "", Functions: "api",
			Description: "postgres:// URL of PgBouncer's admin console as the stats user (database pgbouncer), for the health check; empty: the pooler is not inspected. Never shown in errors."},
		{Name: "PGBOUNCER_ADMIN_PASSWORD", Default: "", Functions: "api", Secret: true,
			Description: "Password of the stats user; replaces the password of PGBOUNCER_ADMIN_URL."},
		{Name: "RDS_PROXY_NAME", Default: "", Functions: "api",
			Description: "Name of the RDS Proxy whose targets the health check describes (DB_POOLER=rds-proxy)."},
		{Name: "HEALTH_TIMEOUT", Default: "2s", Functions: "api",
			Description: "Bounds the whole database health check; every probe has its own share of it."},
		{Name: "HEALTH_CACHE_TTL", Default: "5s", Functions: "api",
			Description: "How long the pooler's answer is reused, so a storm of health checks cannot load the pooler."},
		{Name: "HEALTH_DETAIL_TOKEN", Default: "", Functions: "api", Secret: true,
			Description: "Bearer token (Authorization: Bearer ...) that shows the database health report's server versions, database, user and endpoint names and error text; without it the report has the verdict and the numbers only. Unset: never shown."},
		{Name: "HEALTH_MAX_WAIT", Default: "1s", Functions: "api",
			Description: "Clients waiting at the pooler longer than this make the health verdict degraded."},
		{Name: "METRICS_INTERVAL", Default: "60s", Functions: "api",
			Description: "Local mode only: how often the pool metrics (CloudWatch Embedded Metric Format) are written; under Lambda they are written after every invocation."},
		{Name: "DATABASE_DIRECT_URL", Default: "(required)", Functions: "migrate",
			Description: "postgres:// URL of PostgreSQL itself, never of the pooler (migrations need session-level locks). Never shown in errors."},
		{Name: "MIGRATE_LOCK_TIMEOUT", Default: "60s", Functions: "migrate",
			Description: "Bounds the wait for the migration lock."},
	}
}

// MarkdownTable renders Variables as a Markdown table with the columns
// Variable, Default, Functions and Description, ending in a newline. The
// README holds a copy between <!-- config-table:start --> and
// <!-- config-table:end -->, which `go test ./internal/config -update`
// rewrites.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| Variable | Default | Functions | Description |\n")
	b.WriteString("|---|---|---|---|\n")
	for _, v := range Variables() {
		def := v.Default
		if def != "" && !strings.HasPrefix(def, "(") {
			def = "`" + def + "`"
		}
		desc := v.Description
		if v.Secret {
			desc += " Secret: set `" + v.Name + "`, `" + v.Name + "_SECRET_ARN` (Secrets Manager id or ARN, optional `#key` of a JSON secret) or `" +
				v.Name + "_SSM_PARAMETER` (SSM parameter, decrypted)."
		}
		b.WriteString("| `" + v.Name + "` | " + cell(def) + " | " + cell(v.Functions) + " | " + cell(desc) + " |\n")
	}
	return b.String()
}

// cell escapes what would break a table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
