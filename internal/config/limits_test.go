package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/config"
	"quizgen/internal/quiz"
)

func TestLimits(t *testing.T) {
	t.Parallel()
	got, err := config.LoadAPI(t.Context(), lookup(minimalEnv("api")), nil)
	require.NoError(t, err)
	assert.Equal(t, quiz.Limits{QuestionsPerDay: 2000, GenerationsPerQuiz: 5, ProcessingQuizzes: 5}, got.Limits, "on by default")

	got, err = config.LoadAPI(t.Context(), lookup(with(minimalEnv("api"),
		"LIMIT_QUESTIONS_PER_DAY", "300", "LIMIT_GENERATIONS_PER_QUIZ", "0", "LIMIT_PROCESSING_QUIZZES", "2")), nil)
	require.NoError(t, err)
	assert.Equal(t, quiz.Limits{QuestionsPerDay: 300, GenerationsPerQuiz: 0, ProcessingQuizzes: 2}, got.Limits)

	_, err = config.LoadAPI(t.Context(), lookup(with(minimalEnv("api"),
		"LIMIT_QUESTIONS_PER_DAY", "-1", "LIMIT_PROCESSING_QUIZZES", "many")), nil)
	require.Error(t, err)
	assert.ErrorContains(t, err, "LIMIT_QUESTIONS_PER_DAY")
	assert.ErrorContains(t, err, "LIMIT_PROCESSING_QUIZZES")
}
