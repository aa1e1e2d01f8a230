package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"quizgen/internal/db"
	"quizgen/internal/logging"
	"quizgen/internal/schema"
)

var allScenarios = []string{"pgbouncer-restart", "pgbouncer-pause", "pgbouncer-online-restart",
	"postgres-restart", "terminate-backends", "freeze", "freeze-pgbouncer-restart", "jobs", "processes"}

// stats summarises the requests of one run.
type stats struct {
	Envs        int                  `json:"envs"`
	Requests    int                  `json:"requests"`
	OK          int                  `json:"ok"`
	Errors      map[string]int       `json:"errors"` // by status ("503") or "hung"
	FailedReads int                  `json:"failed_reads"`
	FailedWrite int                  `json:"failed_writes"`
	Hung        int                  `json:"hung"`
	Seconds     float64              `json:"seconds"`
	RPS         float64              `json:"requests_per_second"`
	P50, P95    float64              // ms
	P99         float64              `json:"p99_ms"`
	ByKind      map[string]kindStats `json:"by_kind,omitempty"` // latency per kind of request
	CPUms       float64              `json:"cpu_ms_per_request"`
	// MachineCPUms is the CPU time of the whole machine (the drill,
	// Postgres, PgBouncer: /proc/stat's busy time, not time stolen by the
	// host) over the requests: what a request costs, which does not
	// depend on how fast the host lets the machine run at the moment.
	MachineCPUms float64  `json:"machine_cpu_ms_per_request"`
	PeakServer   int      `json:"peak_server_connections"`
	PeakClients  int      `json:"peak_client_connections"`
	Samples      []sample `json:"samples,omitempty"`
	Timeline     []bucket `json:"timeline,omitempty"`
	StartError   string   `json:"start_error,omitempty"`
}

// kindStats is the latency of one kind of request of the mix.
type kindStats struct {
	Requests int     `json:"requests"`
	P50      float64 `json:"p50_ms"`
	P99      float64 `json:"p99_ms"`
}

type bucket struct {
	At     float64 `json:"at_s"`
	OK     int     `json:"ok"`
	Errors int     `json:"errors"`
	P99    float64 `json:"p99_ms"`
}

func pct(ls []time.Duration, p float64) float64 {
	if len(ls) == 0 {
		return 0
	}
	i := int(float64(len(ls)-1) * p)
	return float64(ls[i].Microseconds()) / 1000
}

func summarize(n int, res []result, samples []sample, elapsed time.Duration, cpu time.Duration) stats {
	st := stats{Envs: n, Requests: len(res), Errors: map[string]int{}, Seconds: elapsed.Seconds(), Samples: samples}
	var ls []time.Duration
	for _, r := range res {
		ls = append(ls, r.Latency)
		switch {
		case r.Status >= 200 && r.Status < 300:
			st.OK++
			continue
		case r.Status == 0:
			st.Hung++
			st.Errors["hung"]++
		case r.Status < 0:
			st.Errors["connection"]++
		default:
			st.Errors[fmt.Sprint(r.Status)]++
		}
		if r.Kind == "edit" || r.Kind == "approve" {
			st.FailedWrite++
		} else {
			st.FailedReads++
		}
	}
	slices.Sort(ls)
	st.P50, st.P95, st.P99 = pct(ls, .5), pct(ls, .95), pct(ls, .99)
	byKind := map[string][]time.Duration{}
	for _, r := range res {
		byKind[r.Kind] = append(byKind[r.Kind], r.Latency)
	}
	st.ByKind = map[string]kindStats{}
	for k, l := range byKind {
		slices.Sort(l)
		st.ByKind[k] = kindStats{Requests: len(l), P50: pct(l, .5), P99: pct(l, .99)}
	}
	if elapsed > 0 {
		st.RPS = float64(len(res)) / elapsed.Seconds()
	}
	if len(res) > 0 {
		st.CPUms = float64(cpu.Microseconds()) / 1000 / float64(len(res))
	}
	for _, s := range samples {
		st.PeakServer = max(st.PeakServer, s.Server)
		st.PeakClients = max(st.PeakClients, s.Clients)
	}
	// 250 ms buckets for the timelines
	if len(res) > 0 {
		width := 250 * time.Millisecond
		byB := map[int][]time.Duration{}
		var nb int
		for _, r := range res {
			b := int((r.Start + r.Latency) / width)
			nb = max(nb, b+1)
			byB[b] = append(byB[b], r.Latency)
		}
		st.Timeline = make([]bucket, nb)
		for i := range st.Timeline {
			st.Timeline[i].At = (time.Duration(i) * width).Seconds()
		}
		for _, r := range res {
			b := int((r.Start + r.Latency) / width)
			if r.Status >= 200 && r.Status < 300 {
				st.Timeline[b].OK++
			} else {
				st.Timeline[b].Errors++
			}
		}
		for b, l := range byB {
			slices.Sort(l)
			st.Timeline[b].P99 = pct(l, .99)
		}
	}
	return st
}

