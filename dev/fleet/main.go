// Command fleet is `make bench-fleet`, the fleet drill: N simulated Lambda
// execution environments (each its own pool from the production db.Open
// with DB_MAX_CONNS=2 and its own internal/httpapi handler, one request at
// a time) against a private PostgreSQL cluster and PgBouncer built from
// pgbouncer/pgbouncer.ini, then the same environments straight to
// Postgres, then restarts, terminated backends and a freeze under load,
// 200 quizzes generated at once through its own SQS emulator (jobs), and
// the same load from N separate functions/api processes (processes).
// It writes a Markdown report, the raw figures as JSON and PNG charts.
//
//	go run ./dev/fleet -out docs/bench/$(date +%F)
//	go run ./dev/fleet -n 10,100 -scenarios pgbouncer-restart -requests 2000   # a small run
//	go run ./dev/fleet -n 10 -direct-n '' -scenarios jobs -jobs-quizzes 20    # the jobs scenario, small
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	var o options
	flag.StringVar(&o.ns, "n", "10,100,500,1000", "environment counts of the load runs")
	flag.StringVar(&o.directNs, "direct-n", "10,100,500,1000", "environment counts of the run straight to Postgres (empty: skip)")
	flag.IntVar(&o.requests, "requests", 20000, "requests per load run")
	flag.StringVar(&o.scenarios, "scenarios", strings.Join(allScenarios, ","), "scenarios to run (empty: none)")
	flag.IntVar(&o.scenarioN, "scenario-n", 100, "environments during the scenarios")
	flag.DurationVar(&o.scenarioDur, "scenario-duration", 20*time.Second, "length of each scenario")
	flag.DurationVar(&o.down, "down", 4*time.Second, "how long PgBouncer stays down in a restart")
	flag.DurationVar(&o.deadline, "deadline", 20*time.Second, "each request's deadline (below the function's 29 s timeout)")
	flag.IntVar(&o.idleTimeout, "client-idle-timeout", 5, "PgBouncer client_idle_timeout of the drill's copy, seconds")
	flag.IntVar(&o.pgPort, "pg-port", 54340, "port of the drill's Postgres cluster")
	flag.IntVar(&o.pgbPort, "pgbouncer-port", 64340, "port of the drill's PgBouncer")
	flag.StringVar(&o.out, "out", "", "directory for report.md, results.json and the charts (default docs/bench/<date>)")
	flag.BoolVar(&o.keep, "keep", false, "leave the drill's Postgres and PgBouncer running")
	flag.IntVar(&o.jobsQuizzes, "jobs-quizzes", 200, "quizzes created at once in the jobs scenario")
	flag.DurationVar(&o.llmLatency, "llm-latency", 300*time.Millisecond, "the mock LLM's latency per call in the jobs scenario")
	flag.DurationVar(&o.jobsTimeout, "jobs-timeout", 5*time.Minute, "hang guard of the jobs scenario: quizzes not decided by then are stuck")
	flag.IntVar(&o.sqsPort, "sqs-port", 9340, "port of the drill's SQS emulator (jobs scenario)")
	flag.IntVar(&o.procN, "process-n", 100, "API processes of the processes scenario")
	flag.IntVar(&o.procPort, "process-port", 18100, "first port of the API processes (one port each)")
	cpuProfile := flag.String("cpuprofile", "", "write the drill process's CPU profile (the API handlers and the load generator) to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "fleet:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if o.out == "" {
		o.out = filepath.Join("docs", "bench", time.Now().Format("2006-01-02"))
	}
	// An interrupt ends the run through ctx, so the drill's API
	// processes, emulator, Postgres and PgBouncer are stopped.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, o, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		stop()
		os.Exit(1)
	}
	if err := rep.write(o.out); err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(1)
	}
	fmt.Println(rep.markdown())
}

type options struct {
	ns, directNs, scenarios, out string
	requests, scenarioN          int
	scenarioDur, down, deadline  time.Duration
	idleTimeout, pgPort, pgbPort int
	keep                         bool
	jobsQuizzes, sqsPort         int
	llmLatency, jobsTimeout      time.Duration
	procN, procPort              int
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad count %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}
