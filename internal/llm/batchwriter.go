package llm

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"quizgen/internal/backoff"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// DefaultMaxRounds is how often BatchWriter asks for the questions a batch
// still misses (BatchWriter.MaxRounds).
const DefaultMaxRounds = 3

// BatchCall is one call for a batch of typed questions (README "Question
// types"): the batch's fields, the messages RenderBatch made of them and
// the answer's JSON schema. A provider with structured output sends System,
// User and Schema; the mock writes from Prompt.
type BatchCall struct {
	// Model names the model; a provider may pin its own (see OpenAIConfig).
	Model string
	// Temperature is the sampling temperature (0 to 2).
	Temperature float64
	// Prompt is the batch: type, count, difficulty, language, tone,
	// teacher's instructions, module name, content and the texts to avoid.
	Prompt BatchPrompt
	// System and User are RenderBatch(Prompt).
	System, User string
	// Schema is BatchSchema of Prompt.Type: {"questions": [...]}.
	Schema map[string]any
}

// BatchProvider sends one call for a batch of typed questions and returns
// the model's raw answer, which should be the JSON object
// {"questions": [...]} of Schema.
//
// Its errors are classified: failures that may pass when asked again
// (rate limits, timeouts, 5xx, lost connections) wrap quiz.ErrTemporary, failures that will not wrap
// ErrCritical, and when ctx is done it returns an error matching
// ctx.Err(). Implementations must be safe for concurrent use.
type BatchProvider interface {
	Batch(ctx context.Context, c BatchCall) (raw string, err error)
}

// BatchRequest is one batch of a module: Count questions of one type.
type BatchRequest struct {
	// Type is the question type of the batch.
	Type qtype.Name
	// Count is how many questions to write, 1 to MaxBatchCount.
	Count int
	// Difficulty and Language are the batch's and the quiz's.
	Difficulty qtype.Difficulty
	Language   qtype.Language
	// Tone is academic, casual, encouraging or professional; empty is
	// DefaultTone.
	Tone string
	// CustomInstructions are the teacher's free-text preferences.
	CustomInstructions string
	// ModuleName and Content are the module's name and course text.
	ModuleName string
	Content    string
	// Existing are the questions the quiz already has, of every type,
	// each as QuestionKey gives it of its type and question_data (for
	// multiple_choice, true_false and fill_in_blank that is the bare
	// question text). The model is told to avoid them, and a new question
	// that is a near-duplicate of one is dropped.
	Existing []string
	// Model and Temperature are the quiz's LLM settings.
	Model       string
	Temperature float64
}

// ShortBatchError reports a batch that ended with fewer questions than
// asked for: after MaxRounds answers, Got valid and distinct questions
// of Want. Its message counts, never quotes, so it is safe to store on the
// quiz. Match it with errors.As.
type ShortBatchError struct {
	Type       qtype.Name
	Want, Got  int
	Rounds     int // answers read
	Invalid    int // items dropped by the type's Normalize, or unreadable answers
	Duplicates int // valid items dropped as near-duplicates
}

func (e *ShortBatchError) Error() string {
	return fmt.Sprintf("the model wrote %d of %d valid %s questions in %d rounds (%d invalid, %d duplicates)",
		e.Got, e.Want, e.Type, e.Rounds, e.Invalid, e.Duplicates)
}

