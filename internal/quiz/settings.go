package quiz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"quizgen/internal/quiz/qtype"
)

// This file is the settings model of today's QuizCrafter (README, Question
// types): the modules of a quiz, each with 1-4 batches of (question type,
// count, difficulty), from Canvas or pasted by the teacher, and the quiz's
// language, tone and custom instructions. Validate on each type lists every
// broken rule at its path, so the API can answer one 422 naming them all;
// nothing here is wired to the API or the jobs yet.

// Bounds of the settings model.
const (
	// MaxModules bounds a quiz's modules: each is read from Canvas or
	// carried inline (docs/compatibility.md, Deliberate differences; the original had no bound).
	MaxModules = 50
	// MaxBatchesPerModule bounds the batches of one module.
	MaxBatchesPerModule = 4
	// MinBatchCount and MaxBatchCount bound one batch's question count.
	MinBatchCount = 1
	MaxBatchCount = 20
	// MaxModuleNameChars bounds a module's name (Canvas's own limit).
	MaxModuleNameChars = 255
	// MinManualTextChars is the fewest characters of pasted text a manual
	// module takes (text extracted from PDFs only needs to be non-empty).
	MinManualTextChars = 500
	// MaxManualTextChars bounds a manual module's text, pasted or
	// extracted: the same 500,000 characters MAX_CONTENT_LENGTH's default
	// keeps of one Canvas page or file. (A quiz's request body is bounded
	// by MAX_BODY_BYTES anyway.)
	MaxManualTextChars = 500_000
	// MaxManualFiles bounds the PDFs one manual module is extracted from.
	MaxManualFiles = 5
	// MaxFileNameChars bounds the name of one of those PDFs.
	MaxFileNameChars = 255
	// MaxCustomInstructionsChars bounds a quiz's custom instructions.
	MaxCustomInstructionsChars = 500
	// MaxV1QuestionCount bounds a v1 quiz's question_count (v1's bound, docs/compatibility.md, Deliberate differences).
	MaxV1QuestionCount = 200
)

// Source says where a module's content comes from.
type Source string

// The two sources.
const (
	SourceCanvas Source = "canvas"
	SourceManual Source = "manual"
)

// Tone is the voice the questions are written in.
type Tone string

// The four tones; Academic is the default.
const (
	Academic     Tone = "academic"
	Casual       Tone = "casual"
	Encouraging  Tone = "encouraging"
	Professional Tone = "professional"
)

// Valid reports whether t is one of the four tones.
func (t Tone) Valid() bool {
	return t == Academic || t == Casual || t == Encouraging || t == Professional
}

// Defaults of a quiz's settings when the request leaves them out.
const (
	DefaultLanguage = qtype.English
	DefaultTone     = Academic
	// DefaultDifficulty is the difficulty of a v1 quiz's batches (v1 had
	// none) and of a batch that names none.
	DefaultDifficulty = qtype.Medium
)

// ManualPrefix starts the id of every manual module.
const ManualPrefix = "manual_"

// manualSuffix is what may follow ManualPrefix: a generated id such as 8
// hex digits (the original's) or a uuid.
var manualSuffix = regexp.MustCompile(`^[0-9A-Za-z-]{1,64}$`)

// Batch asks for Count questions of one type at one difficulty.
type Batch struct {
	QuestionType qtype.Name       `json:"question_type"`
	Count        int              `json:"count"`
	Difficulty   qtype.Difficulty `json:"difficulty"`
}

// Validate lists the batch's problems, at paths inside the batch.
func (b Batch) Validate() []qtype.Problem {
	var ps problems
	if _, ok := qtype.Lookup(b.QuestionType); !ok {
		ps.add("must be one of "+typeNames(), "question_type")
	}
	if b.Count < MinBatchCount || b.Count > MaxBatchCount {
		ps.add(fmt.Sprintf("must be %d to %d", MinBatchCount, MaxBatchCount), "count")
	}
	if !b.Difficulty.Valid() {
		ps.add("must be one of easy, medium, hard", "difficulty")
	}
	return ps
}

// ManualContent is the material of a manual module, kept with the quiz:
// either text the teacher pasted (Files empty) or the text extracted from
// up to MaxManualFiles PDFs (internal/content extracts it) with their file
// names.
type ManualContent struct {
	Text  string
	Files []string
}

// WordCount counts the words of the text (runs of non-space).
func (m ManualContent) WordCount() int { return len(strings.Fields(m.Text)) }

