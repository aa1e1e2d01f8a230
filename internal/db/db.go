// Package db is the only package that talks to PostgreSQL. It owns the
// schema (migrations/), the queries (queries/, compiled by sqlc into
// dbsqlc), the connection pool of one execution environment and the
// mapping between rows and quiz types.
//
// Every connection goes through a transaction-mode pooler (PgBouncer or
// RDS Proxy) except migrations, so nothing here keeps session state: no
// named prepared statements behind a pooler, no SET outside a
// transaction, no LISTEN, no session advisory locks.
package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	rdsauth "github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is the connection pool of one execution environment, built once per
// cold start by Open and never closed while the environment lives.
type DB struct {
	pool *pgxpool.Pool
	cfg  Config
	log  *slog.Logger
	// unavailable counts attempts that found the pooler or the database
	// unreachable (untilAvailable).
	unavailable atomic.Int64
}

// pgbouncerStartupParams are the startup parameters PgBouncer 1.18 tracks;
// it refuses a connection that sends any other one (unless listed in its
// ignore_startup_parameters).
var pgbouncerStartupParams = map[string]bool{ //nolint:gochecknoglobals // read-only table
	"application_name": true, "client_encoding": true, "datestyle": true,
	"timezone": true, "standard_conforming_strings": true, "extra_float_digits": true,
}

