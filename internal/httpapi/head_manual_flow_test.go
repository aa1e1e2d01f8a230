package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/canvas"
	"quizgen/internal/canvastoken"
	"quizgen/internal/content"
	"quizgen/internal/llm"
	"quizgen/internal/logging"
	"quizgen/internal/pipeline"
	"quizgen/internal/pipeline/generation"
	"quizgen/internal/queue"
	"quizgen/internal/quiz/qtype"
)

// manualGenerator is the generate function's job handler on e's store
// and fake Canvas, with the mock LLM, batches run in the job itself.
func (e *env) manualGenerator() *generation.Generator {
	e.t.Helper()
	log := logging.Discard()
	cc, err := canvas.New(canvas.Config{BaseURL: e.canvas.URL(), ClientID: "client-id", ClientSecret: "client-secret",
		HTTPClient: &http.Client{Timeout: 10 * time.Second}, MaxRetries: -1, Log: log})
	require.NoError(e.t, err)
	return &generation.Generator{
		Pipeline: &pipeline.Pipeline{Store: e.store, Tokens: canvastoken.Source{Store: e.store, Canvas: cc, Cipher: e.cipher},
			Canvas: cc, Log: log},
		Extractor: &content.Extractor{Source: cc, Log: log},
		Runs:      e.store,
		Batches:   &llm.BatchWriter{Provider: llm.NewBatchMock(0), Log: log},
	}
}

// The module an upload answers goes as it is into POST /quiz/ beside a
// Canvas module (as today's frontend sends it), and the extraction job
// stores its text under its id next to the Canvas module's content.
func TestManualUploadToQuizExtracted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.signIn(teacherID)

	for _, tc := range []struct {
		name  string
		parts []manualPart
	}{
		{"text", []manualPart{manualField("name", "Fotosyntese"), manualField("text_content", headManualText)}},
		{"PDFs", []manualPart{manualField("name", "Pensum"), manualFile("files", "csp.pdf", manualPDF(t, "lecture_helvetica.pdf")),
			manualFile("files", "mdp.pdf", manualPDF(t, "lecture_utf8.pdf"))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.manualUpload(u.jwt, false, tc.parts...)
			require.Equal(t, http.StatusOK, r.Code, r.Body.String())
			up := r.obj()
			id := up["module_id"].(string)

			// What create-quiz.tsx sends for a manual module.
			body := headBody{"canvas_course_id": courseAI, "canvas_course_name": "INF-2600 AI", "title": "Blanda",
				"selected_modules": map[string]any{
					"173468": map[string]any{"name": "Constraint Satisfaction Problems", "source_type": "canvas",
						"question_batches": []any{headBatch(qtype.MultipleChoice, 2, qtype.Medium)}},
					id: map[string]any{"name": up["name"], "source_type": "manual", "content": up["full_content"],
						"word_count": up["word_count"], "processing_metadata": up["processing_metadata"],
						"question_batches": []any{headBatch(qtype.TrueFalse, 2, qtype.Easy)}},
				}}
			q := e.createTyped(u, body)
			quizID := q["id"].(string)

			msgs := e.received(e.genURL)
			require.Len(t, msgs, 1)
			require.Equal(t, queue.KindExtract, msgs[0].Kind)
			require.NoError(t, e.manualGenerator().Handle(t.Context(), queue.Job{Message: msgs[0], ID: uuid.NewString(), Attempt: 1}))

			got := e.do("GET", "/quiz/"+quizID, u.jwt, nil)
			require.Equal(t, http.StatusOK, got.Code, got.Body.String())
			gq := got.obj()
			extracted, ok := gq["extracted_content"].(map[string]any)
			require.True(t, ok, "extracted_content: %v", gq["extracted_content"])
			items, ok := extracted[id].([]any)
			require.True(t, ok, "the manual module's content is under its id: %v", extracted)
			require.Len(t, items, 1)
			assert.Equal(t, up["full_content"], items[0].(map[string]any)["content"])
			assert.NotEmpty(t, extracted["173468"], "the Canvas module's content is there too")
			assert.Contains(t, []any{"ready_for_review", "ready_for_review_partial"}, gq["status"], "generation ran on both")
		})
	}
}

// maxUploadBody is the API's limit for an upload (4,669,440 bytes): 3/4 of
// the 6 MB Lambda event less the room kept for its envelope.
const maxUploadBody = (6<<20 - 64<<10) / 4 * 3

// An upload reaches the handler through API Gateway's event intact: the
// multipart body base64-encoded, as API Gateway sends a binary body; an
// event with the largest body the API accepts fits in Lambda's 6 MB, and
// one byte more is the 413.
func TestManualUploadThroughLambda(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.signIn(teacherID)
	adapter := httpadapter.NewV2(e.h)
	event := func(body []byte, ct string) ([]byte, int, string) {
		t.Helper()
		ev := lambdaEvent(t, "patch-me-base64.json", map[string]string{"TOKEN": u.jwt})
		ev.RawPath, ev.RequestContext.HTTP.Path, ev.RequestContext.HTTP.Method = "/quiz/manual-modules/upload", "/quiz/manual-modules/upload", "POST"
		ev.Headers["content-type"] = ct
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		raw, err := json.Marshal(ev)
		require.NoError(t, err)
		ctx := lambdacontext.NewContext(t.Context(), &lambdacontext.LambdaContext{AwsRequestID: "aws-req-upload"})
		resp, err := adapter.ProxyWithContext(ctx, ev)
		require.NoError(t, err)
		out := resp.Body
		if resp.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(resp.Body)
			require.NoError(t, err)
			out = string(b)
		}
		return raw, resp.StatusCode, out
	}

	body, ct := manualForm(t, manualField("name", "Markov – æøå"), manualFile("files", "mdp.pdf", manualPDF(t, "lecture_utf8.pdf")))
	_, status, out := event(body, ct)
	require.Equal(t, http.StatusOK, status, out)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	assert.Equal(t, "Markov – æøå", m["name"])
	assert.True(t, strings.HasPrefix(m["full_content"].(string), "Markov-beslutningsprosesser\nEn MDP er et 4-tuppel (S, A, P, R) der γ ∈ [0, 1)"),
		"the PDF's bytes arrived intact: %q", m["full_content"])

	// The largest body: a PDF and an ignored field filling the rest.
	body, ct = manualForm(t, manualField("name", "N"), manualFile("files", "csp.pdf", manualPDF(t, "lecture_helvetica.pdf")),
		manualField("padding", ""))
	pad := strings.Repeat("x", maxUploadBody-len(body)) // the boundary's length is fixed
	body, ct = manualForm(t, manualField("name", "N"), manualFile("files", "csp.pdf", manualPDF(t, "lecture_helvetica.pdf")),
		manualField("padding", pad))
	require.Len(t, body, maxUploadBody)
	raw, status, out := event(body, ct)
	require.Equal(t, http.StatusOK, status, out)
	assert.LessOrEqual(t, len(raw), 6<<20, "the event of the largest upload fits in Lambda's 6 MB")

	body = append(body[:len(body):len(body)], '\n') // after the closing boundary: still well-formed, one byte over
	_, status, out = event(body, ct)
	assert.Equal(t, http.StatusRequestEntityTooLarge, status, out)
	assert.Contains(t, out, "at most 4.4 MB")
}
