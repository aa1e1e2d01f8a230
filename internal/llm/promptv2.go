package llm

import (
	"embed"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"quizgen/internal/quiz/qtype"
)

// The prompts of typed batches (README "Question types"): per language a
// system and a user text, the difficulty and tone descriptions, and one
// rules file per question type, all in prompts/v2.
//
//go:embed prompts/v2/*.txt
var promptV2Files embed.FS

// Bounds of the user data a batch prompt carries.
const (
	// MaxBatchCount is the most questions one batch asks for (a batch's
	// count is 1 to 20).
	MaxBatchCount = 20
	// MaxAvoidV2 is how many existing questions a batch prompt lists (the
	// last ones), and MaxAvoidTextV2 the characters kept of each (on one
	// line). 200 x 200 characters is about 10,000 tokens at most.
	MaxAvoidV2     = 200
	MaxAvoidTextV2 = 200
	// MaxCustomInstructions is the characters kept of the teacher's
	// instructions (the API accepts at most 500).
	MaxCustomInstructions = 500
	// maxModuleName is the characters kept of a module's name.
	maxModuleName = 200
)

// DefaultTone is the tone of a batch that names none (the API's default).
const DefaultTone = "academic"

// BatchPrompt is what a prompt for one batch of typed questions is made of.
// Type, Count, Difficulty and Language are the output contract; the rest
// is user data, which RenderBatch places in delimited blocks of the user
// message so it can never change that contract.
type BatchPrompt struct {
	Type       qtype.Name
	Count      int
	Difficulty qtype.Difficulty
	Language   qtype.Language
	// Tone is academic, casual, encouraging or professional; empty is
	// DefaultTone.
	Tone string
	// CustomInstructions are the teacher's free-text preferences (cut to
	// MaxCustomInstructions characters).
	CustomInstructions string
	ModuleName         string
	// Content is the module's course text; it must not be blank.
	Content string
	// Avoid are the texts of questions the quiz already has: the model
	// must write different ones. The last MaxAvoidV2 are listed, each on
	// one line and cut to MaxAvoidTextV2 characters.
	Avoid []string
}

// v2Lang is the prompt texts of one language.
type v2Lang struct {
	system, user string
	difficulty   map[string]section // by qtype.Difficulty
	tone         map[string]section // by tone name
	rules        map[qtype.Name]string
}

// section is one [key] label section of a difficulty or tone file: the
// label the prompt names it by and the text that describes it.
type section struct{ label, text string }

// promptsV2 are the texts of both languages, read and checked once: a
// missing file or section panics at start (and in the tests).
//
//nolint:gochecknoglobals // read once, read-only
var promptsV2 = map[qtype.Language]v2Lang{
	qtype.English:   mustLoadV2(qtype.English),
	qtype.Norwegian: mustLoadV2(qtype.Norwegian),
}

// tones are the tone names the API accepts.
//
//nolint:gochecknoglobals // read-only table
var tones = []string{"academic", "casual", "encouraging", "professional"}

// blockTag matches the start of anything that reads as an opening or
// closing tag of the user message's blocks ("<course_content", "</
// teacher_preferences", any case): user data that contains one gets its
// "<" replaced, so it cannot close its block or open another.
//
//nolint:gochecknoglobals // compiled once, read-only
var blockTag = regexp.MustCompile(`(?i)<(\s*/?\s*)(module_name|course_content|existing_questions|teacher_preferences)`)

// RenderBatch renders the system and user messages that ask for one batch
// of p.Count questions of type p.Type. The contract (format, count, type,
// difficulty, language) is stated in the system message and restated at
// the end of the user message; the module name, content, existing
// questions and the teacher's instructions go into delimited blocks of the
// user message, neutralised (see neutralize) and filled in one pass, so a
// placeholder inside them stays as written.
func RenderBatch(p BatchPrompt) (system, user string, err error) {
	if _, ok := qtype.Lookup(p.Type); !ok {
		return "", "", fmt.Errorf("render batch: unknown question type %q", p.Type)
	}
	if p.Count < 1 || p.Count > MaxBatchCount {
		return "", "", fmt.Errorf("render batch: count %d, want 1 to %d", p.Count, MaxBatchCount)
	}
	if !p.Difficulty.Valid() {
		return "", "", fmt.Errorf("render batch: unknown difficulty %q", p.Difficulty)
	}
	lang, ok := promptsV2[p.Language]
	if !ok {
		return "", "", fmt.Errorf("render batch: unknown language %q", p.Language)
	}
	toneName := p.Tone
	if toneName == "" {
		toneName = DefaultTone
	}
	tone, ok := lang.tone[toneName]
	if !ok {
		return "", "", fmt.Errorf("render batch: unknown tone %q", p.Tone)
	}
	content := strings.TrimSpace(neutralize(p.Content))
	if content == "" {
		return "", "", errors.New("render batch: no content")
	}
	diff := lang.difficulty[string(p.Difficulty)]
	count := strconv.Itoa(p.Count)

	system = strings.NewReplacer(
		"{{count}}", count,
		"{{type}}", string(p.Type),
		"{{difficulty}}", diff.label,
		"{{difficulty_rules}}", diff.text,
		"{{tone}}", tone.label,
		"{{tone_rules}}", tone.text,
		"{{type_rules}}", lang.rules[p.Type],
	).Replace(lang.system)
	user = strings.NewReplacer(
		"{{count}}", count,
		"{{type}}", string(p.Type),
		"{{difficulty}}", diff.label,
		"{{module_name}}", oneLine(neutralize(p.ModuleName), maxModuleName),
		"{{content}}", content,
		"{{avoid}}", avoidList(p.Avoid),
		"{{custom_instructions}}", customInstructions(p.CustomInstructions),
	).Replace(lang.user)
	return system, user, nil
}

