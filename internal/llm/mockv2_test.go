package llm_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/llm"
	"quizgen/internal/llm/llmtest"
	"quizgen/internal/quiz/qtype"
)

// waterCycle is course content of twelve sentences in each language.
var waterCycle = map[qtype.Language]string{
	qtype.English: `# The water cycle

Evaporation turns liquid water into vapour when the sun heats oceans and lakes.
Condensation forms clouds when water vapour cools in the upper air.
Precipitation returns water to the ground as rain, snow or hail.
Infiltration lets rain water soak into the soil and refill groundwater.
Transpiration releases water vapour from the leaves of plants.
Runoff carries water over the surface into rivers and towards the sea.
Sublimation turns snow and ice directly into vapour without melting.
Groundwater flows slowly through aquifers towards springs and rivers.
Glaciers store fresh water as ice for thousands of years.
Humidity measures how much water vapour the air holds at a given time.
Deposition turns vapour directly into frost on very cold nights.
Percolation moves water downwards through rock into deeper aquifers.`,
	qtype.Norwegian: `# Vannets kretsløp

Fordamping gjør flytende vann til damp når sola varmer opp hav og innsjøer.
Kondensasjon danner skyer når vanndamp avkjøles høyt oppe i lufta.
Nedbøren fører vannet tilbake til bakken som regn, snø eller hagl.
Infiltrasjon lar regnvann trekke ned i jorda og fylle opp grunnvannet.
Transpirasjon slipper ut vanndamp fra bladene på plantene i skogen.
Overflateavrenning fører vann over bakken ut i elver og havet.
Sublimasjon gjør snø og is direkte om til damp uten at den smelter.
Grunnvannet renner sakte gjennom akviferer mot kilder og elver.
Isbreene lagrer ferskvann som is i tusenvis av år om gangen.
Luftfuktigheten måler hvor mye vanndamp lufta holder på et gitt tidspunkt.
Deposisjon gjør damp direkte om til rim på svært kalde netter.
Perkolasjon flytter vannet nedover gjennom fjellet til dypere akviferer.`,
}

func TestBatchMockWritesEveryTypeInBothLanguages(t *testing.T) {
	t.Parallel()
	const count = 8
	for _, typ := range qtype.All() {
		for _, lang := range []qtype.Language{qtype.English, qtype.Norwegian} {
			t.Run(string(typ.Name())+"/"+string(lang), func(t *testing.T) {
				t.Parallel()
				r := llm.BatchRequest{
					Type: typ.Name(), Count: count, Difficulty: qtype.Medium, Language: lang,
					ModuleName: "Water", Content: waterCycle[lang],
				}
				w := &llm.BatchWriter{Provider: llm.NewBatchMock(0)}
				qs, err := w.Write(t.Context(), r)
				require.NoError(t, err)
				require.Len(t, qs, count, "one call, no question dropped")
				for _, q := range qs {
					out, err := typ.Normalize(q)
					require.NoError(t, err)
					assert.JSONEq(t, string(q), string(out), "already canonical")
				}

				again, err := w.Write(t.Context(), r)
				require.NoError(t, err)
				assert.Equal(t, qs, again, "deterministic")

				// The mock's own answer is read in one round.
				p := countingBatch{BatchProvider: llm.NewBatchMock(0)}
				_, err = (&llm.BatchWriter{Provider: &p}).Write(t.Context(), r)
				require.NoError(t, err)
				assert.Equal(t, 1, p.calls)
			})
		}
	}
}

// countingBatch counts the calls to a BatchProvider.
type countingBatch struct {
	llm.BatchProvider
	calls int
}

func (c *countingBatch) Batch(ctx context.Context, bc llm.BatchCall) (string, error) {
	c.calls++
	return c.BatchProvider.Batch(ctx, bc)
}

func TestBatchMockSkipsExisting(t *testing.T) {
	t.Parallel()
	w := &llm.BatchWriter{Provider: llm.NewBatchMock(0)}
	r := llm.BatchRequest{
		Type: qtype.TrueFalse, Count: 4, Difficulty: qtype.Easy, Language: qtype.English,
		Content: waterCycle[qtype.English],
	}
	first, err := w.Write(t.Context(), r)
	require.NoError(t, err)
	for _, q := range first {
		r.Existing = append(r.Existing, llm.QuestionKey(r.Type, q))
	}

	p := countingBatch{BatchProvider: llm.NewBatchMock(0)}
	second, err := (&llm.BatchWriter{Provider: &p}).Write(t.Context(), r)
	require.NoError(t, err)
	require.Len(t, second, 4)
	assert.Equal(t, 1, p.calls, "the mock itself skipped the existing questions")
	for _, q := range second {
		assert.NotContains(t, first, q)
	}
}

