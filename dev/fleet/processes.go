package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// procResult is the real-process cross-check: the load run of N API
// processes next to the in-process run of the same N.
type procResult struct {
	Stats      stats   `json:"processes"`
	InProcess  stats   `json:"in_process"`
	APICPUms   float64 `json:"api_cpu_ms_per_request"`   // the API processes' CPU over the requests
	DrillCPUms float64 `json:"drill_cpu_ms_per_request"` // the drill's own (the HTTP clients)
	RSSMB      float64 `json:"rss_mb_per_process"`       // mean resident memory at the end of the run
	StartSec   float64 `json:"start_s"`                  // until every process answered its health check
}

// apiProcs are the running API processes.
type apiProcs struct {
	cmds []*exec.Cmd
	done []chan struct{}
}

// stop sends SIGTERM to every process (the API drains and closes its
// pool), then SIGKILL to those still running after 10 s.
func (a *apiProcs) stop() {
	for _, c := range a.cmds {
		_ = c.Process.Signal(syscall.SIGTERM)
	}
	end := time.After(10 * time.Second)
	for i, d := range a.done {
		select {
		case <-d:
		case <-end:
			_ = a.cmds[i].Process.Kill()
			<-d
		}
	}
}

// exited reports whether process i has ended.
func (a *apiProcs) exited(i int) bool {
	select {
	case <-a.done[i]:
		return true
	default:
		return false
	}
}

// apiEnv is the environment of one API process as `make dev` runs it
// (scripts/dev.sh: local mode, the settings of .env.example) with the
// Lambda's pool (DB_MAX_CONNS=2) and the drill's PgBouncer. The request
// mix reaches neither Canvas nor SQS, so they point at a closed port.
func apiEnv(s *stack, port int) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"ENVIRONMENT=local", "LOG_LEVEL=warn", "DATABASE_URL=" + s.pooledURL(), "DB_POOLER=pgbouncer", "DB_MAX_CONNS=2",
		"CANVAS_BASE_URL=http://127.0.0.1:9", "CANVAS_API_URL=", "CANVAS_CLIENT_ID=fleet", "CANVAS_CLIENT_SECRET=local-canvas-secret",
		"CANVAS_REDIRECT_URI=http://127.0.0.1:9/api/v1/auth/callback/canvas", "FRONTEND_HOST=http://127.0.0.1:5173",
		"JWT_SECRET=" + jwtSecret, "TOKEN_ENCRYPTION_KEY=" + fleetTokenKey,
		"GENERATE_QUEUE_URL=http://127.0.0.1:9/123456789012/quizgen-generate", "EXPORT_QUEUE_URL=http://127.0.0.1:9/123456789012/quizgen-export",
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_EC2_METADATA_DISABLED=true",
		"LISTEN_HOST=127.0.0.1", "PORT=" + strconv.Itoa(port), "METRICS_INTERVAL=1h",
	}
	return env
}