// BatchSchema is the JSON schema of a batch's answer, for a strict
// json_schema response format: an object whose only key, "questions", is
// a list of questions of type t as t.Schema describes them.
func BatchSchema(t qtype.Type) map[string]any {
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			"questions": map[string]any{"type": "array", "items": t.Schema()},
		},
		"required":             []any{"questions"},
		"additionalProperties": false,
	}
}

// avoidList is the last MaxAvoidV2 texts of avoid, one "- " line each,
// on one line, neutralised and cut to MaxAvoidTextV2 characters; blank
// and repeated texts are left out.
func avoidList(avoid []string) string {
	avoid = avoid[max(0, len(avoid)-MaxAvoidV2):]
	lines := make([]string, 0, len(avoid))
	seen := make(map[string]bool, len(avoid))
	for _, a := range avoid {
		a = oneLine(neutralize(a), MaxAvoidTextV2)
		if a == "" || seen[a] {
			continue
		}
		seen[a] = true
		lines = append(lines, "- "+a)
	}
	return strings.Join(lines, "\n")
}

// customInstructions is s neutralised, trimmed and cut to
// MaxCustomInstructions characters ("…" marks a cut). Its line breaks
// stay: a teacher may write a list.
func customInstructions(s string) string {
	s = strings.TrimSpace(neutralize(s))
	if utf8.RuneCountInString(s) <= MaxCustomInstructions {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:MaxCustomInstructions-1])) + "…"
}

// neutralize makes user data safe to place inside a block of the user
// message: line breaks become "\n"; NUL, other control characters (tab
// kept) and the invisible bidirectional controls are removed; and the "<"
// of anything that reads as a block tag becomes "‹", so the text cannot
// close its block or open another. Everything else stays as written.
func neutralize(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r', r == '\u2028', r == '\u2029':
			return '\n'
		case unicode.IsControl(r), isBidiControl(r), r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
	return blockTag.ReplaceAllString(s, "‹$1$2")
}

// isBidiControl reports whether r is an invisible bidirectional control
// (embeddings, overrides, isolates, marks), which can make text read
// differently from what it holds.
func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') ||
		r == '\u200E' || r == '\u200F' || r == '\u061C'
}

// mustLoadV2 reads the texts of lang and checks that every difficulty,
// tone and registered type has one.
func mustLoadV2(lang qtype.Language) v2Lang {
	read := func(name string) string {
		b, err := promptV2Files.ReadFile("prompts/v2/" + name + "." + string(lang) + ".txt")
		if err != nil {
			panic(err) // embedded at build time
		}
		return string(b)
	}
	l := v2Lang{
		system:     read("system"),
		user:       read("user"),
		difficulty: mustSections(read("difficulty")),
		tone:       mustSections(read("tone")),
		rules:      map[qtype.Name]string{},
	}
	for _, d := range []qtype.Difficulty{qtype.Easy, qtype.Medium, qtype.Hard} {
		if _, ok := l.difficulty[string(d)]; !ok {
			panic(fmt.Sprintf("llm: prompts/v2/difficulty.%s.txt: no [%s] section", lang, d))
		}
	}
	for _, t := range tones {
		if _, ok := l.tone[t]; !ok {
			panic(fmt.Sprintf("llm: prompts/v2/tone.%s.txt: no [%s] section", lang, t))
		}
	}
	for _, t := range qtype.All() {
		l.rules[t.Name()] = strings.TrimSpace(read(string(t.Name())))
	}
	return l
}

// mustSections splits a file of "[key] label" headers, each followed by
// its text, into sections by key.
func mustSections(file string) map[string]section {
	out := map[string]section{}
	key := ""
	var text []string
	flush := func() {
		if key != "" {
			s := out[key]
			s.text = strings.TrimSpace(strings.Join(text, "\n"))
			out[key] = s
		}
		text = nil
	}
	for line := range strings.SplitSeq(file, "\n") {
		head, label, ok := strings.Cut(line, "]")
		if ok && strings.HasPrefix(head, "[") && !strings.Contains(head, " ") {
			flush()
			key = head[1:]
			out[key] = section{label: strings.TrimSpace(label)}
			continue
		}
		text = append(text, line)
	}
	flush()
	for k, s := range out {
		if s.label == "" || s.text == "" {
			panic(fmt.Sprintf("llm: prompts/v2: section [%s] needs a label and a text", k))
		}
	}
	return out
}