// BatchWriter writes one batch of typed questions: it renders the batch's
// prompt, asks the provider for the questions, keeps the items the
// type's Normalize accepts that are no near-duplicates, and asks again for
// only the number still missing, the questions kept so far added to the
// list the model must avoid.
//
// The zero value of each field but Provider means its default. A
// BatchWriter is safe for concurrent use.
type BatchWriter struct {
	// Provider writes the questions. Required.
	Provider BatchProvider
	// MaxRounds is how many answers a batch reads at most
	// (DefaultMaxRounds): the first call and the calls for what is still
	// missing.
	MaxRounds int
	// MaxAttempts is how often one call is tried while it fails with a
	// temporary error (DefaultMaxAttempts), waiting a random time below
	// 1 s, 2 s, 4 s, … (at most 30 s) between attempts (backoff.Full).
	MaxAttempts int
	// Log receives one line per retry and per round short of questions,
	// never content or answers. Nil discards.
	Log *slog.Logger
	// Sleep waits d between attempts, returning ctx's error early when ctx
	// is done. Nil waits on a timer; tests inject a fake.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Write returns r.Count questions of type r.Type, each the canonical
// question_data that the type's Normalize returns, in the order they were
// accepted. None is a near-duplicate of another or of r.Existing: their
// QuestionKeys are the same once lower-cased without punctuation and
// spacing, or share 90% or more of their distinct words.
//
// An answer that holds invalid items, duplicates or too few items is
// followed by a call for the missing number only, up to MaxRounds answers
// in all; a call failing with a temporary error is tried again up to
// MaxAttempts times with backoff. Write returns:
//   - all r.Count questions and nil;
//   - fewer and a *ShortBatchError when MaxRounds answers did not give
//     enough;
//   - an error wrapping ErrCritical as soon as the provider fails
//     critically, or when r is not a valid batch (unknown type, count out
//     of 1..MaxBatchCount, unknown difficulty, language or tone, no
//     content): asking again will not help;
//   - an error wrapping quiz.ErrTemporary when a call still failed after
//     its attempts;
//   - ctx's error, wrapped, when ctx is done.
//
// With an error, the questions accepted before it are returned too: they
// are valid, and a caller may keep them and ask later for the rest with
// them in Existing.
func (w *BatchWriter) Write(ctx context.Context, r BatchRequest) ([]json.RawMessage, error) {
	typ, ok := qtype.Lookup(r.Type)
	if !ok {
		return nil, fmt.Errorf("%w: write batch: unknown question type %q", ErrCritical, oneLine(string(r.Type), 40))
	}
	prompt := BatchPrompt{
		Type:               r.Type,
		Count:              r.Count,
		Difficulty:         r.Difficulty,
		Language:           r.Language,
		Tone:               r.Tone,
		CustomInstructions: r.CustomInstructions,
		ModuleName:         r.ModuleName,
		Content:            r.Content,
		Avoid:              r.Existing,
	}
	if _, _, err := RenderBatch(prompt); err != nil {
		return nil, fmt.Errorf("%w: write batch: %w", ErrCritical, err)
	}
	maxRounds := cmp.Or(max(w.MaxRounds, 0), DefaultMaxRounds)
	s := w.settings()
	schema := BatchSchema(typ)

	seen := newDedupe()
	for _, e := range r.Existing {
		seen.add(e)
	}
	avoid := append([]string(nil), r.Existing...)
	accepted := make([]json.RawMessage, 0, r.Count)
	short := &ShortBatchError{Type: r.Type, Want: r.Count}
	for short.Rounds < maxRounds && len(accepted) < r.Count {
		prompt.Count = r.Count - len(accepted)
		prompt.Avoid = avoid
		system, user, err := RenderBatch(prompt)
		if err != nil {
			return accepted, fmt.Errorf("%w: write batch: %w", ErrCritical, err)
		}
		raw, err := w.call(ctx, s, BatchCall{
			Model: r.Model, Temperature: r.Temperature,
			Prompt: prompt, System: system, User: user, Schema: schema,
		})
		if err != nil {
			return accepted, err
		}
		short.Rounds++
		items, err := parseBatch(raw)
		if err != nil {
			short.Invalid++
		}
		asked := prompt.Count
		for _, item := range items {
			if len(accepted) == r.Count {
				break
			}
			q, err := typ.Normalize(item)
			if err != nil {
				short.Invalid++
				continue
			}
			key := QuestionKey(r.Type, q)
			if !seen.add(key) {
				short.Duplicates++
				continue
			}
			accepted = append(accepted, q)
			avoid = append(avoid, key)
		}
		if missing := r.Count - len(accepted); missing > 0 {
			s.log.WarnContext(ctx, "batch answer short of questions",
				"type", r.Type, "asked", asked, "items", len(items), "missing", missing,
				"round", short.Rounds, "invalid", short.Invalid, "duplicates", short.Duplicates)
		}
	}
	if len(accepted) < r.Count {
		short.Got = len(accepted)
		return accepted, short
	}
	return accepted, nil
}

// call sends c, trying up to s.maxAttempts times while it fails with a
// temporary (or unclassified, not critical) error. Its error is
// classified: ErrCritical, quiz.ErrTemporary or ctx's.
func (w *BatchWriter) call(ctx context.Context, s settings, c BatchCall) (string, error) {
	for attempt := 1; ; attempt++ {
		raw, err := w.Provider.Batch(ctx, c)
		if err == nil {
			return raw, nil
		}
		switch {
		case ctx.Err() != nil:
			return "", fmt.Errorf("write batch: %w", ctx.Err())
		case errors.Is(err, ErrCritical):
			return "", err
		case critical(err):
			return "", fmt.Errorf("%w: %v", ErrCritical, err)
		case errors.Is(err, ErrInvalidAnswer):
			// The provider read no answer (a refusal, an empty reply):
			// an answer without questions, so a round.
			return "", nil
		}
		if attempt >= s.maxAttempts {
			if errors.Is(err, quiz.ErrTemporary) {
				return "", fmt.Errorf("write batch: %w", err)
			}
			return "", fmt.Errorf("write batch: %w: %w", err, quiz.ErrTemporary)
		}
		d := backoff.Full(attempt, baseBackoff, maxBackoff)
		s.log.WarnContext(ctx, "LLM call failed; retrying",
			"type", c.Prompt.Type, "asked", c.Prompt.Count, "attempt", attempt, "backoff", d, "err", err)
		if err := s.sleep(ctx, d); err != nil {
			return "", fmt.Errorf("write batch: %w", err)
		}
	}
}

// parseBatch returns the items of a batch answer: the JSON object
// {"questions": [...]}, or, as models without structured output write it, a bare array, an object whose only key holds the
// array, code fences and text around the JSON. It reads the first JSON
// value, at one of the first maxJSONStarts '{' or '[', of that shape. The
// items are not checked; an empty list is a valid answer.
func parseBatch(raw string) ([]json.RawMessage, error) {
	s := raw
	for tries := 0; tries < maxJSONStarts; tries++ {
		i := strings.IndexAny(s, "{[")
		if i < 0 {
			break
		}
		s = s[i:]
		if items, ok := batchItemsAt(s); ok {
			return items, nil
		}
		s = s[1:]
	}
	return nil, fmt.Errorf("%w: no list of questions in the answer", ErrInvalidAnswer)
}

// batchItemsAt reads the answer whose JSON starts at the beginning of s.
func batchItemsAt(s string) ([]json.RawMessage, bool) {
	var v json.RawMessage
	if err := json.NewDecoder(strings.NewReader(s)).Decode(&v); err != nil {
		return nil, false
	}
	var items []json.RawMessage
	if json.Unmarshal(v, &items) == nil {
		return items, true
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(v, &obj) != nil {
		return nil, false
	}
	if qs, ok := obj["questions"]; ok {
		return items, json.Unmarshal(qs, &items) == nil
	}
	if len(obj) == 1 {
		for _, x := range obj {
			return items, json.Unmarshal(x, &items) == nil
		}
	}
	return nil, false
}

// keySkip are the question_data fields QuestionKey leaves out: ids,
// references to ids, explanations and answer letters.
//
//nolint:gochecknoglobals // read-only table
var keySkip = map[string]bool{"id": true, "correct_items": true, "explanation": true, "correct_answers": true}

// keyByTextOnly are the types whose question text alone tells questions
// apart: the same stem with other options is the same question.
//
//nolint:gochecknoglobals // read-only table
var keyByTextOnly = map[qtype.Name]bool{qtype.MultipleChoice: true, qtype.TrueFalse: true, qtype.FillInBlank: true}

// QuestionKey is the text a typed question of type t is compared by for
// near-duplicates and listed by in a batch prompt's existing questions.
// For multiple_choice, true_false and fill_in_blank it is the question
// text: the same stem with other options asks the same thing. For
// multiple_answer, matching and categorization, whose question texts are
// often alike ("Match each term with its definition"), it is the strings
// of the question_data in order (question text, options, pairs,
// categories and items) joined by " | ", without ids, explanations and
// answer letters. data is question_data as Normalize returns it.
func QuestionKey(t qtype.Name, data json.RawMessage) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		obj     bool
		wantKey bool   // in an object, the next string is a key
		name    string // the current key in an object, the array's key in an array
	}
	var stack []frame
	var parts []string
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		name, inObj := "", false
		if n := len(stack); n > 0 {
			name, inObj = stack[n-1].name, stack[n-1].obj
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if inObj {
					stack[len(stack)-1].wantKey = true
				}
				stack = append(stack, frame{obj: v == '{', wantKey: v == '{', name: name})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		case string:
			if inObj && stack[len(stack)-1].wantKey {
				stack[len(stack)-1].name, stack[len(stack)-1].wantKey = v, false
				continue
			}
			if keyByTextOnly[t] && name != "question_text" {
				break
			}
			letter := name == "correct_answer" && len(v) == 1
			if !keySkip[name] && !letter && strings.TrimSpace(v) != "" {
				parts = append(parts, strings.TrimSpace(v))
			}
		}
		if inObj {
			stack[len(stack)-1].wantKey = true
		}
	}
	return strings.Join(parts, " | ")
}

