package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"quizgen/internal/app/generator"
	"quizgen/internal/config"
	"quizgen/internal/db"
	"quizgen/internal/deploy"
	"quizgen/internal/logging"
	"quizgen/internal/pipeline/generation"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// jobsPlan is each quiz of the jobs scenario: two manual modules (no
// Canvas needed), one batch each, so a quiz is one extraction message and
// two generate_batch messages.
var jobsPlan = []quiz.Batch{
	{QuestionType: qtype.MultipleChoice, Count: 5, Difficulty: qtype.Medium},
	{QuestionType: qtype.TrueFalse, Count: 5, Difficulty: qtype.Easy},
}

func jobsModules(i int) quiz.Modules {
	// Eight distinct sentences each: the mock writes one question per
	// sentence, and a batch of 5 needs 5 different ones.
	texts := []string{
		"Breadth-first search keeps its frontier in a queue and expands the shallowest node first. " +
			"Depth-first search keeps its frontier in a stack and expands the deepest node first. " +
			"Uniform-cost search expands the node with the lowest path cost. " +
			"A* search orders its frontier by path cost plus an admissible heuristic. " +
			"Greedy best-first search expands the node that looks closest to the goal. " +
			"Iterative deepening repeats depth-limited search with growing limits. " +
			"Bidirectional search runs two searches that meet in the middle. " +
			"An admissible heuristic never overestimates the cost to reach the goal. ",
		"Photosynthesis converts light energy into chemical energy stored in glucose. " +
			"Chlorophyll absorbs mostly blue and red light and reflects green light. " +
			"The Calvin cycle fixes carbon dioxide into sugars inside the stroma. " +
			"The light reactions split water and release oxygen in the thylakoids. " +
			"Stomata open to let carbon dioxide into the leaf. " +
			"ATP and NADPH carry energy from the light reactions to the Calvin cycle. " +
			"Rubisco is the enzyme that binds carbon dioxide in the Calvin cycle. " +
			"C4 plants concentrate carbon dioxide around rubisco in bundle sheath cells. ",
	}
	var mods quiz.Modules
	for m, b := range jobsPlan {
		mods = append(mods, quiz.ModuleSpec{ID: fmt.Sprintf("manual_%04x%04x", i, m), Name: fmt.Sprintf("module %d", m+1),
			Source: quiz.SourceManual, Batches: []quiz.Batch{b}, Manual: &quiz.ManualContent{Text: texts[m]}})
	}
	return mods
}

// jobsResult is what the jobs scenario measured.
type jobsResult struct {
	Quizzes        int      `json:"quizzes"`
	Workers        int      `json:"workers"`          // generate environments (the template's concurrency cap)
	WorkerDBConns  int      `json:"worker_db_conns"`  // DB_MAX_CONNS of each
	BatchSize      int      `json:"sqs_batch_size"`   // messages per invocation
	LLMLatencyMs   float64  `json:"llm_latency_ms"`   // the mock's latency per call
	PlanBatches    int      `json:"batches_per_quiz"` // planned
	PlanQuestions  int      `json:"questions_per_quiz"`
	Seconds        float64  `json:"end_to_end_s"` // first enqueue to last quiz decided
	QuizzesPerSec  float64  `json:"quizzes_per_second"`
	Completed      int      `json:"quizzes_completed"` // completed, not partial, batches and questions as planned
	DecidedOnce    int      `json:"quizzes_decided_once"`
	DecidedTwice   int      `json:"quizzes_decided_more_than_once"`
	Stuck          int      `json:"quizzes_not_decided"`
	WrongBatches   int      `json:"quizzes_with_other_batches"`   // generation_batch rows or their states not as planned
	WrongQuestions int      `json:"quizzes_with_other_questions"` // live questions not as planned
	SavedTwice     int      `json:"batches_saved_more_than_once"`
	JobErrors      int      `json:"job_errors"`    // handler calls that returned an error (message back to SQS)
	LeftInQueue    int      `json:"messages_left"` // visible + in flight at the end
	CreateErrors   int      `json:"create_errors"` // quizzes the API-side service could not create
	PeakServer     int      `json:"peak_server_connections"`
	PeakClients    int      `json:"peak_client_connections"`
	Samples        []sample `json:"samples,omitempty"`
	Note           string   `json:"note,omitempty"`
}

