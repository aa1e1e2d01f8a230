package qtype_test

import (
	"encoding/json"
	"errors"
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

// typeOf is the registered type n.
func typeOf(t *testing.T, n qtype.Name) qtype.Type {
	t.Helper()
	typ, ok := qtype.Lookup(n)
	require.True(t, ok, "type %s is not registered", n)
	return typ
}

// chars is n characters of two bytes each: lengths count characters.
func chars(n int) string { return strings.Repeat("ø", n) }

// with is a copy of base with the given (field, value) pairs set; a nil
// value deletes the field.
func with(base map[string]any, kv ...any) map[string]any {
	m := maps.Clone(base)
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string) //nolint:forcetypeassert // test table
		if kv[i+1] == nil {
			delete(m, k)
			continue
		}
		m[k] = kv[i+1]
	}
	return m
}

// normCase is one Normalize case: data (or raw, when set) and either the
// paths of every problem expected, or (none) a check of the output.
type normCase struct {
	name      string
	data      any
	raw       string
	wantPaths [][]any
	check     func(t *testing.T, out map[string]any)
}

// runNormalize runs the cases against typ: a valid case's output is
// canonical (Normalize of it gives the same bytes), an invalid case's
// error is a *ValidationError with exactly the expected paths.
func runNormalize(t *testing.T, typ qtype.Type, cases []normCase) {
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
				require.Error(t, err)
				assert.Equal(t, tc.wantPaths, problemPaths(t, typ.Name(), err), "%v", err)
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

// problemPaths are the paths of a *ValidationError of type n.
func problemPaths(t *testing.T, n qtype.Name, err error) [][]any {
	t.Helper()
	var ve *qtype.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, n, ve.Type)
	paths := make([][]any, len(ve.Problems))
	for i, p := range ve.Problems {
		assert.NotEmpty(t, p.Msg)
		paths[i] = p.Path
	}
	return paths
}

// path is a problem path.
func path(p ...any) []any { return p }

// paths are problem paths, one per argument.
func paths(p ...[]any) [][]any { return p }

// material is a mock's material in language l: an English or Norwegian
// text about the water cycle.
func material(l qtype.Language, variant int, d qtype.Difficulty) qtype.Material {
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
			"Fordamping gjør flytende vann til damp når sola varmer opp hav og innsjøer.",
			"Kondensasjon danner skyer når vanndamp avkjøles høyt oppe i lufta.",
			"Nedbør fører vannet tilbake til bakken som regn, snø eller hagl.",
			"Infiltrasjon lar regnvann trekke ned i jorda og fylle opp grunnvannet.",
			"Transpirasjon slipper ut vanndamp fra bladene på plantene.",
			"Overflateavrenning fører vann over bakken ut i elver og havet.",
			"Sublimasjon gjør snø og is direkte om til damp uten at den smelter.",
			"Grunnvann renner sakte gjennom akviferer mot kilder og elver.",
		}
		terms = []string{"Fordamping", "Kondensasjon", "Nedbør", "Infiltrasjon",
			"Transpirasjon", "Overflateavrenning", "Sublimasjon", "akviferer"}
		others = []string{"Fotosyntese", "Erosjon", "Osmose", "Respirasjon",
			"Avsetning", "Forvitring", "Gjæring", "Konveksjon"}
	}
	i := variant % len(sentences)
	return qtype.Material{
		Sentence: sentences[i], Term: terms[i],
		Sentences: sentences, Terms: terms,
		Others:   others,
		Variant:  variant,
		Language: l, Difficulty: d,
	}
}

// counterIDs is a newID giving id-1, id-2, ... in order of use.
func counterIDs() func() string {
	n := 0
	return func() string {
		n++
		return fmt.Sprintf("id-%d", n)
	}
}

// canvasJSON is an item as indented JSON: points_possible and entry.
func canvasJSON(t *testing.T, item qtype.CanvasItem) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // readable goldens; the texts are escaped already
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(map[string]any{"points_possible": item.Points, "entry": item.Entry}))
	return b.String()
}

// updateGoldens reports whether goldens are to be rewritten: go test
// -update (when the package's tests define that flag) or
// UPDATE_GOLDEN=1.
func updateGoldens() bool {
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		return true
	}
	return os.Getenv("UPDATE_GOLDEN") == "1"
}

