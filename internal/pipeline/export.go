package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"quizgen/internal/canvas"
	"quizgen/internal/db"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// export pushes the approved questions to Canvas (docs/compatibility.md, Canvas), safe for
// redelivery; every error it meets goes through Settle.
func (p *Pipeline) export(ctx context.Context, r Run) error {
	return p.Settle(ctx, r, p.runExport(ctx, r))
}

// runExport does the export. A redelivered job (after a crash, a timeout
// or a lost write) creates nothing twice: the Canvas quiz id and each item
// id are stored as soon as Canvas returns them (the write tried a few
// times); when no quiz id is stored, a quiz carrying this quiz's marker in
// its instructions is reused; and before creating items the quiz's items
// are listed, so an item carrying a question's marker in its title is
// recorded instead of created again.
//
// Every approved question of any type is sent as its type's item (qtype's
// Canvas). A question Canvas refuses (a 4xx about the item, see refusal)
// or that no longer passes its type's rules is left unapproved for the
// teacher to fix, with why recorded on it in the same write
// (RejectionCanvasRefused or RejectionInvalid), and the export goes on
// with the others; the quiz then ends failed with a reason naming each
// such question, and a retried export sends only what is missing. The
// reason is built from what is recorded, not from what this delivery
// saw: a delivery that follows one stopped by a temporary error (its
// refused questions no longer approved, so not read again) still ends
// failed naming them, and a question fixed and approved again, or
// deleted, no longer counts. Any other failure of an item stops the
// export with the reason.
func (p *Pipeline) runExport(ctx context.Context, r Run) error {
	q, goOn, err := p.Take(ctx, r)
	if err != nil || !goOn {
		return err
	}
	start := time.Now()
	tok, err := p.Token(ctx, q)
	if err != nil {
		return Fail(err, TokenReason(err))
	}
	qs, err := p.Store.ApprovedQuestions(ctx, r.QuizID)
	if err != nil {
		return Retry(fmt.Errorf("read approved questions: %w", err), "Export to Canvas failed: "+DatabaseReason)
	}
	if len(qs) == 0 {
		return Permanent(errors.New("no approved questions"), "Quiz has no approved questions to export")
	}
	// Every item is built first: the quiz's points are their sum.
	items := make([]canvas.NewItem, len(qs))
	invalid := make([]error, len(qs))
	var points float64
	for i, qn := range qs {
		items[i], invalid[i] = itemOf(qn, i+1)
		if invalid[i] == nil {
			points += items[i].PointsPossible
		}
	}
	canvasQuizID, fresh, err := p.canvasQuiz(ctx, r, tok, q, points)
	if err != nil || canvasQuizID == "" {
		return err
	}
	// Items an earlier run created but did not record, by marker.
	existing := map[string]string{}
	if !fresh && slices.ContainsFunc(qs, func(qn quiz.Question) bool { return !hasItem(qn) }) {
		listed, err := p.Canvas.ListItems(ctx, tok, q.CanvasCourseID, canvasQuizID)
		if err != nil {
			return Fail(err, "Reading the quiz's items in Canvas failed: "+SafeReason(err))
		}
		for _, it := range listed {
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
		why, msg := "", ""
		switch {
		case ok:
			found++
		case invalid[i] != nil:
			why, msg = RejectionInvalid, SafeReason(invalid[i])
		default:
			itemID, err = p.Canvas.CreateItem(ctx, tok, q.CanvasCourseID, canvasQuizID, items[i])
			if m, ok := canvas.ItemRefused(err); ok {
				why, msg = RejectionCanvasRefused, m
				break
			}
			if err != nil {
				return Fail(err, fmt.Sprintf("Exported %d of %d questions; question %d failed: %s",
					skipped+found+created, len(qs), i+1, SafeReason(err)))
			}
			created++
		}
		if why != "" {
			// The teacher fixes the question and approves it again; a
			// retried export then sends it.
			r.Log.WarnContext(ctx, "question not exported; unapproving it", "question_id", qn.ID, "reason", why, "message", msg)
			err := Save(ctx, r, "unapprove refused question", func(ctx context.Context) error {
				return p.Store.RefuseQuestion(ctx, r.QuizID, r.JobID, qn.ID, why, msg)
			})
			switch {
			case errors.Is(err, quiz.ErrConflict):
				r.Log.InfoContext(ctx, "export was taken over meanwhile; stopping", "question_id", qn.ID)
				return nil
			case err != nil:
				return Retry(fmt.Errorf("unapprove refused question %s: %w", qn.ID, err), "Export to Canvas failed: "+DatabaseReason)
			}
			continue
		}
		err := Save(ctx, r, "canvas item id", func(ctx context.Context) error {
			return p.Store.SetCanvasItemID(ctx, r.QuizID, r.JobID, qn.ID, itemID)
		})
		switch {
		case errors.Is(err, quiz.ErrConflict):
			r.Log.InfoContext(ctx, "export was taken over meanwhile; stopping", "canvas_item_id", itemID)
			return nil
		case err != nil:
			return Retry(fmt.Errorf("store canvas item id %s: %w", itemID, err), "Export to Canvas failed: "+DatabaseReason)
		}
	}
	refused, err := p.Store.ExportRefusals(ctx, r.QuizID, []string{RejectionCanvasRefused, RejectionInvalid})
	if err != nil {
		return Retry(fmt.Errorf("read refused questions: %w", err), "Export to Canvas failed: "+DatabaseReason)
	}
	if len(refused) > 0 {
		exported := skipped + found + created
		return Permanent(fmt.Errorf("%d questions not exported", len(refused)), refusedReason(exported, refused))
	}
	err = Save(ctx, r, "complete export", func(ctx context.Context) error {
		return p.Store.CompleteStage(ctx, r.QuizID, r.Stage, r.JobID)
	})
	switch {
	case errors.Is(err, quiz.ErrConflict):
		r.Log.InfoContext(ctx, "export was taken over meanwhile")
		return nil
	case err != nil:
		return Retry(fmt.Errorf("complete export: %w", err), "Export to Canvas failed: "+DatabaseReason)
	}
	r.Log.InfoContext(ctx, "quiz exported", "canvas_quiz_id", canvasQuizID, "created", created, "found", found,
		"reused", skipped, "ms", time.Since(start).Milliseconds())
	return nil
}

// The rejection reasons an export records on a question it leaves
// unapproved (rejection_reason; rejection_feedback holds the message).
// They sit on the question rather than in the quiz's
// generation_metadata: the same write that unapproves the question
// records them, a redelivery finds them with the question, a generation
// run (which rewrites generation_metadata) cannot lose them, and the
// teacher sees on the question why it was not exported. A teacher's
// deletion reason replaces them, and a deleted question is not exported
// anyway.
const (
	// RejectionCanvasRefused: Canvas refused the question's item (a 4xx
	// about the item); the feedback is Canvas's message.
	RejectionCanvasRefused = "canvas_refused"
	// RejectionInvalid: the question's stored data breaks its type's
	// rules, so it was not sent; the feedback is the type's message.
	RejectionInvalid = "invalid_for_export"
)

// refusedReason is the failure reason of an export that sent exported
// questions and left the refused ones unapproved, naming each refused
// question by its place in the teacher's list, its type and why.
func refusedReason(exported int, refused []db.ExportRefusal) string {
	whys := make([]string, len(refused))
	for i, r := range refused {
		if r.Reason == RejectionInvalid {
			whys[i] = fmt.Sprintf("question %d (%s) is invalid: %s", r.Position, r.Type, r.Feedback)
		} else {
			whys[i] = fmt.Sprintf("Canvas refused question %d (%s): %s", r.Position, r.Type, r.Feedback)
		}
	}
	return fmt.Sprintf("Exported %d of %d questions; %s (left unapproved: fix, approve and export again)",
		exported, exported+len(refused), strings.Join(whys, "; "))
}

// canvasQuiz returns the Canvas quiz of the export and whether this run
// created it (then it has no items yet): the stored one, else the one of
// the course carrying q's marker (a run that created it and lost the
// write), else a new one, whose id is stored at once. An empty id with a
// nil error means the job lost the stage.
func (p *Pipeline) canvasQuiz(ctx context.Context, r Run, tok string, q quiz.Quiz, points float64) (string, bool, error) {
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
			r.Log.InfoContext(ctx, "reusing the Canvas quiz an earlier run created", "canvas_quiz_id", canvasQuizID)
			break
		}
	}
	if canvasQuizID == "" {
		canvasQuizID, err = p.Canvas.CreateQuiz(ctx, tok, q.CanvasCourseID, canvas.NewQuiz{
			Title: q.Title, Instructions: instructionsMarker(marker), PointsPossible: points, Published: false,
			QuizSettings: canvas.QuizSettings{ShuffleQuestions: true, ShuffleAnswers: true, TimeLimit: 60,
				MultipleAttempts: false, ScoringPolicy: "keep_highest"},
		})
		if err != nil {
			return "", false, Fail(err, "Creating the quiz in Canvas failed: "+SafeReason(err))
		}
		fresh = true
	}
	err = Save(ctx, r, "canvas quiz id", func(ctx context.Context) error {
		return p.Store.SetCanvasQuizID(ctx, q.ID, r.JobID, canvasQuizID)
	})
	switch {
	case errors.Is(err, quiz.ErrConflict):
		r.Log.InfoContext(ctx, "export was taken over meanwhile; stopping", "canvas_quiz_id", canvasQuizID)
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

// itemMarkerIn returns the item marker at the end of an item title, or
// "". The title starts with the question's text, which may itself hold
// "quizgen:", so the last one counts.
func itemMarkerIn(title string) string {
	i := strings.LastIndex(title, markerPrefix)
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

// itemOf is the New Quizzes item of question q at position (README,
// Export): the entry its type builds (qtype's Canvas, with the payload of
// the type, its points and every text HTML-escaped, fresh uuids for the
// ids inside it), the item id we choose ("item_<question id>"), and the
// question's marker appended to the entry's title so that a later run
// finds the item. The error is the type's *qtype.ValidationError when the
// stored data breaks the type's rules, or an unknown type.
func itemOf(q quiz.Question, position int) (canvas.NewItem, error) {
	typ, ok := qtype.Lookup(q.Type)
	if !ok {
		return canvas.NewItem{}, fmt.Errorf("unknown question type %q", q.Type)
	}
	ci, err := typ.Canvas(q.Data, uuid.NewString)
	if err != nil {
		return canvas.NewItem{}, err
	}
	title, _ := ci.Entry["title"].(string)
	ci.Entry["title"] = strings.TrimSpace(title + " " + itemMarker(q.ID))
	id := "item_" + q.ID.String()
	return canvas.NewItem{
		ID: id, EntryType: "Item", EntryID: id, Position: position, ItemType: "Question",
		PointsPossible: ci.Points, Entry: ci.Entry,
	}, nil
}