func TestBatchMockRunsOut(t *testing.T) {
	t.Parallel()
	w := &llm.BatchWriter{Provider: llm.NewBatchMock(0)}
	qs, err := w.Write(t.Context(), llm.BatchRequest{
		Type: qtype.MultipleChoice, Count: 20, Difficulty: qtype.Hard, Language: qtype.English,
		Content: "Photosynthesis converts light into chemical energy inside chloroplasts. Respiration releases that energy again inside mitochondria.",
	})
	var short *llm.ShortBatchError
	require.ErrorAs(t, err, &short)
	assert.Equal(t, 2, short.Got, "one question per sentence")
	assert.Len(t, qs, 2)
}

func TestBatchMockLatency(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := llm.NewBatchMock(time.Hour).Batch(ctx, llm.BatchCall{Prompt: llm.BatchPrompt{
		Type: qtype.TrueFalse, Count: 1, Content: waterCycle[qtype.English],
	}})
	require.ErrorIs(t, err, context.Canceled, "returns at once when ctx is done")
}

func TestOpenAIBatchSendsPromptAndSchema(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewServer(t)
	item, err := json.Marshal(mcQuestion(1))
	require.NoError(t, err)
	srv.Push(llmtest.Reply{Body: llmtest.Completion(`{"questions": [` + string(item) + `]}`)})
	p, err := llm.NewOpenAIBatch(llm.OpenAIConfig{BaseURL: srv.URL, APIKey: testKey})
	require.NoError(t, err)

	w := &llm.BatchWriter{Provider: p}
	r := mcRequest(1)
	r.Temperature = 0.2
	qs, err := w.Write(t.Context(), r)
	require.NoError(t, err)
	require.Len(t, qs, 1)

	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	req := reqs[0]
	assert.Equal(t, "gpt-test", req.Model)
	require.NotNil(t, req.Temperature)
	assert.InDelta(t, 0.2, *req.Temperature, 1e-9)
	system, user, err := llm.RenderBatch(llm.BatchPrompt{
		Type: r.Type, Count: 1, Difficulty: r.Difficulty, Language: r.Language,
		ModuleName: r.ModuleName, Content: r.Content,
	})
	require.NoError(t, err)
	assert.Equal(t, []llmtest.Message{{Role: "system", Content: system}, {Role: "user", Content: user}}, req.Messages)

	var rf struct {
		Type       string `json:"type"`
		JSONSchema struct {
			Name   string          `json:"name"`
			Strict bool            `json:"strict"`
			Schema json.RawMessage `json:"schema"`
		} `json:"json_schema"`
	}
	require.NoError(t, json.Unmarshal(req.ResponseFormat, &rf))
	assert.Equal(t, "json_schema", rf.Type)
	assert.Equal(t, "quiz_batch", rf.JSONSchema.Name)
	assert.True(t, rf.JSONSchema.Strict)
	want, err := json.Marshal(llm.BatchSchema(mustType(t, qtype.MultipleChoice)))
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(rf.JSONSchema.Schema))
}

func TestOpenAIBatchClassifiesErrors(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewServer(t)
	srv.Push(llmtest.Reply{Status: 401, Body: `{"error": {"message": "bad key", "type": "invalid_request_error", "code": "invalid_api_key"}}`})
	p, err := llm.NewOpenAIBatch(llm.OpenAIConfig{BaseURL: srv.URL, APIKey: testKey, Model: "pinned"})
	require.NoError(t, err)
	_, err = (&llm.BatchWriter{Provider: p}).Write(t.Context(), mcRequest(1))
	require.ErrorIs(t, err, llm.ErrCritical)
	assert.NotContains(t, err.Error(), testKey)
	require.Len(t, srv.Requests(), 1)
	assert.Equal(t, "pinned", srv.Requests()[0].Model)
}
