package quiz_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// chars is n characters of two bytes each: lengths count characters.
func chars(n int) string { return strings.Repeat("ø", n) }

// paths are the paths of ps, in order.
func paths(ps []qtype.Problem) [][]any {
	out := make([][]any, len(ps))
	for i, p := range ps {
		out[i] = p.Path
		if out[i] == nil {
			out[i] = []any{}
		}
	}
	return out
}

func batch(t qtype.Name, n int, d qtype.Difficulty) quiz.Batch {
	return quiz.Batch{QuestionType: t, Count: n, Difficulty: d}
}

// canvasModule is a valid Canvas module with the given batches (one
// medium multiple_choice batch of 5 when none).
func canvasModule(id int, bs ...quiz.Batch) quiz.ModuleSpec {
	if len(bs) == 0 {
		bs = []quiz.Batch{batch(qtype.MultipleChoice, 5, qtype.Medium)}
	}
	return quiz.ModuleSpec{ID: strconv.Itoa(id), Name: "Module " + strconv.Itoa(id), Source: quiz.SourceCanvas, Batches: bs}
}

// manualModule is a valid manual module of pasted text.
func manualModule(suffix string, text string, files ...string) quiz.ModuleSpec {
	return quiz.ModuleSpec{ID: "manual_" + suffix, Name: "Notes", Source: quiz.SourceManual,
		Batches: []quiz.Batch{batch(qtype.TrueFalse, 3, qtype.Easy)},
		Manual:  &quiz.ManualContent{Text: text, Files: files}}
}

func TestBatchValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		b    quiz.Batch
		want [][]any
	}{
		{"count 1", batch(qtype.MultipleChoice, 1, qtype.Easy), [][]any{}},
		{"count 20", batch(qtype.Categorization, 20, qtype.Hard), [][]any{}},
		{"count 0", batch(qtype.MultipleChoice, 0, qtype.Easy), [][]any{{"count"}}},
		{"count 21", batch(qtype.MultipleChoice, 21, qtype.Easy), [][]any{{"count"}}},
		{"count negative", batch(qtype.MultipleChoice, -1, qtype.Easy), [][]any{{"count"}}},
		{"unknown type", batch("essay", 5, qtype.Easy), [][]any{{"question_type"}}},
		{"upper-case type (the database's enum name)", batch("MULTIPLE_CHOICE", 5, qtype.Easy), [][]any{{"question_type"}}},
		{"empty type", batch("", 5, qtype.Easy), [][]any{{"question_type"}}},
		{"unknown difficulty", batch(qtype.TrueFalse, 5, "extreme"), [][]any{{"difficulty"}}},
		{"empty difficulty", batch(qtype.TrueFalse, 5, ""), [][]any{{"difficulty"}}},
		{"everything wrong at once", batch("x", 99, "y"), [][]any{{"question_type"}, {"count"}, {"difficulty"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, paths(tt.b.Validate()))
		})
	}
	t.Run("every registered type is accepted", func(t *testing.T) {
		t.Parallel()
		for _, typ := range qtype.All() {
			assert.Empty(t, batch(typ.Name(), 5, qtype.Medium).Validate(), typ.Name())
		}
	})
}