// machineCPU is the machine's busy CPU time so far (user, nice, system,
// irq, softirq of /proc/stat's cpu line), or 0 where /proc/stat is not.
func machineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7} { // user nice system irq softirq
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// scenario is what one event under load did to the requests.
type scenario struct {
	Name           string  `json:"name"`
	Stats          stats   `json:"stats"`
	EventAt        float64 `json:"event_at_s"`
	EventEnd       float64 `json:"event_end_s"`
	EventSeconds   float64 `json:"event_seconds"`
	ErrorWindow    float64 `json:"error_window_s"` // first failed request's start to last one's end
	RecoverySec    float64 `json:"recovery_s"`     // event end until every environment served a 200
	EventP99       float64 `json:"event_p99_ms"`   // requests started during the event (+1 s)
	ThawP99        float64 `json:"thaw_p99_ms"`    // each environment's first request after a thaw
	Edits200       int     `json:"edits_answered_200"`
	EditRows       int     `json:"edit_log_entries_added"`
	Note           string  `json:"note,omitempty"`
	PoolerRestarts bool    `json:"-"`
}

// report is everything one run measured.
type report struct {
	Date      string      `json:"date"`
	Machine   machine     `json:"machine"`
	PoolSize  int         `json:"pgbouncer_pool_size"`
	Reserve   int         `json:"pgbouncer_reserve_pool_size"`
	IdleTO    int         `json:"client_idle_timeout_s"`
	Deadline  float64     `json:"request_deadline_s"`
	Pooled    []stats     `json:"pooled"`
	Direct    []stats     `json:"direct"`
	MaxConns  int         `json:"postgres_max_connections"`
	Scenarios []scenario  `json:"scenarios"`
	Jobs      *jobsResult `json:"jobs,omitempty"`
	Processes *procResult `json:"processes,omitempty"`
	Skipped   []string    `json:"not_measured"`
}

type machine struct {
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	MemoryGB  int    `json:"memory_gb"`
	Postgres  string `json:"postgres"`
	PgBouncer string `json:"pgbouncer"`
	Go        string `json:"go"`
}

func machineInfo(ctx context.Context, s *stack) machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range splitLines(string(b)) {
			if k, v, ok := cut(l, ":"); ok && k == "model name" {
				m.CPU = v
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		_, _ = fmt.Sscanf(string(b), "MemTotal: %d kB", &kb)
		m.MemoryGB = (kb + 512*1024) / (1024 * 1024)
	}
	m.Postgres, m.PgBouncer = s.versions(ctx)
	return m
}

func run(ctx context.Context, o options, logw io.Writer) (*report, error) {
	ns, err := ints(o.ns)
	if err != nil {
		return nil, err
	}
	directNs, err := ints(o.directNs)
	if err != nil {
		return nil, err
	}
	repo, err := repoRoot()
	if err != nil {
		return nil, err
	}
	logf := func(f string, a ...any) { fmt.Fprintf(logw, time.Now().Format("15:04:05 ")+f+"\n", a...) }
	s, err := newStack(repo, o.pgPort, o.pgbPort, o.idleTimeout)
	if err != nil {
		return nil, err
	}
	logf("starting the drill's Postgres (%d) and PgBouncer (%d)", o.pgPort, o.pgbPort)
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	if !o.keep {
		defer s.close()
	}
	m, err := schema.NewMigrator(ctx, s.directURL(), time.Minute, logging.Discard())
	if err != nil {
		return nil, err
	}
	if err := m.Up(); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	_ = m.Close()
	want, err := scenarioList(o.scenarios)
	if err != nil {
		return nil, err
	}
	most := max(o.scenarioN, slices.Max(append(slices.Clone(ns), directNs...)))
	if slices.Contains(want, "processes") {
		most = max(most, o.procN)
	}
	logf("seeding %d teachers, quizzes and questions", most)
	owners, err := seed(ctx, s.pooledURL(), most, 5)
	if err != nil {
		return nil, err
	}
	rep := &report{Date: time.Now().Format("2006-01-02"), Machine: machineInfo(ctx, s), PoolSize: s.poolSize,
		Reserve: s.reserve, IdleTO: o.idleTimeout, Deadline: o.deadline.Seconds(), MaxConns: 200}
	log := logging.Discard()

	phase := func(n int, url string, pooler db.Pooler) stats {
		envs, err := newEnvs(ctx, n, url, pooler, owners, log)
		if err != nil {
			return stats{Envs: n, StartError: err.Error()}
		}
		defer closeEnvs(envs)
		mctx, stop := context.WithCancel(ctx)
		t0 := time.Now()
		samples := monitor(mctx, s, pooler == db.PoolerPgBouncer, t0, 100*time.Millisecond)
		c0, m0 := cpuTime(), machineCPU()
		l := &load{envs: envs, deadline: o.deadline}
		res := l.run(ctx, int64(max(o.requests, 2*n)), 0, t0)
		elapsed, cpu, mcpu := time.Since(t0), cpuTime()-c0, machineCPU()-m0
		stop()
		st := summarize(n, res, samples(), elapsed, cpu)
		if len(res) > 0 && mcpu > 0 {
			st.MachineCPUms = float64(mcpu.Microseconds()) / 1000 / float64(len(res))
		}
		st.Samples, st.Timeline = thin(st.Samples), nil
		return st
	}
	for _, n := range ns {
		logf("pooled: N=%d", n)
		st := phase(n, s.pooledURL(), db.PoolerPgBouncer)
		logf("  %d requests, %.0f req/s, p99 %.1f ms, errors %v, peak server %d, peak clients %d",
			st.Requests, st.RPS, st.P99, st.Errors, st.PeakServer, st.PeakClients)
		rep.Pooled = append(rep.Pooled, st)
	}
	for _, n := range directNs {
		logf("direct: N=%d", n)
		st := phase(n, s.directURL(), db.PoolerDirect)
		logf("  %d requests, %.0f req/s, p99 %.1f ms, errors %v, peak server %d",
			st.Requests, st.RPS, st.P99, st.Errors, st.PeakServer)
		rep.Direct = append(rep.Direct, st)
		// Let Postgres settle before the next size.
		_ = waitFor(10*time.Second, func() bool { return serverConns(ctx, s) <= 1 })
	}
	for _, name := range want {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch name {
		case "jobs":
			logf("scenario jobs: %d quizzes at once", o.jobsQuizzes)
			j, err := runJobs(ctx, s, o, repo, logf)
			if err != nil {
				return nil, fmt.Errorf("scenario jobs: %w", err)
			}
			logf("  %.1f s end to end, %d of %d completed once, %d decided twice, %d stuck, %d job errors, peak server %d, peak clients %d",
				j.Seconds, j.Completed, j.Quizzes, j.DecidedTwice, j.Stuck, j.JobErrors, j.PeakServer, j.PeakClients)
			rep.Jobs = &j
			continue
		case "processes":
			in := rep.pooled(o.procN)
			if in == nil {
				logf("pooled (in-process, beside the processes): N=%d", o.procN)
				st := phase(o.procN, s.pooledURL(), db.PoolerPgBouncer)
				in = &st
			}
			logf("scenario processes: %d API processes", o.procN)
			pr, err := runProcesses(ctx, s, o, repo, owners, *in, logf)
			if err != nil {
				return nil, fmt.Errorf("scenario processes: %w", err)
			}
			st := pr.Stats
			logf("  %d requests, %.0f req/s, p99 %.1f ms, errors %v, peak server %d, peak clients %d, API CPU %.2f ms/req, %.0f MB each",
				st.Requests, st.RPS, st.P99, st.Errors, st.PeakServer, st.PeakClients, pr.APICPUms, pr.RSSMB)
			rep.Processes = &pr
			continue
		}
		logf("scenario %s at N=%d", name, o.scenarioN)
		sc, err := runScenario(ctx, s, o, name, owners)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", name, err)
		}
		logf("  errors %v, window %.2fs, recovery %.2fs, event p99 %.0f ms, thaw p99 %.0f ms, edits 200 %d / edit_log %d",
			sc.Stats.Errors, sc.ErrorWindow, sc.RecoverySec, sc.EventP99, sc.ThawP99, sc.Edits200, sc.EditRows)
		rep.Scenarios = append(rep.Scenarios, sc)
	}
	return rep, nil
}

