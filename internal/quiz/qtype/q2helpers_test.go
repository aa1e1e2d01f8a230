package qtype_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/quiz/qtype"
)

// Helpers of the fill_in_blank, matching and categorization tests.

// q2Type is the registered type n.
func q2Type(t *testing.T, n qtype.Name) qtype.Type {
	t.Helper()
	typ, ok := qtype.Lookup(n)
	require.True(t, ok, "type %s is not registered", n)
	return typ
}

// q2Chars is n characters of two bytes each, so limits are seen to count
// characters, not bytes.
func q2Chars(n int) string { return strings.Repeat("é", n) }

// q2Case is one Normalize case: the data (a Go value marshalled, or raw
// JSON) and either the path of every problem expected or, when wantPaths
// is nil, a check of the canonical output.
type q2Case struct {
	name      string
	data      any
	raw       string
	wantPaths [][]any
	check     func(t *testing.T, out map[string]any)
}

// q2RunNormalize runs the cases: an invalid case gives a
// *ValidationError with exactly the expected paths (in order); a valid
// case's output is canonical (Normalize of it is the same bytes).
func q2RunNormalize(t *testing.T, typ qtype.Type, cases []q2Case) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := []byte(tc.raw)
			if tc.raw == "" {
				var err error
				data, err = json.Marshal(tc.data)
				require.NoError(t, err)
			}
			out, err := typ.Normalize(data)
			if tc.wantPaths != nil {
				require.Error(t, err, "accepted: %s", out)
				var ve *qtype.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, typ.Name(), ve.Type)
				got := make([][]any, len(ve.Problems))
				for i, p := range ve.Problems {
					assert.NotEmpty(t, p.Msg)
					got[i] = p.Path
				}
				assert.Equal(t, tc.wantPaths, got, "%v", err)
				return
			}
			require.NoError(t, err)
			again, err := typ.Normalize(out)
			require.NoError(t, err)
			assert.Equal(t, string(out), string(again), "the output is canonical")
			if tc.check != nil {
				var m map[string]any
				require.NoError(t, json.Unmarshal(out, &m))
				tc.check(t, m)
			}
		})
	}
}

// q2P is a problem path.
func q2P(p ...any) []any { return p }

// q2Ps are the problem paths of a case, in order.
func q2Ps(p ...[]any) [][]any { return p }

// q2Set is a copy of base (a JSON object as a map, lists deep-copied
// through JSON) with f applied.
func q2Set(base map[string]any, f func(m map[string]any)) map[string]any {
	b, err := json.Marshal(base)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	f(m)
	return m
}

// q2List is a list of n values made by f.
func q2List(n int, f func(i int) any) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// q2Material is a mock's material about the water cycle, in English or
// Norwegian.
func q2Material(l qtype.Language, variant int) qtype.Material {
	sentences := []string{
		"Evaporation turns liquid water into vapour when the sun heats oceans and lakes.",
		"Condensation forms clouds when water vapour cools in the upper air.",
		"Precipitation returns water to the ground as rain, snow or hail.",
		"Infiltration lets rain water soak into the soil and refill groundwater.",
		"Transpiration releases water vapour from the leaves of plants.",
		"Runoff carries water over the surface into rivers and the sea.",
		"Sublimation turns snow and ice directly into vapour without melting.",
		"Groundwater flows slowly through aquifers towards springs and rivers.",
	}
	terms := []string{"Evaporation", "Condensation", "Precipitation", "Infiltration",
		"Transpiration", "Runoff", "Sublimation", "aquifers"}
	others := []string{"Photosynthesis", "Erosion", "Osmosis", "Respiration",
		"Deposition", "Weathering", "Fermentation", "Convection"}
	if l == qtype.Norwegian {
		sentences = []string{
			"Fordamping gjør flytende vann om til damp når sola varmer opp hav og innsjøer.",
			"Kondensasjon danner skyer når vanndampen avkjøles høyt oppe i lufta.",
			"Nedbør fører vannet tilbake til bakken som regn, snø eller hagl.",
			"Infiltrasjon lar regnvannet trekke ned i jorda og fylle opp grunnvannet.",
			"Transpirasjon slipper ut vanndamp fra bladene på plantene.",
			"Avrenning fører vannet over bakken og ut i elver og havet.",
			"Sublimasjon gjør snø og is direkte om til damp uten at den smelter.",
			"Grunnvannet renner sakte gjennom akviferer mot kilder og elver.",
		}
		terms = []string{"Fordamping", "Kondensasjon", "Nedbør", "Infiltrasjon",
			"Transpirasjon", "Avrenning", "Sublimasjon", "akviferer"}
		others = []string{"Fotosyntese", "Erosjon", "Osmose", "Respirasjon",
			"Avsetning", "Forvitring", "Gjæring", "Konveksjon"}
	}
	i := variant % len(sentences)
	return qtype.Material{
		Sentence: sentences[i], Term: terms[i],
		Sentences: sentences, Terms: terms, Others: others,
		Variant: variant, Language: l,
		Difficulty: []qtype.Difficulty{qtype.Easy, qtype.Medium, qtype.Hard}[variant%3],
	}
}

