package db

import (
	"encoding/json"
	"fmt"

	"quizgen/internal/db/dbsqlc"
	"quizgen/internal/quiz"
)

// quizOf converts a quiz row to the domain type: the generated reads and
// status moves return one, the API reads (store_api.go) build one.
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
