package llm_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/llm"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with current output")

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run %s -update to create it", t.Name())
	assert.Equal(t, string(want), got, "differs from %s; rerun with -update and review the diff", path)
}

func TestBuildPromptGolden(t *testing.T) {
	t.Parallel()

	content := "# Binary search\n\nBinary search finds an item in a sorted list by halving the range it looks at.\n" +
		"Each step compares the middle item with the target and keeps the half that can hold it, so a list of n items needs about log2(n) steps."
	tests := []struct {
		name string
		req  llm.Request
	}{
		{"prompt_one", llm.Request{Content: content, Count: 1}},
		{"prompt_many_avoid", llm.Request{
			Content: content,
			Count:   10,
			Title:   "INF-1100 Algorithms, week 3",
			Avoid: []string{
				"What does binary search require of its input?",
				"How many steps does binary search need\nfor a list of n items?",
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := llm.BuildPrompt(tt.req)
			require.NoError(t, err)
			golden(t, tt.name+".golden", p.User)
			if tt.name == "prompt_one" { // the same for every request
				golden(t, "prompt_system.golden", p.System)
			}
		})
	}
}

func TestBuildPromptRejects(t *testing.T) {
	t.Parallel()
	_, err := llm.BuildPrompt(llm.Request{Content: "text", Count: 0})
	require.Error(t, err)
	_, err = llm.BuildPrompt(llm.Request{Content: " \n", Count: 3})
	require.Error(t, err)
}

func TestAnswerSchema(t *testing.T) {
	t.Parallel()
	var schema struct {
		Type       string `json:"type"`
		Required   []string
		Properties struct {
			Questions struct {
				Items struct {
					Required   []string `json:"required"`
					Properties map[string]struct {
						Enum []string `json:"enum"`
					} `json:"properties"`
					AdditionalProperties bool `json:"additionalProperties"`
				} `json:"items"`
			} `json:"questions"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(llm.AnswerSchema(), &schema))
	items := schema.Properties.Questions.Items
	assert.Equal(t, []string{"question_text", "option_a", "option_b", "option_c", "option_d", "correct_answer"}, items.Required)
	assert.Equal(t, []string{"A", "B", "C", "D"}, items.Properties["correct_answer"].Enum)
	assert.False(t, items.AdditionalProperties)
}

func TestBuildPromptKeepsTheLastAvoided(t *testing.T) {
	t.Parallel()
	var avoid []string
	for i := range 80 {
		avoid = append(avoid, fmt.Sprintf("Old question %d?", i))
	}
	avoid = append(avoid, strings.Repeat("long ", 100))
	p, err := llm.BuildPrompt(llm.Request{Content: "text", Count: 2, Avoid: avoid})
	require.NoError(t, err)
	assert.NotContains(t, p.User, "Old question 30?")
	assert.Contains(t, p.User, "Old question 31?")
	assert.Contains(t, p.User, "Old question 79?")
	assert.Contains(t, p.User, strings.Repeat("long ", 59)+"long…\n")
}

func TestBuildPromptFillsEveryPlaceholderOnce(t *testing.T) {
	t.Parallel()
	// Course text that looks like a placeholder is course text: it is not
	// filled in, and the prompt's own placeholders all are.
	content := "Templates write {{count}} and {{content}} literally."
	p, err := llm.BuildPrompt(llm.Request{Content: content, Count: 4, Title: "{{for_quiz}}"})
	require.NoError(t, err)
	assert.Contains(t, p.User, "\n"+content+"\n")
	assert.Contains(t, p.User, `for the quiz "{{for_quiz}}"`)
	rest := strings.ReplaceAll(strings.ReplaceAll(p.User, content, ""), `"{{for_quiz}}"`, "")
	assert.NotContains(t, rest, "{{", "every placeholder is filled in")
	assert.NotContains(t, p.System, "{{")
	assert.Contains(t, p.System, fmt.Sprintf("at most %d characters;", llm.MaxQuestionText))
}
