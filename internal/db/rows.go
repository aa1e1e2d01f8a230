package db

import (
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"quizgen/internal/db/dbsqlc"
	"quizgen/internal/quiz"
)

// quizColumns is the column list of every quiz read, in dbsqlc.Quiz order.
const quizColumns = `id, owner_id, canvas_course_id, canvas_course_name, selected_modules, title,
	created_at, updated_at, question_count, llm_model, llm_temperature,
	content_extraction_status, llm_generation_status, extracted_content,
	content_extracted_at, canvas_quiz_id, export_status, exported_at,
	content_extraction_started_at, llm_generation_started_at, export_started_at,
	content_extraction_job_id, llm_generation_job_id, export_job_id, failure_reason`

// stageSQL holds the status updates of one stage. Moving to processing
// stamps <stage>_started_at (the lease); the other moves leave it as the
// record of the last run.
type stageSQL struct{ update, updateContent string }

func stageUpdate(stage, extra string) string {
	col, startedCol, jobCol := stage+"_status", stage+"_started_at", stage+"_job_id"
	return `UPDATE quiz SET ` + col + ` = $2::varchar,
	` + startedCol + ` = CASE WHEN $2::varchar = 'processing' THEN now() ELSE ` + startedCol + ` END,
	` + jobCol + ` = CASE WHEN $3::boolean THEN $4::uuid ELSE ` + jobCol + ` END,` + extra + `
	updated_at = now()
WHERE id = $1
RETURNING ` + quizColumns
}

var stageColumns = map[quiz.Stage]stageSQL{ //nolint:gochecknoglobals // read-only table of fixed SQL
	quiz.StageExtraction: {
		update: stageUpdate("content_extraction", ""),
		updateContent: stageUpdate("content_extraction",
			"\n\textracted_content = $5::jsonb, content_extracted_at = $6::timestamptz,"),
	},
	quiz.StageGeneration: {update: stageUpdate("llm_generation", "")},
	quiz.StageExport:     {update: stageUpdate("export", "")},
}

func scanQuiz(r pgx.Row) (quiz.Quiz, error) {
	var i dbsqlc.Quiz
	if err := r.Scan(&i.ID, &i.OwnerID, &i.CanvasCourseID, &i.CanvasCourseName, &i.SelectedModules,
		&i.Title, &i.CreatedAt, &i.UpdatedAt, &i.QuestionCount, &i.LlmModel, &i.LlmTemperature,
		&i.ContentExtractionStatus, &i.LlmGenerationStatus, &i.ExtractedContent, &i.ContentExtractedAt,
		&i.CanvasQuizID, &i.ExportStatus, &i.ExportedAt, &i.ContentExtractionStartedAt,
		&i.LlmGenerationStartedAt, &i.ExportStartedAt, &i.ContentExtractionJobID,
		&i.LlmGenerationJobID, &i.ExportJobID, &i.FailureReason); err != nil {
		return quiz.Quiz{}, err
	}
	return quizOf(i)
}

func rowQuiz(r dbsqlc.GetQuizForUpdateRow) dbsqlc.Quiz {
	return dbsqlc.Quiz{
		ID: r.ID, OwnerID: r.OwnerID, CanvasCourseID: r.CanvasCourseID, CanvasCourseName: r.CanvasCourseName,
		SelectedModules: r.SelectedModules, Title: r.Title, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		QuestionCount: r.QuestionCount, LlmModel: r.LlmModel, LlmTemperature: r.LlmTemperature,
		ContentExtractionStatus: r.ContentExtractionStatus, LlmGenerationStatus: r.LlmGenerationStatus,
		ExtractedContent: r.ExtractedContent, ContentExtractedAt: r.ContentExtractedAt,
		CanvasQuizID: r.CanvasQuizID, ExportStatus: r.ExportStatus, ExportedAt: r.ExportedAt,
		ContentExtractionStartedAt: r.ContentExtractionStartedAt,
		LlmGenerationStartedAt:     r.LlmGenerationStartedAt, ExportStartedAt: r.ExportStartedAt,
		ContentExtractionJobID: r.ContentExtractionJobID, LlmGenerationJobID: r.LlmGenerationJobID,
		ExportJobID: r.ExportJobID, FailureReason: r.FailureReason,
	}
}

func quizOf(r dbsqlc.Quiz) (quiz.Quiz, error) {
	var mods []quiz.Module
	if err := json.Unmarshal(r.SelectedModules, &mods); err != nil {
		return quiz.Quiz{}, fmt.Errorf("decode selected_modules of quiz %s: %w", r.ID, err)
	}
	var content json.RawMessage
	if len(r.ExtractedContent) > 0 && string(r.ExtractedContent) != "null" {
		content = r.ExtractedContent
	}
	return quiz.Quiz{
		ID: r.ID, OwnerID: r.OwnerID, CanvasCourseID: r.CanvasCourseID, CanvasCourseName: r.CanvasCourseName,
		SelectedModules: mods, Title: r.Title, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		QuestionCount: int(r.QuestionCount), LLMModel: r.LlmModel, LLMTemperature: r.LlmTemperature,
		ContentExtractionStatus: quiz.Status(r.ContentExtractionStatus),
		LLMGenerationStatus:     quiz.Status(r.LlmGenerationStatus),
		ExtractedContent:        content, ContentExtractedAt: r.ContentExtractedAt,
		CanvasQuizID: r.CanvasQuizID, ExportStatus: quiz.Status(r.ExportStatus), ExportedAt: r.ExportedAt,
		ContentExtractionStartedAt: r.ContentExtractionStartedAt,
		LLMGenerationStartedAt:     r.LlmGenerationStartedAt, ExportStartedAt: r.ExportStartedAt,
		ContentExtractionJobID: r.ContentExtractionJobID, LLMGenerationJobID: r.LlmGenerationJobID,
		ExportJobID: r.ExportJobID, FailureReason: r.FailureReason,
	}, nil
}