// generateCaps reads from template.yaml how many generate environments
// may run at once (the SQS event source's MaximumConcurrency, or the
// function's reserved concurrency if lower), the messages per invocation
// and DB_MAX_CONNS of each.
func generateCaps(repo string) (workers, batchSize, dbConns int, err error) {
	t, err := deploy.Load(filepath.Join(repo, "template.yaml"))
	if err != nil {
		return 0, 0, 0, err
	}
	var fn deploy.Function
	if err := t.Properties("GenerateFunction", &fn); err != nil {
		return 0, 0, 0, err
	}
	var ev *deploy.SQSEvent
	for _, e := range fn.Events {
		if e.Type != "SQS" {
			continue
		}
		var se deploy.SQSEvent
		if err := json.Unmarshal(e.Properties, &se); err != nil {
			return 0, 0, 0, err
		}
		ev = &se
	}
	if ev == nil || ev.ScalingConfig == nil {
		return 0, 0, 0, errors.New("template.yaml: GenerateFunction has no SQS event with ScalingConfig")
	}
	if workers, err = t.Int(ev.ScalingConfig.MaximumConcurrency); err != nil {
		return 0, 0, 0, fmt.Errorf("MaximumConcurrency: %w", err)
	}
	if fn.ReservedConcurrentExecutions != nil {
		r, err := t.Int(fn.ReservedConcurrentExecutions)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("ReservedConcurrentExecutions: %w", err)
		}
		workers = min(workers, r)
	}
	batchSize = 1
	if ev.BatchSize != nil {
		if batchSize, err = t.Int(ev.BatchSize); err != nil {
			return 0, 0, 0, fmt.Errorf("BatchSize: %w", err)
		}
	}
	if dbConns, err = t.Int(fn.Environment.Variables["DB_MAX_CONNS"]); err != nil {
		return 0, 0, 0, fmt.Errorf("DB_MAX_CONNS: %w", err)
	}
	return workers, batchSize, dbConns, nil
}

// sqsEmulator is the drill's own SQS emulator (dev/sqs, started as
// scripts/services.sh starts it), so its queues and load touch no test.
type sqsEmulator struct {
	cmd  *exec.Cmd
	port int
}

func startSQS(repo string, port int, logTo string) (*sqsEmulator, error) {
	dir := filepath.Join(repo, "dev", "sqs")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "local-aws-sqs")); err != nil {
		return nil, errors.New("dev/sqs has no node_modules (run make services-test first: it installs the emulator)")
	}
	if portOpen(port) {
		return nil, fmt.Errorf("port %d is in use (-sqs-port)", port)
	}
	lf, err := os.Create(logTo)
	if err != nil {
		return nil, err
	}
	c := exec.Command("node", "server.mjs", strconv.Itoa(port))
	c.Dir, c.Stdout, c.Stderr = dir, lf, lf
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := c.Start(); err != nil {
		_ = lf.Close()
		return nil, fmt.Errorf("start the SQS emulator: %w", err)
	}
	_ = lf.Close()
	e := &sqsEmulator{cmd: c, port: port}
	if err := waitFor(15*time.Second, func() bool { return portOpen(port) }); err != nil {
		e.stop()
		return nil, fmt.Errorf("the SQS emulator did not open port %d (log: %s)", port, logTo)
	}
	return e, nil
}

func (e *sqsEmulator) stop() {
	if e == nil || e.cmd.Process == nil {
		return
	}
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = e.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = e.cmd.Process.Kill()
		<-done
	}
}

func (e *sqsEmulator) endpoint() string { return fmt.Sprintf("http://127.0.0.1:%d", e.port) }

func (e *sqsEmulator) client() *sqs.Client {
	return sqs.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(e.endpoint()),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
		})})
}

// jobCounts notes each batch saved and each quiz decided (the save or
// failure that settled the run), over every worker.
type jobCounts struct {
	mu      sync.Mutex
	saved   map[quiz.ID]int // by batch
	decided map[quiz.ID]int // by quiz
	last    time.Time
}