func TestModuleValidate(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("a", quiz.MinManualTextChars)
	mc := func(d qtype.Difficulty) quiz.Batch { return batch(qtype.MultipleChoice, 5, d) }
	tests := []struct {
		name string
		m    quiz.ModuleSpec
		want [][]any
	}{
		{"canvas module", canvasModule(7), [][]any{}},
		{"largest canvas id", quiz.ModuleSpec{ID: "9223372036854775807", Name: "x", Source: quiz.SourceCanvas,
			Batches: canvasModule(1).Batches}, [][]any{}},
		{"canvas id beyond int64", quiz.ModuleSpec{ID: "9223372036854775808", Name: "x", Source: quiz.SourceCanvas,
			Batches: canvasModule(1).Batches}, [][]any{{"[key]"}}},
		{"canvas id 0", quiz.ModuleSpec{ID: "0", Name: "x", Source: quiz.SourceCanvas, Batches: canvasModule(1).Batches}, [][]any{{"[key]"}}},
		{"canvas id negative", quiz.ModuleSpec{ID: "-3", Name: "x", Source: quiz.SourceCanvas, Batches: canvasModule(1).Batches}, [][]any{{"[key]"}}},
		{"canvas id with a leading zero (a second key for module 7)", quiz.ModuleSpec{ID: "07", Name: "x",
			Source: quiz.SourceCanvas, Batches: canvasModule(1).Batches}, [][]any{{"[key]"}}},
		{"canvas id not a number", quiz.ModuleSpec{ID: "abc", Name: "x", Source: quiz.SourceCanvas,
			Batches: canvasModule(1).Batches}, [][]any{{"[key]"}}},
		{"manual id on a canvas module", quiz.ModuleSpec{ID: "manual_ab12cd34", Name: "x", Source: quiz.SourceCanvas,
			Batches: canvasModule(1).Batches}, [][]any{{"[key]"}}},
		{"4 batches", canvasModule(1, mc(qtype.Easy), mc(qtype.Medium), mc(qtype.Hard),
			batch(qtype.Matching, 20, qtype.Easy)), [][]any{}},
		{"5 batches", canvasModule(1, mc(qtype.Easy), mc(qtype.Medium), mc(qtype.Hard),
			batch(qtype.Matching, 1, qtype.Easy), batch(qtype.Matching, 1, qtype.Hard)), [][]any{{"question_batches"}}},
		{"no batches", quiz.ModuleSpec{ID: "1", Name: "x", Source: quiz.SourceCanvas}, [][]any{{"question_batches"}}},
		{"same type at two difficulties", canvasModule(1, mc(qtype.Easy), mc(qtype.Hard)), [][]any{}},
		{"two types at one difficulty", canvasModule(1, mc(qtype.Easy), batch(qtype.TrueFalse, 5, qtype.Easy)), [][]any{}},
		{"(type, difficulty) twice", canvasModule(1, mc(qtype.Easy), batch(qtype.TrueFalse, 5, qtype.Easy),
			batch(qtype.MultipleChoice, 9, qtype.Easy)), [][]any{{"question_batches", 2}}},
		{"a bad batch is named at its index", canvasModule(1, mc(qtype.Easy), batch(qtype.TrueFalse, 21, qtype.Easy)),
			[][]any{{"question_batches", 1, "count"}}},
		{"name of 255 characters", func() quiz.ModuleSpec { m := canvasModule(1); m.Name = chars(255); return m }(), [][]any{}},
		{"name of 256 characters", func() quiz.ModuleSpec { m := canvasModule(1); m.Name = chars(256); return m }(), [][]any{{"name"}}},
		{"name of 255 characters and surrounding space", func() quiz.ModuleSpec {
			m := canvasModule(1)
			m.Name = "  " + chars(255) + "\n"
			return m
		}(), [][]any{}},
		{"empty name", func() quiz.ModuleSpec { m := canvasModule(1); m.Name = ""; return m }(), [][]any{{"name"}}},
		{"blank name", func() quiz.ModuleSpec { m := canvasModule(1); m.Name = " \t "; return m }(), [][]any{{"name"}}},
		{"NUL in the name", func() quiz.ModuleSpec { m := canvasModule(1); m.Name = "a\x00b"; return m }(), [][]any{{"name"}}},
		{"unknown source", func() quiz.ModuleSpec { m := canvasModule(1); m.Source = "dropbox"; return m }(), [][]any{{"source_type"}}},
		{"content on a canvas module", func() quiz.ModuleSpec {
			m := canvasModule(1)
			m.Manual = &quiz.ManualContent{Text: text}
			return m
		}(), [][]any{{"content"}}},

		{"manual module of 500 characters", manualModule("ab12cd34", text), [][]any{}},
		{"manual module with a uuid id", manualModule("0f8fad5b-d9cb-469f-a165-70867728950e", text), [][]any{}},
		{"manual suffix of 64 characters", manualModule(strings.Repeat("a", 64), text), [][]any{}},
		{"manual suffix of 65 characters", manualModule(strings.Repeat("a", 65), text), [][]any{{"[key]"}}},
		{"manual id without a suffix", manualModule("", text), [][]any{{"[key]"}}},
		{"manual suffix with a slash", manualModule("ab/../cd", text), [][]any{{"[key]"}}},
		{"manual module without the prefix", func() quiz.ModuleSpec {
			m := manualModule("x", text)
			m.ID = "12345"
			return m
		}(), [][]any{{"[key]"}}},
		{"manual module without content", func() quiz.ModuleSpec {
			m := manualModule("x", text)
			m.Manual = nil
			return m
		}(), [][]any{{"content"}}},
		{"pasted text of 499 characters", manualModule("x", chars(499)), [][]any{{"content"}}},
		{"pasted text of 499 characters padded with space", manualModule("x", "   "+chars(499)+"   "), [][]any{{"content"}}},
		{"pasted text of 500,000 characters", manualModule("x", chars(quiz.MaxManualTextChars)), [][]any{}},
		{"pasted text of 500,001 characters", manualModule("x", chars(quiz.MaxManualTextChars+1)), [][]any{{"content"}}},
		{"NUL in the text", manualModule("x", text+"\x00"+text), [][]any{{"content"}}},
		{"text of invalid UTF-8", manualModule("x", text+"\xff"), [][]any{{"content"}}},
		{"one PDF of short text", manualModule("x", "Photosynthesis.", "a.pdf"), [][]any{}},
		{"5 PDFs", manualModule("x", "text", "1.pdf", "2.pdf", "3.pdf", "4.pdf", "5.pdf"), [][]any{}},
		{"6 PDFs", manualModule("x", "text", "1.pdf", "2.pdf", "3.pdf", "4.pdf", "5.pdf", "6.pdf"),
			[][]any{{"processing_metadata", "files"}}},
		{"PDFs without text", manualModule("x", " \n ", "scan.pdf"), [][]any{{"content"}}},
		{"PDF text of 500,001 characters", manualModule("x", chars(quiz.MaxManualTextChars+1), "a.pdf"), [][]any{{"content"}}},
		{"file name of 255 characters", manualModule("x", "t", chars(255)), [][]any{}},
		{"file name of 256 characters", manualModule("x", "t", "a.pdf", chars(256)), [][]any{{"processing_metadata", "files", 1}}},
		{"empty file name", manualModule("x", "t", " "), [][]any{{"processing_metadata", "files", 0}}},
		{"NUL in a file name", manualModule("x", "t", "a\x00.pdf"), [][]any{{"processing_metadata", "files", 0}}},
		{"everything wrong at once", quiz.ModuleSpec{ID: "x", Name: "", Source: quiz.SourceManual,
			Batches: []quiz.Batch{batch("x", 0, "y")}, Manual: &quiz.ManualContent{Text: "short"}},
			[][]any{{"name"}, {"[key]"}, {"content"}, {"question_batches", 0, "question_type"},
				{"question_batches", 0, "count"}, {"question_batches", 0, "difficulty"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, paths(tt.m.Validate()))
		})
	}
}

