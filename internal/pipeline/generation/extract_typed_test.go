package generation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/content"
	"quizgen/internal/llm"
	"quizgen/internal/pipeline/generation"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// recordingWriter records the content each batch is written from, by
// module name.
type recordingWriter struct {
	w       generation.BatchWriter
	mu      sync.Mutex
	content map[string][]string
}

func (r *recordingWriter) Write(ctx context.Context, req llm.BatchRequest) ([]json.RawMessage, error) {
	r.mu.Lock()
	r.content[req.ModuleName] = append(r.content[req.ModuleName], req.Content)
	r.mu.Unlock()
	return r.w.Write(ctx, req)
}

// manualText is a manual module's pasted text (over 500 characters).
var manualText = strings.Repeat("Photosynthesis converts light energy into chemical energy stored in glucose. ", 8)

// typedExtraction turns the quiz b.create made (its extraction still
// pending) into one of today's model before its extraction runs: two
// Canvas modules with two batches each (so no v1 projection) and a manual
// module with text; it returns the extraction message and the question
// total.
func typedExtraction(t *testing.T, b *bundle, text string) (quiz.Quiz, queue.Message, int) {
	t.Helper()
	q, msg := b.create(3, modules[0])
	batches := []quiz.Batch{
		{QuestionType: qtype.TrueFalse, Count: 2, Difficulty: qtype.Easy},
		{QuestionType: qtype.MultipleAnswer, Count: 1, Difficulty: qtype.Hard},
	}
	mods := quiz.Modules{
		{ID: fmt.Sprint(modules[0]), Name: "search", Source: quiz.SourceCanvas, Batches: batches},
		{ID: "manual_abc123", Name: "photosynthesis", Source: quiz.SourceManual, Batches: batches,
			Manual: &quiz.ManualContent{Text: text}},
		{ID: fmt.Sprint(modules[2]), Name: "scheduling", Source: quiz.SourceCanvas, Batches: batches},
	}
	stored, err := mods.StoredJSON()
	require.NoError(t, err)
	b.sql(t, `UPDATE quiz SET selected_modules = $2, v1 = false, question_count = $3 WHERE id = $1`, q.ID, stored, mods.Total())
	got := b.quiz(q.ID)
	require.Nil(t, got.SelectedModules, "no v1 projection")
	return got, msg, mods.Total()
}

// extractedDoc decodes quiz id's extracted content.
func (b *bundle) extractedDoc(t *testing.T, id quiz.ID) map[string][]content.Item {
	t.Helper()
	got := b.quiz(id)
	require.NotNil(t, got.ExtractedContent)
	var doc map[string][]content.Item
	require.NoError(t, json.Unmarshal(got.ExtractedContent, &doc))
	return doc
}

// A typed quiz's Canvas modules are extracted (its v1 projection is
// empty) and its manual module's text is stored under its id like a
// Canvas module's content; each batch is written
// from its own module's content, for both kinds, and every batch saves.
func TestTypedQuizExtractsCanvasAndManualModules(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	rw := &recordingWriter{w: b.p.Batches, content: map[string][]string{}}
	b.p.Batches = rw
	q, msg, total := typedExtraction(t, b, manualText)
	require.NoError(t, b.run(msg, 1))

	got := b.quiz(q.ID)
	require.Equal(t, quiz.StatusCompleted, got.ContentExtractionStatus, "reason: %v", got.FailureReason)
	doc := b.extractedDoc(t, q.ID)
	assert.ElementsMatch(t, []string{"module_173574", "module_manual_abc123", "module_173469"}, slices.Collect(maps.Keys(doc)),
		"one key per module")
	assert.NotEmpty(t, doc["module_173574"], "Canvas module extracted")
	assert.NotEmpty(t, doc["module_173469"], "Canvas module extracted")
	assert.Equal(t, []content.Item{{Title: "photosynthesis", Content: strings.TrimSpace(manualText), Type: generation.TypeManual}},
		doc["module_manual_abc123"], "the manual text is the module's one item")

	require.Equal(t, quiz.StatusCompleted, got.LLMGenerationStatus, "reason: %v", got.FailureReason)
	assert.Nil(t, got.FailureReason)
	all, err := b.store.AllQuestions(t.Context(), q.ID)
	require.NoError(t, err)
	assert.Len(t, all, total, "every batch saved its count")

	require.Len(t, rw.content, 3)
	for _, c := range rw.content["photosynthesis"] {
		assert.Contains(t, c, "Photosynthesis converts light", "a manual batch is written from its text")
	}
	for _, name := range []string{"search", "scheduling"} {
		require.Len(t, rw.content[name], 2)
		for _, c := range rw.content[name] {
			assert.NotEmpty(t, c)
			assert.NotContains(t, c, "Photosynthesis", "a Canvas batch is written from its own module")
		}
	}
	assert.NotEqual(t, rw.content["search"][0], rw.content["scheduling"][0], "each module its own content")
}

// Manual content is bounded by the limits of Canvas content: cut at
// MaxContentLength (and the batch is written from what was stored), left
// out under MinContentLength or once the total passed
// MaxTotalContentSize.
func TestManualContentBoundedLikeCanvasContent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		limits content.Limits
		// want is the manual module's stored text length; 0 for none.
		want int
	}{
		{"cut at MaxContentLength", content.Limits{MaxContentLength: 300}, 300},
		{"too short", content.Limits{MinContentLength: utf8.RuneCountInString(manualText) + 1}, 0},
		{"after the total limit", content.Limits{MaxTotalContentSize: 10}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, options{})
			ex := b.p.Extractor.(*content.Extractor)
			ex.Limits = tc.limits
			rw := &recordingWriter{w: b.p.Batches, content: map[string][]string{}}
			b.p.Batches = rw
			q, msg, _ := typedExtraction(t, b, manualText)
			require.NoError(t, b.run(msg, 1))
			doc := b.extractedDoc(t, q.ID)
			items, ok := doc["module_manual_abc123"]
			require.True(t, ok, "the module has its key")
			if tc.want == 0 {
				assert.Empty(t, items)
				assert.Empty(t, rw.content["photosynthesis"], "no batch written without content")
				return
			}
			require.Len(t, items, 1)
			assert.Equal(t, tc.want, utf8.RuneCountInString(items[0].Content))
			require.NotEmpty(t, rw.content["photosynthesis"])
			for _, c := range rw.content["photosynthesis"] {
				assert.LessOrEqual(t, utf8.RuneCountInString(c), tc.want+len("## photosynthesis\n\n"),
					"the batch takes the stored content, not the quiz's full text")
			}
		})
	}
}
