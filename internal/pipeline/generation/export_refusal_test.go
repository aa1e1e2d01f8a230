package generation_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/pipeline"
	"quizgen/internal/quiz"
)

// Canvas refuses one item, then a later item meets a temporary error, so
// SQS delivers the export again; that delivery sends the rest and
// completes its pass, yet the quiz still ends failed naming the refused
// question (recorded on it when refused), which stays unapproved with
// Canvas's message. Fixed and approved again, it no longer counts: the
// next export sends only it and completes.
func TestExportRefusalSurvivesRedelivery(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	q, qs := b.typedQuiz(t)
	const pos = 2
	refused := qs[pos-1]
	items := "/api/quiz/v1/courses/37823/quizzes/10000/items"
	b.canvas.Inject(fakecanvas.Fault{Method: "POST", PathPrefix: items, Status: 400,
		Body: `{"errors":[{"message":"item[entry][interaction_data] is not valid"}]}`, Times: 1, SkipFirst: pos - 1})
	b.canvas.Inject(fakecanvas.Fault{Method: "POST", PathPrefix: items, Status: 503, Times: 1})
	require.NoError(t, b.svc.StartExport(t.Context(), b.owner.ID, q.ID, "req"))
	msg := b.jobs.last(t)
	require.ErrorIs(t, b.run(msg, 1), quiz.ErrTemporary, "the 503 makes SQS deliver the export again")
	assert.False(t, b.approvedOf(t, q.ID)[refused.ID], "unapproved when refused")

	b.sql(t, "UPDATE quiz SET export_started_at = now() - interval '1 hour' WHERE id = $1", q.ID)
	require.NoError(t, b.run(msg, 2), "the redelivery finishes")
	got := b.quiz(q.ID)
	assert.Equal(t, quiz.StatusFailed, got.ExportStatus, "the refusal of the first delivery is not lost")
	require.NotNil(t, got.FailureReason)
	assert.Contains(t, *got.FailureReason, "Exported 5 of 6 questions")
	assert.Contains(t, *got.FailureReason, "Canvas refused question "+strconv.Itoa(pos)+" ("+string(refused.Type)+
		"): item[entry][interaction_data] is not valid")
	recorded := b.canvas.Quizzes()
	require.Len(t, recorded, 1)
	require.Len(t, recorded[0].Items, 5, "the others were exported once")
	all, err := b.store.AllQuestions(t.Context(), q.ID)
	require.NoError(t, err)
	for _, qn := range all {
		if qn.ID != refused.ID {
			assert.Nil(t, qn.RejectionReason, "question %s", qn.Type)
			continue
		}
		assert.False(t, qn.IsApproved)
		require.NotNil(t, qn.RejectionReason)
		assert.Equal(t, pipeline.RejectionCanvasRefused, *qn.RejectionReason, "why, on the question")
		require.NotNil(t, qn.RejectionFeedback)
		assert.Equal(t, "item[entry][interaction_data] is not valid", *qn.RejectionFeedback)
	}

	b.sql(t, "UPDATE question SET is_approved = true, approved_at = now() WHERE id = $1", refused.ID)
	b.exportNow(t, q)
	got = b.quiz(q.ID)
	require.Equal(t, quiz.StatusCompleted, got.ExportStatus, "reason: %v", got.FailureReason)
	recorded = b.canvas.Quizzes()
	require.Len(t, recorded[0].Items, 6, "only the refused item was added")
	assert.Equal(t, pos, recorded[0].Items[5].Position)
	all, err = b.store.AllQuestions(t.Context(), q.ID)
	require.NoError(t, err)
	for _, qn := range all {
		assert.Nil(t, qn.RejectionReason, "once Canvas took it, the refusal is gone: question %s", qn.Type)
		assert.Nil(t, qn.RejectionFeedback)
	}
}
