package generation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/auth"
	"quizgen/internal/canvas"
	"quizgen/internal/canvastoken"
	"quizgen/internal/content"
	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/llm"
	"quizgen/internal/llm/llmtest"
	"quizgen/internal/logging"
	"quizgen/internal/pipeline"
	"quizgen/internal/pipeline/generation"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
)

// jobs records the jobs quiz.Service queues, instead of SQS.
type jobs struct {
	mu   sync.Mutex
	list []quiz.Job
}

func (j *jobs) PublishJob(_ context.Context, job quiz.Job) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.list = append(j.list, job)
	return nil
}

func (j *jobs) last(t testing.TB) queue.Message {
	t.Helper()
	j.mu.Lock()
	defer j.mu.Unlock()
	require.NotEmpty(t, j.list)
	l := j.list[len(j.list)-1]
	return queue.Message{Version: queue.Version, Kind: l.Kind, QuizID: l.QuizID, JobID: l.ID}
}

type bundle struct {
	t      testing.TB
	p      *generation.Generator
	store  *db.Store
	svc    *quiz.Service
	jobs   *jobs
	canvas *fakecanvas.Server
	owner  quiz.User
	tdb    *dbtest.DB
}

type options struct {
	provider llm.BatchProvider
}

func setup(t testing.TB, o options) *bundle {
	t.Helper()
	tdb := dbtest.New(t)
	store := db.NewStore(tdb.Open(t))
	fc := fakecanvas.NewTest(t, fakecanvas.Options{})
	cc, err := canvas.New(canvas.Config{BaseURL: fc.URL(), HTTPClient: &http.Client{Timeout: 10 * time.Second},
		MaxRetries: -1, Log: logging.Discard()})
	require.NoError(t, err)
	cipher, err := auth.NewCipher(bytes.Repeat([]byte{9}, 32))
	require.NoError(t, err)
	access, refresh := fc.IssueToken(fakecanvas.UserID)
	ea, _ := cipher.Encrypt(access)
	er, _ := cipher.Encrypt(refresh)
	exp := time.Now().Add(time.Hour)
	owner, err := store.UpsertUser(t.Context(), quiz.User{CanvasID: fakecanvas.UserID, AccessToken: ea, RefreshToken: er, ExpiresAt: &exp})
	require.NoError(t, err)
	provider := o.provider
	if provider == nil {
		provider = llm.NewBatchMock(0)
	}
	log := logging.Discard()
	p := &generation.Generator{
		Pipeline: &pipeline.Pipeline{
			Store:  store,
			Tokens: canvastoken.Source{Store: store, Canvas: cc, Cipher: cipher},
			Canvas: cc,
			Log:    log,
		},
		Extractor: &content.Extractor{Source: cc, Log: log},
		Runs:      store,
		Batches: &llm.BatchWriter{Provider: provider, Log: log,
			Sleep: func(context.Context, time.Duration) error { return nil }},
	}
	j := &jobs{}
	return &bundle{t: t, p: p, store: store, svc: quiz.NewService(store, j, log), jobs: j, canvas: fc, owner: owner, tdb: tdb}
}

// create makes a quiz over the given modules of the fake's AI course and
// returns its extraction message.
func (b *bundle) create(count int, modules ...int64) (quiz.Quiz, queue.Message) {
	b.t.Helper()
	var mods []quiz.Module
	for _, m := range modules {
		mods = append(mods, quiz.Module{ID: m, Name: "module"})
	}
	q, err := b.svc.CreateQuiz(b.t.Context(), quiz.NewQuiz{OwnerID: b.owner.ID, CanvasCourseID: fakecanvas.CourseAI,
		CanvasCourseName: "AI", SelectedModules: mods, Title: "Quiz <1> & more", QuestionCount: count,
		LLMModel: "gpt-test", LLMTemperature: 0.5}, "req")
	require.NoError(b.t, err)
	return q, b.jobs.last(b.t)
}

func (b *bundle) run(m queue.Message, attempt int) error {
	return b.p.Handle(b.t.Context(), queue.Job{Message: m, ID: uuid.NewString(), Attempt: attempt, Final: attempt >= queue.MaxReceiveCount})
}

func (b *bundle) quiz(id quiz.ID) quiz.Quiz {
	b.t.Helper()
	q, err := b.store.Quiz(b.t.Context(), id)
	require.NoError(b.t, err)
	return q
}

func (b *bundle) questions(id quiz.ID) []quiz.Question {
	b.t.Helper()
	qs, err := b.store.Questions(b.t.Context(), id)
	require.NoError(b.t, err)
	return qs
}

func (b *bundle) approveAll(id quiz.ID) {
	b.t.Helper()
	for _, q := range b.questions(id) {
		_, err := b.store.ApproveQuestion(b.t.Context(), id, q.ID)
		require.NoError(b.t, err)
	}
}

