package quiz

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"quizgen/internal/quiz/qtype"
)

// This file is the domain of a generation that fans out (README, Background jobs):
// a run of the llm_generation stage is one batch job per (module x batch)
// of the quiz, and the last batch of the run to settle decides the stage.

// BatchSpec is one batch of a generation run: Count (1 to MaxBatchCount)
// questions of Type at Difficulty from module ModuleID.
type BatchSpec struct {
	ModuleID   string
	Type       qtype.Name
	Difficulty qtype.Difficulty
	Count      int
}

// GenerationBatch is one batch of a run as stored: its own job id, status
// and lease, like a stage.
type GenerationBatch struct {
	ID     ID
	QuizID ID
	// RunID is the run (the stage's job id when it was fanned out).
	RunID ID
	BatchSpec
	// Round counts the batches of one (module, type, difficulty) of the
	// quiz: 1 for the first run, then each later batch the next.
	Round int
	// Regenerate marks a batch added to a finished quiz (RegenerateBatch):
	// its failure is recorded but does not change the run's outcome.
	Regenerate bool
	Status     Status
	// JobID is the only job that may work on the batch.
	JobID         ID
	StartedAt     *time.Time
	FailureReason string
	CreatedAt     time.Time
}

// Terminal reports whether the batch is completed or failed.
func (b GenerationBatch) Terminal() bool {
	return b.Status == StatusCompleted || b.Status == StatusFailed
}

// LeaseExpired reports whether the batch is processing under a lease that
// ran out before now (its job crashed or timed out).
func (b GenerationBatch) LeaseExpired(lease time.Duration, now time.Time) bool {
	return b.Status == StatusProcessing && (b.StartedAt == nil || !now.Before(b.StartedAt.Add(lease)))
}

// PlanBatches returns the batches of a run over q's modules, in the
// teacher's order. A typed quiz has one per batch of each module. A v1
// quiz keeps v1's count semantics: its one multiple_choice batch per
// module may count 0 (none) or more than MaxBatchCount (split into
// batches of at most MaxBatchCount).
func PlanBatches(q Quiz) []BatchSpec {
	var out []BatchSpec
	for _, m := range q.Modules {
		for _, b := range m.Batches {
			d := b.Difficulty
			if d == "" {
				d = DefaultDifficulty
			}
			for left := b.Count; left > 0; left -= MaxBatchCount {
				out = append(out, BatchSpec{ModuleID: m.ID, Type: b.QuestionType, Difficulty: d, Count: min(left, MaxBatchCount)})
			}
		}
	}
	return out
}

// FailedBatch is a batch of a run that failed, as generation_metadata
// lists it.
type FailedBatch struct {
	ModuleID   string           `json:"module_id"`
	Type       qtype.Name       `json:"question_type"`
	Difficulty qtype.Difficulty `json:"difficulty"`
	Round      int              `json:"round"`
	Count      int              `json:"count"`
	Reason     string           `json:"reason"`
}

// GenerationMetadata is the quiz's generation_metadata after a run: the
// batches that failed (the run is partial when there are some and the
// stage completed) and the regenerations that failed (which change
// nothing else).
type GenerationMetadata struct {
	Batches             int           `json:"batches"`
	FailedBatches       []FailedBatch `json:"failed_batches,omitempty"`
	FailedRegenerations []FailedBatch `json:"failed_regenerations,omitempty"`
	CompletedBatches    int           `json:"completed_batches"`
}

// RunOutcome is what the last batch of a run to settle decides.
type RunOutcome struct {
	// Done is false while some batch of the run is pending or processing.
	Done bool
	// Status is the stage's: completed when at least one batch (other
	// than a regeneration) completed, else failed.
	Status Status
	// Reason is the quiz's failure_reason: "" when no batch failed.
	Reason   string
	Metadata GenerationMetadata
}

// maxReason bounds a failure reason (the store keeps 1000 characters).
const maxReason = 900

// DecideRun decides a run from its batches (each locked under the quiz's
// row lock, so only one caller sees the last one settle): every batch
// completed is completed; some failed is completed and partial, the
// reason naming each failed batch; none completed is failed. A run made
// only of regenerations completes whatever they did.
func DecideRun(bs []GenerationBatch) RunOutcome {
	var o RunOutcome
	var main, completed int
	for _, b := range bs {
		if !b.Terminal() {
			return RunOutcome{}
		}
		fb := FailedBatch{ModuleID: b.ModuleID, Type: b.Type, Difficulty: b.Difficulty, Round: b.Round,
			Count: b.Count, Reason: b.FailureReason}
		switch {
		case b.Regenerate && b.Status == StatusFailed:
			o.Metadata.FailedRegenerations = append(o.Metadata.FailedRegenerations, fb)
		case b.Regenerate:
		case b.Status == StatusFailed:
			main++
			o.Metadata.FailedBatches = append(o.Metadata.FailedBatches, fb)
		default:
			main++
			completed++
		}
	}
	o.Done = true
	o.Metadata.Batches = main
	o.Metadata.CompletedBatches = completed
	o.Status = StatusCompleted
	if main > 0 && completed == 0 {
		o.Status = StatusFailed
	}
	failed := append(append([]FailedBatch(nil), o.Metadata.FailedBatches...), o.Metadata.FailedRegenerations...)
	if len(failed) == 0 {
		return o
	}
	var sb strings.Builder
	switch {
	case len(o.Metadata.FailedBatches) == 0:
		fmt.Fprintf(&sb, "Regenerating %d batch(es) failed: ", len(failed))
	case o.Status == StatusFailed:
		fmt.Fprintf(&sb, "Question generation failed: all %d batches failed: ", main)
	default:
		fmt.Fprintf(&sb, "Question generation partly failed: %d of %d batches failed: ", main-completed, main)
	}
	for i, f := range failed {
		if i > 0 {
			sb.WriteString("; ")
		}
		fmt.Fprintf(&sb, "module %s, %d %s (%s): %s", f.ModuleID, f.Count, f.Type, f.Difficulty, f.Reason)
		if sb.Len() > maxReason {
			break
		}
	}
	o.Reason = sb.String()
	if len(o.Reason) > maxReason {
		o.Reason = o.Reason[:maxReason] + "..."
	}
	return o
}

// GenerationPartial reports whether q's last generation run completed with
// some batches failed: today's status ready_for_review_partial (README
// "Background jobs"). A retry (RetryFailedBatches) re-runs only those.
func GenerationPartial(q Quiz) bool {
	if q.LLMGenerationStatus != StatusCompleted || len(q.GenerationMetadata) == 0 {
		return false
	}
	var m GenerationMetadata
	if json.Unmarshal(q.GenerationMetadata, &m) != nil {
		return false
	}
	return len(m.FailedBatches) > 0
}
