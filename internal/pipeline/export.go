package pipeline

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"quizgen/internal/canvas"
	"quizgen/internal/quiz"
)

// export pushes the approved questions to Canvas (SPEC 3.3), safe for
// redelivery; every error it meets goes through Settle.
func (p *Pipeline) export(ctx context.Context, log *slog.Logger, id, jobID quiz.ID, final bool) error {
	return p.Settle(ctx, log, id, quiz.StageExport, jobID, final, p.runExport(ctx, log, id, jobID))
}

// runExport does the export. A redelivered job (after a crash, a timeout
// or a lost write) creates nothing twice: the Canvas quiz id and each item
// id are stored as soon as Canvas returns them (the write tried a few
// times); when no quiz id is stored, a quiz carrying this quiz's marker in
// its instructions is reused; and before creating items the quiz's items
// are listed, so an item carrying a question's marker in its title is
// recorded instead of created again. An export whose items did not all
// succeed ends failed with the reason.
func (p *Pipeline) runExport(ctx context.Context, log *slog.Logger, id, jobID quiz.ID) error {
	q, goOn, err := p.Take(ctx, log, id, quiz.StageExport, jobID)
	if err != nil || !goOn {
		return err
	}
	start := time.Now()
	tok, err := p.Token(ctx, q)
	if err != nil {
		return Fail(err, TokenReason(err))
	}
	qs, err := p.Store.ApprovedQuestions(ctx, id)
	if err != nil {
		return Retry(fmt.Errorf("read approved questions: %w", err), "Export to Canvas failed: "+DatabaseReason)
	}
	if len(qs) == 0 {
		return Permanent(errors.New("no approved questions"), "Quiz has no approved questions to export")
	}
	canvasQuizID, fresh, err := p.canvasQuiz(ctx, log, tok, q, len(qs), jobID)
	if err != nil || canvasQuizID == "" {
		return err
	}
	// Items an earlier run created but did not record, by marker.
	existing := map[string]string{}
	if !fresh && slices.ContainsFunc(qs, func(qn quiz.Question) bool { return !hasItem(qn) }) {
		items, err := p.Canvas.ListItems(ctx, tok, q.CanvasCourseID, canvasQuizID)
		if err != nil {
			return Fail(err, "Reading the quiz's items in Canvas failed: "+SafeReason(err))
		}
		for _, it := range items {
			if m := itemMarkerIn(it.Title); m != "" {
				existing[m] = it.ID
			}
		}
	}
	created, found, skipped := 0, 0, 0
	for i, qn := range qs {
		if hasItem(qn) {
			skipped++
			continue
		}
		itemID, ok := existing[itemMarker(qn.ID)]
		if ok {
			found++
		} else {
			itemID, err = p.Canvas.CreateItem(ctx, tok, q.CanvasCourseID, canvasQuizID, p.item(qn, i+1))
			if err != nil {
				return Fail(err, fmt.Sprintf("Exported %d of %d questions; question %d failed: %s",
					skipped+found+created, len(qs), i+1, SafeReason(err)))
			}
			created++
		}
		err := p.write(ctx, log, "canvas item id", func(ctx context.Context) error {
			return p.Store.SetCanvasItemID(ctx, id, jobID, qn.ID, itemID)
		})
		switch {
		case errors.Is(err, quiz.ErrConflict):
			log.InfoContext(ctx, "export was taken over meanwhile; stopping", "canvas_item_id", itemID)
			return nil
		case err != nil:
			return Retry(fmt.Errorf("store canvas item id %s: %w", itemID, err), "Export to Canvas failed: "+DatabaseReason)
		}
	}
	err = p.write(ctx, log, "complete export", func(ctx context.Context) error {
		return p.Store.CompleteStage(ctx, id, quiz.StageExport, jobID)
	})
	switch {
	case errors.Is(err, quiz.ErrConflict):
		log.InfoContext(ctx, "export was taken over meanwhile")
		return nil
	case err != nil:
		return Retry(fmt.Errorf("complete export: %w", err), "Export to Canvas failed: "+DatabaseReason)
	}
	log.InfoContext(ctx, "quiz exported", "canvas_quiz_id", canvasQuizID, "created", created, "found", found,
		"reused", skipped, "ms", time.Since(start).Milliseconds())
	return nil
}

