// Package quiz is the domain of quizgen: users, quizzes, questions, the
// three status machines (docs/compatibility.md, Objects and statuses) and the errors callers
// match. It imports no other internal package but its own sub-package
// qtype (the question types); adapters (db, canvas, llm, queue, httpapi)
// speak its language.
package quiz

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"quizgen/internal/quiz/qtype"
)

// Errors returned by stores and services. Callers match them with
// errors.Is; httpapi maps them to HTTP statuses in one place.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("not in a state that allows this")
	// ErrTemporary is wrapped around failures that may succeed when the
	// work runs again: a dead connection, a rate limit, a timeout, a 5xx.
	ErrTemporary = errors.New("temporary failure")
)

// ID identifies a quiz, a question or a user.
type ID = uuid.UUID

// Status is the value of one of a quiz's three status fields.
type Status string

// The statuses every status field takes (docs/compatibility.md, Objects and statuses).
const (
	StatusPending    Status = "pending"
	StatusProcessing Status = "processing"
	StatusCompleted  Status = "completed"
	StatusFailed     Status = "failed"
)

// Valid reports whether s is one of the four statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusPending, StatusProcessing, StatusCompleted, StatusFailed:
		return true
	}
	return false
}

// Stage names one of a quiz's three status fields.
type Stage string

// The three stages, named after their status columns.
const (
	StageExtraction Stage = "content_extraction"
	StageGeneration Stage = "llm_generation"
	StageExport     Stage = "export"
)

// Valid reports whether s is one of the three stages.
func (s Stage) Valid() bool {
	switch s {
	case StageExtraction, StageGeneration, StageExport:
		return true
	}
	return false
}

// Module is a Canvas module chosen for a quiz.
type Module struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// User is a teacher who signed in with Canvas. AccessToken and
// RefreshToken hold the Canvas tokens as stored (encrypted at rest).
type User struct {
	ID                  ID
	CanvasID            int64
	Name                *string
	CreatedAt           *time.Time
	UpdatedAt           *time.Time
	AccessToken         string
	RefreshToken        string
	ExpiresAt           *time.Time
	TokenType           string
	OnboardingCompleted bool
	// SessionVersion is carried by the user's app tokens; logout bumps it,
	// which invalidates every token issued before.
	SessionVersion int
}

// Quiz is one quiz row (docs/compatibility.md, Objects and statuses) plus
// the lease times of docs/architecture.md, Jobs.
type Quiz struct {
	ID                      ID
	OwnerID                 ID
	CanvasCourseID          int64
	CanvasCourseName        string
	SelectedModules         []Module
	Title                   string
	CreatedAt               *time.Time
	UpdatedAt               *time.Time
	QuestionCount           int
	LLMModel                string
	LLMTemperature          float64
	ContentExtractionStatus Status
	LLMGenerationStatus     Status
	// ExtractedContent is the JSON document of docs/compatibility.md, Content extraction, or nil.
	ExtractedContent   json.RawMessage
	ContentExtractedAt *time.Time
	CanvasQuizID       *string
	ExportStatus       Status
	ExportedAt         *time.Time

	ContentExtractionStartedAt *time.Time
	LLMGenerationStartedAt     *time.Time
	ExportStartedAt            *time.Time

	// The job each stage is waiting for or running: only a message carrying
	// this id may work on the stage.
	ContentExtractionJobID *ID
	LLMGenerationJobID     *ID
	ExportJobID            *ID

	// FailureReason says why the last stage that failed failed, or nil.
	FailureReason *string

	// Version changes whenever the row changes (for ETags); "" when the
	// read did not ask for it.
	Version string
	// ContentUnread is set when the row holds extracted content that this
	// read left out (ExtractedContent is then nil).
	ContentUnread bool

	// Today's settings (README, Question types). Modules are the modules
	// with their typed batches; a quiz created through /api/v1 has one
	// multiple-choice batch per module and V1 set, and keeps v1's
	// question_count semantics (Modules.V1 projects it back to SelectedModules).
	Modules            Modules
	Language           qtype.Language
	Tone               Tone
	CustomInstructions string
	V1                 bool
	// GenerationMetadata is the outcome of the last generation run (a
	// GenerationMetadata as JSON; {} before one ends): see GenerationPartial.
	GenerationMetadata json.RawMessage
}

// JobID returns the id of the job stage s belongs to, or nil.
func (q Quiz) JobID(s Stage) *ID {
	switch s {
	case StageExtraction:
		return q.ContentExtractionJobID
	case StageGeneration:
		return q.LLMGenerationJobID
	case StageExport:
		return q.ExportJobID
	}
	panic(fmt.Sprintf("quiz: unknown stage %q", s))
}

