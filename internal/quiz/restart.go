package quiz

import (
	"encoding/json"

	"quizgen/internal/quiz/qtype"
)

// A finished generation run may run again in part (README, Background
// jobs): a retry re-runs its failed batches, a regeneration adds a batch.
// While it runs, the quiz's generation_metadata is a RestartMetadata
// instead of the run's outcome, which the batch that settles last writes
// again.

// The kinds of restart.
const (
	RestartRetry      = "retry"
	RestartRegenerate = "regenerate"
)

// RestartMetadata is generation_metadata while a retry or a regeneration
// runs.
type RestartMetadata struct {
	// Restart is RestartRetry or RestartRegenerate.
	Restart string `json:"restart"`
	// CompletedBefore reports whether the stage had completed before (a
	// retry of a partial run, every regeneration), as opposed to a retry
	// of a run that failed.
	CompletedBefore bool `json:"completed_before"`
	// Previous is the outcome of the run a regeneration adds to (its
	// GenerationMetadata): the quiz reads as that outcome meanwhile.
	Previous json.RawMessage `json:"previous,omitempty"`
}

// Restarting returns the restart q's generation is running, if any.
func Restarting(q Quiz) (RestartMetadata, bool) {
	if q.LLMGenerationStatus != StatusProcessing || len(q.GenerationMetadata) == 0 {
		return RestartMetadata{}, false
	}
	var m RestartMetadata
	if json.Unmarshal(q.GenerationMetadata, &m) != nil || (m.Restart != RestartRetry && m.Restart != RestartRegenerate) {
		return RestartMetadata{}, false
	}
	return m, true
}

// GenerationFinished reports whether q's generation stage completed at
// least once: it is completed, or a retry or regeneration of a completed
// run is running. (A new run, started by the v1 routes or a
// re-extraction, starts over.)
func GenerationFinished(q Quiz) bool {
	if q.LLMGenerationStatus == StatusCompleted {
		return true
	}
	m, ok := Restarting(q)
	return ok && m.CompletedBefore
}

// PlannedQuestions is the number of questions q's generation asks for: the
// sum of its batches' counts (a v1 quiz: its question_count).
func PlannedQuestions(q Quiz) int {
	if len(q.Modules) > 0 && !q.V1 {
		return q.Modules.Total()
	}
	return q.QuestionCount
}

// SettingsPatch is a change of a quiz's settings (today's PATCH
// /quiz/{id}); a nil field keeps its value.
type SettingsPatch struct {
	Title          *string
	LLMModel       *string
	LLMTemperature *float64
	Language       *qtype.Language
}
