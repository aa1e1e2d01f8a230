package llm

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

//go:embed prompts/system.txt prompts/user.txt prompts/answer.schema.json
var promptFiles embed.FS

// The prompt texts, with {{name}} placeholders that BuildPrompt fills in
// one pass (a placeholder inside the filled-in content stays as it is).
// They are not text/template templates on purpose: text/template looks
// methods up by name through reflection, which makes the linker keep every
// exported method of every type in the binary (7 MB more in generate).
//
//nolint:gochecknoglobals // read once, read-only
var (
	systemPrompt = strings.NewReplacer(
		"{{max_question}}", strconv.Itoa(MaxQuestionText),
		"{{max_option}}", strconv.Itoa(MaxOptionText),
	).Replace(mustReadPrompt("prompts/system.txt"))
	userPrompt = mustReadPrompt("prompts/user.txt")
)

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

// BuildPrompt renders the prompt of r from the texts in prompts/. It
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
	count := strconv.Itoa(r.Count)
	questions, withKeys := "questions", "questions, each with the keys"
	if r.Count == 1 {
		questions, withKeys = "question", "question with the keys"
	}
	forQuiz := ""
	if title := oneLine(r.Title, maxAvoidText); title != "" {
		forQuiz = `, for the quiz "` + title + `"`
	}
	var more strings.Builder
	if r.Count > 1 {
		more.WriteString("\n- Make every question about something different: no two questions may ask the same thing.")
	}
	if len(avoid) > 0 {
		more.WriteString("\n- Do not repeat or rephrase any of these questions, which the quiz already has:")
		for _, a := range avoid {
			more.WriteString("\n  - " + a)
		}
	}
	user := strings.NewReplacer(
		"{{count}}", count,
		"{{questions}}", questions,
		"{{questions_with_keys}}", withKeys,
		"{{for_quiz}}", forQuiz,
		"{{more_requirements}}", more.String(),
		"{{content}}", strings.TrimSpace(r.Content),
	).Replace(userPrompt)
	return Prompt{System: systemPrompt, User: user}, nil
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

// mustReadPrompt returns an embedded prompt text.
func mustReadPrompt(name string) string {
	b, err := promptFiles.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time
	}
	return string(b)
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
