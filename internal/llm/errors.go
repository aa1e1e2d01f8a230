package llm

import (
	"errors"
	"strings"
)

// Errors callers match with errors.Is.
var (
	// ErrCritical is wrapped around failures that retrying will not fix: a
	// rejected API key, missing permission or quota, an unknown model, a
	// request the provider refuses (too long for the context window, an
	// unsupported parameter). The message of an error wrapping it is safe
	// to store on the quiz as the reason of the failure: it never holds the
	// API key, the prompt or the model's answer.
	ErrCritical = errors.New("critical error during question generation")

	// ErrInvalidAnswer is wrapped around answers that hold no list of
	// questions: no JSON, JSON of another shape, a refusal, an empty or
	// over-long answer. Asking again may help.
	ErrInvalidAnswer = errors.New("invalid LLM answer")
)

// criticalPatterns are the error markers the original treats as critical (docs/compatibility.md, Generation),
// matched against a lower-cased error code, type or message.
//
//nolint:gochecknoglobals // read-only table
var criticalPatterns = []string{
	"invalid_api_key", "invalidapikeyerror", "authentication", "authorization",
	"insufficient_quota", "billing", "organization must be verified",
	"account_deactivated", "model_not_found", "invalid_model", "unsupported_model",
	"invalid_request_error", "context_length_exceeded", "maximum_context_length",
	"token_limit_exceeded",
}

// isCriticalText reports whether s contains one of the original's critical
// patterns, ignoring case.
func isCriticalText(s string) bool {
	s = strings.ToLower(s)
	for _, p := range criticalPatterns {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