// Status returns the status of stage s.
func (q Quiz) Status(s Stage) Status {
	switch s {
	case StageExtraction:
		return q.ContentExtractionStatus
	case StageGeneration:
		return q.LLMGenerationStatus
	case StageExport:
		return q.ExportStatus
	}
	panic(fmt.Sprintf("quiz: unknown stage %q", s))
}

// StartedAt returns when stage s last moved to processing, or nil.
func (q Quiz) StartedAt(s Stage) *time.Time {
	switch s {
	case StageExtraction:
		return q.ContentExtractionStartedAt
	case StageGeneration:
		return q.LLMGenerationStartedAt
	case StageExport:
		return q.ExportStartedAt
	}
	panic(fmt.Sprintf("quiz: unknown stage %q", s))
}

// LeaseExpired reports whether stage s is processing under a lease that
// ran out before now: the job that took it crashed or timed out, and a
// redelivered job may take it again (docs/architecture.md, Jobs).
func (q Quiz) LeaseExpired(s Stage, lease time.Duration, now time.Time) bool {
	if q.Status(s) != StatusProcessing {
		return false
	}
	started := q.StartedAt(s)
	return started == nil || !now.Before(started.Add(lease))
}

// NewQuiz holds what creating a quiz needs; the store fills the rest with
// the original's defaults (docs/compatibility.md, Objects and statuses).
type NewQuiz struct {
	OwnerID          ID
	CanvasCourseID   int64
	CanvasCourseName string
	SelectedModules  []Module
	Title            string
	QuestionCount    int
	LLMModel         string
	LLMTemperature   float64
	// ExtractionJobID is the job that will extract the content, if queued.
	ExtractionJobID *ID

	// Modules, when not nil, make a quiz of today's model (README,
	// Question types): stored with V1 false and question_count
	// Modules.Total(); SelectedModules and QuestionCount are then ignored.
	// Check them with Modules.Validate and the settings with
	// Settings.Validate first.
	Modules            Modules
	Language           qtype.Language
	Tone               Tone
	CustomInstructions string
}

// Typed reports whether n is a quiz of today's model (Modules set).
func (n NewQuiz) Typed() bool { return n.Modules != nil }

// Question is one multiple-choice question (docs/compatibility.md, Objects and
// statuses).
type Question struct {
	ID            ID
	QuizID        ID
	QuestionText  string
	OptionA       string
	OptionB       string
	OptionC       string
	OptionD       string
	CorrectAnswer string
	IsApproved    bool
	ApprovedAt    *time.Time
	CreatedAt     *time.Time
	UpdatedAt     *time.Time
	CanvasItemID  *string

	// Today's model (README, Question types). The flat fields above are the
	// v1 projection of a multiple_choice question's Data, filled for those
	// only; v1 routes never see other types.
	Type       qtype.Name
	Data       json.RawMessage // canonical question_data
	Difficulty qtype.Difficulty
	Tags       []string
	ModuleID   string
	// Deleted questions (soft delete, with the teacher's reason) are kept
	// for the review tools but never listed, counted or exported.
	Deleted           bool
	DeletedAt         *time.Time
	RejectionReason   *string
	RejectionFeedback *string
}

// NewQuestion is a question to store. A typed question sets Type and Data
// (its question_data, normalized by the store with the type's Normalize);
// a v1 caller may leave Type empty and set the flat multiple-choice fields,
// which the store turns into a multiple_choice question.
type NewQuestion struct {
	QuestionText  string
	OptionA       string
	OptionB       string
	OptionC       string
	OptionD       string
	CorrectAnswer string

	Type       qtype.Name
	Data       json.RawMessage
	Difficulty qtype.Difficulty
	Tags       []string
	// ModuleID is the module (of Quiz.Modules) the question was written
	// from, "" when unknown (questions from before the typed model).
	ModuleID string
}

// QuestionStats counts a quiz's questions (docs/compatibility.md, Objects and statuses).
type QuestionStats struct {
	Total    int `json:"total"`
	Approved int `json:"approved"`
}

// Decision is what a status decision over a locked quiz returns: the new
// status of the stage and, for the extraction stage only, the extracted
// content to write when SetContent is true (nil clears it).
type Decision struct {
	To         Status
	SetContent bool
	Content    json.RawMessage
	ContentAt  *time.Time
	// SetJobID writes JobID (nil clears it) as the stage's job.
	SetJobID bool
	JobID    *ID
}

// Decide looks at a quiz locked for update and the database's clock, and
// returns the status to write, or an error to change nothing. It must not
// do I/O: the row is locked while it runs.
type Decide func(q Quiz, now time.Time) (Decision, error)

// QuestionPatch holds the fields of a question to change; nil keeps one.
type QuestionPatch struct {
	QuestionText  *string
	OptionA       *string
	OptionB       *string
	OptionC       *string
	OptionD       *string
	CorrectAnswer *string
}