func TestModuleValidateTrims(t *testing.T) {
	t.Parallel()
	m := manualModule("x", "\n  "+strings.Repeat("word ", 100)+"  ", " a.pdf ")
	m.Name = "  Notes \t"
	require.Empty(t, m.Validate())
	assert.Equal(t, "Notes", m.Name)
	assert.Equal(t, strings.TrimSpace(strings.Repeat("word ", 100)), m.Manual.Text)
	assert.Equal(t, []string{"a.pdf"}, m.Manual.Files)
	assert.Equal(t, 100, m.Manual.WordCount())
}

func TestModulesValidate(t *testing.T) {
	t.Parallel()
	many := func(n int) quiz.Modules {
		ms := make(quiz.Modules, n)
		for i := range ms {
			ms[i] = canvasModule(i + 1)
		}
		return ms
	}
	tests := []struct {
		name string
		ms   quiz.Modules
		want [][]any
	}{
		{"1 module", many(1), [][]any{}},
		{"50 modules", many(quiz.MaxModules), [][]any{}},
		{"51 modules", many(quiz.MaxModules + 1), [][]any{{}}},
		{"no modules", quiz.Modules{}, [][]any{{}}},
		{"nil", nil, [][]any{{}}},
		{"canvas and manual together", quiz.Modules{canvasModule(3), manualModule("ab", chars(500))}, [][]any{}},
		{"a module twice", quiz.Modules{canvasModule(3), canvasModule(4), canvasModule(3)}, [][]any{{"3", "[key]"}}},
		{"problems are under the module's id", quiz.Modules{canvasModule(3),
			canvasModule(4, batch(qtype.Matching, 21, qtype.Easy))}, [][]any{{"4", "question_batches", 0, "count"}}},
		{"a bad id is at its key", quiz.Modules{{ID: "07", Name: "x", Source: quiz.SourceCanvas,
			Batches: canvasModule(1).Batches}}, [][]any{{"07", "[key]"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, paths(tt.ms.Validate()))
		})
	}
}