// repoRoot is the nearest directory up from the working one with a go.mod
// (tests run in dev/fleet, make in the root).
func repoRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		d = up
	}
}

func scenarioList(s string) ([]string, error) {
	var out []string
	for _, f := range splitComma(s) {
		if !slices.Contains(allScenarios, f) {
			return nil, fmt.Errorf("unknown scenario %q (known: %v)", f, allScenarios)
		}
		out = append(out, f)
	}
	return out, nil
}

// thin keeps at most 300 samples (the peak is computed before).
func thin(s []sample) []sample {
	if len(s) <= 300 {
		return s
	}
	step := (len(s) + 299) / 300
	var out []sample
	for i := 0; i < len(s); i += step {
		out = append(out, s[i])
	}
	return out
}

func serverConns(ctx context.Context, s *stack) int {
	c, err := s.superConn(ctx)
	if err != nil {
		return -1
	}
	defer c.Close(ctx)
	var n int
	_ = c.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE usename = 'quizgen' AND backend_type = 'client backend'").Scan(&n)
	return n
}

func editLogEntries(ctx context.Context, s *stack, owners []owner, n int) (int, error) {
	c, err := s.superConnTo(ctx, "quizgen")
	if err != nil {
		return 0, err
	}
	defer c.Close(ctx)
	var ids []string
	for _, o := range owners[:n] {
		ids = append(ids, o.questions[0])
	}
	var total int
	// Only question_text entries: an edit changes that field every time,
	// but the first edit of a seeded question also logs the options and
	// explanation it replaces, which would count one edit several times.
	err = c.QueryRow(ctx, `SELECT count(*) FROM question q, jsonb_array_elements(coalesce(q.edit_log, '[]')) e
		WHERE q.id::text = ANY($1) AND e->>'field' = 'question_text'`, ids).Scan(&total)
	return total, err
}

