package pipeline

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"time"

	"quizgen/internal/canvas"
	"quizgen/internal/quiz"
)

// export pushes the approved questions to Canvas (SPEC 3.3), safe for
// redelivery: the Canvas quiz id is stored as soon as Canvas returns it
// and reused by a later run, and questions that already carry a Canvas
// item id are skipped, so a retry finishes only what is missing. An
// export whose items did not all succeed ends failed with the reason.
func (p *Pipeline) export(ctx context.Context, log *slog.Logger, id, jobID quiz.ID, final bool) error {
	q, goOn, err := p.Take(ctx, log, id, quiz.StageExport, jobID)
	if err != nil || !goOn {
		return err
	}
	start := time.Now()
	tok, err := p.Token(ctx, q)
	if err != nil {
		return p.Settle(ctx, log, id, quiz.StageExport, jobID, final, err, TokenReason(err))
	}
	qs, err := p.Store.ApprovedQuestions(ctx, id)
	if err != nil {
		return fmt.Errorf("read approved questions: %w", err)
	}
	if len(qs) == 0 {
		return p.Settle(ctx, log, id, quiz.StageExport, jobID, true, errors.New("no approved questions"),
			"Quiz has no approved questions to export")
	}
	canvasQuizID := ""
	if q.CanvasQuizID != nil {
		canvasQuizID = *q.CanvasQuizID
	}
	if canvasQuizID == "" {
		canvasQuizID, err = p.Canvas.CreateQuiz(ctx, tok, q.CanvasCourseID, canvas.NewQuiz{
			Title: q.Title, PointsPossible: len(qs),
			QuizSettings: canvas.QuizSettings{ShuffleQuestions: true, ShuffleAnswers: true, TimeLimit: 60,
				MultipleAttempts: false, ScoringPolicy: "keep_highest"},
		})
		if err != nil {
			return p.Settle(ctx, log, id, quiz.StageExport, jobID, final, err, "Creating the quiz in Canvas failed: "+SafeReason(err))
		}
		if err := p.Store.SetCanvasQuizID(ctx, id, jobID, canvasQuizID); err != nil {
			return fmt.Errorf("store canvas quiz id %s: %w", canvasQuizID, err)
		}
	}
	created, skipped := 0, 0
	for i, qn := range qs {
		if qn.CanvasItemID != nil && *qn.CanvasItemID != "" {
			skipped++
			continue
		}
		itemID, err := p.Canvas.CreateItem(ctx, tok, q.CanvasCourseID, canvasQuizID, p.item(qn, i+1))
		if err != nil {
			reason := fmt.Sprintf("Exported %d of %d questions; question %d failed: %s",
				skipped+created, len(qs), i+1, SafeReason(err))
			return p.Settle(ctx, log, id, quiz.StageExport, jobID, final, err, reason)
		}
		if err := p.Store.SetCanvasItemID(ctx, qn.ID, itemID); err != nil {
			return fmt.Errorf("store canvas item id: %w", err)
		}
		created++
	}
	if err := p.Store.CompleteStage(ctx, id, quiz.StageExport, jobID); err != nil && !errors.Is(err, quiz.ErrConflict) {
		return fmt.Errorf("complete export: %w", err)
	}
	log.InfoContext(ctx, "quiz exported", "canvas_quiz_id", canvasQuizID, "created", created, "reused", skipped,
		"ms", time.Since(start).Milliseconds())
	return nil
}

// item is the New Quizzes item of a question at position (SPEC 3.3), with
// the question and options HTML-escaped (the original inserted them raw).
func (p *Pipeline) item(q quiz.Question, position int) canvas.NewItem {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	ts := now().UTC().Format(time.RFC3339)
	opts := []string{q.OptionA, q.OptionB, q.OptionC, q.OptionD}
	choices := make([]map[string]any, len(opts))
	for i, o := range opts {
		choices[i] = map[string]any{"id": fmt.Sprintf("choice_%d", i+1), "position": i + 1,
			"item_body": "<p>" + html.EscapeString(o) + "</p>"}
	}
	answer := map[string]int{"A": 1, "B": 2, "C": 3, "D": 4}[q.CorrectAnswer]
	if answer == 0 {
		answer = 1
	}
	id := "item_" + q.ID.String()
	return canvas.NewItem{
		ID: id, EntryType: "Item", EntryID: id, Position: position, ItemType: "Question",
		Properties: map[string]any{"shuffle_answers": true}, PointsPossible: 1,
		Entry: canvas.ItemEntry{
			InteractionTypeSlug: "choice",
			ItemBody:            "<p>" + html.EscapeString(q.QuestionText) + "</p>",
			InteractionData:     map[string]any{"choices": choices},
			ScoringAlgorithm:    "Equivalence",
			ScoringData:         map[string]any{"value": fmt.Sprintf("choice_%d", answer)},
			CreatedAt:           ts, UpdatedAt: ts,
		},
	}
}