// Modules of the fake's course 37823 with content: search (page + PDF),
// CSP (PDF + a corrupt PDF), scheduling (page + PDF + page).
var modules = []int64{173574, 173468, 173469}

func TestCreateExtractGenerateApproveExport(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	q, msg := b.create(30, modules...)
	require.NoError(t, b.run(msg, 1))

	got := b.quiz(q.ID)
	assert.Equal(t, quiz.StatusCompleted, got.ContentExtractionStatus)
	assert.Equal(t, quiz.StatusCompleted, got.LLMGenerationStatus, "generation chained in the same job")
	var doc map[string][]map[string]any
	require.NoError(t, json.Unmarshal(got.ExtractedContent, &doc))
	assert.Len(t, doc, 3)
	assert.NotEmpty(t, doc["module_173574"])
	qs := b.questions(q.ID)
	require.Len(t, qs, 30, "exactly question_count questions")
	for _, qn := range qs {
		assert.Contains(t, []string{"A", "B", "C", "D"}, qn.CorrectAnswer)
	}

	b.approveAll(q.ID)
	require.NoError(t, b.svc.StartExport(t.Context(), b.owner.ID, q.ID, "req"))
	require.NoError(t, b.run(b.jobs.last(t), 1))
	got = b.quiz(q.ID)
	assert.Equal(t, quiz.StatusCompleted, got.ExportStatus)
	require.NotNil(t, got.CanvasQuizID)
	require.NotNil(t, got.ExportedAt)
	recorded := b.canvas.Quizzes()
	require.Len(t, recorded, 1)
	assert.Equal(t, *got.CanvasQuizID, recorded[0].ID)
	assert.Equal(t, "Quiz <1> & more", recorded[0].Title)
	require.Len(t, recorded[0].Items, 30)
	var first struct {
		Item canvas.NewItem `json:"item"`
	}
	require.NoError(t, json.Unmarshal(recorded[0].Items[0].Raw, &first))
	assert.Equal(t, 1, first.Item.Position)
	assert.Equal(t, "choice", first.Item.Entry["interaction_type_slug"])
	for _, qn := range b.questions(q.ID) {
		require.NotNil(t, qn.CanvasItemID, "every question carries its Canvas item id")
	}
}

func TestSameMessageFiveTimesAtOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, options{provider: llm.NewBatchMock(20 * time.Millisecond)})
	q, msg := b.create(20, modules...)
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range 5 {
		wg.Go(func() { errs[i] = b.run(msg, 1) })
	}
	wg.Wait()
	// Deliveries that found the job busy are retried later; run them once
	// more, as SQS would.
	for i, err := range errs {
		if err != nil {
			require.ErrorIs(t, err, quiz.ErrTemporary, "delivery %d", i)
			require.NoError(t, b.run(msg, 2))
		}
	}
	assert.Len(t, b.questions(q.ID), 20, "one set of questions")

	b.approveAll(q.ID)
	require.NoError(t, b.svc.StartExport(t.Context(), b.owner.ID, q.ID, "req"))
	exp := b.jobs.last(t)
	for i := range 5 {
		wg.Go(func() { errs[i] = b.run(exp, 1) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			require.ErrorIs(t, err, quiz.ErrTemporary)
			require.NoError(t, b.run(exp, 2))
		}
	}
	require.Len(t, b.canvas.Quizzes(), 1, "one Canvas quiz")
	assert.Len(t, b.canvas.Quizzes()[0].Items, 20)
	assert.Equal(t, quiz.StatusCompleted, b.quiz(q.ID).ExportStatus)
}

func TestStaleMessageDoesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	q, first := b.create(5, modules[0])
	require.NoError(t, b.run(first, 1))
	// The teacher extracts again: the first message is now stale.
	require.NoError(t, b.svc.StartExtraction(t.Context(), b.owner.ID, q.ID, "req"))
	require.NoError(t, b.run(first, 2))
	assert.Equal(t, quiz.StatusPending, b.quiz(q.ID).ContentExtractionStatus, "a stale delivery does not take the new job")
}

func TestTemporaryFailureRetriedThenRecordedOnLastDelivery(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	q, msg := b.create(5, modules[0])
	b.canvas.Inject(fakecanvas.Fault{PathPrefix: "/api/v1/courses", Status: 503})
	for attempt := 1; attempt < queue.MaxReceiveCount; attempt++ {
		err := b.run(msg, attempt)
		require.ErrorIs(t, err, quiz.ErrTemporary, "attempt %d is retried", attempt)
		// SQS would redeliver after the visibility timeout; the lease
		// stays with the run, so expire it as time would.
		b.tdb.Conn(t).Exec(t.Context(), "UPDATE quiz SET content_extraction_started_at = now() - interval '1 hour' WHERE id = $1", q.ID)
	}
	require.NoError(t, b.run(msg, queue.MaxReceiveCount), "the last delivery records the failure")
	got := b.quiz(q.ID)
	assert.Equal(t, quiz.StatusFailed, got.ContentExtractionStatus, "never stuck in processing")
	require.NotNil(t, got.FailureReason)
	assert.Contains(t, *got.FailureReason, "Content extraction failed")
}