// startAPIs builds functions/api into dir and starts n processes on
// ports base..base+n-1, each in its own process group and ended with the
// drill (Pdeathsig); it waits until every one answers its health check.
func startAPIs(ctx context.Context, s *stack, repo, dir string, n, base int, logTo string) (*apiProcs, error) {
	bin := filepath.Join(dir, "api")
	b := exec.CommandContext(ctx, "go", "build", "-o", bin, "./functions/api")
	b.Dir = repo
	if out, err := b.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build functions/api: %w: %s", err, strings.TrimSpace(string(out)))
	}
	for i := range n {
		if portOpen(base + i) {
			return nil, fmt.Errorf("port %d is in use (-process-port)", base+i)
		}
	}
	lf, err := os.Create(logTo)
	if err != nil {
		return nil, err
	}
	defer lf.Close()
	a := &apiProcs{}
	for i := range n {
		c := exec.Command(bin)
		c.Dir, c.Env, c.Stdout, c.Stderr = dir, apiEnv(s, base+i), lf, lf
		c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
		if err := c.Start(); err != nil {
			a.stop()
			return nil, fmt.Errorf("start API process %d: %w", i, err)
		}
		d := make(chan struct{})
		go func() { _ = c.Wait(); close(d) }()
		a.cmds, a.done = append(a.cmds, c), append(a.done, d)
	}
	cl := &http.Client{Timeout: 2 * time.Second}
	ready := make([]bool, n)
	deadline := time.Now().Add(2 * time.Minute) // a hang guard only
	for left := n; left > 0; {
		if ctx.Err() != nil || time.Now().After(deadline) {
			a.stop()
			return nil, fmt.Errorf("%d API processes did not answer (log: %s)", left, logTo)
		}
		for i := range n {
			if ready[i] {
				continue
			}
			if a.exited(i) {
				a.stop()
				return nil, fmt.Errorf("API process %d exited (log: %s)", i, logTo)
			}
			resp, err := cl.Get(fmt.Sprintf("http://127.0.0.1:%d/api/v1/utils/health-check/", base+i))
			if err == nil {
				_ = resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					ready[i] = true
					left--
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return a, nil
}

// procCPU is the CPU time of the processes so far (utime + stime of
// /proc/<pid>/stat, in clock ticks of 10 ms).
func (a *apiProcs) cpu() time.Duration {
	var total time.Duration
	for _, c := range a.cmds {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.Process.Pid))
		if err != nil {
			continue
		}
		// the fields after the command name, which is in parentheses
		_, rest, ok := strings.Cut(string(b), ") ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.Atoi(f[11])
		stt, _ := strconv.Atoi(f[12])
		total += time.Duration(ut+stt) * 10 * time.Millisecond
	}
	return total
}

// rssMB is the mean resident memory of the processes (VmRSS).
func (a *apiProcs) rssMB() float64 {
	var kb, n int
	for _, c := range a.cmds {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.Process.Pid))
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
				var k int
				_, _ = fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &k)
				kb += k
				n++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(kb) / 1024 / float64(n)
}

// runProcesses is the real-process cross-check: o.procN API processes
// (functions/api built once, local mode, DB_MAX_CONNS=2) through the
// drill's PgBouncer, each sent the in-process run's request mix one
// request at a time over HTTP; inProc is the in-process run of the same
// N to set beside it.
func runProcesses(ctx context.Context, s *stack, o options, repo string, owners []owner, inProc stats, logf func(string, ...any)) (procResult, error) {
	res := procResult{InProcess: inProc}
	n := o.procN
	if len(owners) < n {
		return res, errors.New("fewer seeded owners than processes")
	}
	dir, err := os.MkdirTemp("", "quizgen-fleet-api-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	procs, err := startAPIs(ctx, s, repo, dir, n, o.procPort, filepath.Join(repo, ".run", "fleet", "api-processes.log"))
	if err != nil {
		return res, err
	}
	defer procs.stop()
	res.StartSec = time.Since(start).Seconds()
	logf("  %d API processes answer (%.1f s with the build)", n, res.StartSec)
	envs := make([]*env, n)
	for i := range n {
		envs[i] = &env{id: i, o: owners[i%len(owners)], base: fmt.Sprintf("http://127.0.0.1:%d", o.procPort+i),
			client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1, DisableCompression: true}}}
	}
	defer func() {
		for _, e := range envs {
			e.client.CloseIdleConnections()
		}
	}()
	mctx, stop := context.WithCancel(ctx)
	defer stop()
	t0 := time.Now()
	samples := monitor(mctx, s, true, t0, 100*time.Millisecond)
	c0, a0 := cpuTime(), procs.cpu()
	l := &load{envs: envs, deadline: o.deadline}
	out := l.run(ctx, int64(max(o.requests, 2*n)), 0, t0)
	elapsed, cpu, apiCPU := time.Since(t0), cpuTime()-c0, procs.cpu()-a0
	res.RSSMB = procs.rssMB()
	stop()
	res.Stats = summarize(n, out, samples(), elapsed, apiCPU)
	res.Stats.Samples, res.Stats.Timeline = thin(res.Stats.Samples), nil
	res.APICPUms = res.Stats.CPUms
	if len(out) > 0 {
		res.DrillCPUms = float64(cpu.Microseconds()) / 1000 / float64(len(out))
	}
	return res, ctx.Err()
}
