package db

import (
	"encoding/json"
	"fmt"

	"quizgen/internal/db/dbsqlc"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// quizOf converts a quiz row to the domain type: the generated reads and
// status moves return one, the API reads (store_api.go) build one.
// selected_modules holds quiz.Modules' StoredJSON; SelectedModules is its
// v1 projection (nil for a quiz v1 cannot show: manual modules, several
// batches or another type).
func quizOf(r dbsqlc.Quiz) (quiz.Quiz, error) {
	modules, err := quiz.ParseStoredModules(r.SelectedModules)
	if err != nil {
		return quiz.Quiz{}, fmt.Errorf("decode selected_modules of quiz %s: %w", r.ID, err)
	}
	mods, _, ok := modules.V1()
	if !ok {
		mods = nil
	}
	ci := ""
	if r.CustomInstructions != nil {
		ci = *r.CustomInstructions
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
		Modules: modules, Language: qtype.Language(r.Language), Tone: quiz.Tone(r.Tone),
		CustomInstructions: ci, V1: r.V1, GenerationMetadata: r.GenerationMetadata,
	}, nil
}

// quizParams are the insert parameters of n: typedQuizParams for a quiz
// of today's model, v1QuizParams for one created through /api/v1.
func quizParams(n quiz.NewQuiz) (dbsqlc.InsertQuizParams, error) {
	if n.Typed() {
		return typedQuizParams(n)
	}
	return v1QuizParams(n)
}

// typedQuizParams store a quiz of today's model as given (the API checked
// it with Modules.Validate and Settings.Validate): its modules in their
// stored form, question_count their Total, its language, tone and custom
// instructions (NULL when empty), V1 false.
func typedQuizParams(n quiz.NewQuiz) (dbsqlc.InsertQuizParams, error) {
	mods, err := n.Modules.StoredJSON()
	if err != nil {
		return dbsqlc.InsertQuizParams{}, fmt.Errorf("encode modules: %w", err)
	}
	var ci *string
	if n.CustomInstructions != "" {
		ci = &n.CustomInstructions
	}
	lang, tone := n.Language, n.Tone
	if lang == "" {
		lang = quiz.DefaultLanguage
	}
	if tone == "" {
		tone = quiz.DefaultTone
	}
	return dbsqlc.InsertQuizParams{
		OwnerID: n.OwnerID, CanvasCourseID: n.CanvasCourseID,
		CanvasCourseName: n.CanvasCourseName, SelectedModules: mods, Title: n.Title,
		QuestionCount: int32(n.Modules.Total()), LlmModel: n.LLMModel, LlmTemperature: n.LLMTemperature,
		ContentExtractionJobID: n.ExtractionJobID, Language: string(lang), Tone: string(tone),
		CustomInstructions: ci, V1: false,
	}, nil
}

// v1QuizParams are the parts of a quiz created through /api/v1 that the
// typed model adds: its modules as FromV1 makes them (one multiple_choice
// batch each, question_count spread over them) in their stored form, the
// default language and tone, and the v1 mark.
func v1QuizParams(n quiz.NewQuiz) (dbsqlc.InsertQuizParams, error) {
	mods, err := quiz.FromV1(n.SelectedModules, n.QuestionCount).StoredJSON()
	if err != nil {
		return dbsqlc.InsertQuizParams{}, fmt.Errorf("encode selected modules: %w", err)
	}
	return dbsqlc.InsertQuizParams{
		OwnerID: n.OwnerID, CanvasCourseID: n.CanvasCourseID,
		CanvasCourseName: n.CanvasCourseName, SelectedModules: mods, Title: n.Title,
		QuestionCount: int32(n.QuestionCount), LlmModel: n.LLMModel, LlmTemperature: n.LLMTemperature,
		ContentExtractionJobID: n.ExtractionJobID, Language: string(quiz.DefaultLanguage),
		Tone: string(quiz.DefaultTone), V1: true,
	}, nil
}