// golden compares got with testdata/name, rewriting it when updating.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if updateGoldens() {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(p, []byte(got), 0o644))
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test -run %s with UPDATE_GOLDEN=1 to create it", t.Name())
	assert.Equal(t, string(want), got, "differs from %s; rewrite it and review the diff", p)
}

// checkSchema checks a type's schema: valid JSON, a strict object whose
// required list is exactly its properties, which are the fields of the
// type's canonical data (mock).
func checkSchema(t *testing.T, typ qtype.Type) {
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
	assert.Len(t, s.Required, len(props), "no property required twice")

	out, err := typ.Mock(material(qtype.English, 0, qtype.Medium))
	require.NoError(t, err)
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(out, &m))
	assert.Equal(t, slices.Sorted(maps.Keys(m)), props, "the schema's properties are the data's fields")
	strictObjects(t, "", typ.Schema())
}

// checkMocks checks Mock over variants 0..49 in both languages and every
// difficulty: valid (canonical for Normalize), deterministic, worded in
// the language (lang reports whether a question is); each is passed to
// seen with its material for the caller's checks.
func checkMocks(t *testing.T, typ qtype.Type, lang func(l qtype.Language, data map[string]any) bool,
	seen func(m qtype.Material, data map[string]any),
) {
	t.Helper()
	for _, l := range []qtype.Language{qtype.English, qtype.Norwegian} {
		for v := range 50 {
			d := []qtype.Difficulty{qtype.Easy, qtype.Medium, qtype.Hard}[v%3]
			mat := material(l, v, d)
			out, err := typ.Mock(mat)
			require.NoError(t, err, "%s variant %d", l, v)
			again, err := typ.Mock(material(l, v, d))
			require.NoError(t, err)
			require.Equal(t, string(out), string(again), "deterministic: %s variant %d", l, v)
			norm, err := typ.Normalize(out)
			require.NoError(t, err, "%s variant %d: %s", l, v, out)
			require.Equal(t, string(out), string(norm), "canonical: %s variant %d", l, v)
			var m map[string]any
			require.NoError(t, json.Unmarshal(out, &m))
			assert.True(t, lang(l, m), "%s variant %d is worded in its language: %s", l, v, out)
			seen(mat, m)
		}
	}
}

// errorsAsValidation reports whether err is a *ValidationError.
func errorsAsValidation(err error) bool {
	var ve *qtype.ValidationError
	return errors.As(err, &ve)
}

// modified is a copy of base (a JSON object as a map, lists deep-copied
// through JSON) with f applied.
func modified(base map[string]any, f func(m map[string]any)) map[string]any {
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

// listOf is a list of n values made by f.
func listOf(n int, f func(i int) any) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// strictObjects checks every nested object schema of s the way OpenAI's
// strict mode does: all properties required, no others allowed.
func strictObjects(t *testing.T, at string, s any) {
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
			strictObjects(t, at+"."+k, v)
		}
	}
	strictObjects(t, at+"[]", m["items"])
}

// entryJSON is the item's entry as JSON values (what Canvas receives).
func entryJSON(t *testing.T, item qtype.CanvasItem) map[string]any {
	t.Helper()
	b, err := json.Marshal(item.Entry)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// mocksByLanguage checks Mock for variants 0..49 in both languages: valid and
// canonical for Normalize, the same bytes twice, worded in the language
// (its question_text is one of texts[l] or starts with it); it returns the
// decoded questions per language for the caller's spread checks.
func mocksByLanguage(t *testing.T, typ qtype.Type, texts map[qtype.Language]string) map[qtype.Language][]map[string]any {
	t.Helper()
	all := map[qtype.Language][]map[string]any{}
	for _, l := range []qtype.Language{qtype.English, qtype.Norwegian} {
		for v := range 50 {
			out, err := typ.Mock(mockMaterial(l, v))
			require.NoError(t, err, "%s variant %d", l, v)
			again, err := typ.Mock(mockMaterial(l, v))
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

// mockMaterial is material with the difficulty following the variant.
func mockMaterial(l qtype.Language, variant int) qtype.Material {
	return material(l, variant, []qtype.Difficulty{qtype.Easy, qtype.Medium, qtype.Hard}[variant%3])
}