func TestModulesTotal(t *testing.T) {
	t.Parallel()
	ms := quiz.Modules{
		canvasModule(1, batch(qtype.MultipleChoice, 20, qtype.Easy), batch(qtype.Matching, 3, qtype.Hard)),
		manualModule("a", chars(500)), // one batch of 3
		canvasModule(2, batch(qtype.FillInBlank, 1, qtype.Medium)),
	}
	assert.Equal(t, 27, ms.Total())
	assert.Equal(t, 23, ms[0].Count())
	assert.Equal(t, 0, quiz.Modules{}.Total())

	// The most a quiz can ask for: 50 modules of 4 batches of 20.
	full := make(quiz.Modules, quiz.MaxModules)
	for i := range full {
		full[i] = canvasModule(i+1, batch(qtype.MultipleChoice, 20, qtype.Easy), batch(qtype.MultipleChoice, 20, qtype.Medium),
			batch(qtype.MultipleChoice, 20, qtype.Hard), batch(qtype.TrueFalse, 20, qtype.Easy))
	}
	require.Empty(t, full.Validate())
	assert.Equal(t, 4000, full.Total())

	m, ok := ms.Find("manual_a")
	require.True(t, ok)
	assert.Equal(t, "Notes", m.Name)
	_, ok = ms.Find("3")
	assert.False(t, ok)
}

func TestSettingsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		s      quiz.Settings
		want   [][]any
		wantCI string
	}{
		{"defaults fill empty fields", quiz.Settings{}, [][]any{}, ""},
		{"Norwegian, casual", quiz.Settings{Language: qtype.Norwegian, Tone: quiz.Casual}, [][]any{}, ""},
		{"unknown language", quiz.Settings{Language: "nb"}, [][]any{{"language"}}, ""},
		{"upper-case language (the database's enum name)", quiz.Settings{Language: "ENGLISH"}, [][]any{{"language"}}, ""},
		{"unknown tone", quiz.Settings{Tone: "sarcastic"}, [][]any{{"tone"}}, ""},
		{"500 characters", quiz.Settings{CustomInstructions: chars(500)}, [][]any{}, chars(500)},
		{"501 characters", quiz.Settings{CustomInstructions: chars(501)}, [][]any{{"custom_instructions"}}, chars(501)},
		{"500 characters and surrounding space", quiz.Settings{CustomInstructions: "\n " + chars(500) + " \n"}, [][]any{}, chars(500)},
		{"newlines kept", quiz.Settings{CustomInstructions: "Use SI units.\n\nAvoid trick questions."}, [][]any{},
			"Use SI units.\n\nAvoid trick questions."},
		{"CRLF becomes a newline", quiz.Settings{CustomInstructions: "a\r\nb"}, [][]any{}, "a\nb"},
		{"a lone carriage return", quiz.Settings{CustomInstructions: "a\rb"}, [][]any{{"custom_instructions"}}, "a\rb"},
		{"a tab", quiz.Settings{CustomInstructions: "a\tb"}, [][]any{{"custom_instructions"}}, "a\tb"},
		{"an escape sequence", quiz.Settings{CustomInstructions: "a\x1b[2Jb"}, [][]any{{"custom_instructions"}}, "a\x1b[2Jb"},
		{"DEL", quiz.Settings{CustomInstructions: "a\x7fb"}, [][]any{{"custom_instructions"}}, "a\x7fb"},
		{"a C1 control", quiz.Settings{CustomInstructions: "a\u0085b"}, [][]any{{"custom_instructions"}}, "a\u0085b"},
		{"a line separator", quiz.Settings{CustomInstructions: "a\u2028b"}, [][]any{{"custom_instructions"}}, "a\u2028b"},
		{"NUL", quiz.Settings{CustomInstructions: "a\x00b"}, [][]any{{"custom_instructions"}}, "a\x00b"},
		{"invalid UTF-8", quiz.Settings{CustomInstructions: "a\xffb"}, [][]any{{"custom_instructions"}}, "a\xffb"},
		{"everything wrong at once", quiz.Settings{Language: "de", Tone: "x", CustomInstructions: chars(501)},
			[][]any{{"language"}, {"tone"}, {"custom_instructions"}}, chars(501)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.s
			assert.Equal(t, tt.want, paths(s.Validate()))
			assert.Equal(t, tt.wantCI, s.CustomInstructions)
			if tt.s.Language == "" {
				assert.Equal(t, qtype.English, s.Language)
			}
			if tt.s.Tone == "" {
				assert.Equal(t, quiz.Academic, s.Tone)
			}
		})
	}
	t.Run("the four tones", func(t *testing.T) {
		t.Parallel()
		for _, tone := range []quiz.Tone{quiz.Academic, quiz.Casual, quiz.Encouraging, quiz.Professional} {
			s := quiz.Settings{Tone: tone}
			assert.Empty(t, s.Validate(), tone)
		}
	})
}

func TestSettingsJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(quiz.Settings{Language: qtype.English, Tone: quiz.Academic})
	require.NoError(t, err)
	assert.JSONEq(t, `{"language":"en","tone":"academic","custom_instructions":null}`, string(b))

	b, err = json.Marshal(quiz.Settings{Language: qtype.Norwegian, Tone: quiz.Encouraging, CustomInstructions: "Kort."})
	require.NoError(t, err)
	assert.JSONEq(t, `{"language":"no","tone":"encouraging","custom_instructions":"Kort."}`, string(b))

	var s quiz.Settings
	require.NoError(t, json.Unmarshal([]byte(`{"language":"no","custom_instructions":null}`), &s))
	require.Empty(t, s.Validate())
	assert.Equal(t, quiz.Settings{Language: qtype.Norwegian, Tone: quiz.Academic}, s)
}

// headSelection is selected_modules as today's frontend sends it: ids not
// in sorted order, a manual module with the fields it adds.
const headSelection = `{
  "9": {"name": "Week 9", "question_batches": [
    {"question_type": "multiple_choice", "count": 10, "difficulty": "medium"},
    {"question_type": "matching", "count": 2, "difficulty": "hard"}], "source_type": "canvas"},
  "manual_1a2b3c4d": {"name": "My notes", "question_batches": [
    {"question_type": "true_false", "count": 4, "difficulty": "easy"}], "source_type": "manual",
    "content": "Cells divide.", "word_count": 2, "content_type": "text",
    "processing_metadata": {"files": ["bio.pdf"], "pages": 3}},
  "10": {"name": "Week 10", "question_batches": [
    {"question_type": "categorization", "count": 1, "difficulty": "easy"}]}
}`