// q2Mocks checks Mock for variants 0..49 in both languages: valid and
// canonical for Normalize, the same bytes twice, worded in the language
// (its question_text is one of texts[l] or starts with it); it returns the
// decoded questions per language for the caller's spread checks.
func q2Mocks(t *testing.T, typ qtype.Type, texts map[qtype.Language]string) map[qtype.Language][]map[string]any {
	t.Helper()
	all := map[qtype.Language][]map[string]any{}
	for _, l := range []qtype.Language{qtype.English, qtype.Norwegian} {
		for v := range 50 {
			out, err := typ.Mock(q2Material(l, v))
			require.NoError(t, err, "%s variant %d", l, v)
			again, err := typ.Mock(q2Material(l, v))
			require.NoError(t, err)
			require.Equal(t, string(out), string(again), "deterministic: %s variant %d", l, v)
			norm, err := typ.Normalize(out)
			require.NoError(t, err, "%s variant %d: %s", l, v, out)
			require.Equal(t, string(out), string(norm), "canonical: %s variant %d", l, v)
			var m map[string]any
			require.NoError(t, json.Unmarshal(out, &m))
			text, _ := m["question_text"].(string)
			assert.True(t, strings.HasPrefix(text, texts[l]), "%s variant %d: %q", l, v, text)
			all[l] = append(all[l], m)
		}
	}
	return all
}

// q2CheckSchema checks a schema: valid JSON, a strict object whose
// required list is exactly its properties, and those are the fields of
// the type's canonical data.
func q2CheckSchema(t *testing.T, typ qtype.Type) {
	t.Helper()
	b, err := json.Marshal(typ.Schema())
	require.NoError(t, err)
	var s struct {
		Type                 string                     `json:"type"`
		Properties           map[string]json.RawMessage `json:"properties"`
		Required             []string                   `json:"required"`
		AdditionalProperties *bool                      `json:"additionalProperties"`
	}
	require.NoError(t, json.Unmarshal(b, &s))
	assert.Equal(t, "object", s.Type)
	require.NotNil(t, s.AdditionalProperties)
	assert.False(t, *s.AdditionalProperties)
	props := slices.Sorted(maps.Keys(s.Properties))
	assert.Equal(t, props, slices.Sorted(slices.Values(s.Required)), "required == all properties")

	out, err := typ.Mock(q2Material(qtype.English, 0))
	require.NoError(t, err)
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(out, &m))
	assert.Equal(t, slices.Sorted(maps.Keys(m)), props, "the schema's properties are the data's fields")
	q2StrictObjects(t, "", typ.Schema())
}

// q2StrictObjects checks every nested object schema of s the way OpenAI's
// strict mode does: all properties required, no others allowed.
func q2StrictObjects(t *testing.T, at string, s any) {
	t.Helper()
	m, ok := s.(map[string]any)
	if !ok {
		return
	}
	if props, ok := m["properties"].(map[string]any); ok {
		req, _ := m["required"].([]any)
		names := make([]string, 0, len(req))
		for _, r := range req {
			names = append(names, r.(string)) //nolint:forcetypeassert // schema literal
		}
		assert.Equal(t, slices.Sorted(maps.Keys(props)), slices.Sorted(slices.Values(names)), "required at %q", at)
		assert.Equal(t, false, m["additionalProperties"], "additionalProperties at %q", at)
		for k, v := range props {
			q2StrictObjects(t, at+"."+k, v)
		}
	}
	q2StrictObjects(t, at+"[]", m["items"])
}

// q2IDs is a newID giving id-1, id-2, ... in order of use.
func q2IDs() func() string {
	n := 0
	return func() string {
		n++
		return fmt.Sprintf("id-%d", n)
	}
}

// q2Golden compares the item (points and entry, indented JSON) with
// testdata/name, rewriting the file with go test -update (when the
// package defines that flag) or UPDATE_GOLDEN=1.
func q2Golden(t *testing.T, name string, item qtype.CanvasItem) {
	t.Helper()
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // the HTML of the item, readable in review
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(map[string]any{"points_possible": item.Points, "entry": item.Entry}))
	got := buf.String()
	p := filepath.Join("testdata", name)
	f := flag.Lookup("update")
	if (f != nil && f.Value.String() == "true") || os.Getenv("UPDATE_GOLDEN") == "1" {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(p, []byte(got), 0o644))
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test -run %s with UPDATE_GOLDEN=1 to create it", t.Name())
	assert.Equal(t, string(want), got, "differs from %s; rewrite it and review the diff", p)
}

// q2Entry is the item's entry as JSON values (what Canvas receives).
func q2Entry(t *testing.T, item qtype.CanvasItem) map[string]any {
	t.Helper()
	b, err := json.Marshal(item.Entry)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}
