// Package health answers GET /api/v1/utils/health/db: where the
// connections are. It reports this execution environment's pool, a round
// trip to PostgreSQL through the pooler, and the pooler itself (PgBouncer's
// admin console, or RDS Proxy's target health), with a verdict. It keeps
// the original's keys (docs/compatibility.md, Database health keys) so old dashboards keep working.
//
// Every probe has its own timeout and they run concurrently; the whole
// check answers within Config.Timeout even when a part hangs. Pooler
// answers are cached for Config.CacheTTL, so a storm of health checks
// cannot load the pooler.
package health

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"quizgen/internal/db"
)

// Verdicts.
const (
	Healthy   = "healthy"
	Degraded  = "degraded"
	Unhealthy = "unhealthy"
)

// RDS lists an RDS Proxy's targets with their health; NewRDS calls
// RDS's DescribeDBProxyTargets.
type RDS interface {
	ProxyTargets(ctx context.Context, proxyName string) ([]ProxyTarget, error)
}

// Config configures a Checker.
type Config struct {
	// Pooler says what sits in front of PostgreSQL (DB_POOLER).
	Pooler db.Pooler
	// PgBouncerAdminURL reaches PgBouncer's admin console as the stats
	// user (PGBOUNCER_ADMIN_URL); PgBouncerAdminPassword, if set, replaces
	// its password.
	PgBouncerAdminURL      string
	PgBouncerAdminPassword string
	// RDSProxyName and RDS describe the proxy's targets (RDS_PROXY_NAME).
	RDSProxyName string
	RDS          RDS
	// Timeout bounds the whole check (2s); ProbeTimeout each probe (1.5s).
	Timeout      time.Duration
	ProbeTimeout time.Duration
	// CacheTTL is how long a pooler answer is reused (5s).
	CacheTTL time.Duration
	// MaxWaitDegraded: clients waiting at the pooler longer than this make
	// the verdict degraded (HEALTH_MAX_WAIT, 1s).
	MaxWaitDegraded time.Duration
}

// Checker checks the database of one environment. It is safe for
// concurrent use.
type Checker struct {
	db  *db.DB
	cfg Config
	log *slog.Logger
	now func() time.Time

	mu       sync.Mutex
	cached   *PoolerReport
	cachedAt time.Time
	inflight chan struct{}
}

// New returns a Checker over d.
func New(d *db.DB, cfg Config, log *slog.Logger) *Checker {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.ProbeTimeout <= 0 || cfg.ProbeTimeout > cfg.Timeout {
		cfg.ProbeTimeout = cfg.Timeout * 3 / 4
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 5 * time.Second
	}
	if cfg.MaxWaitDegraded <= 0 {
		cfg.MaxWaitDegraded = time.Second
	}
	if cfg.Pooler == "" {
		cfg.Pooler = d.Config().Pooler
	}
	return &Checker{db: d, cfg: cfg, log: log, now: time.Now}
}

// Problem names a part that is not well and why.
type Problem struct {
	Part   string `json:"part"` // "pool", "database", "pooler"
	Reason string `json:"reason"`
	// public is Reason without names, versions, endpoints or error text:
	// what Public shows.
	public string
}

// Report is the body of the health endpoint.
type Report struct {
	Status   string    `json:"status"`
	Problems []Problem `json:"problems"`

	// The original's keys, with their meaning (docs/compatibility.md, Database health keys): pool_size is the
	// configured size, overflow = total - pool_size (negative until full),
	// available = pool_size - checked out.
	PoolSize              int32 `json:"pool_size"`
	CheckedOutConnections int32 `json:"checked_out_connections"`
	Overflow              int32 `json:"overflow"`
	Total                 int32 `json:"total"`
	Available             int32 `json:"available"`

	Pool      PoolReport     `json:"pool"`
	Database  DatabaseReport `json:"database"`
	Pooler    PoolerReport   `json:"pooler"`
	CheckedAt string         `json:"checked_at"`
	TookMS    float64        `json:"duration_ms"`
}