func TestModulesJSON(t *testing.T) {
	t.Parallel()
	var ms quiz.Modules
	require.NoError(t, json.Unmarshal([]byte(headSelection), &ms))
	require.Empty(t, ms.Validate())
	want := quiz.Modules{
		{ID: "9", Name: "Week 9", Source: quiz.SourceCanvas, Batches: []quiz.Batch{
			batch(qtype.MultipleChoice, 10, qtype.Medium), batch(qtype.Matching, 2, qtype.Hard)}},
		{ID: "manual_1a2b3c4d", Name: "My notes", Source: quiz.SourceManual,
			Batches: []quiz.Batch{batch(qtype.TrueFalse, 4, qtype.Easy)},
			Manual:  &quiz.ManualContent{Text: "Cells divide.", Files: []string{"bio.pdf"}}},
		// source_type left out: canvas, today's default.
		{ID: "10", Name: "Week 10", Source: quiz.SourceCanvas, Batches: []quiz.Batch{batch(qtype.Categorization, 1, qtype.Easy)}},
	}
	assert.Equal(t, want, ms)
	assert.Equal(t, 17, ms.Total())

	// Written back in the same order, in today's shape.
	b, err := json.Marshal(ms)
	require.NoError(t, err)
	assert.Equal(t, `{"9":{"name":"Week 9","question_batches":[`+
		`{"question_type":"multiple_choice","count":10,"difficulty":"medium"},`+
		`{"question_type":"matching","count":2,"difficulty":"hard"}],"source_type":"canvas"},`+
		`"manual_1a2b3c4d":{"name":"My notes","question_batches":[`+
		`{"question_type":"true_false","count":4,"difficulty":"easy"}],"source_type":"manual",`+
		`"content":"Cells divide.","word_count":2,"content_type":"pdf","processing_metadata":{"files":["bio.pdf"]}},`+
		`"10":{"name":"Week 10","question_batches":[`+
		`{"question_type":"categorization","count":1,"difficulty":"easy"}],"source_type":"canvas"}}`, string(b))

	var again quiz.Modules
	require.NoError(t, json.Unmarshal(b, &again))
	assert.Equal(t, ms, again)
}

func TestModulesJSONEdges(t *testing.T) {
	t.Parallel()
	t.Run("a key given twice is kept for Validate to refuse", func(t *testing.T) {
		t.Parallel()
		var ms quiz.Modules
		one := `{"name":"a","question_batches":[{"question_type":"true_false","count":1,"difficulty":"easy"}]}`
		require.NoError(t, json.Unmarshal([]byte(`{"5":`+one+`,"5":`+one+`}`), &ms))
		require.Len(t, ms, 2)
		assert.Equal(t, [][]any{{"5", "[key]"}}, paths(ms.Validate()))
	})
	t.Run("null is no modules", func(t *testing.T) {
		t.Parallel()
		ms := quiz.Modules{canvasModule(1)}
		require.NoError(t, json.Unmarshal([]byte(`null`), &ms))
		assert.Nil(t, ms)
	})
	t.Run("empty object", func(t *testing.T) {
		t.Parallel()
		var ms quiz.Modules
		require.NoError(t, json.Unmarshal([]byte(`{}`), &ms))
		assert.Equal(t, quiz.Modules{}, ms)
		b, err := json.Marshal(ms)
		require.NoError(t, err)
		assert.Equal(t, `{}`, string(b))
	})
	for name, in := range map[string]string{
		"a list (v1's stored form is not today's selection)": `[{"id":1,"name":"a"}]`,
		"v1's {id: name}":      `{"1":"Week 1"}`,
		"a count as text":      `{"1":{"name":"a","question_batches":[{"question_type":"true_false","count":"3","difficulty":"easy"}]}}`,
		"a fractional count":   `{"1":{"name":"a","question_batches":[{"question_type":"true_false","count":2.5,"difficulty":"easy"}]}}`,
		"truncated":            `{"1":{"name":"a"`,
		"a string":             `"1"`,
		"batches not a list":   `{"1":{"name":"a","question_batches":{}}}`,
		"content not a string": `{"manual_x":{"name":"a","question_batches":[],"source_type":"manual","content":5}}`,
	} {
		t.Run("refused: "+name, func(t *testing.T) {
			t.Parallel()
			var ms quiz.Modules
			assert.Error(t, json.Unmarshal([]byte(in), &ms))
		})
	}
	t.Run("names and content are escaped, not cut", func(t *testing.T) {
		t.Parallel()
		ms := quiz.Modules{manualModule("q", `He said "</p><script>" & left.`+"\n"+chars(480))}
		ms[0].Name = `Ø "quoted" <b>`
		require.Empty(t, ms.Validate())
		b, err := json.Marshal(ms)
		require.NoError(t, err)
		var again quiz.Modules
		require.NoError(t, json.Unmarshal(b, &again))
		assert.Equal(t, ms, again)
	})
}