func (c *jobCounts) note(id, batch quiz.ID, save, decided bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if save {
		c.saved[batch]++
	}
	if decided {
		c.decided[id]++
		c.last = time.Now()
	}
}

func (c *jobCounts) decidedCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.decided)
}

// firstPublish notes when the first job was queued.
type firstPublish struct {
	quiz.Publisher
	once  sync.Once
	first time.Time
}

func (f *firstPublish) PublishJob(ctx context.Context, j quiz.Job) error {
	f.once.Do(func() { f.first = time.Now() })
	return f.Publisher.PublishJob(ctx, j)
}

// generateConfig is the generate function's configuration, read by
// config.LoadGenerate from the variables template.yaml and make dev set.
func generateConfig(ctx context.Context, dbURL, queueURL string, dbConns int, latency time.Duration) (config.Generate, error) {
	vars := map[string]string{
		"ENVIRONMENT": "local", "LOG_LEVEL": "error", "DB_POOLER": "pgbouncer", "DATABASE_URL": dbURL,
		"DB_MAX_CONNS": strconv.Itoa(dbConns), "CANVAS_BASE_URL": "http://127.0.0.1:9", "CANVAS_CLIENT_ID": "fleet",
		"CANVAS_CLIENT_SECRET": "local-canvas-secret", "TOKEN_ENCRYPTION_KEY": fleetTokenKey,
		"GENERATE_QUEUE_URL": queueURL, "LLM_PROVIDER": "mock", "MOCK_LLM_LATENCY": latency.String(),
	}
	return config.LoadGenerate(ctx, func(k string) string { return vars[k] }, noFetcher{})
}

// fleetTokenKey is the drill's TOKEN_ENCRYPTION_KEY (base64 of 32 bytes).
const fleetTokenKey = "ZmxlZXQtZHJpbGwtb25seS10b2tlbi1rZXktMzJieXQ="

type noFetcher struct{}

func (noFetcher) SecretString(context.Context, string) (string, error) {
	return "", errors.New("the drill has no secret store")
}
func (noFetcher) Parameter(context.Context, string) (string, error) {
	return "", errors.New("the drill has no parameter store")
}

// genWorker is one generate environment: its own pool and handler, wired
// as functions/generate wires them, polling like the local function.
type genWorker struct {
	pool *db.DB
	run  func(ctx context.Context) error
}

func newGenWorker(ctx context.Context, cfg config.Generate, batchSize int, client *sqs.Client, runs *jobCounts, jobErrs *atomic.Int64, log *slog.Logger) (*genWorker, error) {
	pool, err := db.Open(ctx, cfg.DB, log)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	store := db.NewStore(pool)
	// Wired as functions/generate wires it (internal/app/generator).
	g, err := generator.New(cfg, generator.Deps{Store: store, SQS: client, Log: log,
		Runs: &storeRuns{RunStore: store, counting: runs}})
	if err != nil {
		pool.Close()
		return nil, err
	}
	handle := func(ctx context.Context, j queue.Job) error {
		err := g.HandleGenerate(ctx, j)
		if err != nil {
			jobErrs.Add(1)
		}
		return err
	}
	batch := generator.Batch(cfg, client, handle, log)
	return &genWorker{pool: pool, run: func(ctx context.Context) error {
		return queue.NewPoller(client, cfg.GenerateQueueURL, batch,
			queue.PollerOptions{Log: log, BatchSize: batchSize, WaitTime: time.Second, InvocationTimeout: generator.LocalInvocationTimeout}).Run(ctx)
	}}, nil
}

// storeRuns is one worker's production store, counted in the scenario's
// jobCounts.
type storeRuns struct {
	generation.RunStore
	counting *jobCounts
}

func (s *storeRuns) SaveBatch(ctx context.Context, id, batchID, jobID quiz.ID, qs []quiz.NewQuestion, check db.DuplicateCheck) (bool, error) {
	decided, err := s.RunStore.SaveBatch(ctx, id, batchID, jobID, qs, check)
	if err == nil {
		s.counting.note(id, batchID, true, decided)
	}
	return decided, err
}