// runScenario runs o.scenarioN environments for o.scenarioDur and does
// the named event 5 s in.
func runScenario(ctx context.Context, s *stack, o options, name string, owners []owner) (scenario, error) {
	sc := scenario{Name: name}
	n := o.scenarioN
	envs, err := newEnvs(ctx, n, s.pooledURL(), db.PoolerPgBouncer, owners, logging.Discard())
	if err != nil {
		return sc, err
	}
	defer closeEnvs(envs)
	before, err := editLogEntries(ctx, s, owners, n)
	if err != nil {
		return sc, err
	}
	mctx, stop := context.WithCancel(ctx)
	defer stop()
	t0 := time.Now()
	samples := monitor(mctx, s, true, t0, 100*time.Millisecond)
	l := &load{envs: envs, deadline: o.deadline}
	done := make(chan []result, 1)
	c0 := cpuTime()
	go func() { done <- l.run(ctx, 0, o.scenarioDur, t0) }()
	time.Sleep(5 * time.Second)
	start := time.Since(t0)
	var evErr error
	var thawAt time.Duration
	switch name {
	case "pgbouncer-restart":
		s.pgbStop()
		time.Sleep(o.down)
		evErr = s.pgbStart()
	case "pgbouncer-pause":
		// PAUSE waits for running transactions, then holds new ones;
		// RESUME lets them go. Clients stay connected.
		if evErr = s.admin(ctx, "PAUSE quizgen"); evErr == nil {
			time.Sleep(o.down)
			evErr = s.admin(ctx, "RESUME quizgen")
		}
	case "pgbouncer-online-restart":
		evErr = s.pgbOnlineRestart()
	case "postgres-restart":
		evErr = s.pgRestart()
	case "terminate-backends":
		su, err := s.superConn(ctx)
		if err != nil {
			evErr = err
			break
		}
		_, evErr = su.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'quizgen' AND backend_type = 'client backend'")
		_ = su.Close(ctx)
	case "freeze", "freeze-pgbouncer-restart":
		l.paused.Store(true)
		// past client_idle_timeout: PgBouncer closes the idle client
		// connections the frozen pools still hold
		frozen := time.Duration(o.idleTimeout+2) * time.Second
		if name == "freeze-pgbouncer-restart" {
			time.Sleep(frozen / 2)
			s.pgbStop()
			time.Sleep(time.Second)
			evErr = s.pgbStart()
			time.Sleep(frozen / 2)
		} else {
			time.Sleep(frozen)
		}
		thawAt = time.Since(t0)
		l.paused.Store(false)
	}
	end := time.Since(t0)
	if evErr != nil {
		stop()
		<-done
		return sc, evErr
	}
	res := <-done
	cpu := cpuTime() - c0
	elapsed := time.Since(t0)
	stop()
	sc.Stats = summarize(n, res, samples(), elapsed, cpu)
	sc.Stats.Samples = thin(sc.Stats.Samples)
	sc.EventAt, sc.EventEnd, sc.EventSeconds = start.Seconds(), end.Seconds(), (end - start).Seconds()

	var first, last time.Duration = -1, 0
	var during []time.Duration
	firstOK := map[int]time.Duration{}
	firstThaw := map[int]time.Duration{}
	sort.Slice(res, func(i, j int) bool { return res[i].Start < res[j].Start })
	for _, r := range res {
		ok := r.Status >= 200 && r.Status < 300
		if !ok {
			if first < 0 {
				first = r.Start
			}
			last = max(last, r.Start+r.Latency)
		}
		if r.Start >= start && r.Start <= end+time.Second {
			during = append(during, r.Latency)
		}
		if ok && r.Start+r.Latency >= end {
			if _, seen := firstOK[r.Env]; !seen {
				firstOK[r.Env] = r.Start + r.Latency
			}
		}
		if thawAt > 0 && r.Start >= thawAt {
			if _, seen := firstThaw[r.Env]; !seen {
				firstThaw[r.Env] = r.Latency
			}
		}
	}
	if first >= 0 {
		sc.ErrorWindow = (last - first).Seconds()
	}
	slices.Sort(during)
	sc.EventP99 = pct(during, .99)
	var rec time.Duration
	for _, e := range envs {
		t, ok := firstOK[e.id]
		if !ok {
			rec = elapsed // never served again
			sc.Note = "an environment did not serve again before the scenario ended"
			continue
		}
		rec = max(rec, t-end)
	}
	sc.RecoverySec = rec.Seconds()
	if thawAt > 0 {
		var tl []time.Duration
		for _, d := range firstThaw {
			tl = append(tl, d)
		}
		slices.Sort(tl)
		sc.ThawP99 = pct(tl, .99)
	}
	for _, e := range envs {
		sc.Edits200 += e.edited
	}
	after, err := editLogEntries(ctx, s, owners, n)
	if err != nil {
		return sc, err
	}
	sc.EditRows = after - before
	return sc, nil
}