func TestInvalidAPIKeyFailsFast(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewServer(t)
	srv.Push(llmtest.Reply{Status: 401, Body: `{"error":{"message":"Incorrect API key provided: sk-secret","type":"invalid_request_error","code":"invalid_api_key"}}`})
	provider, err := llm.NewOpenAIBatch(llm.OpenAIConfig{BaseURL: srv.URL, APIKey: "sk-secret", Model: "gpt-test", Timeout: 5 * time.Second})
	require.NoError(t, err)
	b := setup(t, options{provider: provider})
	q, msg := b.create(5, modules[0])
	require.NoError(t, b.run(msg, 1), "a critical error is final at once")
	got := b.quiz(q.ID)
	assert.Equal(t, quiz.StatusCompleted, got.ContentExtractionStatus)
	assert.Equal(t, quiz.StatusFailed, got.LLMGenerationStatus)
	require.NotNil(t, got.FailureReason)
	assert.Contains(t, *got.FailureReason, "API key")
	assert.NotContains(t, *got.FailureReason, "sk-secret")
	assert.Len(t, srv.Requests(), 1, "fails fast: the quiz's one batch, no retry of an invalid key")
}

// A failure of Canvas that is not about the item (here a 502 on the last
// delivery) stops the export where it is; a question Canvas refuses is
// another story (TestExportRefusedQuestionUnapprovedOthersExported).
func TestExportFailsOnItemSevenThenRetryFinishesTheRest(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	q, msg := b.create(20, modules...)
	require.NoError(t, b.run(msg, 1))
	b.approveAll(q.ID)
	require.NoError(t, b.svc.StartExport(t.Context(), b.owner.ID, q.ID, "req"))
	exp := b.jobs.last(t)

	// Items 1-6 go through, item 7 meets a 502 on the last delivery.
	var created int
	b.canvas.Inject(fakecanvas.Fault{Method: "POST", PathPrefix: "/api/quiz/v1/courses/37823/quizzes/10000/items", Status: 502,
		Body: `{"errors":[{"message":"bad gateway"}]}`, Times: 1, SkipFirst: 6})
	require.NoError(t, b.run(exp, queue.MaxReceiveCount))
	got := b.quiz(q.ID)
	assert.Equal(t, quiz.StatusFailed, got.ExportStatus, "not completed with missing items")
	require.NotNil(t, got.FailureReason)
	assert.Contains(t, *got.FailureReason, "Exported 6 of 20 questions; question 7 failed")
	for _, qn := range b.questions(q.ID) {
		if qn.CanvasItemID != nil {
			created++
		}
	}
	assert.Equal(t, 6, created)

	require.NoError(t, b.svc.StartExport(t.Context(), b.owner.ID, q.ID, "req"), "a failed export may be retried")
	require.NoError(t, b.run(b.jobs.last(t), 1))
	recorded := b.canvas.Quizzes()
	require.Len(t, recorded, 1, "the retry reuses the same Canvas quiz")
	require.Len(t, recorded[0].Items, 20, "items 7-20 only were added")
	assert.Equal(t, 7, recorded[0].Items[6].Position)
	assert.Equal(t, quiz.StatusCompleted, b.quiz(q.ID).ExportStatus)
}

func TestKilledJobIsTakenOverAfterItsLease(t *testing.T) {
	t.Parallel()
	b := setup(t, options{provider: llm.NewBatchMock(50 * time.Millisecond)})
	q, msg := b.create(40, modules...)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- b.p.Handle(ctx, queue.Job{Message: msg, Attempt: 1}) }()
	require.Eventually(t, func() bool { return len(b.questions(q.ID)) > 0 }, 10*time.Second, 20*time.Millisecond,
		"some questions are saved as they arrive")
	cancel() // the Lambda is killed mid-way
	<-done
	got := b.quiz(q.ID)
	require.Equal(t, quiz.StatusProcessing, got.LLMGenerationStatus)
	before := len(b.questions(q.ID))
	require.Less(t, before, 40)

	// The stopped run gave its unfinished batch back (pending), so the
	// next delivery continues at once; a run killed without that waits
	// for the batch's lease (TestBatchLeaseTakeover in internal/db).
	require.NoError(t, b.run(msg, 2), "the next delivery continues the run")
	got = b.quiz(q.ID)
	assert.Equal(t, quiz.StatusCompleted, got.LLMGenerationStatus)
	qs := b.questions(q.ID)
	assert.Len(t, qs, 40, "it continued where the killed run stopped, without duplicates")
	seen := map[string]bool{}
	for _, qn := range qs {
		assert.False(t, seen[qn.QuestionText], "duplicate %q", qn.QuestionText)
		seen[qn.QuestionText] = true
	}
}
