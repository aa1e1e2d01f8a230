package httpapi_test

import (
	"net/http"
	"testing"
	"time"

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
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// headGenBody is today's QuizCreate of one Canvas module with two
// batches: 3 multiple_choice (medium) and 2 true_false (easy).
func headGenBody() headBody {
	return headBody{
		"canvas_course_id": courseAI, "canvas_course_name": "INF-2600 AI",
		"selected_modules": map[string]any{
			"173468": map[string]any{"name": "Constraint Satisfaction Problems", "question_batches": []any{
				headBatch(qtype.MultipleChoice, 3, qtype.Medium), headBatch(qtype.TrueFalse, 2, qtype.Easy)}},
		},
		"title": "Regenerated",
	}
}

// headGenRunJobs runs every message on e's generate queue with the
// generate function's handler (mock LLM; the batches of a generation job
// run inside it), until the queue is empty.
func headGenRunJobs(t *testing.T, e *env) []queue.Message {
	t.Helper()
	cc, err := canvas.New(canvas.Config{BaseURL: e.canvas.URL(), ClientID: "client-id", ClientSecret: "client-secret",
		HTTPClient: &http.Client{Timeout: 10 * time.Second}, MaxRetries: -1, Log: logging.Discard()})
	require.NoError(t, err)
	log := logging.Discard()
	g := &generation.Generator{
		Pipeline: &pipeline.Pipeline{Store: e.store, Tokens: canvastoken.Source{Store: e.store, Canvas: cc, Cipher: e.cipher},
			Canvas: cc, Log: log},
		Extractor: &content.Extractor{Source: cc, Log: log},
		Runs:      e.store,
		Batches:   &llm.BatchWriter{Provider: llm.NewBatchMock(0), Log: log},
	}
	var all []queue.Message
	for range 10 { // each round's jobs publish nothing more: bounded
		ms := e.received(e.genURL)
		if len(ms) == 0 {
			return all
		}
		for _, m := range ms {
			require.NoError(t, g.Handle(t.Context(), queue.Job{Message: m, ID: m.JobID.String(), Attempt: 1}))
		}
		all = append(all, ms...)
	}
	t.Fatal("the generate queue never emptied")
	return nil
}

// headGenQuiz creates a quiz through the root and runs its extraction and
// generation to the end.
func headGenQuiz(t *testing.T, e *env, u user) string {
	t.Helper()
	id := e.createTyped(u, headGenBody())["id"].(string)
	headGenRunJobs(t, e)
	q := e.do("GET", "/quiz/"+id, u.jwt, nil).obj()
	require.Equal(t, "ready_for_review", q["status"], q)
	return id
}

// liveQuestions returns the questions of quiz id as today's list shows
// them, by id.
func liveQuestions(t *testing.T, e *env, u user, id string) map[string]map[string]any {
	t.Helper()
	r := e.do("GET", "/questions/"+id+"?limit=100", u.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	out := map[string]map[string]any{}
	for _, q := range r.list() {
		m := q.(map[string]any)
		out[m["id"].(string)] = m
	}
	return out
}

// Regenerating a batch end to end: the route queues one generate_batch
// message, the quiz stays ready_for_review meanwhile (today's status does
// not change; today's client does not poll in review), and the batch job
// appends count new questions of that type and difficulty, the existing
// ones untouched; question_count is then the live count.
func TestHeadQuizRegenerateBatchEndToEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.signIn(teacherID)
	id := headGenQuiz(t, e, u)
	before := liveQuestions(t, e, u, id)
	require.Len(t, before, 5)
	assert.EqualValues(t, 5, e.do("GET", "/quiz/"+id, u.jwt, nil).obj()["question_count"])

	r := e.do("POST", "/quiz/"+id+"/regenerate-batch", u.jwt, map[string]any{
		"module_id": "173468", "question_type": "multiple_choice", "count": 2, "difficulty": "medium"})
	assertMessage(t, r, "Batch regeneration started")

	q := e.do("GET", "/quiz/"+id, u.jwt, nil).obj()
	assert.Equal(t, "ready_for_review", q["status"], "a regeneration leaves today's status as it was")
	assert.EqualValues(t, 5, q["question_count"])
	assert.Equal(t, "Quiz must be in review state for batch regeneration",
		e.do("POST", "/quiz/"+id+"/regenerate-batch", u.jwt, map[string]any{
			"module_id": "173468", "question_type": "true_false", "count": 1, "difficulty": "easy"}).detail(),
		"one regeneration at a time: the generation stage runs")

	ms := headGenRunJobs(t, e)
	require.Len(t, ms, 1)
	assert.Equal(t, queue.KindGenerateBatch, ms[0].Kind)

	after := liveQuestions(t, e, u, id)
	require.Len(t, after, 7)
	added := 0
	for qid, aq := range after {
		if bq, ok := before[qid]; ok {
			assert.Equal(t, bq, aq, "an existing question is untouched")
			continue
		}
		added++
		assert.Equal(t, "multiple_choice", aq["question_type"])
		assert.Equal(t, "medium", aq["difficulty"])
		assert.Equal(t, "173468", aq["module_id"])
	}
	assert.Equal(t, 2, added)
	q = e.do("GET", "/quiz/"+id, u.jwt, nil).obj()
	assert.Equal(t, "ready_for_review", q["status"])
	assert.EqualValues(t, 7, q["question_count"], "the live questions once generated")
	for _, l := range e.do("GET", "/quiz/", u.jwt, nil).list() {
		assert.EqualValues(t, 7, l.(map[string]any)["question_count"], "the list counts the same")
	}
}

// A partial quiz (one batch failed) reads as ready_for_review_partial with
// today's batch keys in generation_metadata; generate-questions then
// re-runs only the failed batch ("Failed batch retry started"), the quiz
// is generating_questions until it settles, and ready_for_review after.
func TestHeadQuizRetryFailedBatches(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.signIn(teacherID)
	id := headGenQuiz(t, e, u)
	e.sql(`UPDATE generation_batch SET status = 'failed', failure_reason = 'timeout'
		WHERE quiz_id = $1 AND question_type = 'true_false'`, id)
	e.sql(`DELETE FROM question WHERE quiz_id = $1 AND question_type = 'true_false'`, id)
	e.sql(`UPDATE quiz SET failure_reason = 'Question generation partly failed: 1 of 2 batches failed',
		generation_metadata = '{"batches": 2, "completed_batches": 1, "failed_batches": [{"module_id": "173468",
		"question_type": "true_false", "difficulty": "easy", "round": 1, "count": 2, "reason": "timeout"}]}' WHERE id = $1`, id)

	q := e.do("GET", "/quiz/"+id, u.jwt, nil).obj()
	assert.Equal(t, "ready_for_review_partial", q["status"])
	assert.EqualValues(t, 3, q["question_count"])
	meta := q["generation_metadata"].(map[string]any)
	assert.Equal(t, []any{"173468_true_false_2_easy"}, meta["failed_batches"], "today's client sums the counts of these keys")
	assert.Equal(t, []any{"173468_multiple_choice_3_medium"}, meta["successful_batches"])
	assert.NotEmpty(t, meta["failed_batch_details"])

	assertMessage(t, e.do("POST", "/quiz/"+id+"/generate-questions", u.jwt, nil), "Failed batch retry started")
	q = e.do("GET", "/quiz/"+id, u.jwt, nil).obj()
	assert.Equal(t, "generating_questions", q["status"])
	assert.EqualValues(t, 3, q["question_count"], "generated once: the live questions")
	assertDetail(t, e.do("POST", "/quiz/"+id+"/generate-questions", u.jwt, nil), http.StatusConflict,
		"Question generation is already in progress")

	ms := headGenRunJobs(t, e)
	require.Len(t, ms, 1, "only the failed batch runs again")
	assert.Equal(t, queue.KindGenerateBatch, ms[0].Kind)
	q = e.do("GET", "/quiz/"+id, u.jwt, nil).obj()
	assert.Equal(t, "ready_for_review", q["status"])
	assert.EqualValues(t, 5, q["question_count"])
	assert.Nil(t, q["failure_reason"])
}

// Regenerate-batch's refusals: pydantic 422s for bad bodies, 409 outside
// review, today's 400s for a module or batch the quiz does not have or a
// module without content, 404 for someone else's quiz, 429 beyond the
// owner's generation runs.
func TestHeadQuizRegenerateBatchErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withLimits(quiz.Limits{GenerationsPerQuiz: 2}))
	u := e.signIn(teacherID)
	id := headGenQuiz(t, e, u)
	pending := e.createTyped(u, headGenBody())["id"].(string) // extraction queued, not run
	path := "/quiz/" + id + "/regenerate-batch"
	good := headBody{"module_id": "173468", "question_type": "multiple_choice", "count": 2, "difficulty": "medium"}

	for _, c := range []struct {
		name string
		body any
		typ  string
		loc  []any
	}{
		{"count 0", good.with("count", 0), "greater_than_equal", []any{"body", "count"}},
		{"count 21", good.with("count", 21), "less_than_equal", []any{"body", "count"}},
		{"count text", good.with("count", "x"), "int_parsing", []any{"body", "count"}},
		{"unknown type", good.with("question_type", "essay"), "enum", []any{"body", "question_type"}},
		{"unknown difficulty", good.with("difficulty", "extreme"), "enum", []any{"body", "difficulty"}},
		{"module id missing", headBody{"question_type": "multiple_choice", "count": 2, "difficulty": "medium"}, "missing", []any{"body", "module_id"}},
		{"module id not a string", good.with("module_id", 173468), "string_type", []any{"body", "module_id"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("POST", path, u.jwt, c.body)
			require.Equal(t, http.StatusUnprocessableEntity, r.Code, r.Body.String())
			oneFieldErr(t, r, c.typ, c.loc...)
		})
	}
	assert.Equal(t, http.StatusUnprocessableEntity, e.do("POST", path, u.jwt, "[1]").Code)

	assertDetail(t, e.do("POST", path, u.jwt, good.with("module_id", "999")), http.StatusBadRequest,
		"Module 999 not found in quiz configuration")
	assertDetail(t, e.do("POST", path, u.jwt, good.with("difficulty", "hard")), http.StatusBadRequest,
		"Specified batch not found in quiz configuration")
	assertDetail(t, e.do("POST", "/quiz/"+pending+"/regenerate-batch", u.jwt, good), http.StatusConflict,
		"Quiz must be in review state for batch regeneration")
	stranger := e.signIn(777)
	assertDetail(t, e.do("POST", path, stranger.jwt, good), http.StatusNotFound, "Quiz not found")

	// Creation was the first run; one regeneration is the second.
	assertMessage(t, e.do("POST", path, u.jwt, good), "Batch regeneration started")
	headGenRunJobs(t, e)
	r := e.do("POST", path, u.jwt, good)
	assert.Equal(t, http.StatusTooManyRequests, r.Code, r.Body.String())
	assert.Contains(t, r.detail(), "question generation runs")

	e.sql(`UPDATE quiz SET extracted_content = '{"module_173468": []}' WHERE id = $1`, id)
	assertDetail(t, e.do("POST", path, u.jwt, good), http.StatusBadRequest, "No content found for module 173468")
}