// validate trims the text and file names in place and lists the problems,
// at paths inside the module (content, processing_metadata.files.i).
func (m *ManualContent) validate(ps *problems) {
	m.Text = strings.TrimSpace(m.Text)
	n := utf8.RuneCountInString(m.Text)
	switch {
	case strings.ContainsRune(m.Text, 0) || !utf8.ValidString(m.Text):
		ps.add("must be valid text without NUL characters", "content")
	case len(m.Files) == 0 && n < MinManualTextChars:
		ps.add(fmt.Sprintf("pasted text must have at least %d characters, not %d", MinManualTextChars, n), "content")
	case n == 0:
		ps.add("the PDFs contain no text", "content")
	case n > MaxManualTextChars:
		ps.add(fmt.Sprintf("must have at most %d characters, not %d", MaxManualTextChars, n), "content")
	}
	if len(m.Files) > MaxManualFiles {
		ps.add(fmt.Sprintf("at most %d PDFs, not %d", MaxManualFiles, len(m.Files)), "processing_metadata", "files")
	}
	for i := range m.Files {
		m.Files[i] = strings.TrimSpace(m.Files[i])
		if msg := textRule(m.Files[i], MaxFileNameChars); msg != "" {
			ps.add(msg, "processing_metadata", "files", i)
		}
	}
}

// ModuleSpec is one module of a quiz and the questions asked of it.
type ModuleSpec struct {
	// ID is the Canvas module id as decimal text, or ManualPrefix and a
	// generated id for a manual module.
	ID     string
	Name   string
	Source Source
	// Batches are the module's 1-4 batches, no two of the same (type,
	// difficulty).
	Batches []Batch
	// Manual is the content of a manual module; nil for a Canvas one.
	Manual *ManualContent
}