func TestStoredModules(t *testing.T) {
	t.Parallel()
	var ms quiz.Modules
	require.NoError(t, json.Unmarshal([]byte(headSelection), &ms))
	b, err := ms.StoredJSON()
	require.NoError(t, err)
	// A list, so that jsonb keeps the teacher's order (it sorts object keys).
	var list []map[string]any
	require.NoError(t, json.Unmarshal(b, &list))
	require.Len(t, list, 3)
	assert.Equal(t, []any{"9", "manual_1a2b3c4d", "10"}, []any{list[0]["id"], list[1]["id"], list[2]["id"]})

	back, err := quiz.ParseStoredModules(b)
	require.NoError(t, err)
	assert.Equal(t, ms, back)

	empty, err := quiz.Modules(nil).StoredJSON()
	require.NoError(t, err)
	assert.Equal(t, `[]`, string(empty))

	// A module without an id cannot be stored or read back.
	_, err = quiz.ParseStoredModules([]byte(`[{"name":"a","question_batches":[]}]`))
	require.Error(t, err)
	_, err = quiz.ParseStoredModules([]byte(`{"1":{"name":"a","question_batches":[]}}`))
	require.Error(t, err)

	// v1 stored [{id: <number>, name}]: the id reads as its decimal text
	// (the migration adds the batch).
	old, err := quiz.ParseStoredModules([]byte(`[{"id": 9007199254740993, "name": "Week 1"}]`))
	require.NoError(t, err)
	assert.Equal(t, quiz.Modules{{ID: "9007199254740993", Name: "Week 1", Source: quiz.SourceCanvas}}, old)
}

func TestFromV1(t *testing.T) {
	t.Parallel()
	three := []quiz.Module{{ID: 30, Name: "c"}, {ID: 10, Name: "a"}, {ID: 20, Name: "b"}}
	tests := []struct {
		name   string
		mods   []quiz.Module
		n      int
		counts []int
	}{
		{"even", three, 9, []int{3, 3, 3}},
		{"remainder to the first modules", three, 11, []int{4, 4, 3}},
		{"fewer questions than modules", three, 2, []int{1, 1, 0}},
		{"one question", three, 1, []int{1, 0, 0}},
		{"one module, 200 questions (one batch beyond 20)", three[:1], 200, []int{200}},
		{"50 modules, 200 questions", v1Modules(quiz.MaxModules), 200, func() []int {
			c := make([]int, quiz.MaxModules)
			for i := range c {
				c[i] = 4
			}
			return c
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ms := quiz.FromV1(tt.mods, tt.n)
			require.Len(t, ms, len(tt.mods))
			for i, m := range ms {
				assert.Equal(t, strconv.FormatInt(tt.mods[i].ID, 10), m.ID, "order kept")
				assert.Equal(t, tt.mods[i].Name, m.Name)
				assert.Equal(t, quiz.SourceCanvas, m.Source)
				assert.Nil(t, m.Manual)
				assert.Equal(t, []quiz.Batch{batch(qtype.MultipleChoice, tt.counts[i], qtype.Medium)}, m.Batches)
			}
			assert.Equal(t, tt.n, ms.Total())
			assert.Empty(t, ms.ValidateV1())

			back, n, ok := ms.V1()
			require.True(t, ok)
			assert.Equal(t, tt.mods, back)
			assert.Equal(t, tt.n, n)
		})
	}
	assert.Empty(t, quiz.FromV1(nil, 5))
}

