package main

import (
	"encoding/json"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

func splitLines(s string) []string { return strings.Split(s, "\n") }

func splitComma(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func cut(s, sep string) (string, string, bool) {
	k, v, ok := strings.Cut(s, sep)
	return strings.TrimSpace(k), strings.TrimSpace(v), ok
}

func passFail(ok bool) string {
	if ok {
		return "**pass**"
	}
	return "**FAIL**"
}

func errs(m map[string]int) string {
	if len(m) == 0 {
		return "0"
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func (r *report) scenario(name string) *scenario {
	for i := range r.Scenarios {
		if r.Scenarios[i].Name == name {
			return &r.Scenarios[i]
		}
	}
	return nil
}

func (r *report) pooled(n int) *stats {
	for i := range r.Pooled {
		if r.Pooled[i].Envs == n {
			return &r.Pooled[i]
		}
	}
	return nil
}

// ceiling is the most server connections the goals allow: PgBouncer's
// pool plus its reserve (the drill's monitoring connection is not an
// application connection and is not counted).
func (r *report) ceiling() int { return r.PoolSize + r.Reserve }

// goal is one of the goals with its verdict; measured is false
// when this run did not measure it.
type goal struct {
	Text     string
	OK       bool
	Measured bool
	Detail   string
}

func (r *report) goals() []goal {
	var g []goal
	if st := r.pooled(1000); st != nil {
		g = append(g, goal{"N = 1000: zero errors", total(st.Errors) == 0 && st.StartError == "", true, errs(st.Errors)})
	} else {
		g = append(g, goal{Text: "N = 1000: zero errors"})
	}
	peak, measured := 0, len(r.Pooled) > 0
	for _, st := range r.Pooled {
		peak = max(peak, st.PeakServer)
	}
	for _, sc := range r.Scenarios {
		peak = max(peak, sc.Stats.PeakServer)
	}
	if r.Jobs != nil {
		peak, measured = max(peak, r.Jobs.PeakServer), true
	}
	if r.Processes != nil {
		peak, measured = max(peak, r.Processes.Stats.PeakServer), true
	}
	g = append(g, goal{fmt.Sprintf("server connections never above pool + reserve (%d)", r.ceiling()), peak <= r.ceiling(), measured,
		fmt.Sprintf("peak %d", peak)})
	if st := r.pooled(100); st != nil {
		g = append(g, goal{"p99 under 100 ms at N = 100", st.P99 < 100, true, fmt.Sprintf("%.1f ms", st.P99)})
	}
	for _, name := range []string{"pgbouncer-restart", "pgbouncer-pause", "pgbouncer-online-restart"} {
		sc := r.scenario(name)
		if sc == nil {
			continue
		}
		g = append(g, goal{name + ": zero failed requests", total(sc.Stats.Errors) == 0, true, errs(sc.Stats.Errors)})
		g = append(g, goal{name + ": p99 during the restart <= its length + 1 s", sc.EventP99 <= (sc.EventSeconds+1)*1000, true,
			fmt.Sprintf("%.0f ms for %.1f s", sc.EventP99, sc.EventSeconds)})
		g = append(g, goal{name + ": every environment serves within 1 s of the return", sc.RecoverySec <= 1, true,
			fmt.Sprintf("%.2f s", sc.RecoverySec)})
	}
	for _, name := range []string{"postgres-restart", "terminate-backends"} {
		sc := r.scenario(name)
		if sc == nil {
			continue
		}
		g = append(g, goal{name + ": zero failed reads", sc.Stats.FailedReads == 0, true, fmt.Sprint(sc.Stats.FailedReads)})
		g = append(g, goal{name + ": no write lost or doubled", sc.EditRows == sc.Edits200, true,
			fmt.Sprintf("%d edits answered 200, %d edit_log entries added", sc.Edits200, sc.EditRows)})
	}
	for _, name := range []string{"freeze", "freeze-pgbouncer-restart"} {
		sc := r.scenario(name)
		if sc == nil {
			continue
		}
		g = append(g, goal{name + ": zero failed requests after the thaw", total(sc.Stats.Errors) == 0, true, errs(sc.Stats.Errors)})
		g = append(g, goal{name + ": thaw p99 under 1 s", sc.ThawP99 < 1000, true, fmt.Sprintf("%.0f ms", sc.ThawP99)})
	}
	if j := r.Jobs; j != nil {
		once := j.Completed == j.Quizzes && j.DecidedOnce == j.Quizzes && j.DecidedTwice == 0 && j.SavedTwice == 0 && j.CreateErrors == 0
		g = append(g, goal{fmt.Sprintf("jobs: %d quizzes at once, every one completed exactly once", j.Quizzes), once, true,
			fmt.Sprintf("%d completed as planned, %d decided once, %d twice, %d batches saved twice", j.Completed, j.DecidedOnce, j.DecidedTwice, j.SavedTwice)})
		g = append(g, goal{"jobs: no quiz stuck", j.Stuck == 0 && j.DecidedOnce+j.DecidedTwice == j.Quizzes, true,
			fmt.Sprintf("%d not decided, %d messages left", j.Stuck, j.LeftInQueue)})
		g = append(g, goal{fmt.Sprintf("jobs: server connections never above pool + reserve (%d)", r.ceiling()), j.PeakServer <= r.ceiling(), true,
			fmt.Sprintf("peak %d", j.PeakServer)})
	}
	if p := r.Processes; p != nil {
		g = append(g, goal{fmt.Sprintf("processes: N = %d real API processes, zero errors", p.Stats.Envs), total(p.Stats.Errors) == 0, true, errs(p.Stats.Errors)})
		g = append(g, goal{fmt.Sprintf("processes: server connections never above pool + reserve (%d)", r.ceiling()), p.Stats.PeakServer <= r.ceiling(), true,
			fmt.Sprintf("peak %d", p.Stats.PeakServer)})
		if p.Stats.Envs == 100 {
			g = append(g, goal{"processes: p99 under 100 ms at N = 100", p.Stats.P99 < 100, true, fmt.Sprintf("%.1f ms (in-process %.1f ms)", p.Stats.P99, p.InProcess.P99)})
		}
	}
	if n := r.directBreak(); n > 0 {
		g = append(g, goal{"the direct-connection run fails at the N named", true, true, fmt.Sprintf("breaks at N = %d", n)})
	} else if len(r.Direct) > 0 {
		g = append(g, goal{"the direct-connection run fails at the N named", false, true, "did not break at the sizes run"})
	}
	return g
}

// directBreak is the smallest N at which the direct run failed (0: none).
func (r *report) directBreak() int {
	for _, st := range r.Direct {
		if total(st.Errors) > 0 || st.StartError != "" {
			return st.Envs
		}
	}
	return 0
}

func (r *report) markdown() string {
	var b strings.Builder
	p := func(f string, a ...any) { fmt.Fprintf(&b, f+"\n", a...) }
	p("# Fleet drill, %s", r.Date)
	p("")
	p("`make bench-fleet` (dev/fleet): simulated Lambda execution environments, each with its own pool (production `db.Open`, `DB_MAX_CONNS=2`) and its own `internal/httpapi` handler, one request at a time, against the drill's own PostgreSQL cluster and a PgBouncer built from `pgbouncer/pgbouncer.ini` (transaction mode, `default_pool_size` %d, `reserve_pool_size` %d; only `client_idle_timeout` shortened to %d s for the freeze). Request mix per 10: 4 `GET /quiz/{id}`, 2 `GET /quiz/`, 2 `GET /questions/{quiz_id}`, 1 `PUT /questions/{quiz_id}/{id}` (edit), 1 `PUT .../approve`; deadline %.0f s per request.", r.PoolSize, r.Reserve, r.IdleTO, r.Deadline)
	p("")
	p("Machine: %s, %d cores, %d GB; PostgreSQL %s (max_connections %d); %s; %s. The drill, Postgres and PgBouncer share these cores, and the host's speed varies from run to run (machine CPU ms/req below), so timings are indicative; connection counts and failures are not.", r.Machine.CPU, r.Machine.Cores, r.Machine.MemoryGB, r.Machine.Postgres, r.MaxConns, r.Machine.PgBouncer, r.Machine.Go)
	p("")
	p("## Goals")
	p("")
	p("| goal | verdict | measured |")
	p("|---|---|---|")
	for _, g := range r.goals() {
		v := passFail(g.OK)
		if !g.Measured {
			v, g.Detail = "not measured", "-"
		}
		p("| %s | %s | %s |", g.Text, v, g.Detail)
	}
	p("")
	p("## Through PgBouncer")
	p("")
	p("| N | requests | req/s | p50 ms | p95 ms | p99 ms | errors | CPU ms/req | machine CPU ms/req | peak client conns (SHOW POOLS) | peak server conns (pg_stat_activity) |")
	p("|---|---|---|---|---|---|---|---|---|---|---|")
	for _, st := range r.Pooled {
		p("| %d | %d | %.0f | %.1f | %.1f | %.1f | %s | %.2f | %.2f | %d | %d |", st.Envs, st.Requests, st.RPS, st.P50, st.P95, st.P99, errs(st.Errors), st.CPUms, st.MachineCPUms, st.PeakClients, st.PeakServer)
	}
	p("")
	p("CPU ms/req is the drill process's CPU time (the API handlers and the load generator; not Postgres or PgBouncer) over the requests; machine CPU ms/req is the whole machine's (the drill, Postgres and PgBouncer; /proc/stat, without time stolen by the host), what a request costs whatever the host's speed at the moment.")
	p("")
	p("Latency by kind of request (p50 / p99 ms, round trips to the database per request in brackets, as `TestRoundTripsPerRequest` asserts):")
	p("")
	p("| N | quiz [%d] | list [%d] | questions [%d] | edit [%d] | approve [%d] |", roundTrips["quiz"], roundTrips["list"], roundTrips["questions"], roundTrips["edit"], roundTrips["approve"])
	p("|---|---|---|---|---|---|")
	for _, st := range r.Pooled {
		k := func(name string) string { return fmt.Sprintf("%.1f / %.1f", st.ByKind[name].P50, st.ByKind[name].P99) }
		p("| %d | %s | %s | %s | %s | %s |", st.Envs, k("quiz"), k("list"), k("questions"), k("edit"), k("approve"))
	}
	p("")
	if len(r.Direct) > 0 {
		p("## Straight to Postgres (no pooler)")
		p("")
		p("| N | requests | req/s | p99 ms | errors | peak server conns | start error |")
		p("|---|---|---|---|---|---|---|")
		for _, st := range r.Direct {
			p("| %d | %d | %.0f | %.1f | %s | %d | %s |", st.Envs, st.Requests, st.RPS, st.P99, errs(st.Errors), st.PeakServer, st.StartError)
		}
		p("")
		if n := r.directBreak(); n > 0 {
			p("Without the pooler every environment holds its own server connection: the run fails at N = %d (Postgres refuses clients beyond `max_connections` = %d).", n, r.MaxConns)
		}
		p("")
	}
	if len(r.Scenarios) > 0 {
		p("## Scenarios under load (N = %d)", r.Scenarios[0].Stats.Envs)
		p("")
		p("| scenario | requests | errors | failed reads | failed writes | hung | event s | error window s | recovery s | event p99 ms | thaw p99 ms | edits 200 / edit_log rows | peak server |")
		p("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
		for _, sc := range r.Scenarios {
			p("| %s | %d | %s | %d | %d | %d | %.1f | %.2f | %.2f | %.0f | %.0f | %d / %d | %d |", sc.Name, sc.Stats.Requests, errs(sc.Stats.Errors),
				sc.Stats.FailedReads, sc.Stats.FailedWrite, sc.Stats.Hung, sc.EventSeconds, sc.ErrorWindow, sc.RecoverySec, sc.EventP99, sc.ThawP99,
				sc.Edits200, sc.EditRows, sc.Stats.PeakServer)
		}
		p("")
		p("- pgbouncer-restart: SIGTERM (clients dropped), down for the event's length, started again.")
		p("- pgbouncer-pause: `PAUSE quizgen` for the same length, then `RESUME` (no process restart; clients stay connected, queries wait).")
		p("- pgbouncer-online-restart: `pgbouncer -R`, a new process takes over the sockets and clients of the old one.")
		p("- postgres-restart: `pg_ctl restart -m fast`; terminate-backends: `pg_terminate_backend` of every application backend.")
		p("- freeze: every environment stopped for client_idle_timeout + 2 s (PgBouncer closes their idle connections), then resumed; freeze-pgbouncer-restart also restarts PgBouncer in the middle of the freeze. Thaw p99 is over each environment's first request after the thaw.")
		p("- Writes: each edit changes the question text, so each edit answered 200 must add exactly one `edit_log` entry; more entries than 200s means a write applied whose client saw an error, fewer means a write lost.")
		p("")
	}
	if j := r.Jobs; j != nil {
		p("## Jobs under load")
		p("")
		p("%d quizzes created at once through the API's `quiz.Service` (each queues its extraction on the drill's own SQS emulator); each quiz has %d manual modules with one batch each (%d batches, %d questions). They are run by %d generate environments, the concurrency `template.yaml` allows the generate function (its SQS event source's `MaximumConcurrency`; `BatchSize` %d), each its own production pool (`DB_MAX_CONNS=%d`) and the generate handler wired as `functions/generate` wires it, polling like the local function; the mock LLM answers after %.0f ms.",
			j.Quizzes, j.PlanBatches, j.PlanBatches, j.PlanQuestions, j.Workers, j.BatchSize, j.WorkerDBConns, j.LLMLatencyMs)
		p("")
		p("| quizzes | environments | end to end s | quizzes/s | completed as planned | decided once / twice | not decided | batches saved twice | job errors | messages left | peak client conns | peak server conns |")
		p("|---|---|---|---|---|---|---|---|---|---|---|---|")
		p("| %d | %d | %.1f | %.1f | %d | %d / %d | %d | %d | %d | %d | %d | %d |", j.Quizzes, j.Workers, j.Seconds, j.QuizzesPerSec, j.Completed,
			j.DecidedOnce, j.DecidedTwice, j.Stuck, j.SavedTwice, j.JobErrors, j.LeftInQueue, j.PeakClients, j.PeakServer)
		p("")
		p("End to end is from the first job queued to the last quiz decided. A quiz is completed as planned when its generation is completed without a failure reason, it has exactly its planned `generation_batch` rows, all completed, and its planned number of questions; decided counts the batch saves or failures that settled a run (one per quiz expected). Job errors are handler calls that returned the message to SQS.")
		if j.Note != "" {
			p("")
			p("Note: %s", j.Note)
		}
		p("")
	}
	if pr := r.Processes; pr != nil {
		in, st := pr.InProcess, pr.Stats
		p("## Real processes (N = %d)", st.Envs)
		p("")
		p("`functions/api` built once and started %d times in local mode (as `make dev` runs it; `DB_MAX_CONNS=2`, each its own port) through the drill's PgBouncer, each sent the same request mix over HTTP, one request at a time; beside it the in-process run of the same N.", st.Envs)
		p("")
		p("| run | requests | req/s | p50 ms | p95 ms | p99 ms | errors | API CPU ms/req | peak client conns | peak server conns |")
		p("|---|---|---|---|---|---|---|---|---|---|")
		p("| in-process | %d | %.0f | %.1f | %.1f | %.1f | %s | %.2f | %d | %d |", in.Requests, in.RPS, in.P50, in.P95, in.P99, errs(in.Errors), in.CPUms, in.PeakClients, in.PeakServer)
		p("| processes | %d | %.0f | %.1f | %.1f | %.1f | %s | %.2f | %d | %d |", st.Requests, st.RPS, st.P50, st.P95, st.P99, errs(st.Errors), pr.APICPUms, st.PeakClients, st.PeakServer)
		p("")
		p("In-process CPU is the drill's (handlers and load generator); for the processes it is the API processes' own (`/proc/<pid>/stat`), the drill's HTTP clients adding %.2f ms/req. Each process held %.0f MB resident at the end; they answered their health check %.1f s after the build started.", pr.DrillCPUms, pr.RSSMB, pr.StartSec)
		p("")
	}
	p("## Charts")
	p("")
	p("![latency against N](latency.png)")
	p("![connections against N](connections.png)")
	for _, sc := range r.Scenarios {
		p("![%s](scenario-%s.png)", sc.Name, sc.Name)
	}
	if r.Jobs != nil {
		p("![jobs](scenario-jobs.png)")
	}
	p("")
	if len(r.Skipped) > 0 {
		p("## Not measured")
		p("")
		for _, s := range r.Skipped {
			p("- %s", s)
		}
	}
	return b.String()
}

// write puts report.md, results.json and the charts in dir.
func (r *report) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), raw, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.md"), []byte(r.markdown()), 0o644); err != nil {
		return err
	}
	return r.charts(dir)
}

var (
	red   = color.RGBA{R: 200, A: 255}
	blue  = color.RGBA{B: 200, A: 255}
	green = color.RGBA{G: 150, A: 255}
	grey  = color.RGBA{R: 120, G: 120, B: 120, A: 255}
)

func line(p *plot.Plot, name string, c color.Color, xy plotter.XYs) error {
	if len(xy) == 0 {
		return nil
	}
	l, pts, err := plotterLinePoints(xy)
	if err != nil {
		return err
	}
	l.Color, pts.Color = c, c
	p.Add(l, pts)
	p.Legend.Add(name, l, pts)
	return nil
}

func plotterLinePoints(xy plotter.XYs) (*plotter.Line, *plotter.Scatter, error) {
	l, err := plotter.NewLine(xy)
	if err != nil {
		return nil, nil, err
	}
	s, err := plotter.NewScatter(xy)
	if err != nil {
		return nil, nil, err
	}
	return l, s, nil
}

func (r *report) charts(dir string) error {
	save := func(p *plot.Plot, name string) error {
		p.Legend.Top = true
		return p.Save(8*vg.Inch, 4*vg.Inch, filepath.Join(dir, name))
	}
	// latency percentiles against N
	p := plot.New()
	p.Title.Text = "Latency through PgBouncer against N environments"
	p.X.Label.Text, p.Y.Label.Text = "environments (N)", "ms"
	var p50, p95, p99 plotter.XYs
	for _, st := range r.Pooled {
		p50 = append(p50, plotter.XY{X: float64(st.Envs), Y: st.P50})
		p95 = append(p95, plotter.XY{X: float64(st.Envs), Y: st.P95})
		p99 = append(p99, plotter.XY{X: float64(st.Envs), Y: st.P99})
	}
	for _, e := range []error{line(p, "p50", green, p50), line(p, "p95", blue, p95), line(p, "p99", red, p99)} {
		if e != nil {
			return e
		}
	}
	if err := save(p, "latency.png"); err != nil {
		return err
	}
	// connections against N
	p = plot.New()
	p.Title.Text = "Peak connections against N environments"
	p.X.Label.Text, p.Y.Label.Text = "environments (N)", "connections"
	var sv, cl, dsv, ceil plotter.XYs
	for _, st := range r.Pooled {
		sv = append(sv, plotter.XY{X: float64(st.Envs), Y: float64(st.PeakServer)})
		cl = append(cl, plotter.XY{X: float64(st.Envs), Y: float64(st.PeakClients)})
		ceil = append(ceil, plotter.XY{X: float64(st.Envs), Y: float64(r.ceiling())})
	}
	for _, st := range r.Direct {
		dsv = append(dsv, plotter.XY{X: float64(st.Envs), Y: float64(st.PeakServer)})
	}
	for _, e := range []error{line(p, "server conns via PgBouncer", blue, sv), line(p, "client conns at PgBouncer", green, cl),
		line(p, "server conns, direct", red, dsv), line(p, "pool + reserve", grey, ceil)} {
		if e != nil {
			return e
		}
	}
	if err := save(p, "connections.png"); err != nil {
		return err
	}
	for _, sc := range r.Scenarios {
		p = plot.New()
		p.Title.Text = fmt.Sprintf("%s at N = %d (event %.1f-%.1f s)", sc.Name, sc.Stats.Envs, sc.EventAt, sc.EventEnd)
		p.X.Label.Text, p.Y.Label.Text = "seconds", "per 250 ms / connections / p99 (10 ms)"
		var ok, bad, lat, srv, cli plotter.XYs
		for _, b := range sc.Stats.Timeline {
			ok = append(ok, plotter.XY{X: b.At, Y: float64(b.OK)})
			bad = append(bad, plotter.XY{X: b.At, Y: float64(b.Errors)})
			lat = append(lat, plotter.XY{X: b.At, Y: b.P99 / 10})
		}
		for _, s := range sc.Stats.Samples {
			srv = append(srv, plotter.XY{X: s.At.Seconds(), Y: float64(max(s.Server, 0))})
			cli = append(cli, plotter.XY{X: s.At.Seconds(), Y: float64(max(s.Clients, 0))})
		}
		for _, e := range []error{lineOnly(p, "requests ok", green, ok), lineOnly(p, "requests failed", red, bad),
			lineOnly(p, "p99 (x10 ms)", color.Black, lat), lineOnly(p, "server conns", blue, srv), lineOnly(p, "client conns", grey, cli)} {
			if e != nil {
				return e
			}
		}
		if err := save(p, "scenario-"+sc.Name+".png"); err != nil {
			return err
		}
	}
	if j := r.Jobs; j != nil {
		p = plot.New()
		p.Title.Text = fmt.Sprintf("jobs: %d quizzes, %d generate environments (%.1f s end to end)", j.Quizzes, j.Workers, j.Seconds)
		p.X.Label.Text, p.Y.Label.Text = "seconds", "connections"
		var srv, cli, ceil plotter.XYs
		for _, s := range j.Samples {
			srv = append(srv, plotter.XY{X: s.At.Seconds(), Y: float64(max(s.Server, 0))})
			cli = append(cli, plotter.XY{X: s.At.Seconds(), Y: float64(max(s.Clients, 0))})
			ceil = append(ceil, plotter.XY{X: s.At.Seconds(), Y: float64(r.ceiling())})
		}
		for _, e := range []error{lineOnly(p, "server conns", blue, srv), lineOnly(p, "client conns", green, cli), lineOnly(p, "pool + reserve", grey, ceil)} {
			if e != nil {
				return e
			}
		}
		if err := save(p, "scenario-jobs.png"); err != nil {
			return err
		}
	}
	return nil
}

func lineOnly(p *plot.Plot, name string, c color.Color, xy plotter.XYs) error {
	if len(xy) == 0 {
		return nil
	}
	l, err := plotter.NewLine(xy)
	if err != nil {
		return err
	}
	l.Color = c
	p.Add(l)
	p.Legend.Add(name, l)
	return nil
}