// CanvasID is the Canvas module id of a Canvas module; ok is false for a
// manual module or an id that is not a positive integer.
func (m ModuleSpec) CanvasID() (id int64, ok bool) {
	if m.Source != SourceCanvas {
		return 0, false
	}
	id, err := strconv.ParseInt(m.ID, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != m.ID {
		return 0, false
	}
	return id, true
}

// Count is the sum of the module's batch counts.
func (m ModuleSpec) Count() int {
	n := 0
	for _, b := range m.Batches {
		n += b.Count
	}
	return n
}

// Validate trims the name (and manual content) in place and lists the
// module's problems, at paths inside the module.
func (m *ModuleSpec) Validate() []qtype.Problem {
	var ps problems
	m.validate(&ps)
	return ps
}

func (m *ModuleSpec) validate(ps *problems) {
	m.Name = strings.TrimSpace(m.Name)
	if msg := textRule(m.Name, MaxModuleNameChars); msg != "" {
		ps.add(msg, "name")
	}
	switch m.Source {
	case SourceCanvas:
		if _, ok := m.CanvasID(); !ok {
			ps.add("a Canvas module id must be a positive integer without leading zeros", "[key]")
		}
		if m.Manual != nil {
			ps.add("only a manual module carries content", "content")
		}
	case SourceManual:
		if !strings.HasPrefix(m.ID, ManualPrefix) || !manualSuffix.MatchString(strings.TrimPrefix(m.ID, ManualPrefix)) {
			ps.add("a manual module id is "+ManualPrefix+" and 1 to 64 letters, digits or hyphens", "[key]")
		}
		if m.Manual == nil {
			ps.add("a manual module needs its content", "content")
		} else {
			m.Manual.validate(ps)
		}
	default:
		ps.add("must be canvas or manual", "source_type")
	}
	switch n := len(m.Batches); {
	case n == 0:
		ps.add("at least 1 batch is required", "question_batches")
	case n > MaxBatchesPerModule:
		ps.add(fmt.Sprintf("at most %d batches, not %d", MaxBatchesPerModule, n), "question_batches")
	}
	type key struct {
		t qtype.Name
		d qtype.Difficulty
	}
	seen := map[key]bool{}
	for i, b := range m.Batches {
		for _, p := range b.Validate() {
			ps.add(p.Msg, append([]any{"question_batches", i}, p.Path...)...)
		}
		k := key{b.QuestionType, b.Difficulty}
		if seen[k] {
			ps.add(fmt.Sprintf("a module has one batch of %s at %s difficulty", b.QuestionType, b.Difficulty),
				"question_batches", i)
		}
		seen[k] = true
	}
}

// Modules are a quiz's modules in the teacher's order (the order content
// is extracted in). Its JSON is the selected_modules object of today's
// API, {"<module id>": {"name", "question_batches", "source_type", ...}},
// written and read in that order; a database stores it with StoredJSON,
// since a jsonb object sorts its keys.
type Modules []ModuleSpec

// Total is the quiz's question count: the sum of every batch's count.
func (ms Modules) Total() int {
	n := 0
	for _, m := range ms {
		n += m.Count()
	}
	return n
}

// Find returns the module with id.
func (ms Modules) Find(id string) (ModuleSpec, bool) {
	for _, m := range ms {
		if m.ID == id {
			return m, true
		}
	}
	return ModuleSpec{}, false
}

// Validate trims names and content in place and lists every problem:
// paths start with the module's id (or are empty for the list itself),
// as the keys of selected_modules.
func (ms Modules) Validate() []qtype.Problem {
	var ps problems
	switch n := len(ms); {
	case n == 0:
		ps.add("at least 1 module is required")
	case n > MaxModules:
		ps.add(fmt.Sprintf("at most %d modules, not %d", MaxModules, n))
	}
	seen := map[string]bool{}
	for i := range ms {
		m := &ms[i]
		if seen[m.ID] {
			ps.add("the module appears twice", m.ID, "[key]")
		}
		seen[m.ID] = true
		var mps problems
		m.validate(&mps)
		for _, p := range mps {
			ps.add(p.Msg, append([]any{m.ID}, p.Path...)...)
		}
	}
	return ps
}

// Settings are how a quiz's questions are written.
type Settings struct {
	Language qtype.Language `json:"language"`
	Tone     Tone           `json:"tone"`
	// CustomInstructions are the teacher's own words to the model ("" for
	// none). The prompt quotes them as data in a place of their own, so
	// they cannot override the output contract; Validate keeps them to one
	// block of plain text.
	CustomInstructions string `json:"custom_instructions"`
}

// Validate fills an empty language or tone with its default, trims the
// custom instructions in place (a CRLF becomes a newline) and lists every
// problem at its field.
func (s *Settings) Validate() []qtype.Problem {
	var ps problems
	if s.Language == "" {
		s.Language = DefaultLanguage
	}
	if s.Tone == "" {
		s.Tone = DefaultTone
	}
	if !s.Language.Valid() {
		ps.add("must be en or no", "language")
	}
	if !s.Tone.Valid() {
		ps.add("must be one of academic, casual, encouraging, professional", "tone")
	}
	s.CustomInstructions = strings.TrimSpace(strings.ReplaceAll(s.CustomInstructions, "\r\n", "\n"))
	ci := s.CustomInstructions
	switch {
	case !utf8.ValidString(ci):
		ps.add("must be valid UTF-8 text", "custom_instructions")
	case strings.ContainsRune(ci, 0):
		ps.add("must not contain NUL characters", "custom_instructions")
	case strings.IndexFunc(ci, badInstructionRune) >= 0:
		ps.add("must not contain control characters other than newline", "custom_instructions")
	case utf8.RuneCountInString(ci) > MaxCustomInstructionsChars:
		ps.add(fmt.Sprintf("must have at most %d characters, not %d", MaxCustomInstructionsChars,
			utf8.RuneCountInString(ci)), "custom_instructions")
	}
	return ps
}

// badInstructionRune is a control character other than newline, or a
// Unicode line or paragraph separator (a newline a prompt might not see
// as one).
func badInstructionRune(r rune) bool {
	return (unicode.IsControl(r) && r != '\n') || r == '\u2028' || r == '\u2029'
}

// MarshalJSON writes the settings with custom_instructions null when empty,
// as today's API does.
func (s Settings) MarshalJSON() ([]byte, error) {
	var ci *string
	if s.CustomInstructions != "" {
		ci = &s.CustomInstructions
	}
	return json.Marshal(struct {
		Language qtype.Language `json:"language"`
		Tone     Tone           `json:"tone"`
		CI       *string        `json:"custom_instructions"`
	}{s.Language, s.Tone, ci})
}

// FromV1 is the projection of a quiz created through /api/v1 (or stored
// before the batch model): v1's {module id: name} selection with one
// question_count over all of it. Each module becomes a Canvas module with
// a single multiple_choice batch at DefaultDifficulty, and questionCount
// is spread over the modules in order (each gets questionCount/len(mods),
// the first questionCount%len(mods) one more), so Total is questionCount.
//
// These batches keep v1's count semantics, not the batch rules: a v1 quiz
// asks for 1..200 questions over all its content (generated as one job,
// as before), so a batch may count 0 (fewer questions than modules) or
// more than 20 (one module, 200 questions). Check them with ValidateV1,
// never Validate; a v1 quiz must be marked as such where it is stored.
func FromV1(mods []Module, questionCount int) Modules {
	out := make(Modules, len(mods))
	if len(mods) == 0 {
		return out
	}
	for i, m := range mods {
		n := questionCount / len(mods)
		if i < questionCount%len(mods) {
			n++
		}
		out[i] = ModuleSpec{
			ID: strconv.FormatInt(m.ID, 10), Name: m.Name, Source: SourceCanvas,
			Batches: []Batch{{QuestionType: qtype.MultipleChoice, Count: n, Difficulty: DefaultDifficulty}},
		}
	}
	return out
}

// V1 is the v1 view of modules made by FromV1: {id, name} in order, and
// the question count (Total). ok is false when ms is not v1-shaped (a
// manual module, or a module without exactly one multiple_choice batch).
func (ms Modules) V1() (mods []Module, questionCount int, ok bool) {
	mods = make([]Module, 0, len(ms))
	for _, m := range ms {
		id, idOK := m.CanvasID()
		if !idOK || len(m.Batches) != 1 || m.Batches[0].QuestionType != qtype.MultipleChoice {
			return nil, 0, false
		}
		mods = append(mods, Module{ID: id, Name: m.Name})
	}
	return mods, ms.Total(), true
}

// ValidateV1 lists the problems of a v1 quiz's modules: 1..MaxModules
// Canvas modules with names of 1..255 characters, each with exactly one
// multiple_choice batch of a valid difficulty and a count >= 0, the counts
// summing to 1..MaxV1QuestionCount.
func (ms Modules) ValidateV1() []qtype.Problem {
	var ps problems
	switch n := len(ms); {
	case n == 0:
		ps.add("at least 1 module is required")
	case n > MaxModules:
		ps.add(fmt.Sprintf("at most %d modules, not %d", MaxModules, n))
	}
	seen := map[string]bool{}
	for i := range ms {
		m := &ms[i]
		if seen[m.ID] {
			ps.add("the module appears twice", m.ID, "[key]")
		}
		seen[m.ID] = true
		if _, ok := m.CanvasID(); !ok {
			ps.add("a v1 module is a Canvas module with a positive integer id", m.ID, "[key]")
		}
		m.Name = strings.TrimSpace(m.Name)
		if msg := textRule(m.Name, MaxModuleNameChars); msg != "" {
			ps.add(msg, m.ID, "name")
		}
		if len(m.Batches) != 1 {
			ps.add("a v1 module has exactly 1 batch", m.ID, "question_batches")
			continue
		}
		b := m.Batches[0]
		if b.QuestionType != qtype.MultipleChoice {
			ps.add("a v1 batch is multiple_choice", m.ID, "question_batches", 0, "question_type")
		}
		if b.Count < 0 {
			ps.add("must not be negative", m.ID, "question_batches", 0, "count")
		}
		if !b.Difficulty.Valid() {
			ps.add("must be one of easy, medium, hard", m.ID, "question_batches", 0, "difficulty")
		}
	}
	if t := ms.Total(); len(ms) > 0 && (t < 1 || t > MaxV1QuestionCount) {
		ps.add(fmt.Sprintf("a v1 quiz asks for 1 to %d questions in all, not %d", MaxV1QuestionCount, t))
	}
	return ps
}

// --- JSON --------------------------------------------------------------------

// moduleWire is a module as JSON: today's ModuleSelection (ID empty inside
// the selected_modules object, set in the stored list).
type moduleWire struct {
	ID              json.RawMessage `json:"id,omitempty"`
	Name            string          `json:"name"`
	QuestionBatches []Batch         `json:"question_batches"`
	SourceType      Source          `json:"source_type,omitempty"`
	// Manual modules only. word_count and content_type are written for
	// today's frontend and ignored when read (its content_type is always
	// "text"); the PDFs' names travel in processing_metadata.files.
	Content            *string         `json:"content,omitempty"`
	WordCount          *int            `json:"word_count,omitempty"`
	ContentType        string          `json:"content_type,omitempty"`
	ProcessingMetadata json.RawMessage `json:"processing_metadata,omitempty"`
}

func (m ModuleSpec) wire(withID bool) (moduleWire, error) {
	w := moduleWire{Name: m.Name, QuestionBatches: m.Batches, SourceType: m.Source}
	if w.QuestionBatches == nil {
		w.QuestionBatches = []Batch{}
	}
	if withID {
		id, err := json.Marshal(m.ID)
		if err != nil {
			return moduleWire{}, err
		}
		w.ID = id
	}
	if m.Manual != nil {
		text, words := m.Manual.Text, m.Manual.WordCount()
		w.Content, w.WordCount, w.ContentType = &text, &words, "text"
		meta := map[string]any{}
		if len(m.Manual.Files) > 0 {
			w.ContentType = "pdf"
			meta["files"] = m.Manual.Files
		}
		b, err := json.Marshal(meta)
		if err != nil {
			return moduleWire{}, err
		}
		w.ProcessingMetadata = b
	}
	return w, nil
}

func (w moduleWire) spec(id string) ModuleSpec {
	m := ModuleSpec{ID: id, Name: w.Name, Source: w.SourceType, Batches: w.QuestionBatches}
	if m.Source == "" {
		m.Source = SourceCanvas // today's default
	}
	if w.Content != nil {
		m.Manual = &ManualContent{Text: *w.Content}
		var meta struct {
			Files []string `json:"files"`
		}
		// processing_metadata is opaque to today's frontend, which hands
		// back what the upload answered; only our files list is read.
		if json.Unmarshal(w.ProcessingMetadata, &meta) == nil {
			m.Manual.Files = meta.Files
		}
	}
	return m
}

// MarshalJSON writes the module as one element of the stored list:
// today's ModuleSelection with its "id" first.
func (m ModuleSpec) MarshalJSON() ([]byte, error) {
	w, err := m.wire(true)
	if err != nil {
		return nil, err
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads one element of the stored list; its id may be a
// string or (as v1 stored it) a number.
func (m *ModuleSpec) UnmarshalJSON(b []byte) error {
	var w moduleWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	id, err := idText(w.ID)
	if err != nil {
		return err
	}
	*m = w.spec(id)
	return nil
}

// idText is a module id as text from its JSON string or number.
func idText(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&n); err != nil {
		return "", fmt.Errorf("module id must be a string or an integer: %s", raw)
	}
	return n.String(), nil
}

// MarshalJSON writes the selected_modules object, keys in order.
func (ms Modules) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			buf.WriteByte(',')
		}
		key, err := json.Marshal(m.ID)
		if err != nil {
			return nil, err
		}
		w, err := m.wire(false)
		if err != nil {
			return nil, err
		}
		val, err := json.Marshal(w)
		if err != nil {
			return nil, err
		}
		buf.Write(key)
		buf.WriteByte(':')
		buf.Write(val)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads a selected_modules object in its order. A key given
// twice is kept twice, for Validate to refuse; null is no modules.
func (ms *Modules) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("selected_modules: %w", err)
	}
	if tok == nil {
		*ms = nil
		return nil
	}
	if tok != json.Delim('{') {
		return errors.New("selected_modules must be a JSON object")
	}
	out := Modules{}
	for dec.More() {
		keyTok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("selected_modules: %w", err)
		}
		key, _ := keyTok.(string)
		var w moduleWire
		if err := dec.Decode(&w); err != nil {
			return fmt.Errorf("selected_modules[%q]: %w", key, err)
		}
		out = append(out, w.spec(key))
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("selected_modules: %w", err)
	}
	*ms = out
	return nil
}

