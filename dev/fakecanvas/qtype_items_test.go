package fakecanvas_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/quiz/qtype"
)

// slugOf is the interaction_type_slug each question type exports as.
var slugOf = map[qtype.Name]string{
	qtype.MultipleChoice: "choice",
	qtype.MultipleAnswer: "multi-answer",
	qtype.TrueFalse:      "true-false",
	qtype.FillInBlank:    "rich-fill-blank",
	qtype.Matching:       "matching",
	qtype.Categorization: "categorization",
}

// TestQuestionTypeItemsAccepted sends the Canvas item of mock questions of
// every registered type, in both languages and several variants, and
// expects the fake to accept each under its type's slug.
func TestQuestionTypeItemsAccepted(t *testing.T) {
	t.Parallel()
	srv, tok, items := newItemQuiz(t)
	m := qtype.Material{
		Sentence: "Breadth-first search keeps its frontier in a queue.", Term: "queue",
		Sentences: []string{
			"Breadth-first search uses a queue.", "Depth-first search uses a stack.",
			"Uniform-cost search uses a priority queue.", "A* adds a heuristic to the path cost.",
			"Greedy search follows the heuristic only.", "Hill climbing keeps one state.",
			"Simulated annealing accepts worse moves.", "Beam search keeps k states.",
		},
		Terms:  []string{"queue", "stack", "priority", "heuristic", "greedy", "climbing", "annealing", "beam"},
		Others: []string{"heap", "tree", "graph", "frontier", "agent", "goal", "state", "action"},
	}
	var sent []string
	position := 0
	for _, typ := range qtype.All() {
		slug, ok := slugOf[typ.Name()]
		require.True(t, ok, "%s has a slug", typ.Name())
		for _, lang := range []qtype.Language{qtype.English, qtype.Norwegian} {
			for variant := range 4 {
				m.Language, m.Variant, m.Difficulty = lang, variant, qtype.Medium
				name := fmt.Sprintf("%s/%s/%d", typ.Name(), lang, variant)
				raw, err := typ.Mock(m)
				require.NoError(t, err, name)
				data, err := typ.Normalize(raw)
				require.NoError(t, err, name)
				n := 0
				ci, err := typ.Canvas(data, func() string { n++; return fmt.Sprintf("id-%d", n) })
				require.NoError(t, err, name)
				position++
				body, err := json.Marshal(map[string]any{"item": map[string]any{
					"entry_type": "Item", "points_possible": ci.Points, "position": position, "entry": ci.Entry,
				}})
				require.NoError(t, err, name)
				resp, got := postJSON(t, items, tok, string(body))
				if assert.Equal(t, http.StatusOK, resp.StatusCode, "%s: %v", name, got) {
					sent = append(sent, slug)
				}
			}
		}
	}
	rec := srv.Quizzes()[0].Items
	require.Len(t, rec, len(sent))
	for i, it := range rec {
		assert.Equal(t, sent[i], it.Slug)
	}
}
