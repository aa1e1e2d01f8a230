package httpapi

import (
	"context"
	"time"

	"quizgen/internal/canvas"
	"quizgen/internal/quiz"
)

// Store is the persistence the API needs; internal/db implements it.
type Store interface {
	User(ctx context.Context, id quiz.ID) (quiz.User, error)
	// UserWith reads the user and what p names in one round trip (err is
	// quiz.ErrNotFound for a missing user).
	UserWith(ctx context.Context, userID quiz.ID, p quiz.Prefetch) (quiz.User, quiz.Prefetched, error)
	UpsertUser(ctx context.Context, u quiz.User) (quiz.User, error)
	UpdateUserProfile(ctx context.Context, id quiz.ID, setName bool, name *string, onboarding *bool) (quiz.User, error)
	DeleteUser(ctx context.Context, id quiz.ID) error
	SetCanvasTokens(ctx context.Context, id quiz.ID, access, refresh string, expiresAt *time.Time) error
	ClearCanvasTokens(ctx context.Context, id quiz.ID, refresh string) (bool, error)
	EndSession(ctx context.Context, id quiz.ID) error
	UseOAuthState(ctx context.Context, nonce string, expiresAt time.Time) error

	Quiz(ctx context.Context, id quiz.ID) (quiz.Quiz, error)
	QuizzesByOwner(ctx context.Context, owner quiz.ID) ([]quiz.Quiz, error)
	// QuizWithContent reads a quiz with its extracted content and version.
	QuizWithContent(ctx context.Context, id quiz.ID) (quiz.Quiz, error)
	// QuizSummariesByOwner lists quizzes without their extracted content.
	QuizSummariesByOwner(ctx context.Context, owner quiz.ID) ([]quiz.Quiz, error)
	DeleteQuiz(ctx context.Context, owner, id quiz.ID) error
	QuestionStats(ctx context.Context, id quiz.ID) (quiz.QuestionStats, error)
	// LiveQuestionStats counts the questions not deleted, of every type.
	LiveQuestionStats(ctx context.Context, id quiz.ID) (quiz.QuestionStats, error)

	Questions(ctx context.Context, quizID quiz.ID) ([]quiz.Question, error)
	Question(ctx context.Context, id quiz.ID) (quiz.Question, error)
	UpdateQuestion(ctx context.Context, quizID, id quiz.ID, p quiz.QuestionPatch) (quiz.Question, error)
	ApproveQuestion(ctx context.Context, quizID, id quiz.ID) (quiz.Question, error)
	DeleteQuestion(ctx context.Context, quizID, id quiz.ID) error

	// Today's questions of every type (the routes at the root).
	TypedQuestions(ctx context.Context, quizID quiz.ID, f quiz.QuestionFilter) ([]quiz.Question, error)
	TypedQuestion(ctx context.Context, quizID, id quiz.ID) (quiz.Question, error)
	// EditTypedQuestion edits question cur as read (its id, quiz and type).
	EditTypedQuestion(ctx context.Context, cur quiz.Question, e quiz.QuestionEdit) (quiz.Question, error)
	ApproveTypedQuestion(ctx context.Context, quizID, id quiz.ID) (quiz.Question, error)

	// Each part of today's contract declares what it needs beside its
	// routes.
	headQuizStore // head_quizzes.go
	reviewStore   // head_questions.go
	sharingStore  // sharing.go
	accountStore  // head_account.go
}

// Quizzes starts background work; quiz.Service implements it.
type Quizzes interface {
	CreateQuiz(ctx context.Context, n quiz.NewQuiz, requestID string) (quiz.Quiz, error)
	StartExtraction(ctx context.Context, owner, id quiz.ID, requestID string) error
	StartGeneration(ctx context.Context, owner, id quiz.ID, requestID string) error
	StartExport(ctx context.Context, owner, id quiz.ID, requestID string) error

	headQuizzes // head_quizzes.go
}

// Canvas is the part of the Canvas client the API uses; internal/canvas
// implements it.
type Canvas interface {
	AuthorizeURL(state string) string
	ExchangeCode(ctx context.Context, code string) (canvas.Token, error)
	RefreshToken(ctx context.Context, refreshToken string) (canvas.Token, error)
	Revoke(ctx context.Context, token string) error
	TeachingCourses(ctx context.Context, token string) ([]canvas.Course, error)
	Modules(ctx context.Context, token string, courseID int64) ([]canvas.Module, error)
	ModuleItems(ctx context.Context, token string, courseID, moduleID int64) ([]canvas.ModuleItem, error)
	Page(ctx context.Context, token string, courseID int64, pageURL string) (canvas.Page, error)
	File(ctx context.Context, token string, courseID, fileID int64) (canvas.File, error)
}

// HealthChecker answers the database health endpoint: the body and the
// HTTP status to send.
type HealthChecker interface {
	Check(ctx context.Context) (body any, status int)
}

var (
	_ Quizzes = (*quiz.Service)(nil)
)
