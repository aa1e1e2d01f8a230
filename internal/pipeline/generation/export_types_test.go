package generation_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// slugOf is the interaction_type_slug each question type exports as
// (README, Export).
var slugOf = map[qtype.Name]string{
	qtype.MultipleChoice: "choice",
	qtype.MultipleAnswer: "multi-answer",
	qtype.TrueFalse:      "true-false",
	qtype.FillInBlank:    "rich-fill-blank",
	qtype.Matching:       "matching",
	qtype.Categorization: "categorization",
}

// typedQuiz makes a quiz holding one approved question of each registered
// type (the type's mock question) and returns them in export order.
func (b *bundle) typedQuiz(t *testing.T) (quiz.Quiz, []quiz.Question) {
	t.Helper()
	q, _ := b.create(6, modules[0])
	m := qtype.Material{
		Sentence: "Breadth-first search keeps its frontier in a <queue> & more.", Term: "queue",
		Sentences: []string{
			"Breadth-first search uses a queue.", "Depth-first search uses a stack.",
			"Uniform-cost search uses a priority queue.", "A* adds a heuristic to the path cost.",
			"Greedy search follows the heuristic only.", "Hill climbing keeps one state.",
			"Simulated annealing accepts worse moves.", "Beam search keeps k states.",
		},
		Terms:    []string{"queue", "stack", "priority", "heuristic", "greedy", "climbing", "annealing", "beam"},
		Others:   []string{"heap", "tree", "graph", "frontier", "agent", "goal", "state", "action"},
		Language: qtype.English, Difficulty: qtype.Medium,
	}
	var nqs []quiz.NewQuestion
	for i, typ := range qtype.All() {
		m.Variant = i
		raw, err := typ.Mock(m)
		require.NoError(t, err, typ.Name())
		nqs = append(nqs, quiz.NewQuestion{Type: typ.Name(), Data: raw, Difficulty: qtype.Medium, ModuleID: "173574"})
	}
	_, err := b.store.AddQuestions(t.Context(), q.ID, nqs)
	require.NoError(t, err)
	b.sql(t, "UPDATE question SET is_approved = true, approved_at = now() WHERE quiz_id = $1", q.ID)
	qs, err := b.store.ApprovedQuestions(t.Context(), q.ID)
	require.NoError(t, err)
	require.Len(t, qs, len(qtype.All()), "every type is exported")
	return q, qs
}

func (b *bundle) sql(t *testing.T, stmt string, args ...any) {
	t.Helper()
	_, err := b.tdb.Conn(t).Exec(t.Context(), stmt, args...)
	require.NoError(t, err)
}

// exportNow starts an export of q and runs its job once.
func (b *bundle) exportNow(t *testing.T, q quiz.Quiz) {
	t.Helper()
	require.NoError(t, b.svc.StartExport(t.Context(), b.owner.ID, q.ID, "req"))
	require.NoError(t, b.run(b.jobs.last(t), 1))
}

// sentItem is an item as the export sent it.
type sentItem struct {
	Item struct {
		ID             string         `json:"id"`
		Position       int            `json:"position"`
		PointsPossible float64        `json:"points_possible"`
		Entry          map[string]any `json:"entry"`
	} `json:"item"`
}

func decodeItems(t *testing.T, rec fakecanvas.RecordedQuiz) []sentItem {
	t.Helper()
	out := make([]sentItem, len(rec.Items))
	for i, it := range rec.Items {
		require.NoError(t, json.Unmarshal(it.Raw, &out[i]))
	}
	return out
}

// approvedOf reports which questions of quiz id are approved, by id.
func (b *bundle) approvedOf(t *testing.T, id quiz.ID) map[quiz.ID]bool {
	t.Helper()
	all, err := b.store.AllQuestions(t.Context(), id)
	require.NoError(t, err)
	out := map[quiz.ID]bool{}
	for _, qn := range all {
		out[qn.ID] = qn.IsApproved
	}
	return out
}

// One approved question of each type exports as one unpublished Canvas
// quiz with six items of the right slugs, whose points are the sum of the
// items' points, each item id recorded on its question.
func TestExportEveryQuestionType(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	q, qs := b.typedQuiz(t)
	b.exportNow(t, q)

	got := b.quiz(q.ID)
	require.Equal(t, quiz.StatusCompleted, got.ExportStatus, "reason: %v", got.FailureReason)
	recorded := b.canvas.Quizzes()
	require.Len(t, recorded, 1, "one Canvas quiz")
	items := decodeItems(t, recorded[0])
	require.Len(t, items, len(qs), "one item per question")
	var sum float64
	for i, it := range items {
		qn := qs[i]
		assert.Equal(t, slugOf[qn.Type], recorded[0].Items[i].Slug, "item %d is %s", i+1, qn.Type)
		assert.Equal(t, i+1, it.Item.Position)
		assert.Equal(t, "item_"+qn.ID.String(), it.Item.ID, "the item id we choose")
		assert.True(t, strings.HasSuffix(it.Item.Entry["title"].(string), " quizgen:"+qn.ID.String()),
			"the title ends with the question's marker: %q", it.Item.Entry["title"])
		assert.Equal(t, it.Item.PointsPossible, it.Item.Entry["points_possible"], "points in the item and its entry")
		typ, _ := qtype.Lookup(qn.Type)
		ci, err := typ.Canvas(qn.Data, func() string { return "x" })
		require.NoError(t, err)
		assert.Equal(t, ci.Points, it.Item.PointsPossible, "%s's points", qn.Type)
		sum += it.Item.PointsPossible
		assert.NotContains(t, it.Item.Entry["item_body"], "<queue>", "texts are HTML-escaped")
	}
	assert.Greater(t, sum, float64(len(qs)), "some types count more than one point")
	var quizBody struct {
		PointsPossible float64 `json:"points_possible"`
		Published      *bool   `json:"published"`
	}
	require.NoError(t, json.Unmarshal(recorded[0].Raw, &quizBody))
	assert.Equal(t, sum, quizBody.PointsPossible, "the quiz's points are the items' sum")
	require.NotNil(t, quizBody.Published)
	assert.False(t, *quizBody.Published, "created unpublished")

	ids := map[string]bool{}
	for _, it := range recorded[0].Items {
		ids[it.ID] = true
	}
	after, err := b.store.ApprovedQuestions(t.Context(), q.ID)
	require.NoError(t, err)
	for _, qn := range after {
		require.NotNil(t, qn.CanvasItemID, "%s has its item id", qn.Type)
		assert.True(t, ids[*qn.CanvasItemID])
	}
}