// DefaultMaxAttempts is how often BatchWriter tries one call
// (BatchWriter.MaxAttempts): LLM_MAX_RETRIES plus one.
const DefaultMaxAttempts = 3

// Backoff between attempts of a call (backoff.Full): a random wait below
// 1 s, 2 s, 4 s, … up to 30 s.
const (
	baseBackoff = time.Second
	maxBackoff  = 30 * time.Second
)

// maxJSONStarts bounds how many '{' or '[' positions parseBatch tries to
// decode a JSON value from, so that hostile answers cost linear time.
const maxJSONStarts = 8

// settings is a BatchWriter's call settings with their defaults filled in.
type settings struct {
	maxAttempts int
	log         *slog.Logger
	sleep       func(ctx context.Context, d time.Duration) error
}

func (w *BatchWriter) settings() settings {
	s := settings{maxAttempts: cmp.Or(max(w.MaxAttempts, 0), DefaultMaxAttempts), log: w.Log, sleep: w.Sleep}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.sleep == nil {
		s.sleep = backoff.Sleep
	}
	return s
}

// critical reports whether err is critical: it wraps ErrCritical, or it
// is unclassified and matches one of the critical patterns (isCriticalText).
func critical(err error) bool {
	if errors.Is(err, ErrCritical) {
		return true
	}
	return !errors.Is(err, quiz.ErrTemporary) && !errors.Is(err, ErrInvalidAnswer) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) &&
		isCriticalText(err.Error())
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
