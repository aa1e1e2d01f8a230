package llm

import "context"

// Request is one call to a model: write Count questions from Content.
type Request struct {
	// Model names the model; a provider may pin its own (see OpenAIConfig).
	Model string
	// Temperature is the sampling temperature (0 to 2).
	Temperature float64
	// Content is the course text the questions come from.
	Content string
	// Count is how many questions to write, at least 1.
	Count int
	// Avoid holds question texts the quiz already has, to steer the model
	// away from them.
	Avoid []string
	// Title is the quiz's title, if any.
	Title string
}

// Provider sends a request to a model and returns its answer.
//
// Questions returns the model's raw answer text; ParseAnswer reads it.
// Failures that may pass when asked again (rate limits, timeouts, 5xx,
// lost connections) wrap quiz.ErrTemporary; failures that will not wrap
// ErrCritical. When ctx is done it returns an error matching ctx.Err().
// Implementations must be safe for concurrent use.
type Provider interface {
	Questions(ctx context.Context, r Request) (raw string, err error)
}
