package httpapi

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"quizgen/internal/quiz"
)

// TestTodayStatus: today's single status from the three stages, and the
// failure reason of today's enum from the failed stage and our text.
func TestTodayStatus(t *testing.T) {
	t.Parallel()
	job := uuid.New()
	const (
		P = quiz.StatusPending
		R = quiz.StatusProcessing
		C = quiz.StatusCompleted
		F = quiz.StatusFailed
	)
	partial := json.RawMessage(`{"batches": 2, "completed_batches": 1, "failed_batches": [{"module_id": "1"}]}`)
	cases := []struct {
		name                  string
		ext, gen, exp         quiz.Status
		extJob, genJob, exJob bool
		meta                  json.RawMessage
		reason                string
		want, wantReason      string
	}{
		{name: "nothing queued", ext: P, gen: P, exp: P, want: "created"},
		{name: "extraction queued", ext: P, extJob: true, gen: P, exp: P, want: "extracting_content"},
		{name: "extraction running", ext: R, gen: P, exp: P, want: "extracting_content"},
		{name: "extracted, no generation", ext: C, gen: P, exp: P, want: "extracting_content"},
		{name: "generating", ext: C, gen: R, exp: P, want: "generating_questions"},
		{name: "generation queued", ext: C, gen: P, genJob: true, exp: P, want: "generating_questions"},
		{name: "ready", ext: C, gen: C, exp: P, want: "ready_for_review"},
		{name: "partial", ext: C, gen: C, exp: P, meta: partial, want: "ready_for_review_partial"},
		{name: "re-extracting after review", ext: P, extJob: true, gen: C, exp: P, want: "extracting_content"},
		{name: "exporting", ext: C, gen: C, exp: R, want: "exporting_to_canvas"},
		{name: "export queued", ext: C, gen: C, exp: P, exJob: true, want: "exporting_to_canvas"},
		{name: "published", ext: C, gen: C, exp: C, want: "published"},
		{name: "export failed", ext: C, gen: C, exp: F, reason: "Export to Canvas failed: 400",
			want: "failed", wantReason: "canvas_export_error"},
		{name: "extraction failed", ext: F, gen: P, exp: P, reason: "Content extraction failed: boom",
			want: "failed", wantReason: "content_extraction_error"},
		{name: "extraction unavailable", ext: F, gen: P, exp: P, reason: "Content extraction failed: the database was unavailable.",
			want: "failed", wantReason: "network_error"},
		{name: "generation failed", ext: C, gen: F, exp: P, reason: "Question generation failed: invalid JSON",
			want: "failed", wantReason: "llm_generation_error"},
		{name: "no content", ext: C, gen: F, exp: P, reason: "Question generation failed: all 1 batches failed: module 1, 5 matching (easy): No course content in this module to write questions from.",
			want: "failed", wantReason: "no_content_found"},
		{name: "no questions", ext: C, gen: F, exp: P, reason: "Question generation failed: all 3 batches failed: module 1, 5 matching (easy): timeout",
			want: "failed", wantReason: "no_questions_generated"},
		{name: "regeneration after a failed generation", ext: C, gen: R, exp: P, reason: "Question generation failed: x",
			want: "generating_questions"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := quiz.Quiz{ContentExtractionStatus: c.ext, LLMGenerationStatus: c.gen, ExportStatus: c.exp, GenerationMetadata: c.meta}
			if c.extJob {
				q.ContentExtractionJobID = &job
			}
			if c.genJob {
				q.LLMGenerationJobID = &job
			}
			if c.exJob {
				q.ExportJobID = &job
			}
			if c.reason != "" {
				q.FailureReason = &c.reason
			}
			out, err := headQuizOut(q, true)
			assert.NoError(t, err)
			assert.Equal(t, c.want, out.Status)
			if c.wantReason == "" {
				assert.Nil(t, out.FailureReason)
			} else if assert.NotNil(t, out.FailureReason) {
				assert.Equal(t, c.wantReason, *out.FailureReason)
			}
		})
	}
}
