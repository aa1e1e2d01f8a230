package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/pipeline"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
)

// A job's Run holds its message's ids, its delivery's Final, the stage
// of its kind, and a logger naming the quiz, the kind, the attempt and
// (for a batch job) the batch.
func TestNewRun(t *testing.T) {
	quizID, jobID, batchID := uuid.New(), uuid.New(), uuid.New()
	for _, tc := range []struct {
		kind      queue.Kind
		batch     quiz.ID
		stage     quiz.Stage
		logsBatch bool
	}{
		{kind: queue.KindExtract, stage: quiz.StageExtraction},
		{kind: queue.KindGenerate, stage: quiz.StageGeneration},
		{kind: queue.KindGenerateBatch, batch: batchID, stage: quiz.StageGeneration, logsBatch: true},
		{kind: queue.KindExport, stage: quiz.StageExport},
		{kind: "unknown", stage: ""},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			var logs bytes.Buffer
			p := &pipeline.Pipeline{Log: slog.New(slog.NewJSONHandler(&logs, nil))}
			r := p.NewRun(queue.Job{
				Message: queue.Message{Version: queue.Version, Kind: tc.kind, QuizID: quizID, JobID: jobID, BatchID: tc.batch},
				Attempt: 5, Final: true,
			})
			assert.Equal(t, pipeline.Run{Log: r.Log, QuizID: quizID, JobID: jobID, BatchID: tc.batch, Stage: tc.stage, Final: true}, r)

			r.Log.InfoContext(context.Background(), "hello")
			var line map[string]any
			require.NoError(t, json.Unmarshal(logs.Bytes(), &line))
			assert.Equal(t, quizID.String(), line["quiz_id"])
			assert.Equal(t, string(tc.kind), line["job"])
			assert.EqualValues(t, 5, line["attempt"])
			if tc.logsBatch {
				assert.Equal(t, batchID.String(), line["batch_id"])
			} else {
				assert.NotContains(t, line, "batch_id")
			}
		})
	}
}
