package db

import (
	"fmt"
	"log/slog"
	"net/url"
	"time"
)

// Pooler names what sits between the functions and PostgreSQL. It decides
// the query exec mode and which pooler the health check asks.
type Pooler string

// The poolers DB_POOLER accepts.
const (
	PoolerPgBouncer Pooler = "pgbouncer" // PgBouncer in transaction pooling mode
	PoolerRDSProxy  Pooler = "rds-proxy" // Amazon RDS Proxy
	PoolerDirect    Pooler = "direct"    // no pooler: straight to PostgreSQL
)

// ParsePooler checks s against the known poolers.
func ParsePooler(s string) (Pooler, error) {
	switch p := Pooler(s); p {
	case PoolerPgBouncer, PoolerRDSProxy, PoolerDirect:
		return p, nil
	}
	return "", fmt.Errorf("unknown pooler %q (want pgbouncer, rds-proxy or direct)", s)
}

// Config is the pool configuration of one execution environment. The zero
// value is not usable; start from DefaultConfig. internal/config fills it
// from the environment (DB_* variables, documented in the README).
type Config struct {
	// URL is the connection string of the pooler (or of PostgreSQL when
	// Pooler is direct): DATABASE_URL.
	URL string
	// Password, when set, replaces the password of URL (DB_PASSWORD, or a
	// Secrets Manager / SSM reference resolved at cold start).
	Password string
	// Pooler is DB_POOLER.
	Pooler Pooler
	// QueryExecMode overrides the exec mode Pooler implies
	// (DB_QUERY_EXEC_MODE: exec, cache_describe, cache_statement,
	// describe_exec, simple_protocol). Empty means "follow Pooler".
	QueryExecMode string

	// MaxConns is the most connections this environment opens
	// (DB_MAX_CONNS, default 2: a Lambda environment serves one
	// invocation at a time; the second covers the health check and a
	// background probe). Counterpart of DATABASE_POOL_SIZE+MAX_OVERFLOW.
	MaxConns int32
	// MinConns is kept open even when idle (DB_MIN_CONNS, default 0, so a
	// frozen environment holds nothing it does not use).
	MinConns int32
	// MaxConnIdleTime closes connections idle longer than this
	// (DB_MAX_CONN_IDLE_TIME, default 45s), below PgBouncer's
	// client_idle_timeout so the pool, not the pooler, ends them.
	MaxConnIdleTime time.Duration
	// MaxConnLifetime and MaxConnLifetimeJitter recycle connections
	// (DB_MAX_CONN_LIFETIME 30m, DB_MAX_CONN_LIFETIME_JITTER 5m);
	// counterpart of DATABASE_POOL_RECYCLE.
	MaxConnLifetime       time.Duration
	MaxConnLifetimeJitter time.Duration
	// ConnectTimeout bounds one connection attempt (DB_CONNECT_TIMEOUT, 5s).
	ConnectTimeout time.Duration
	// AcquireTimeout bounds the wait for a free pool connection when the
	// caller's context has no earlier deadline (DB_ACQUIRE_TIMEOUT, 10s);
	// counterpart of DATABASE_POOL_TIMEOUT.
	AcquireTimeout time.Duration
	// UnavailableWait bounds how long one unit of work waits, with
	// backoff, for a pooler or database that cannot be reached (a restart,
	// a failover) before it fails with quiz.ErrTemporary
	// (DB_UNAVAILABLE_WAIT, 10s; 0 retries only at once on a fresh
	// connection). The caller's deadline bounds it too.
	UnavailableWait time.Duration
	// PingIdle: a connection idle at least this long is pinged before use
	// (DB_PING_IDLE, 2s); the counterpart of pool_pre_ping, aimed at
	// connections that died while the Lambda environment was frozen.
	PingIdle time.Duration
	// PingTimeout bounds that ping (DB_PING_TIMEOUT, 2s).
	PingTimeout time.Duration
	// HealthCheckPeriod is how often idle connections are checked in the
	// background (DB_HEALTH_CHECK_PERIOD, 30s).
	HealthCheckPeriod time.Duration
	// StatementTimeout is applied with SET LOCAL statement_timeout inside
	// every transaction and as a context deadline on plain queries
	// (DB_STATEMENT_TIMEOUT, 15s; 0 disables).
	StatementTimeout time.Duration
	// ApplicationName is sent as application_name, the one startup
	// parameter every pooler accepts (DB_APPLICATION_NAME, the function name).
	ApplicationName string
	// IAMAuth makes every new connection log in with an RDS IAM
	// authentication token instead of a password (DB_IAM_AUTH), as RDS
	// Proxy deployments commonly do. Open needs WithIAMAuth then.
	IAMAuth bool
}

// DefaultConfig returns the production defaults for url behind pooler.
func DefaultConfig(url string, pooler Pooler) Config {
	return Config{
		URL:                   url,
		Pooler:                pooler,
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
		ApplicationName:       "quizgen",
	}
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	var probs []string
	if c.URL == "" {
		probs = append(probs, "database URL is empty")
	}
	if _, err := ParsePooler(string(c.Pooler)); err != nil {
		probs = append(probs, err.Error())
	}
	if c.QueryExecMode != "" {
		if _, err := parseExecMode(c.QueryExecMode); err != nil {
			probs = append(probs, err.Error())
		}
	}
	if c.MaxConns < 1 {
		probs = append(probs, fmt.Sprintf("max conns %d must be at least 1", c.MaxConns))
	}
	if c.MinConns < 0 || c.MinConns > c.MaxConns {
		probs = append(probs, fmt.Sprintf("min conns %d must be between 0 and max conns %d", c.MinConns, c.MaxConns))
	}
	for name, d := range map[string]time.Duration{
		"max conn idle time": c.MaxConnIdleTime, "max conn lifetime": c.MaxConnLifetime,
		"connect timeout": c.ConnectTimeout, "acquire timeout": c.AcquireTimeout,
		"ping timeout": c.PingTimeout, "health check period": c.HealthCheckPeriod,
	} {
		if d <= 0 {
			probs = append(probs, fmt.Sprintf("%s %s must be positive", name, d))
		}
	}
	if c.MaxConnLifetimeJitter < 0 || c.PingIdle < 0 || c.StatementTimeout < 0 || c.UnavailableWait < 0 {
		probs = append(probs, "lifetime jitter, ping idle, statement timeout and unavailable wait must not be negative")
	}
	if len(probs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid database config: %s", joinSorted(probs))
}

// String hides the password of c (in Password and in URL).
func (c Config) String() string { return fmt.Sprintf("%+v", c.redacted()) }

// GoString hides the password too (%#v).
func (c Config) GoString() string { return c.String() }

// LogValue hides the password when c is logged with slog.
func (c Config) LogValue() slog.Value { return slog.AnyValue(c.redacted()) }

type configView Config

func (c Config) redacted() configView {
	v := configView(c)
	if v.Password != "" {
		v.Password = "[redacted]"
	}
	u, err := url.Parse(v.URL)
	if err != nil {
		v.URL = "[unparseable]"
		return v
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	v.URL = u.String()
	return v
}