// Canvas refuses the matching item (a 400 for it): the question is left
// unapproved with the reason naming it, the other five are exported, the
// quiz ends failed; approved again, a retried export sends only it.
func TestExportRefusedQuestionUnapprovedOthersExported(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	q, qs := b.typedQuiz(t)
	pos := 0
	for i, qn := range qs {
		if qn.Type == qtype.Matching {
			pos = i + 1
		}
	}
	refused := qs[pos-1]
	b.canvas.Inject(fakecanvas.Fault{Method: "POST", PathPrefix: "/api/quiz/v1/courses/37823/quizzes/10000/items", Status: 400,
		Body: `{"errors":[{"message":"item[entry][scoring_data] is not valid"}]}`, Times: 1, SkipFirst: pos - 1})
	b.exportNow(t, q)

	got := b.quiz(q.ID)
	assert.Equal(t, quiz.StatusFailed, got.ExportStatus)
	require.NotNil(t, got.FailureReason)
	assert.Contains(t, *got.FailureReason, "Exported 5 of 6 questions")
	assert.Contains(t, *got.FailureReason, "Canvas refused question "+strconv.Itoa(pos)+" (matching): item[entry][scoring_data] is not valid")
	approved := b.approvedOf(t, q.ID)
	for _, qn := range qs {
		assert.Equal(t, qn.ID != refused.ID, approved[qn.ID], "only the refused question is unapproved (%s)", qn.Type)
	}
	recorded := b.canvas.Quizzes()
	require.Len(t, recorded, 1)
	require.Len(t, recorded[0].Items, 5, "the others were exported")
	for _, it := range recorded[0].Items {
		assert.NotEqual(t, "matching", it.Slug)
	}

	// The teacher fixes it (here nothing to fix: the refusal was a one-off)
	// and approves it again; the retry sends only it.
	b.sql(t, "UPDATE question SET is_approved = true, approved_at = now() WHERE id = $1", refused.ID)
	b.exportNow(t, q)
	got = b.quiz(q.ID)
	require.Equal(t, quiz.StatusCompleted, got.ExportStatus, "reason: %v", got.FailureReason)
	recorded = b.canvas.Quizzes()
	require.Len(t, recorded, 1, "the same Canvas quiz")
	require.Len(t, recorded[0].Items, 6, "only the missing item was added")
	assert.Equal(t, "matching", recorded[0].Items[5].Slug)
	assert.Equal(t, pos, recorded[0].Items[5].Position)
}

// A question whose stored data breaks its type's rules (written behind the
// store's back) is not sent at all: unapproved, named in the reason, the
// others exported; fixed and approved again, the retry sends only it.
func TestExportInvalidStoredQuestionUnapprovedOthersExported(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	q, qs := b.typedQuiz(t)
	pos := 0
	for i, qn := range qs {
		if qn.Type == qtype.Categorization {
			pos = i + 1
		}
	}
	bad := qs[pos-1]
	b.sql(t, `UPDATE question SET question_data = question_data - 'categories' WHERE id = $1`, bad.ID)
	b.exportNow(t, q)

	got := b.quiz(q.ID)
	assert.Equal(t, quiz.StatusFailed, got.ExportStatus)
	require.NotNil(t, got.FailureReason)
	assert.Contains(t, *got.FailureReason, "question "+strconv.Itoa(pos)+" (categorization) is invalid: ")
	assert.False(t, b.approvedOf(t, q.ID)[bad.ID], "left unapproved")
	recorded := b.canvas.Quizzes()
	require.Len(t, recorded, 1)
	require.Len(t, recorded[0].Items, 5, "the others were exported, the invalid one never sent")

	b.sql(t, "UPDATE question SET question_data = $2, is_approved = true, approved_at = now() WHERE id = $1", bad.ID, bad.Data)
	b.exportNow(t, q)
	require.Equal(t, quiz.StatusCompleted, b.quiz(q.ID).ExportStatus)
	recorded = b.canvas.Quizzes()
	require.Len(t, recorded[0].Items, 6, "only the fixed item was added")
	assert.Equal(t, "categorization", recorded[0].Items[5].Slug)
}