func TestV1Shape(t *testing.T) {
	t.Parallel()
	_, _, ok := quiz.Modules{canvasModule(1, batch(qtype.TrueFalse, 3, qtype.Easy))}.V1()
	assert.False(t, ok, "not multiple_choice")
	_, _, ok = quiz.Modules{canvasModule(1, batch(qtype.MultipleChoice, 3, qtype.Easy),
		batch(qtype.MultipleChoice, 3, qtype.Hard))}.V1()
	assert.False(t, ok, "two batches")
	_, _, ok = quiz.Modules{manualModule("x", chars(500))}.V1()
	assert.False(t, ok, "manual")
	_, n, ok := quiz.Modules{canvasModule(1, batch(qtype.MultipleChoice, 3, qtype.Easy))}.V1()
	assert.True(t, ok, "a one-batch multiple-choice quiz made today is v1-shaped too")
	assert.Equal(t, 3, n)
}

// v1Modules are n v1 modules with ids 1..n.
func v1Modules(n int) []quiz.Module {
	ms := make([]quiz.Module, n)
	for i := range ms {
		ms[i] = quiz.Module{ID: int64(i + 1), Name: fmt.Sprint("m", i)}
	}
	return ms
}

func TestValidateV1(t *testing.T) {
	t.Parallel()
	one := []quiz.Module{{ID: 1, Name: "a"}}
	tests := []struct {
		name string
		ms   quiz.Modules
		want [][]any
	}{
		{"200 questions", quiz.FromV1(one, 200), [][]any{}},
		{"201 questions", quiz.FromV1(one, 201), [][]any{{}}},
		{"0 questions", quiz.FromV1(one, 0), [][]any{{}}},
		{"no modules", quiz.Modules{}, [][]any{{}}},
		{"50 modules", quiz.FromV1(v1Modules(quiz.MaxModules), 200), [][]any{}},
		{"51 modules", quiz.FromV1(v1Modules(quiz.MaxModules+1), 200), [][]any{{}}},
		{"a manual module", quiz.Modules{manualModule("x", chars(500))}, [][]any{{"manual_x", "[key]"},
			{"manual_x", "question_batches", 0, "question_type"}}},
		{"two batches", quiz.Modules{canvasModule(1, batch(qtype.MultipleChoice, 3, qtype.Easy),
			batch(qtype.MultipleChoice, 3, qtype.Hard))}, [][]any{{"1", "question_batches"}}},
		{"a negative count", quiz.Modules{canvasModule(1, batch(qtype.MultipleChoice, 5, qtype.Easy)),
			canvasModule(2, batch(qtype.MultipleChoice, -1, qtype.Easy))}, [][]any{{"2", "question_batches", 0, "count"}}},
		{"a module twice", append(quiz.FromV1(one, 3), quiz.FromV1(one, 3)...), [][]any{{"1", "[key]"}}},
		{"name of 256 characters", quiz.FromV1([]quiz.Module{{ID: 1, Name: chars(256)}}, 3), [][]any{{"1", "name"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, paths(tt.ms.ValidateV1()))
		})
	}
}