// PoolReport is pgxpool's view of this environment's pool.
type PoolReport struct {
	MaxConns                int32   `json:"max_conns"`
	TotalConns              int32   `json:"total_conns"`
	IdleConns               int32   `json:"idle_conns"`
	AcquiredConns           int32   `json:"acquired_conns"`
	ConstructingConns       int32   `json:"constructing_conns"`
	AcquireCount            int64   `json:"acquire_count"`
	EmptyAcquireCount       int64   `json:"empty_acquire_count"`
	EmptyAcquireWaitMS      float64 `json:"empty_acquire_wait_ms"`
	AcquireDurationMS       float64 `json:"acquire_duration_ms"`
	CanceledAcquireCount    int64   `json:"canceled_acquire_count"`
	NewConnsCount           int64   `json:"new_conns_count"`
	MaxLifetimeDestroyCount int64   `json:"max_lifetime_destroy_count"`
	MaxIdleDestroyCount     int64   `json:"max_idle_destroy_count"`
}

// DatabaseReport is the round trip through the pooler.
type DatabaseReport struct {
	OK            bool    `json:"ok"`
	LatencyMS     float64 `json:"latency_ms"`
	ServerVersion string  `json:"server_version,omitempty"`
	Primary       *bool   `json:"primary,omitempty"`
	// Via is "pool", or "dedicated" when the pool had no spare connection.
	Via   string `json:"via,omitempty"`
	Error string `json:"error,omitempty"`
}

// PoolerReport is the pooler's own view.
type PoolerReport struct {
	Kind string `json:"kind"` // pgbouncer, rds-proxy, direct
	OK   bool   `json:"ok"`
	// Reachable is false when the pooler could not be reached at all (as
	// opposed to reached and refusing, or partly failing).
	Reachable bool   `json:"reachable"`
	Note      string `json:"note,omitempty"`
	Error     string `json:"error,omitempty"`
	// AgeMS is how old the cached answer is.
	AgeMS float64 `json:"age_ms"`

	Version string          `json:"version,omitempty"`
	Pools   []PgBouncerPool `json:"pools,omitempty"`
	Stats   *PgBouncerStats `json:"stats,omitempty"`
	Targets []ProxyTarget   `json:"targets,omitempty"`
}

// PgBouncerPool is a SHOW POOLS row of the application's database.
type PgBouncerPool struct {
	db.PgBouncerPool
	MaxWaitMS float64 `json:"maxwait_ms"`
}

// PgBouncerStats is the SHOW STATS row of the application's database.
type PgBouncerStats struct {
	db.PgBouncerStats
	TotalWaitTimeMS float64 `json:"total_wait_time_ms"`
	AvgXactTimeMS   float64 `json:"avg_xact_time_ms"`
	AvgQueryTimeMS  float64 `json:"avg_query_time_ms"`
	AvgWaitTimeMS   float64 `json:"avg_wait_time_ms"`
}

