package generation_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"quizgen/internal/db"
	"quizgen/internal/llm"
	"quizgen/internal/logging"
	"quizgen/internal/pipeline/generation"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// BenchmarkPipeline200 runs a 200-question quiz through the whole pipeline
// (extraction over the fake Canvas, generation with the mock LLM, saving
// through PgBouncer, export of 200 items to the fake Canvas) with the mock
// answering at once and after 300 ms, and reports seconds per stage and
// questions per second. make bench-pipeline runs it.
func BenchmarkPipeline200(b *testing.B) {
	for _, latency := range []time.Duration{0, 300 * time.Millisecond} {
		b.Run(fmt.Sprintf("llm-latency=%s", latency), func(b *testing.B) {
			var extract, generate, export time.Duration
			for b.Loop() {
				bd := setup(b, options{provider: llm.NewBatchMock(latency)})
				q, msg := bd.create(200, modules...)
				start := time.Now()
				// Extraction alone first (a generate_questions job is not
				// queued yet), then the generation the job chains to.
				if err := bd.run(msg, 1); err != nil {
					b.Fatal(err)
				}
				total := time.Since(start)
				got := bd.quiz(q.ID)
				if got.LLMGenerationStatus != quiz.StatusCompleted || len(bd.questions(q.ID)) != 200 {
					b.Fatalf("generation %s with %d questions", got.LLMGenerationStatus, len(bd.questions(q.ID)))
				}
				ex := got.ContentExtractedAt.Sub(start)
				if ex < 0 {
					ex = 0
				}
				extract += ex
				generate += total - ex
				bd.approveAll(q.ID)
				if err := bd.svc.StartExport(b.Context(), bd.owner.ID, q.ID, "bench"); err != nil {
					b.Fatal(err)
				}
				start = time.Now()
				if err := bd.run(bd.jobs.last(b), 1); err != nil {
					b.Fatal(err)
				}
				export += time.Since(start)
				if bd.quiz(q.ID).ExportStatus != quiz.StatusCompleted {
					b.Fatal("export did not complete")
				}
			}
			n := float64(b.N)
			b.ReportMetric(extract.Seconds()/n, "s/extract")
			b.ReportMetric(generate.Seconds()/n, "s/generate+save")
			b.ReportMetric(export.Seconds()/n, "s/export")
			b.ReportMetric(200*n/generate.Seconds(), "questions/s")
		})
	}
}

// fanOutBatches are the 10 batches of 20 questions of BenchmarkFanOut200
// over the fake's three modules with content: the six types, each module's
// (type, difficulty) pairs unique.
var fanOutBatches = [][]quiz.Batch{
	{
		{QuestionType: qtype.MultipleChoice, Count: 20, Difficulty: qtype.Medium},
		{QuestionType: qtype.TrueFalse, Count: 20, Difficulty: qtype.Easy},
		{QuestionType: qtype.FillInBlank, Count: 20, Difficulty: qtype.Hard},
		{QuestionType: qtype.Matching, Count: 20, Difficulty: qtype.Medium},
	},
	{
		{QuestionType: qtype.MultipleAnswer, Count: 20, Difficulty: qtype.Medium},
		{QuestionType: qtype.TrueFalse, Count: 20, Difficulty: qtype.Hard},
		{QuestionType: qtype.Categorization, Count: 20, Difficulty: qtype.Medium},
		{QuestionType: qtype.MultipleChoice, Count: 20, Difficulty: qtype.Easy},
	},
	{
		{QuestionType: qtype.FillInBlank, Count: 20, Difficulty: qtype.Easy},
		{QuestionType: qtype.MultipleAnswer, Count: 20, Difficulty: qtype.Hard},
	},
}

// countingProvider counts the calls to the model.
type countingProvider struct {
	llm.BatchProvider
	calls atomic.Int64
}

func (c *countingProvider) Batch(ctx context.Context, call llm.BatchCall) (string, error) {
	c.calls.Add(1)
	return c.BatchProvider.Batch(ctx, call)
}

// timedRuns notes when the run's first batch was taken and its last saved.
type timedRuns struct {
	generation.RunStore
	mu          sync.Mutex
	first, last time.Time
	saved       int
}

func (r *timedRuns) TakeBatch(ctx context.Context, id, batchID, jobID quiz.ID, lease time.Duration) (quiz.Quiz, quiz.GenerationBatch, quiz.Take, error) {
	q, b, take, err := r.RunStore.TakeBatch(ctx, id, batchID, jobID, lease)
	if err == nil && (take == quiz.TakeStarted || take == quiz.TakeResumed) {
		r.mu.Lock()
		if r.first.IsZero() {
			r.first = time.Now()
		}
		r.mu.Unlock()
	}
	return q, b, take, err
}

func (r *timedRuns) SaveBatch(ctx context.Context, id, batchID, jobID quiz.ID, qs []quiz.NewQuestion, check db.DuplicateCheck) (bool, error) {
	decided, err := r.RunStore.SaveBatch(ctx, id, batchID, jobID, qs, check)
	if err == nil {
		r.mu.Lock()
		r.last = time.Now()
		r.saved++
		r.mu.Unlock()
	}
	return decided, err
}