// Extract-content and generate-questions answer 400 and 409 with their
// reasons in today's states, never 500, and start work where today's
// table allows it.
func TestHeadQuizExtractAndGenerateStates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	id := e.createTyped(u, headGenBody())["id"].(string)
	extract := func() resp { return e.do("POST", "/quiz/"+id+"/extract-content", u.jwt, nil) }
	generate := func() resp { return e.do("POST", "/quiz/"+id+"/generate-questions", u.jwt, nil) }

	// Queued extraction: extracting_content.
	assertDetail(t, extract(), http.StatusConflict, "Content extraction is already in progress")
	assertDetail(t, generate(), http.StatusBadRequest, "Content extraction must be completed before generating questions")

	e.sql(`UPDATE quiz SET content_extraction_status = 'failed', content_extraction_job_id = NULL,
		failure_reason = 'Content extraction failed: Canvas is unavailable' WHERE id = $1`, id)
	assertDetail(t, generate(), http.StatusBadRequest, "Content extraction must be completed before generating questions")
	assertMessage(t, extract(), "Content extraction started")

	e.sql(`UPDATE quiz SET content_extraction_status = 'completed', llm_generation_status = 'pending',
		llm_generation_job_id = NULL, extracted_content = '{"module_173468": [{"title": "CSP", "content": "x", "type": "page"}]}'
		WHERE id = $1`, id)
	assert.Equal(t, "extracting_content", e.do("GET", "/quiz/"+id, u.jwt, nil).obj()["status"])
	assertMessage(t, generate(), "Question generation started")
	assertDetail(t, generate(), http.StatusConflict, "Question generation is already in progress")
	assertDetail(t, extract(), http.StatusConflict, "Question generation is in progress")

	e.sql(`UPDATE quiz SET llm_generation_status = 'failed', llm_generation_job_id = NULL,
		failure_reason = 'Question generation failed: all 2 batches failed: ...' WHERE id = $1`, id)
	q := e.do("GET", "/quiz/"+id, u.jwt, nil).obj()
	assert.Equal(t, "no_questions_generated", q["failure_reason"])
	assert.EqualValues(t, 5, q["question_count"], "never generated: the planned total (\"failed to generate 5 questions\")")
	assertMessage(t, generate(), "Question generation started")

	e.sql(`UPDATE quiz SET llm_generation_status = 'completed', llm_generation_job_id = gen_random_uuid(),
		failure_reason = NULL, generation_metadata = '{"batches": 2, "completed_batches": 2}' WHERE id = $1`, id)
	assertDetail(t, generate(), http.StatusConflict, "Questions have already been generated for this quiz")
	assertDetail(t, extract(), http.StatusConflict, "Content extraction is not available in the current state (ready_for_review)")
	assertDetail(t, e.do("POST", "/quiz/"+id+"/generate-questions", u.jwt, nil), http.StatusConflict,
		"Questions have already been generated for this quiz")
	q = e.do("GET", "/quiz/"+id, u.jwt, nil).obj()
	assert.EqualValues(t, 0, q["question_count"], "generated: the live questions (none here)")

	stranger := e.signIn(777)
	assertDetail(t, e.do("POST", "/quiz/"+id+"/generate-questions", stranger.jwt, nil), http.StatusNotFound, "Quiz not found")
	assertDetail(t, e.do("POST", "/quiz/"+id+"/extract-content", stranger.jwt, nil), http.StatusNotFound, "Quiz not found")
}