// Open builds the pool described by cfg. It does not connect: the first
// query does, so a cold start never fails because the database is briefly
// away. It fails on a configuration the pooler would refuse.
func Open(ctx context.Context, cfg Config, log *slog.Logger, opts ...Option) (*DB, error) {
	pc, err := PoolConfig(cfg, log)
	if err != nil {
		return nil, err
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if cfg.IAMAuth {
		if o.iam == nil {
			return nil, errors.New("DB_IAM_AUTH is set but no AWS credentials were given to the pool")
		}
		pc.BeforeConnect = o.iam.beforeConnect
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	return &DB{pool: pool, cfg: cfg, log: log}, nil
}

// Option changes how Open builds the pool.
type Option func(*options)

type options struct{ iam *iamAuth }

// WithIAMAuth makes the pool log in with RDS IAM authentication tokens
// built per connection from creds in region (used when Config.IAMAuth).
func WithIAMAuth(creds aws.CredentialsProvider, region string) Option {
	return func(o *options) { o.iam = &iamAuth{creds: creds, region: region} }
}

// iamAuth builds a fresh token for each connection: tokens live 15
// minutes, connections much longer, and only the login needs one.
type iamAuth struct {
	creds  aws.CredentialsProvider
	region string
}

func (a *iamAuth) beforeConnect(ctx context.Context, cc *pgx.ConnConfig) error {
	endpoint := fmt.Sprintf("%s:%d", cc.Host, cc.Port)
	tok, err := rdsauth.BuildAuthToken(ctx, endpoint, a.region, cc.User, a.creds)
	if err != nil {
		return fmt.Errorf("build RDS IAM auth token: %w", err)
	}
	cc.Password = tok
	return nil
}

// PoolConfig turns cfg into the pgxpool configuration Open uses. It is
// exported for tests and benchmarks that need the exact production settings.
func PoolConfig(cfg Config, log *slog.Logger) (*pgxpool.Config, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", RedactURLError(err))
	}
	if cfg.Password != "" {
		pc.ConnConfig.Password = cfg.Password
	}
	pc.MaxConns = cfg.MaxConns
	pc.MinConns = cfg.MinConns
	pc.MaxConnIdleTime = cfg.MaxConnIdleTime
	pc.MaxConnLifetime = cfg.MaxConnLifetime
	pc.MaxConnLifetimeJitter = cfg.MaxConnLifetimeJitter
	pc.HealthCheckPeriod = cfg.HealthCheckPeriod
	pc.PingTimeout = cfg.PingTimeout
	pc.ConnConfig.ConnectTimeout = cfg.ConnectTimeout
	pingIdle := cfg.PingIdle
	pc.ShouldPing = func(_ context.Context, p pgxpool.ShouldPingParams) bool {
		return p.IdleDuration >= pingIdle
	}

	mode, err := ExecMode(cfg)
	if err != nil {
		return nil, err
	}
	pc.ConnConfig.DefaultQueryExecMode = mode

	if _, ok := pc.ConnConfig.RuntimeParams["application_name"]; !ok && cfg.ApplicationName != "" {
		pc.ConnConfig.RuntimeParams["application_name"] = cfg.ApplicationName
	}
	if cfg.Pooler == PoolerPgBouncer {
		var bad []string
		for k := range pc.ConnConfig.RuntimeParams {
			if !pgbouncerStartupParams[strings.ToLower(k)] {
				bad = append(bad, k)
			}
		}
		if len(bad) > 0 {
			sort.Strings(bad)
			return nil, fmt.Errorf("database url sets startup parameters PgBouncer refuses (%s): "+
				"remove them, or set them with SET LOCAL inside a transaction", strings.Join(bad, ", "))
		}
	}

	t := &tracer{log: log}
	pc.ConnConfig.Tracer = t
	pc.BeforeClose = t.beforeClose
	return pc, nil
}

// ExecMode returns the query exec mode for cfg: no named prepared
// statements behind a transaction pooler (they would land on another
// server connection: "prepared statement already exists"), the statement
// cache when connected directly. DB_QUERY_EXEC_MODE overrides it.
func ExecMode(cfg Config) (pgx.QueryExecMode, error) {
	if cfg.QueryExecMode != "" {
		return parseExecMode(cfg.QueryExecMode)
	}
	switch cfg.Pooler {
	case PoolerPgBouncer, PoolerRDSProxy:
		return pgx.QueryExecModeExec, nil
	case PoolerDirect:
		return pgx.QueryExecModeCacheStatement, nil
	}
	return 0, fmt.Errorf("unknown pooler %q", cfg.Pooler)
}

func parseExecMode(s string) (pgx.QueryExecMode, error) {
	switch s {
	case "exec":
		return pgx.QueryExecModeExec, nil
	case "cache_statement":
		return pgx.QueryExecModeCacheStatement, nil
	case "cache_describe":
		return pgx.QueryExecModeCacheDescribe, nil
	case "describe_exec":
		return pgx.QueryExecModeDescribeExec, nil
	case "simple_protocol":
		return pgx.QueryExecModeSimpleProtocol, nil
	}
	return 0, fmt.Errorf("unknown query exec mode %q (want exec, cache_describe, cache_statement, describe_exec or simple_protocol)", s)
}

// Config returns the configuration the pool was built with.
func (d *DB) Config() Config { return d.cfg }

// Close closes every connection. Lambda environments never call it; local
// mode and tests do.
func (d *DB) Close() { d.pool.Close() }

// Stats is a snapshot of the pool of this environment.
type Stats struct {
	MaxConns                int32         `json:"max_conns"`
	TotalConns              int32         `json:"total_conns"`
	IdleConns               int32         `json:"idle_conns"`
	AcquiredConns           int32         `json:"acquired_conns"`
	ConstructingConns       int32         `json:"constructing_conns"`
	AcquireCount            int64         `json:"acquire_count"`
	EmptyAcquireCount       int64         `json:"empty_acquire_count"`
	EmptyAcquireWaitTime    time.Duration `json:"-"`
	AcquireDuration         time.Duration `json:"-"`
	CanceledAcquireCount    int64         `json:"canceled_acquire_count"`
	NewConnsCount           int64         `json:"new_conns_count"`
	MaxLifetimeDestroyCount int64         `json:"max_lifetime_destroy_count"`
	MaxIdleDestroyCount     int64         `json:"max_idle_destroy_count"`
}

// Stats returns the pool's counters.
func (d *DB) Stats() Stats { return statsOf(d.pool) }

func statsOf(p *pgxpool.Pool) Stats {
	s := p.Stat()
	return Stats{
		MaxConns:                s.MaxConns(),
		TotalConns:              s.TotalConns(),
		IdleConns:               s.IdleConns(),
		AcquiredConns:           s.AcquiredConns(),
		ConstructingConns:       s.ConstructingConns(),
		AcquireCount:            s.AcquireCount(),
		EmptyAcquireCount:       s.EmptyAcquireCount(),
		EmptyAcquireWaitTime:    s.EmptyAcquireWaitTime(),
		AcquireDuration:         s.AcquireDuration(),
		CanceledAcquireCount:    s.CanceledAcquireCount(),
		NewConnsCount:           s.NewConnsCount(),
		MaxLifetimeDestroyCount: s.MaxLifetimeDestroyCount(),
		MaxIdleDestroyCount:     s.MaxIdleDestroyCount(),
	}
}

// tracer logs connection events at debug level with pool statistics, the
// counterpart of the original's connect/checkout/checkin listeners.
type tracer struct {
	log  *slog.Logger
	pool atomic.Pointer[pgxpool.Pool]
}

type connectStartKey struct{}

func (t *tracer) TraceConnectStart(ctx context.Context, data pgx.TraceConnectStartData) context.Context {
	return context.WithValue(ctx, connectStartKey{}, time.Now())
}

func (t *tracer) TraceConnectEnd(ctx context.Context, data pgx.TraceConnectEndData) {
	start, _ := ctx.Value(connectStartKey{}).(time.Time)
	if data.Err != nil {
		// Debug only: a request that meets it logs once, when it ends
		// (untilAvailable), not once per attempt while it waits.
		t.log.DebugContext(ctx, "database connect failed", "err", data.Err, "duration_ms", ms(time.Since(start)))
		return
	}
	if t.log.Enabled(ctx, slog.LevelDebug) {
		t.log.DebugContext(ctx, "database connection created",
			"backend_pid", data.Conn.PgConn().PID(), "duration_ms", ms(time.Since(start)))
	}
}

func (t *tracer) TraceAcquireStart(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireStartData) context.Context {
	return ctx
}

func (t *tracer) TraceAcquireEnd(ctx context.Context, p *pgxpool.Pool, data pgxpool.TraceAcquireEndData) {
	t.pool.CompareAndSwap(nil, p)
	if data.Err != nil || !t.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	t.log.DebugContext(ctx, "database connection acquired", append(
		[]any{"backend_pid", data.Conn.PgConn().PID()}, poolAttrs(p)...)...)
}

func (t *tracer) TraceRelease(p *pgxpool.Pool, data pgxpool.TraceReleaseData) {
	ctx := context.Background()
	if !t.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	t.log.DebugContext(ctx, "database connection released", append(
		[]any{"backend_pid", data.Conn.PgConn().PID()}, poolAttrs(p)...)...)
}

func (t *tracer) beforeClose(c *pgx.Conn) {
	ctx := context.Background()
	if !t.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []any{"backend_pid", c.PgConn().PID()}
	if p := t.pool.Load(); p != nil {
		attrs = append(attrs, poolAttrs(p)...)
	}
	t.log.DebugContext(ctx, "database connection closed", attrs...)
}

func poolAttrs(p *pgxpool.Pool) []any {
	s := p.Stat()
	return []any{"pool_total", s.TotalConns(), "pool_idle", s.IdleConns(),
		"pool_acquired", s.AcquiredConns(), "pool_max", s.MaxConns()}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// RedactURLError keeps a password out of a connection-string parse error.
func RedactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return errors.New("malformed connection string")
	}
	msg := err.Error()
	if strings.Contains(msg, "password") || strings.Contains(msg, "@") {
		return errors.New("malformed connection string")
	}
	return err
}

func joinSorted(s []string) string {
	sort.Strings(s)
	return strings.Join(s, "; ")
}

// TraceQueryStart and TraceQueryEnd make tracer a pgx.QueryTracer, which
// is what ConnConfig.Tracer takes; queries themselves are not logged.
func (t *tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (t *tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// RoundTrip runs SELECT 1 through the pool and returns its latency.
func (d *DB) RoundTrip(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	var one int
	if err := d.pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return 0, classify(err)
	}
	return time.Since(start), nil
}
