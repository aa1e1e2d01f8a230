package llm

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/template"
	"unicode/utf8"
)

//go:embed prompts/system.tmpl prompts/user.tmpl prompts/answer.schema.json
var promptFiles embed.FS

// templates holds the prompt templates, parsed once.
//
//nolint:gochecknoglobals // parsed once, read-only
var templates = template.Must(template.New("prompts").Option("missingkey=error").ParseFS(promptFiles, "prompts/*.tmpl"))

// answerSchema is the JSON schema of an answer, sent as the structured
// output format.
//
//nolint:gochecknoglobals // read once, read-only
var answerSchema = mustReadSchema()

// Bounds of the avoided questions in a prompt: how many (the last ones),
// and the characters of each.
const (
	maxAvoid     = 50
	maxAvoidText = 300
)

// Prompt is a rendered prompt: a system message and a user message.
type Prompt struct {
	System string
	User   string
}

// BuildPrompt renders the prompt of r from the templates in prompts/. It
// lists the last 50 avoided questions, each on one line and shortened to
// 300 characters, to keep the prompt small; Writer drops repeats of older
// ones. It fails if r asks for no question or has no content.
func BuildPrompt(r Request) (Prompt, error) {
	if r.Count < 1 {
		return Prompt{}, fmt.Errorf("build prompt: count %d, want at least 1", r.Count)
	}
	if strings.TrimSpace(r.Content) == "" {
		return Prompt{}, errors.New("build prompt: no content")
	}
	avoid := make([]string, 0, min(len(r.Avoid), maxAvoid))
	for _, a := range r.Avoid[max(0, len(r.Avoid)-maxAvoid):] {
		if a = oneLine(a, maxAvoidText); a != "" {
			avoid = append(avoid, a)
		}
	}
	data := map[string]any{
		"Count":       r.Count,
		"Title":       oneLine(r.Title, maxAvoidText),
		"Content":     strings.TrimSpace(r.Content),
		"Avoid":       avoid,
		"MaxQuestion": MaxQuestionText,
		"MaxOption":   MaxOptionText,
	}
	var sys, user strings.Builder
	if err := templates.ExecuteTemplate(&sys, "system.tmpl", data); err != nil {
		return Prompt{}, fmt.Errorf("build system prompt: %w", err)
	}
	if err := templates.ExecuteTemplate(&user, "user.tmpl", data); err != nil {
		return Prompt{}, fmt.Errorf("build user prompt: %w", err)
	}
	return Prompt{System: sys.String(), User: user.String()}, nil
}

// AnswerSchema returns the JSON schema an answer follows, as sent in the
// response_format of a structured-output request.
func AnswerSchema() json.RawMessage {
	return append(json.RawMessage(nil), answerSchema...)
}

// oneLine collapses the whitespace of s to single spaces and shortens it to
// at most limit characters, marking a cut with "…".
func oneLine(s string, limit int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:limit-1])) + "…"
}

// mustReadSchema returns the embedded schema, compacted. It keeps the key
// order of the file: models write the properties in schema order, so the
// question comes before its answer.
func mustReadSchema() json.RawMessage {
	b, err := promptFiles.ReadFile("prompts/answer.schema.json")
	if err != nil {
		panic(err) // embedded at build time
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		panic(fmt.Sprintf("llm: prompts/answer.schema.json: %v", err))
	}
	return json.RawMessage(buf.Bytes())
}
