package db

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Probe is one health round trip to PostgreSQL through the pooler.
type Probe struct {
	Latency       time.Duration
	ServerVersion string
	// Primary is false when the answer came from a server in recovery
	// (a replica, or a primary being promoted).
	Primary bool
	// Dedicated is true when the probe used its own short-lived
	// connection because the pool had no spare one.
	Dedicated bool
}

// probeSQL is SELECT 1 plus what the health report shows, in one round trip.
const probeSQL = `SELECT 1, current_setting('server_version'), NOT pg_is_in_recovery()`

// Probe runs one round trip. It never takes the pool's last free
// connection away from real requests: with fewer than two free, it opens
// a short-lived connection of its own (through the same pooler).
func (d *DB) Probe(ctx context.Context) (Probe, error) {
	st := d.pool.Stat()
	free := st.MaxConns() - st.AcquiredConns() - st.ConstructingConns()
	var p Probe
	var one int
	start := time.Now()
	var err error
	if free >= 2 {
		err = d.pool.QueryRow(ctx, probeSQL).Scan(&one, &p.ServerVersion, &p.Primary)
	} else {
		p.Dedicated = true
		err = d.probeDedicated(ctx, &one, &p)
	}
	p.Latency = time.Since(start)
	if err != nil {
		return p, classify(err)
	}
	return p, nil
}

func (d *DB) probeDedicated(ctx context.Context, one *int, p *Probe) error {
	cfg := d.pool.Config().ConnConfig.Copy()
	cfg.Tracer = nil
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close(context.WithoutCancel(ctx))
	return c.QueryRow(ctx, probeSQL).Scan(one, &p.ServerVersion, &p.Primary)
}

// Database returns the name of the database the pool connects to.
func (d *DB) Database() string { return d.pool.Config().ConnConfig.Database }

// PgBouncerPool is one row of PgBouncer's SHOW POOLS.
type PgBouncerPool struct {
	Database  string        `json:"database"`
	User      string        `json:"user"`
	ClActive  int64         `json:"cl_active"`
	ClWaiting int64         `json:"cl_waiting"`
	SvActive  int64         `json:"sv_active"`
	SvIdle    int64         `json:"sv_idle"`
	SvUsed    int64         `json:"sv_used"`
	SvLogin   int64         `json:"sv_login"`
	MaxWait   time.Duration `json:"-"`
	PoolMode  string        `json:"pool_mode"`
}

// PgBouncerStats is the row of SHOW STATS for one database.
type PgBouncerStats struct {
	TotalXactCount  int64         `json:"total_xact_count"`
	TotalQueryCount int64         `json:"total_query_count"`
	TotalWaitTime   time.Duration `json:"-"`
	AvgXactTime     time.Duration `json:"-"`
	AvgQueryTime    time.Duration `json:"-"`
	AvgWaitTime     time.Duration `json:"-"`
	AvgXactCount    int64         `json:"avg_xact_count"`
	AvgQueryCount   int64         `json:"avg_query_count"`
}

// PgBouncerReport is what the admin console says about one database.
type PgBouncerReport struct {
	Version string
	Pools   []PgBouncerPool
	Stats   *PgBouncerStats
}

// ErrConsoleRefused means the PgBouncer admin console answered but refused
// us (wrong credentials, not an admin or stats user).
var ErrConsoleRefused = errors.New("pgbouncer admin console refused the login")

// PgBouncerConsole connects to PgBouncer's admin console (adminURL, the
// stats user; password, if set, replaces the URL's) with a short-lived
// connection of its own, never a pool connection, and reads SHOW VERSION,
// SHOW POOLS and SHOW STATS for database. The console speaks only the
// simple query protocol; every column is read as text and parsed, so the
// SQL types PgBouncer versions use for them do not matter.
func PgBouncerConsole(ctx context.Context, adminURL, password, database string) (PgBouncerReport, error) {
	cfg, err := pgx.ParseConfig(adminURL)
	if err != nil {
		return PgBouncerReport{}, fmt.Errorf("parse PGBOUNCER_ADMIN_URL: %w", RedactURLError(err))
	}
	if password != "" {
		cfg.Password = password
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	cfg.RuntimeParams = map[string]string{} // the console takes no startup parameters
	if dl, ok := ctx.Deadline(); ok {
		cfg.ConnectTimeout = time.Until(dl)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		if strings.Contains(err.Error(), "SASL authentication failed") || strings.Contains(err.Error(), "password authentication failed") ||
			strings.Contains(err.Error(), "not allowed") || strings.Contains(err.Error(), "no such user") {
			return PgBouncerReport{}, fmt.Errorf("%w: %s", ErrConsoleRefused, firstLine(err))
		}
		return PgBouncerReport{}, fmt.Errorf("connect to pgbouncer admin console: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	var rep PgBouncerReport
	rows, err := showRows(ctx, conn, "SHOW VERSION")
	if err != nil {
		return rep, err
	}
	if len(rows) > 0 {
		for _, v := range rows[0] {
			rep.Version = v
		}
	}
	pools, err := showRows(ctx, conn, "SHOW POOLS")
	if err != nil {
		return rep, err
	}
	for _, r := range pools {
		if r["database"] != database {
			continue
		}
		rep.Pools = append(rep.Pools, PgBouncerPool{
			Database: r["database"], User: r["user"], ClActive: num(r["cl_active"]), ClWaiting: num(r["cl_waiting"]),
			SvActive: num(r["sv_active"]), SvIdle: num(r["sv_idle"]), SvUsed: num(r["sv_used"]), SvLogin: num(r["sv_login"]),
			MaxWait:  time.Duration(num(r["maxwait"]))*time.Second + time.Duration(num(r["maxwait_us"]))*time.Microsecond,
			PoolMode: r["pool_mode"],
		})
	}
	stats, err := showRows(ctx, conn, "SHOW STATS")
	if err != nil {
		return rep, err
	}
	for _, r := range stats {
		if r["database"] != database {
			continue
		}
		rep.Stats = &PgBouncerStats{
			TotalXactCount: num(r["total_xact_count"]), TotalQueryCount: num(r["total_query_count"]),
			TotalWaitTime: time.Duration(num(r["total_wait_time"])) * time.Microsecond,
			AvgXactTime:   time.Duration(num(r["avg_xact_time"])) * time.Microsecond,
			AvgQueryTime:  time.Duration(num(r["avg_query_time"])) * time.Microsecond,
			AvgWaitTime:   time.Duration(num(r["avg_wait_time"])) * time.Microsecond,
			AvgXactCount:  num(r["avg_xact_count"]), AvgQueryCount: num(r["avg_query_count"]),
		}
	}
	return rep, nil
}

// showRows runs a console command and returns its rows as column → text.
func showRows(ctx context.Context, conn *pgx.Conn, cmd string) ([]map[string]string, error) {
	rows, err := conn.Query(ctx, cmd)
	if err != nil {
		return nil, fmt.Errorf("pgbouncer %s: %w", cmd, err)
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	var out []map[string]string
	for rows.Next() {
		vals := rows.RawValues()
		m := make(map[string]string, len(fields))
		for i, f := range fields {
			if i < len(vals) && vals[i] != nil {
				m[f.Name] = string(vals[i])
			}
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgbouncer %s: %w", cmd, err)
	}
	return out, nil
}

// num parses a console number written as an integer, a decimal or empty.
func num(s string) int64 {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return int64(f)
	}
	return 0
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