// StoredJSON is the modules as the database keeps them: a JSON list of
// modules, each with its "id", in order (a jsonb object would sort them).
func (ms Modules) StoredJSON() (json.RawMessage, error) {
	if ms == nil {
		ms = Modules{}
	}
	return json.Marshal([]ModuleSpec(ms))
}

// ParseStoredModules reads StoredJSON's list.
func ParseStoredModules(b []byte) (Modules, error) {
	var list []ModuleSpec
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("stored modules: %w", err)
	}
	return Modules(list), nil
}

// --- helpers -----------------------------------------------------------------

// problems collects qtype.Problems.
type problems []qtype.Problem

func (ps *problems) add(msg string, path ...any) {
	*ps = append(*ps, qtype.Problem{Path: path, Msg: msg})
}

// textRule is the problem of a required trimmed text of at most hi
// characters, or "".
func textRule(s string, hi int) string {
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		return "must be valid text without NUL characters"
	case n == 0:
		return "is required"
	case n > hi:
		return fmt.Sprintf("must have at most %d characters, not %d", hi, n)
	}
	return ""
}

// typeNames lists the registered question types.
func typeNames() string {
	all := qtype.All()
	names := make([]string, len(all))
	for i, t := range all {
		names[i] = string(t.Name())
	}
	return strings.Join(names, ", ")
}