// canvasQuiz returns the Canvas quiz of the export and whether this run
// created it (then it has no items yet): the stored one, else the one of
// the course carrying q's marker (a run that created it and lost the
// write), else a new one, whose id is stored at once. An empty id with a
// nil error means the job lost the stage.
func (p *Pipeline) canvasQuiz(ctx context.Context, log *slog.Logger, tok string, q quiz.Quiz, points int, jobID quiz.ID) (string, bool, error) {
	if q.CanvasQuizID != nil && *q.CanvasQuizID != "" {
		return *q.CanvasQuizID, false, nil
	}
	marker := quizMarker(q.ID)
	listed, err := p.Canvas.ListQuizzes(ctx, tok, q.CanvasCourseID)
	if err != nil {
		return "", false, Fail(err, "Reading the course's quizzes in Canvas failed: "+SafeReason(err))
	}
	canvasQuizID, fresh := "", false
	for _, l := range listed {
		if strings.Contains(l.Instructions, marker) {
			canvasQuizID = l.ID
			log.InfoContext(ctx, "reusing the Canvas quiz an earlier run created", "canvas_quiz_id", canvasQuizID)
			break
		}
	}
	if canvasQuizID == "" {
		canvasQuizID, err = p.Canvas.CreateQuiz(ctx, tok, q.CanvasCourseID, canvas.NewQuiz{
			Title: q.Title, Instructions: instructionsMarker(marker), PointsPossible: points,
			QuizSettings: canvas.QuizSettings{ShuffleQuestions: true, ShuffleAnswers: true, TimeLimit: 60,
				MultipleAttempts: false, ScoringPolicy: "keep_highest"},
		})
		if err != nil {
			return "", false, Fail(err, "Creating the quiz in Canvas failed: "+SafeReason(err))
		}
		fresh = true
	}
	err = p.write(ctx, log, "canvas quiz id", func(ctx context.Context) error {
		return p.Store.SetCanvasQuizID(ctx, q.ID, jobID, canvasQuizID)
	})
	switch {
	case errors.Is(err, quiz.ErrConflict):
		log.InfoContext(ctx, "export was taken over meanwhile; stopping", "canvas_quiz_id", canvasQuizID)
		return "", false, nil
	case err != nil:
		return "", false, Retry(fmt.Errorf("store canvas quiz id %s: %w", canvasQuizID, err), "Export to Canvas failed: "+DatabaseReason)
	}
	return canvasQuizID, fresh, nil
}

// The markers that let a later run recognise what an export created: a
// quiz's instructions carry "quizgen:<quiz id>", an item's title
// "quizgen:<question id>" (ids are UUIDs, so neither is a prefix of
// another).
const markerPrefix = "quizgen:"

func quizMarker(id quiz.ID) string { return markerPrefix + id.String() }

// instructionsMarker hides the quiz marker from students where Canvas keeps
// the paragraph's style (display is among the CSS properties its HTML
// sanitiser allows); where it does not, the marker shows as one small line.
// Either way the text stays in the instructions Canvas echoes back.
func instructionsMarker(marker string) string {
	return `<p style="display: none;"><small>` + marker + `</small></p>`
}
func itemMarker(id quiz.ID) string { return markerPrefix + id.String() }

// itemMarkerIn returns the item marker in an item title, or "".
func itemMarkerIn(title string) string {
	i := strings.Index(title, markerPrefix)
	if i < 0 {
		return ""
	}
	id, err := uuid.Parse(strings.TrimSpace(title[i+len(markerPrefix):]))
	if err != nil {
		return ""
	}
	return itemMarker(id)
}

func hasItem(q quiz.Question) bool { return q.CanvasItemID != nil && *q.CanvasItemID != "" }

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
			Title:               fmt.Sprintf("Question %d %s", position, itemMarker(q.ID)),
			InteractionTypeSlug: "choice",
			ItemBody:            "<p>" + html.EscapeString(q.QuestionText) + "</p>",
			InteractionData:     map[string]any{"choices": choices},
			ScoringAlgorithm:    "Equivalence",
			ScoringData:         map[string]any{"value": fmt.Sprintf("choice_%d", answer)},
			CreatedAt:           ts, UpdatedAt: ts,
		},
	}
}