// BenchmarkFanOut200 runs the generation of a typed quiz of 10 batches x
// 20 questions (200, the six types) through the SQS emulator: the
// generation job publishes one generate_batch message per batch and 10
// local pollers (one message at a time each, as 10 concurrent Lambda
// environments) run them, the mock answering at once and after 300 ms per
// call. It reports the seconds from the first batch taken to the last
// saved (goals: under 0.5 s at 0 ms, under 1.5 s at 300 ms) and the LLM
// calls per question. make bench-pipeline runs it.
func BenchmarkFanOut200(b *testing.B) {
	if os.Getenv("AWS_ENDPOINT_URL_SQS") == "" {
		b.Fatal("AWS_ENDPOINT_URL_SQS not set: run `make bench-pipeline`")
	}
	const pollers = 10
	cfg, err := awsconfig.LoadDefaultConfig(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	client := sqs.NewFromConfig(cfg)
	for _, latency := range []time.Duration{0, 300 * time.Millisecond} {
		b.Run(fmt.Sprintf("llm-latency=%s", latency), func(b *testing.B) {
			var span time.Duration
			var calls int64
			for b.Loop() {
				bd := setup(b, options{})
				q, msg := typedBenchQuiz(b, bd)
				cp := &countingProvider{BatchProvider: llm.NewBatchMock(latency)}
				bd.p.Batches = &llm.BatchWriter{Provider: cp, Log: logging.Discard()}
				runs := &timedRuns{RunStore: bd.store}
				bd.p.Runs = runs
				out, err := client.CreateQueue(b.Context(), &sqs.CreateQueueInput{QueueName: aws.String("bench-fanout-" + uuid.NewString()[:8]),
					Attributes: map[string]string{"VisibilityTimeout": "60"}})
				if err != nil {
					b.Fatal(err)
				}
				pub := queue.NewPublisher(client, *out.QueueUrl, "", 5*time.Second)
				bd.p.Jobs = pub
				ctx, cancel := context.WithCancel(b.Context())
				var wg sync.WaitGroup
				for range pollers {
					p := queue.NewPoller(client, *out.QueueUrl, queue.Batch(logging.Discard(), queue.MaxReceiveCount, time.Second, bd.p.Handle),
						queue.PollerOptions{BatchSize: 1, WaitTime: time.Second, InvocationTimeout: time.Minute})
					wg.Go(func() { _ = p.Run(ctx) })
				}
				if err := pub.Publish(b.Context(), msg); err != nil {
					b.Fatal(err)
				}
				deadline := time.Now().Add(2 * time.Minute) // a hang guard only
				for bd.quiz(q.ID).LLMGenerationStatus != quiz.StatusCompleted && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				cancel()
				wg.Wait()
				got := bd.quiz(q.ID)
				all, err := bd.store.AllQuestions(b.Context(), q.ID)
				if err != nil {
					b.Fatal(err)
				}
				if got.LLMGenerationStatus != quiz.StatusCompleted || quiz.GenerationPartial(got) || len(all) != 200 || runs.saved != 10 {
					b.Fatalf("generation %s (partial %t, reason %v) with %d questions in %d saves",
						got.LLMGenerationStatus, quiz.GenerationPartial(got), got.FailureReason, len(all), runs.saved)
				}
				span += runs.last.Sub(runs.first)
				calls += cp.calls.Load()
			}
			n := float64(b.N)
			b.ReportMetric(span.Seconds()/n, "s/first-taken-to-last-saved")
			b.ReportMetric(float64(calls)/(200*n), "llm-calls/question")
		})
	}
}

// typedBenchQuiz makes a quiz of today's model with fanOutBatches over
// the fake's three modules (content extracted through the v1 flow, as
// typedQuiz does) and returns the message of its generation job.
func typedBenchQuiz(b *testing.B, bd *bundle) (quiz.Quiz, queue.Message) {
	b.Helper()
	q, msg := bd.create(3, modules...)
	if err := bd.run(msg, 1); err != nil {
		b.Fatal(err)
	}
	var mods quiz.Modules
	for i, id := range modules {
		mods = append(mods, quiz.ModuleSpec{ID: fmt.Sprint(id), Name: fmt.Sprintf("module %d", i), Source: quiz.SourceCanvas,
			Batches: fanOutBatches[i]})
	}
	if mods.Total() != 200 {
		b.Fatalf("%d questions in the batches", mods.Total())
	}
	stored, err := mods.StoredJSON()
	if err != nil {
		b.Fatal(err)
	}
	job := uuid.New()
	conn := bd.tdb.Conn(b)
	if _, err := conn.Exec(b.Context(), `DELETE FROM question WHERE quiz_id = $1`, q.ID); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(b.Context(), `UPDATE quiz SET selected_modules = $2, v1 = false, question_count = $3,
		llm_generation_status = 'pending', llm_generation_job_id = $4 WHERE id = $1`, q.ID, stored, mods.Total(), job); err != nil {
		b.Fatal(err)
	}
	return bd.quiz(q.ID), queue.Message{Version: queue.Version, Kind: queue.KindGenerate, QuizID: q.ID, JobID: job}
}
