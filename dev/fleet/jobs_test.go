package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The jobs scenario runs as many generate environments as template.yaml
// lets the generate function run at once: the committed template's
// MaximumConcurrency parameter, its BatchSize and DB_MAX_CONNS.
func TestGenerateCapsOfTheTemplate(t *testing.T) {
	repo, err := repoRoot()
	require.NoError(t, err)
	workers, batch, conns, err := generateCaps(repo)
	require.NoError(t, err)
	assert.Equal(t, 10, workers, "GenerateMaxConcurrency's default")
	assert.Equal(t, 1, batch, "GenerateBatchSize's default")
	assert.Equal(t, 2, conns, "GenerateDbMaxConns's default")
}

// Written numbers, references to parameters and a reserved concurrency
// below the event source's cap (which then wins); a template without the
// cap or with a reference to no parameter is an error, not a guess.
func TestGenerateCapsForms(t *testing.T) {
	const fn = `
Parameters:
  Cap: {Type: Number, Default: 7}
  Conns: {Type: Number, Default: 3}
Resources:
  GenerateFunction:
    Type: AWS::Serverless::Function
    Properties:
      %s
      Environment:
        Variables:
          DB_MAX_CONNS: !Ref Conns
      Events:
        Jobs:
          Type: SQS
          Properties:
            BatchSize: 4
            %s
`
	for _, tc := range []struct {
		name, reserved, scaling string
		workers, batch, conns   int
		err                     string
	}{
		{"reference", "", "ScalingConfig: {MaximumConcurrency: !Ref Cap}", 7, 4, 3, ""},
		{"number", "", "ScalingConfig: {MaximumConcurrency: 12}", 12, 4, 3, ""},
		{"reserved lower", "ReservedConcurrentExecutions: 5", "ScalingConfig: {MaximumConcurrency: !Ref Cap}", 5, 4, 3, ""},
		{"no cap", "", "", 0, 0, 0, "no SQS event with ScalingConfig"},
		{"unknown parameter", "", "ScalingConfig: {MaximumConcurrency: !Ref Nope}", 0, 0, 0, "parameter Nope is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			body := []byte(fmt.Sprintf(fn, tc.reserved, tc.scaling))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "template.yaml"), body, 0o644))
			w, b, c, err := generateCaps(dir)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []int{tc.workers, tc.batch, tc.conns}, []int{w, b, c})
		})
	}
}

// TestJobsAndProcessesSmall runs both scenarios small on a private
// cluster: 20 quizzes through the SQS emulator, each completed exactly
// once with its batches and questions as planned, none stuck, no
// message left; then 10 real API processes serving the request mix with
// no error. Postgres never sees more than the pool plus its reserve, and
// every process is gone afterwards.
func TestJobsAndProcessesSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own Postgres cluster, PgBouncer, SQS emulator and API processes")
	}
	o := options{
		ns: "10", requests: 300, scenarios: "jobs,processes", scenarioN: 10,
		deadline: 20 * time.Second, idleTimeout: 5,
		jobsQuizzes: 20, llmLatency: 50 * time.Millisecond, jobsTimeout: 2 * time.Minute,
		procN: 10,
	}
	drillPorts(t, &o)
	rep, err := run(t.Context(), o, io.Discard)
	require.NoError(t, err)

	j := rep.Jobs
	require.NotNil(t, j)
	assert.Equal(t, 10, j.Workers, "the template's cap")
	assert.Zero(t, j.CreateErrors)
	assert.Equal(t, 20, j.Completed, "completed as planned: %s", j.Note)
	assert.Equal(t, 20, j.DecidedOnce)
	assert.Zero(t, j.DecidedTwice)
	assert.Zero(t, j.SavedTwice)
	assert.Zero(t, j.Stuck)
	assert.Zero(t, j.LeftInQueue)
	assert.Positive(t, j.Seconds)
	assert.Positive(t, j.PeakServer, "the monitor saw no server connection")
	assert.LessOrEqual(t, j.PeakServer, rep.ceiling())

	p := rep.Processes
	require.NotNil(t, p)
	assert.Equal(t, 10, p.Stats.Envs)
	assert.Equal(t, 300, p.Stats.Requests)
	assert.Zero(t, total(p.Stats.Errors), "errors %v", p.Stats.Errors)
	assert.Equal(t, 300, p.Stats.OK)
	assert.Equal(t, 10, p.Stats.PeakClients, "each process holds one client connection at PgBouncer")
	assert.LessOrEqual(t, p.Stats.PeakServer, rep.ceiling())
	assert.Positive(t, p.APICPUms, "the processes' CPU was read")
	assert.Equal(t, 300, p.InProcess.Requests, "the in-process run beside it")
	for i := range 10 {
		assert.False(t, portOpen(o.procPort+i), "API process %d still listens", i)
	}
	md := rep.markdown()
	assert.Contains(t, md, "## Jobs under load")
	assert.Contains(t, md, "## Real processes (N = 10)")
}
