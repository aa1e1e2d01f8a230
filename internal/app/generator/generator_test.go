package generator_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/app/generator"
	"quizgen/internal/config"
)

// The provider is the one LLM_PROVIDER names: the mock by default, the
// OpenAI-compatible client for "openai", whose bad base URL fails wiring.
func TestProvider(t *testing.T) {
	t.Parallel()
	p, err := generator.Provider(config.LLM{Provider: config.LLMMock})
	require.NoError(t, err)
	assert.NotNil(t, p)

	p, err = generator.Provider(config.LLM{Provider: config.LLMOpenAI, BaseURL: "https://llm.example/v1", Model: "m"})
	require.NoError(t, err)
	assert.NotNil(t, p)

	_, err = generator.Provider(config.LLM{Provider: config.LLMOpenAI, BaseURL: "not a url", Model: "m"})
	require.ErrorContains(t, err, "llm provider")
}
