package generation_test

import (
	"fmt"
	"testing"
	"time"

	"quizgen/internal/llm"
	"quizgen/internal/quiz"
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
				bd := setup(b, options{provider: llm.NewMock(latency)})
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
