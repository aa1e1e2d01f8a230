package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"quizgen/internal/db/dbsqlc"
	"quizgen/internal/quiz"
)

// UpdateUserProfile sets the name (when setName) and the onboarding flag
// (when onboarding is not nil) of user id.
func (s *Store) UpdateUserProfile(ctx context.Context, id quiz.ID, setName bool, name *string, onboarding *bool) (quiz.User, error) {
	var out quiz.User
	err := s.inTx(ctx, func(q txQueries) error {
		p := dbsqlc.UpdateUserProfileParams{ID: id, SetName: setName, Name: name}
		if onboarding != nil {
			p.SetOnboarding, p.OnboardingCompleted = true, *onboarding
		}
		row, err := q.UpdateUserProfile(ctx, p)
		out = userOf(row)
		return err
	})
	if err != nil {
		return quiz.User{}, fmt.Errorf("update user %s: %w", id, err)
	}
	return out, nil
}

// SetCanvasTokens stores the (encrypted) Canvas tokens of user id.
func (s *Store) SetCanvasTokens(ctx context.Context, id quiz.ID, access, refresh string, expiresAt *time.Time) error {
	err := s.inTx(ctx, func(q txQueries) error {
		n, err := q.UpdateUserTokens(ctx, dbsqlc.UpdateUserTokensParams{ID: id, AccessToken: access, RefreshToken: refresh, ExpiresAt: expiresAt})
		if err == nil && n == 0 {
			err = quiz.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("set canvas tokens of user %s: %w", id, err)
	}
	return nil
}

// EndSession clears the Canvas tokens of user id and bumps the session
// version, so every app token issued before stops working.
func (s *Store) EndSession(ctx context.Context, id quiz.ID) error {
	err := s.inTx(ctx, func(q txQueries) error {
		n, err := q.EndSession(ctx, id)
		if err == nil && n == 0 {
			err = quiz.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("end session of user %s: %w", id, err)
	}
	return nil
}

// SaveOAuthState records a login state's nonce until expiresAt.
func (s *Store) SaveOAuthState(ctx context.Context, nonce string, expiresAt time.Time) error {
	err := s.inTx(ctx, func(q txQueries) error {
		if _, err := q.DeleteExpiredOAuthStates(ctx); err != nil {
			return err
		}
		return q.InsertOAuthState(ctx, dbsqlc.InsertOAuthStateParams{Nonce: nonce, ExpiresAt: expiresAt})
	})
	if err != nil {
		return fmt.Errorf("save oauth state: %w", err)
	}
	return nil
}

// ConsumeOAuthState uses a login state's nonce once. It returns
// quiz.ErrNotFound when the nonce is unknown, expired or already used.
func (s *Store) ConsumeOAuthState(ctx context.Context, nonce string) error {
	err := s.inTx(ctx, func(q txQueries) error {
		n, err := q.ConsumeOAuthState(ctx, nonce)
		if err == nil && n == 0 {
			err = quiz.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("consume oauth state: %w", err)
	}
	return nil
}

// Question returns question id, or quiz.ErrNotFound.
func (s *Store) Question(ctx context.Context, id quiz.ID) (quiz.Question, error) {
	var out quiz.Question
	err := s.read(ctx, func(ctx context.Context, q *dbsqlc.Queries) error {
		row, err := q.GetQuestion(ctx, id)
		out = questionOf(row)
		return err
	})
	if err != nil {
		return quiz.Question{}, fmt.Errorf("get question %s: %w", id, err)
	}
	return out, nil
}

// UpdateQuestion applies p to question id of quiz quizID. It returns
// quiz.ErrNotFound if the question does not exist in that quiz.
func (s *Store) UpdateQuestion(ctx context.Context, quizID, id quiz.ID, p quiz.QuestionPatch) (quiz.Question, error) {
	var out quiz.Question
	err := s.inTx(ctx, func(q txQueries) error {
		row, err := q.UpdateQuestion(ctx, dbsqlc.UpdateQuestionParams{
			ID: id, QuizID: quizID, QuestionText: p.QuestionText, OptionA: p.OptionA, OptionB: p.OptionB,
			OptionC: p.OptionC, OptionD: p.OptionD, CorrectAnswer: p.CorrectAnswer,
		})
		out = questionOf(row)
		return err
	})
	if err != nil {
		return quiz.Question{}, fmt.Errorf("update question %s: %w", id, err)
	}
	return out, nil
}

// ApproveQuestion approves question id of quiz quizID (again: approved_at
// is refreshed each time, as SPEC 1.14 says).
func (s *Store) ApproveQuestion(ctx context.Context, quizID, id quiz.ID) (quiz.Question, error) {
	var out quiz.Question
	err := s.inTx(ctx, func(q txQueries) error {
		row, err := q.ApproveQuestion(ctx, dbsqlc.ApproveQuestionParams{ID: id, QuizID: quizID})
		out = questionOf(row)
		return err
	})
	if err != nil {
		return quiz.Question{}, fmt.Errorf("approve question %s: %w", id, err)
	}
	return out, nil
}

// DeleteQuestion deletes question id of quiz quizID, or returns
// quiz.ErrNotFound when the quiz has no such question.
func (s *Store) DeleteQuestion(ctx context.Context, quizID, id quiz.ID) error {
	err := s.inTx(ctx, func(q txQueries) error {
		n, err := q.DeleteQuestion(ctx, dbsqlc.DeleteQuestionParams{ID: id, QuizID: quizID})
		if err == nil && n == 0 {
			err = quiz.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete question %s: %w", id, err)
	}
	return nil
}

// UserAndQuiz reads user userID and quiz quizID in one statement (one
// round trip, one pooler transaction), for requests that authenticate and
// then work on a quiz. userErr and quizErr are quiz.ErrNotFound for a
// missing row.
func (s *Store) UserAndQuiz(ctx context.Context, userID, quizID quiz.ID) (u quiz.User, q quiz.Quiz, userErr, quizErr error) {
	err := s.readConn(ctx, func(ctx context.Context, c *pgxpool.Conn) error {
		var ur dbsqlc.User
		var qr nullableQuiz
		err := c.QueryRow(ctx, userAndQuizSQL, userID, quizID).Scan(
			&ur.ID, &ur.CanvasID, &ur.Name, &ur.CreatedAt, &ur.UpdatedAt, &ur.AccessToken,
			&ur.RefreshToken, &ur.ExpiresAt, &ur.TokenType, &ur.OnboardingCompleted, &ur.SessionVersion,
			&qr.ID, &qr.OwnerID, &qr.CanvasCourseID, &qr.CanvasCourseName, &qr.SelectedModules, &qr.Title,
			&qr.CreatedAt, &qr.UpdatedAt, &qr.QuestionCount, &qr.LlmModel, &qr.LlmTemperature,
			&qr.ContentExtractionStatus, &qr.LlmGenerationStatus, &qr.ExtractedContent, &qr.ContentExtractedAt,
			&qr.CanvasQuizID, &qr.ExportStatus, &qr.ExportedAt, &qr.ContentExtractionStartedAt,
			&qr.LlmGenerationStartedAt, &qr.ExportStartedAt, &qr.ContentExtractionJobID,
			&qr.LlmGenerationJobID, &qr.ExportJobID, &qr.FailureReason)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			userErr, quizErr = quiz.ErrNotFound, quiz.ErrNotFound
			return nil
		case err != nil:
			return err
		}
		u = userOf(ur)
		if qr.ID == nil {
			quizErr = quiz.ErrNotFound
			return nil
		}
		q, quizErr = quizOf(qr.quiz())
		return nil
	})
	if err != nil {
		err = fmt.Errorf("get user %s and quiz %s: %w", userID, quizID, err)
		return quiz.User{}, quiz.Quiz{}, err, err
	}
	return u, q, userErr, quizErr
}

// userAndQuizSQL reads a user and, if it exists, a quiz beside it.
const userAndQuizSQL = `SELECT u.id, u.canvas_id, u.name, u.created_at, u.updated_at, u.access_token, u.refresh_token,
	u.expires_at, u.token_type, u.onboarding_completed, u.session_version,
	q.id, q.owner_id, q.canvas_course_id, q.canvas_course_name, q.selected_modules, q.title,
	q.created_at, q.updated_at, q.question_count, q.llm_model, q.llm_temperature,
	q.content_extraction_status, q.llm_generation_status, q.extracted_content,
	q.content_extracted_at, q.canvas_quiz_id, q.export_status, q.exported_at,
	q.content_extraction_started_at, q.llm_generation_started_at, q.export_started_at,
	q.content_extraction_job_id, q.llm_generation_job_id, q.export_job_id, q.failure_reason
FROM "user" u LEFT JOIN quiz q ON q.id = $2
WHERE u.id = $1`

// nullableQuiz is a quiz row from an outer join: every column may be NULL.
type nullableQuiz struct {
	ID, OwnerID                                                         *quiz.ID
	CanvasCourseID                                                      *int64
	CanvasCourseName, Title, LlmModel                                   *string
	SelectedModules, ExtractedContent                                   json.RawMessage
	CreatedAt, UpdatedAt, ContentExtractedAt, ExportedAt                *time.Time
	QuestionCount                                                       *int32
	LlmTemperature                                                      *float64
	ContentExtractionStatus, LlmGenerationStatus, ExportStatus          *string
	CanvasQuizID                                                        *string
	ContentExtractionStartedAt, LlmGenerationStartedAt, ExportStartedAt *time.Time
	ContentExtractionJobID, LlmGenerationJobID, ExportJobID             *quiz.ID
	FailureReason                                                       *string
}

func (n nullableQuiz) quiz() dbsqlc.Quiz {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	q := dbsqlc.Quiz{
		ID: *n.ID, OwnerID: *n.OwnerID, CanvasCourseName: str(n.CanvasCourseName), Title: str(n.Title),
		LlmModel: str(n.LlmModel), SelectedModules: n.SelectedModules, ExtractedContent: n.ExtractedContent,
		CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt, ContentExtractedAt: n.ContentExtractedAt, ExportedAt: n.ExportedAt,
		ContentExtractionStatus: str(n.ContentExtractionStatus), LlmGenerationStatus: str(n.LlmGenerationStatus),
		ExportStatus: str(n.ExportStatus), CanvasQuizID: n.CanvasQuizID,
		ContentExtractionStartedAt: n.ContentExtractionStartedAt, LlmGenerationStartedAt: n.LlmGenerationStartedAt,
		ExportStartedAt: n.ExportStartedAt, ContentExtractionJobID: n.ContentExtractionJobID,
		LlmGenerationJobID: n.LlmGenerationJobID, ExportJobID: n.ExportJobID, FailureReason: n.FailureReason,
	}
	if n.CanvasCourseID != nil {
		q.CanvasCourseID = *n.CanvasCourseID
	}
	if n.QuestionCount != nil {
		q.QuestionCount = *n.QuestionCount
	}
	if n.LlmTemperature != nil {
		q.LlmTemperature = *n.LlmTemperature
	}
	return q
}