// ProxyTarget is one RDS Proxy target.
type ProxyTarget struct {
	Endpoint    string `json:"endpoint,omitempty"`
	Type        string `json:"type,omitempty"`
	Role        string `json:"role,omitempty"`
	State       string `json:"state"`
	Reason      string `json:"reason,omitempty"`
	Description string `json:"description,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Public returns r without what helps an attacker more than an operator
// without credentials: server and pooler versions, database, user and
// endpoint names, and error text. The verdict, the problems' parts (in
// words without names) and every number stay.
func (r Report) Public() Report {
	out := r
	out.Problems = make([]Problem, len(r.Problems))
	for i, p := range r.Problems {
		pub := p.public
		if pub == "" { // built elsewhere than judge: keep what precedes the detail
			pub, _, _ = strings.Cut(p.Reason, ":")
		}
		out.Problems[i] = Problem{Part: p.Part, Reason: pub, public: pub}
	}
	out.Database.ServerVersion = ""
	if out.Database.Error != "" {
		out.Database.Error = "failed"
	}
	out.Pooler.Version = ""
	if out.Pooler.Error != "" {
		out.Pooler.Error = "failed"
	}
	out.Pooler.Pools = make([]PgBouncerPool, len(r.Pooler.Pools))
	for i, p := range r.Pooler.Pools {
		p.Database, p.User = "", ""
		out.Pooler.Pools[i] = p
	}
	if len(out.Pooler.Pools) == 0 {
		out.Pooler.Pools = nil
	}
	out.Pooler.Targets = make([]ProxyTarget, len(r.Pooler.Targets))
	for i, t := range r.Pooler.Targets {
		out.Pooler.Targets[i] = ProxyTarget{Type: t.Type, Role: t.Role, State: t.State}
	}
	if len(out.Pooler.Targets) == 0 {
		out.Pooler.Targets = nil
	}
	return out
}

// Public returns body with Report.Public applied when it is a Report
// (what Check returns), and body unchanged otherwise.
func Public(body any) any {
	if r, ok := body.(Report); ok {
		return r.Public()
	}
	return body
}

// Check runs every probe and returns the report and its HTTP status: 200
// for healthy and degraded, 503 for unhealthy.
func (c *Checker) Check(ctx context.Context) (any, int) {
	r := c.Run(ctx)
	if r.Status == Unhealthy {
		return r, http.StatusServiceUnavailable
	}
	return r, http.StatusOK
}

// Run runs every probe concurrently and judges.
func (c *Checker) Run(ctx context.Context) Report {
	start := c.now()
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	dbDone := make(chan DatabaseReport, 1)
	go func() { dbDone <- c.database(ctx) }()
	poolerDone := make(chan PoolerReport, 1)
	go func() { poolerDone <- c.pooler(ctx) }()

	var r Report
	select {
	case r.Database = <-dbDone:
	case <-ctx.Done():
		r.Database = DatabaseReport{Error: "no answer within the health check's time"}
	}
	select {
	case r.Pooler = <-poolerDone:
	case <-ctx.Done():
		r.Pooler = PoolerReport{Kind: string(c.cfg.Pooler), Error: "no answer within the health check's time"}
	}

	st := c.db.Stats()
	r.Pool = PoolReport{
		MaxConns: st.MaxConns, TotalConns: st.TotalConns, IdleConns: st.IdleConns, AcquiredConns: st.AcquiredConns,
		ConstructingConns: st.ConstructingConns, AcquireCount: st.AcquireCount, EmptyAcquireCount: st.EmptyAcquireCount,
		EmptyAcquireWaitMS: ms(st.EmptyAcquireWaitTime), AcquireDurationMS: ms(st.AcquireDuration),
		CanceledAcquireCount: st.CanceledAcquireCount, NewConnsCount: st.NewConnsCount,
		MaxLifetimeDestroyCount: st.MaxLifetimeDestroyCount, MaxIdleDestroyCount: st.MaxIdleDestroyCount,
	}
	r.PoolSize, r.CheckedOutConnections, r.Total = st.MaxConns, st.AcquiredConns, st.TotalConns
	r.Overflow, r.Available = st.TotalConns-st.MaxConns, st.MaxConns-st.AcquiredConns
	c.judge(&r)
	r.CheckedAt = c.now().UTC().Format(time.RFC3339Nano)
	r.TookMS = ms(c.now().Sub(start))
	if r.Status != Healthy {
		c.log.WarnContext(ctx, "database health", "status", r.Status, "problems", r.Problems)
	}
	return r
}

// judge sets the verdict and names the failing parts.
func (c *Checker) judge(r *Report) {
	r.Problems = []Problem{}
	addPublic := func(part, reason, public string) {
		r.Problems = append(r.Problems, Problem{Part: part, Reason: reason, public: public})
	}
	add := func(part, reason string) { addPublic(part, reason, reason) }
	unhealthy := false
	if !r.Database.OK {
		unhealthy = true
		switch {
		case c.cfg.Pooler != db.PoolerDirect && !r.Pooler.Reachable:
			addPublic("pooler", "the pooler is unreachable: "+r.Pooler.Error, "the pooler is unreachable")
		default:
			addPublic("database", "no round trip to PostgreSQL through the pooler: "+r.Database.Error,
				"no round trip to PostgreSQL through the pooler")
		}
	} else if r.Database.Primary != nil && !*r.Database.Primary {
		add("database", "the answer came from a server in recovery, not a primary")
	}
	if r.Pooler.Error != "" && (r.Database.OK || r.Pooler.Reachable) {
		addPublic("pooler", r.Pooler.Error, "the pooler's report is incomplete")
	}
	for _, p := range r.Pooler.Pools {
		if p.ClWaiting > 0 && p.MaxWait >= c.cfg.MaxWaitDegraded {
			addPublic("pooler", fmt.Sprintf("%d clients waiting at the pooler for database %s (longest %s)",
				p.ClWaiting, p.Database, p.MaxWait.Round(time.Millisecond)),
				fmt.Sprintf("%d clients waiting at the pooler (longest %s)", p.ClWaiting, p.MaxWait.Round(time.Millisecond)))
		}
	}
	for _, t := range r.Pooler.Targets {
		if t.State != "AVAILABLE" {
			addPublic("pooler", fmt.Sprintf("proxy target %s is %s: %s %s", t.Endpoint, t.State, t.Reason, t.Description),
				"a proxy target is "+t.State)
		}
	}
	if r.Pool.MaxConns > 0 && r.Pool.AcquiredConns >= r.Pool.MaxConns {
		add("pool", fmt.Sprintf("every pool connection is in use (%d of %d)", r.Pool.AcquiredConns, r.Pool.MaxConns))
	}
	switch {
	case unhealthy:
		r.Status = Unhealthy
	case len(r.Problems) > 0:
		r.Status = Degraded
	default:
		r.Status = Healthy
	}
}

func (c *Checker) database(ctx context.Context) DatabaseReport {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.ProbeTimeout)
	defer cancel()
	p, err := c.db.Probe(ctx)
	r := DatabaseReport{LatencyMS: ms(p.Latency), Via: "pool"}
	if p.Dedicated {
		r.Via = "dedicated"
	}
	if err != nil {
		r.Error = reason(err, ctx)
		return r
	}
	r.OK, r.ServerVersion, r.Primary = true, p.ServerVersion, &p.Primary
	return r
}

// reason is a short, secret-free description of a probe failure.
func reason(err error, ctx context.Context) string {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300]
	}
	return msg
}

// pooler returns the pooler's answer, from the cache when it is fresh.
// Only one probe runs at a time; callers arriving meanwhile wait for it
// (or their deadline) instead of starting another.
func (c *Checker) pooler(ctx context.Context) PoolerReport {
	if c.cfg.Pooler == db.PoolerDirect {
		return PoolerReport{Kind: string(db.PoolerDirect), OK: true, Reachable: true, Note: "no pooler: DB_POOLER=direct"}
	}
	for {
		c.mu.Lock()
		if c.cached != nil && c.now().Sub(c.cachedAt) < c.cfg.CacheTTL {
			r := *c.cached
			r.AgeMS = ms(c.now().Sub(c.cachedAt))
			c.mu.Unlock()
			return r
		}
		if c.inflight == nil {
			done := make(chan struct{})
			c.inflight = done
			c.mu.Unlock()
			r := c.probePooler(ctx)
			c.mu.Lock()
			c.cached, c.cachedAt, c.inflight = &r, c.now(), nil
			c.mu.Unlock()
			close(done)
			return r
		}
		wait := c.inflight
		c.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return PoolerReport{Kind: string(c.cfg.Pooler), Error: "no answer within the health check's time"}
		}
	}
}

func (c *Checker) probePooler(ctx context.Context) PoolerReport {
	// The probe runs on its own deadline, not the caller's: a client that
	// gives up must not cache a "timed out" for everyone else.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.ProbeTimeout)
	defer cancel()
	switch c.cfg.Pooler {
	case db.PoolerPgBouncer:
		return c.pgbouncer(pctx)
	case db.PoolerRDSProxy:
		return c.rdsProxy(pctx)
	}
	return PoolerReport{Kind: string(c.cfg.Pooler), Error: "unknown pooler"}
}

func (c *Checker) pgbouncer(ctx context.Context) PoolerReport {
	r := PoolerReport{Kind: string(db.PoolerPgBouncer)}
	if c.cfg.PgBouncerAdminURL == "" {
		r.Reachable, r.OK = true, true
		r.Note = "PGBOUNCER_ADMIN_URL is not set: the pooler is not inspected"
		return r
	}
	rep, err := db.PgBouncerConsole(ctx, c.cfg.PgBouncerAdminURL, c.cfg.PgBouncerAdminPassword, c.db.Database())
	if err != nil {
		r.Reachable = errors.Is(err, db.ErrConsoleRefused)
		r.Error = "admin console: " + reason(err, ctx)
		return r
	}
	r.OK, r.Reachable, r.Version = true, true, rep.Version
	for _, p := range rep.Pools {
		r.Pools = append(r.Pools, PgBouncerPool{PgBouncerPool: p, MaxWaitMS: ms(p.MaxWait)})
	}
	if rep.Stats != nil {
		s := rep.Stats
		r.Stats = &PgBouncerStats{PgBouncerStats: *s, TotalWaitTimeMS: ms(s.TotalWaitTime),
			AvgXactTimeMS: ms(s.AvgXactTime), AvgQueryTimeMS: ms(s.AvgQueryTime), AvgWaitTimeMS: ms(s.AvgWaitTime)}
	}
	return r
}