func (s *storeRuns) FailBatch(ctx context.Context, id, batchID, jobID quiz.ID, reason string) (bool, error) {
	decided, err := s.RunStore.FailBatch(ctx, id, batchID, jobID, reason)
	if err == nil {
		s.counting.note(id, batchID, false, decided)
	}
	return decided, err
}

// runJobs is the jobs scenario: o.jobsQuizzes quizzes created at once
// through the API's quiz.Service (each queues its extraction on the
// drill's SQS emulator), run by as many generate environments as
// template.yaml lets run at once, each with its own production pool and
// the generate function's handler, the mock LLM answering after
// o.llmLatency. It checks every quiz was decided once, with its batches
// and questions as planned.
func runJobs(ctx context.Context, s *stack, o options, repo string, logf func(string, ...any)) (jobsResult, error) {
	n := o.jobsQuizzes
	res := jobsResult{Quizzes: n, LLMLatencyMs: float64(o.llmLatency.Milliseconds()), PlanBatches: len(jobsPlan)}
	for _, b := range jobsPlan {
		res.PlanQuestions += b.Count
	}
	var err error
	if res.Workers, res.BatchSize, res.WorkerDBConns, err = generateCaps(repo); err != nil {
		return res, err
	}
	emu, err := startSQS(repo, o.sqsPort, filepath.Join(repo, ".run", "fleet", "sqs.log"))
	if err != nil {
		return res, err
	}
	defer emu.stop()
	client := emu.client()
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("fleet-generate"),
		Attributes: map[string]string{"VisibilityTimeout": "900"}})
	if err != nil {
		return res, fmt.Errorf("create queue: %w", err)
	}
	queueURL := *out.QueueUrl
	cfg, err := generateConfig(ctx, s.pooledURL(), queueURL, res.WorkerDBConns, o.llmLatency)
	if err != nil {
		return res, err
	}
	log := logging.Discard()

	// The API side: one pool for the creations (users first, untimed).
	apiCfg := db.DefaultConfig(s.pooledURL(), db.PoolerPgBouncer)
	apiCfg.MaxConns, apiCfg.ApplicationName = 10, "api"
	apiPool, err := db.Open(ctx, apiCfg, log)
	if err != nil {
		return res, err
	}
	defer apiPool.Close()
	store := db.NewStore(apiPool)
	users := make([]quiz.ID, n)
	if err := parallel(n, 8, func(i int) error {
		name := fmt.Sprintf("Fleet Jobs Teacher %d", i)
		u, err := store.UpsertUser(ctx, quiz.User{CanvasID: int64(700000 + i), Name: &name})
		users[i] = u.ID
		return err
	}); err != nil {
		return res, fmt.Errorf("users: %w", err)
	}

	counts := &jobCounts{saved: map[quiz.ID]int{}, decided: map[quiz.ID]int{}}
	var jobErrs atomic.Int64
	wctx, stopWorkers := context.WithCancel(ctx)
	defer stopWorkers()
	var wg sync.WaitGroup
	var pools []*db.DB
	defer func() {
		stopWorkers()
		wg.Wait()
		for _, p := range pools {
			p.Close()
		}
	}()
	for range res.Workers {
		w, err := newGenWorker(ctx, cfg, res.BatchSize, client, counts, &jobErrs, log)
		if err != nil {
			return res, err
		}
		pools = append(pools, w.pool)
		wg.Go(func() { _ = w.run(wctx) })
	}

	mctx, stopMonitor := context.WithCancel(ctx)
	defer stopMonitor()
	t0 := time.Now()
	samples := monitor(mctx, s, true, t0, 100*time.Millisecond)
	pub := &firstPublish{Publisher: queue.NewPublisher(client, queueURL, "", 5*time.Second)}
	svc := quiz.NewService(store, pub, log).WithLimits(quiz.Limits{QuestionsPerDay: 2000, GenerationsPerQuiz: 5, ProcessingQuizzes: 5})
	ids := make([]quiz.ID, n)
	var createErrs atomic.Int64
	_ = parallel(n, n, func(i int) error { // every quiz at once
		q, err := svc.CreateQuiz(ctx, quiz.NewQuiz{OwnerID: users[i], CanvasCourseID: 37823, CanvasCourseName: "INF-2600 AI",
			Title: fmt.Sprintf("Fleet jobs quiz %d", i), LLMModel: "o3", LLMTemperature: 1,
			Modules: jobsModules(i), Language: qtype.English, Tone: quiz.Academic}, fmt.Sprintf("fleet-jobs-%d", i))
		if err != nil {
			createErrs.Add(1)
			return nil
		}
		ids[i] = q.ID
		return nil
	})
	res.CreateErrors = int(createErrs.Load())
	want := n - res.CreateErrors
	logf("  %d quizzes created, %d generate environments (DB_MAX_CONNS=%d), waiting for their generation", want, res.Workers, res.WorkerDBConns)
	hang := time.Now().Add(o.jobsTimeout) // a hang guard only
	for counts.decidedCount() < want && time.Now().Before(hang) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	// Give a quiz decided twice the time to show it: the queue must be
	// empty and stay so.
	time.Sleep(time.Second)
	stopWorkers()
	wg.Wait()
	stopMonitor()
	st := summarize(0, nil, samples(), 0, 0)
	res.PeakServer, res.PeakClients, res.Samples = st.PeakServer, st.PeakClients, thin(st.Samples)
	counts.mu.Lock()
	if !pub.first.IsZero() && !counts.last.IsZero() {
		res.Seconds = counts.last.Sub(pub.first).Seconds()
		res.QuizzesPerSec = float64(len(counts.decided)) / res.Seconds
	}
	for _, id := range ids {
		switch c := counts.decided[id]; {
		case id == quiz.ID{}:
		case c == 1:
			res.DecidedOnce++
		case c > 1:
			res.DecidedTwice++
		}
	}
	for _, c := range counts.saved {
		if c > 1 {
			res.SavedTwice++
		}
	}
	counts.mu.Unlock()
	res.JobErrors = int(jobErrs.Load())
	if a, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(queueURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}}); err == nil {
		for _, v := range a.Attributes {
			k, _ := strconv.Atoi(v)
			res.LeftInQueue += k
		}
	}
	return res, checkJobs(ctx, s, ids, &res)
}

