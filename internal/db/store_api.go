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

// UserWith reads user userID and what p names in one round trip: the
// statements travel as one pgx batch, which PgBouncer serves on one server
// connection (one pooler transaction), so a request that authenticates and
// reads what it works on waits for the pooler once (README, Database
// connections). err is quiz.ErrNotFound for a missing user (nothing else
// is then returned) or a failure of the database. The quiz comes without
// its extracted content (which may weigh megabytes and which few routes
// need): q.ContentUnread says whether it has some; QuizWithContent reads
// it.
func (s *Store) UserWith(ctx context.Context, userID quiz.ID, p quiz.Prefetch) (quiz.User, quiz.Prefetched, error) {
	var u quiz.User
	var pre quiz.Prefetched
	var userErr error
	err := s.readConn(ctx, func(ctx context.Context, c *pgxpool.Conn) error {
		u, pre, userErr = quiz.User{}, quiz.Prefetched{}, nil // a run again starts afresh
		b := &pgx.Batch{}
		// The user alone when no quiz is named: a join is planned at every
		// call (README, Database connections: Plans), a single-table read
		// for less.
		var first *pgx.QueuedQuery
		if p.Quiz != nil {
			first = b.Queue(userAndQuizSQL, userID, *p.Quiz)
		} else {
			first = b.Queue(dbsqlc.GetUser, userID)
		}
		first.QueryRow(func(row pgx.Row) error {
			var ur dbsqlc.User
			var qr nullableQuiz
			targets := []any{&ur.ID, &ur.CanvasID, &ur.Name, &ur.CreatedAt, &ur.UpdatedAt, &ur.AccessToken,
				&ur.RefreshToken, &ur.ExpiresAt, &ur.TokenType, &ur.OnboardingCompleted, &ur.SessionVersion}
			if p.Quiz != nil {
				targets = append(targets, qr.targets()...)
			}
			err := row.Scan(targets...)
			if errors.Is(err, pgx.ErrNoRows) {
				userErr = quiz.ErrNotFound
				return nil
			}
			if err != nil {
				return err
			}
			u = userOf(ur)
			if p.Quiz == nil {
				return nil
			}
			pre.Quiz = &quiz.Quiz{}
			if qr.ID == nil {
				pre.QuizErr = quiz.ErrNotFound
				return nil
			}
			*pre.Quiz, err = qr.quizOf()
			return err
		})
		if p.Quiz != nil && p.Question != nil {
			b.Queue(dbsqlc.GetQuizQuestion, *p.Question, *p.Quiz).QueryRow(func(row pgx.Row) error {
				var r dbsqlc.Question
				err := row.Scan(questionTargets(&r)...)
				pre.Question = &quiz.Question{}
				if errors.Is(err, pgx.ErrNoRows) {
					pre.QuestionErr = quiz.ErrNotFound
					return nil
				}
				if err != nil {
					return err
				}
				*pre.Question, err = questionOf(r)
				return err
			})
		}
		if p.Quiz != nil && p.Questions != nil {
			b.Queue(dbsqlc.ListQuestionsPage, questionPageArgs(*p.Quiz, *p.Questions)...).Query(func(rows pgx.Rows) error {
				pre.Questions = []quiz.Question{}
				for rows.Next() {
					var r dbsqlc.Question
					if err := rows.Scan(questionTargets(&r)...); err != nil {
						return err
					}
					q, err := questionOf(r)
					if err != nil {
						return err
					}
					pre.Questions = append(pre.Questions, q)
				}
				return rows.Err()
			})
		}
		if p.Quizzes {
			b.Queue(visibleQuizSummariesSQL, userID).Query(func(rows pgx.Rows) error {
				var err error
				pre.Quizzes, err = scanQuizSummaries(rows)
				return err
			})
		}
		return c.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return quiz.User{}, quiz.Prefetched{}, fmt.Errorf("get user %s: %w", userID, err)
	}
	if userErr != nil {
		return quiz.User{}, quiz.Prefetched{}, userErr
	}
	return u, pre, nil
}

// questionTargets are the scan destinations of a question row (SELECT *
// FROM question), in the table's column order, as sqlc scans it.
func questionTargets(r *dbsqlc.Question) []any {
	return []any{&r.ID, &r.QuizID, &r.IsApproved, &r.ApprovedAt, &r.CreatedAt, &r.UpdatedAt, &r.CanvasItemID,
		&r.GenerationJobID, &r.QuestionType, &r.QuestionData, &r.Difficulty, &r.Tags, &r.ModuleID, &r.EditLog,
		&r.Deleted, &r.DeletedAt, &r.RejectionReason, &r.RejectionFeedback}
}

// QuizWithContent reads quiz id with its extracted content and version, or
// returns quiz.ErrNotFound.
func (s *Store) QuizWithContent(ctx context.Context, id quiz.ID) (quiz.Quiz, error) {
	var out quiz.Quiz
	err := s.readConn(ctx, func(ctx context.Context, c *pgxpool.Conn) error {
		var qr nullableQuiz
		err := c.QueryRow(ctx, quizWithContentSQL, id).Scan(qr.targets()...)
		if errors.Is(err, pgx.ErrNoRows) {
			return quiz.ErrNotFound
		}
		if err != nil {
			return err
		}
		out, err = qr.quizOf()
		return err
	})
	if err != nil {
		return quiz.Quiz{}, fmt.Errorf("get quiz %s with content: %w", id, err)
	}
	return out, nil
}

// QuizSummariesByOwner lists the quizzes of owner, newest first, without
// their extracted content (ContentUnread says which have some).
func (s *Store) QuizSummariesByOwner(ctx context.Context, owner quiz.ID) ([]quiz.Quiz, error) {
	out, err := s.quizSummaries(ctx, quizSummariesSQL, owner)
	if err != nil {
		return nil, fmt.Errorf("list quizzes of %s: %w", owner, err)
	}
	return out, nil
}

// quizSummaries runs a quiz summary query (apiQuizColumns, no content) of
// one user.
func (s *Store) quizSummaries(ctx context.Context, sql string, user quiz.ID) ([]quiz.Quiz, error) {
	var out []quiz.Quiz
	err := s.readConn(ctx, func(ctx context.Context, c *pgxpool.Conn) error {
		rows, err := c.Query(ctx, sql, user)
		if err != nil {
			return err
		}
		defer rows.Close()
		out, err = scanQuizSummaries(rows)
		return err
	})
	return out, err
}

// scanQuizSummaries reads rows of apiQuizColumns.
func scanQuizSummaries(rows pgx.Rows) ([]quiz.Quiz, error) {
	out := []quiz.Quiz{}
	for rows.Next() {
		var qr nullableQuiz
		if err := rows.Scan(qr.targets()...); err != nil {
			return nil, err
		}
		q, err := qr.quizOf()
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// apiQuizColumns lists the quiz columns (table alias q) in nullableQuiz's
// order (the function of migration 000008 returns them too: change both),
// content being the expression read for extracted_content. Then
// come whether the row has content (IS NOT NULL reads no TOASTed bytes)
// and the row version: xmin, the transaction that wrote this version of
// the row, which changes on every UPDATE whatever the statement (a
// status move that leaves updated_at alone included) and costs nothing.
func apiQuizColumns(content string) string {
	return `q.id, q.owner_id, q.canvas_course_id, q.canvas_course_name, q.selected_modules, q.title,
	q.created_at, q.updated_at, q.question_count, q.llm_model, q.llm_temperature,
	q.content_extraction_status, q.llm_generation_status, ` + content + `,
	q.content_extracted_at, q.canvas_quiz_id, q.export_status, q.exported_at,
	q.content_extraction_started_at, q.llm_generation_started_at, q.export_started_at,
	q.content_extraction_job_id, q.llm_generation_job_id, q.export_job_id, q.failure_reason,
	q.language, q.tone, q.custom_instructions, q.v1, q.generation_metadata,
	q.extracted_content IS NOT NULL, q.xmin::text`
}

// userAndQuizSQL reads a user and, if it exists, a quiz beside it.
var userAndQuizSQL = `SELECT u.id, u.canvas_id, u.name, u.created_at, u.updated_at, u.access_token, u.refresh_token,
	u.expires_at, u.token_type, u.onboarding_completed, u.session_version,
	` + apiQuizColumns("NULL::jsonb") + `
FROM "user" u LEFT JOIN quiz q ON q.id = $2
WHERE u.id = $1`

var quizWithContentSQL = `SELECT ` + apiQuizColumns("q.extracted_content") + ` FROM quiz q WHERE q.id = $1`

var quizSummariesSQL = `SELECT ` + apiQuizColumns("NULL::jsonb") + `
FROM quiz q WHERE q.owner_id = $1 ORDER BY q.created_at DESC, q.id`

// nullableQuiz is a quiz row from an outer join: every column may be NULL.
type nullableQuiz struct {
	ID, OwnerID                       *quiz.ID
	CanvasCourseID                    *int64
	CanvasCourseName, Title, LlmModel *string
	// []byte, not json.RawMessage: pgx copies a jsonb value into a byte
	// slice as it comes, but runs json.Unmarshal (a validating pass over the
	// whole course text) into a RawMessage. Postgres wrote valid JSON.
	SelectedModules, ExtractedContent                                   []byte
	CreatedAt, UpdatedAt, ContentExtractedAt, ExportedAt                *time.Time
	QuestionCount                                                       *int32
	LlmTemperature                                                      *float64
	ContentExtractionStatus, LlmGenerationStatus, ExportStatus          *string
	CanvasQuizID                                                        *string
	ContentExtractionStartedAt, LlmGenerationStartedAt, ExportStartedAt *time.Time
	ContentExtractionJobID, LlmGenerationJobID, ExportJobID             *quiz.ID
	FailureReason                                                       *string
	Language, Tone, CustomInstructions                                  *string
	V1                                                                  *bool
	GenerationMetadata                                                  []byte
	HasContent                                                          *bool
	Version                                                             *string
}

// targets are the scan destinations of apiQuizColumns, in order.
func (n *nullableQuiz) targets() []any {
	return []any{&n.ID, &n.OwnerID, &n.CanvasCourseID, &n.CanvasCourseName, &n.SelectedModules, &n.Title,
		&n.CreatedAt, &n.UpdatedAt, &n.QuestionCount, &n.LlmModel, &n.LlmTemperature,
		&n.ContentExtractionStatus, &n.LlmGenerationStatus, &n.ExtractedContent, &n.ContentExtractedAt,
		&n.CanvasQuizID, &n.ExportStatus, &n.ExportedAt, &n.ContentExtractionStartedAt,
		&n.LlmGenerationStartedAt, &n.ExportStartedAt, &n.ContentExtractionJobID,
		&n.LlmGenerationJobID, &n.ExportJobID, &n.FailureReason,
		&n.Language, &n.Tone, &n.CustomInstructions, &n.V1, &n.GenerationMetadata, &n.HasContent, &n.Version}
}

// quizOf converts a row read with apiQuizColumns.
func (n nullableQuiz) quizOf() (quiz.Quiz, error) {
	q, err := quizOf(n.quiz())
	if err != nil {
		return quiz.Quiz{}, err
	}
	if n.Version != nil {
		q.Version = *n.Version
	}
	q.ContentUnread = n.HasContent != nil && *n.HasContent && n.ExtractedContent == nil
	return q, nil
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
		LlmModel: str(n.LlmModel), SelectedModules: n.SelectedModules, ExtractedContent: json.RawMessage(n.ExtractedContent),
		CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt, ContentExtractedAt: n.ContentExtractedAt, ExportedAt: n.ExportedAt,
		ContentExtractionStatus: str(n.ContentExtractionStatus), LlmGenerationStatus: str(n.LlmGenerationStatus),
		ExportStatus: str(n.ExportStatus), CanvasQuizID: n.CanvasQuizID,
		ContentExtractionStartedAt: n.ContentExtractionStartedAt, LlmGenerationStartedAt: n.LlmGenerationStartedAt,
		ExportStartedAt: n.ExportStartedAt, ContentExtractionJobID: n.ContentExtractionJobID,
		LlmGenerationJobID: n.LlmGenerationJobID, ExportJobID: n.ExportJobID, FailureReason: n.FailureReason,
		Language: str(n.Language), Tone: str(n.Tone), CustomInstructions: n.CustomInstructions,
		GenerationMetadata: json.RawMessage(n.GenerationMetadata),
	}
	if n.V1 != nil {
		q.V1 = *n.V1
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