// checkJobs compares each quiz's row, batches and questions with the plan.
func checkJobs(ctx context.Context, s *stack, ids []quiz.ID, res *jobsResult) error {
	c, err := s.superConnTo(ctx, "quizgen")
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	var list []string
	for _, id := range ids {
		if id != (quiz.ID{}) {
			list = append(list, id.String())
		}
	}
	rows, err := c.Query(ctx, `SELECT q.llm_generation_status, q.failure_reason IS NULL,
		(SELECT count(*) FROM generation_batch b WHERE b.quiz_id = q.id),
		(SELECT count(*) FROM generation_batch b WHERE b.quiz_id = q.id AND b.status = 'completed'),
		(SELECT count(*) FROM question x WHERE x.quiz_id = q.id AND NOT x.deleted)
		FROM quiz q WHERE q.id::text = ANY($1)`, list)
	if err != nil {
		return err
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var status string
		var clean bool
		var batches, done, questions int
		if err := rows.Scan(&status, &clean, &batches, &done, &questions); err != nil {
			return err
		}
		seen++
		okBatches := batches == res.PlanBatches && done == batches
		okQuestions := questions == res.PlanQuestions
		if (!okBatches || !okQuestions) && res.Note == "" {
			res.Note = fmt.Sprintf("first quiz off the plan: generation %s, %d batches (%d completed), %d questions", status, batches, done, questions)
		}
		if !okBatches {
			res.WrongBatches++
		}
		if !okQuestions {
			res.WrongQuestions++
		}
		switch {
		case status == string(quiz.StatusCompleted) && clean && okBatches && okQuestions:
			res.Completed++
		case status != string(quiz.StatusCompleted) && status != string(quiz.StatusFailed):
			res.Stuck++
		}
	}
	if seen != len(list) {
		res.Note = fmt.Sprintf("%d of %d quizzes not found", len(list)-seen, len(list))
	}
	return rows.Err()
}

// parallel runs fn(0..n-1) with at most width at once and returns the
// first error.
func parallel(n, width int, fn func(i int) error) error {
	sem := make(chan struct{}, max(width, 1))
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := fn(i); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}
