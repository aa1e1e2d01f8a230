package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"quizgen/internal/auth"
	"quizgen/internal/httpapi"
	"quizgen/internal/logging"
	"quizgen/internal/quiz"
)

// The fast tier (the short_*_test.go files): the real handler, built by
// httpapi.NewHandler as functions/api builds it, over in-memory fakes of
// its consumer interfaces (deps.go), so the router, validation, CORS,
// error mapping and authorization run with no database, pooler or queue.
// These tests also run under -short (make test-short).

// fakeStore keeps users, quizzes and collaborations in memory. It embeds
// httpapi.Store as nil: a route that calls a method the fake does not
// implement panics, which the API answers 500, so a test expecting
// anything else fails on it.
type fakeStore struct {
	httpapi.Store

	mu      sync.Mutex
	users   map[quiz.ID]quiz.User
	quizzes map[quiz.ID]quiz.Quiz
	collabs map[[2]quiz.ID]bool // {quiz, user}
	// err, when set, is what every quiz read answers (error mapping).
	err error
	// calls counts the calls that change something, by method name.
	calls map[string]int
}

func newFakeStore() *fakeStore {
	return &fakeStore{users: map[quiz.ID]quiz.User{}, quizzes: map[quiz.ID]quiz.Quiz{},
		collabs: map[[2]quiz.ID]bool{}, calls: map[string]int{}}
}

func (f *fakeStore) count(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[name]++
}

// writes is the number of changing calls made so far.
func (f *fakeStore) writes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

func (f *fakeStore) User(_ context.Context, id quiz.ID) (quiz.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[id]
	if !ok {
		return quiz.User{}, quiz.ErrNotFound
	}
	return u, nil
}

// UserWith reads the user and, of what p names, the quiz (the fake keeps
// no questions: the handlers read them themselves then).
func (f *fakeStore) UserWith(ctx context.Context, userID quiz.ID, p quiz.Prefetch) (quiz.User, quiz.Prefetched, error) {
	u, err := f.User(ctx, userID)
	if err != nil {
		return quiz.User{}, quiz.Prefetched{}, err
	}
	var pre quiz.Prefetched
	if p.Quiz != nil {
		q, err := f.Quiz(ctx, *p.Quiz)
		if err != nil && !errors.Is(err, quiz.ErrNotFound) {
			return quiz.User{}, quiz.Prefetched{}, err
		}
		pre.Quiz, pre.QuizErr = &q, err
	}
	return u, pre, nil
}

func (f *fakeStore) Quiz(_ context.Context, id quiz.ID) (quiz.Quiz, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return quiz.Quiz{}, f.err
	}
	q, ok := f.quizzes[id]
	if !ok {
		return quiz.Quiz{}, quiz.ErrNotFound
	}
	return q, nil
}

func (f *fakeStore) IsCollaborator(_ context.Context, id, user quiz.ID) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.collabs[[2]quiz.ID{id, user}], nil
}

func (f *fakeStore) LiveQuestionStats(context.Context, quiz.ID) (quiz.QuestionStats, error) {
	return quiz.QuestionStats{Total: 3, Approved: 1}, nil
}

func (f *fakeStore) QuestionStats(context.Context, quiz.ID) (quiz.QuestionStats, error) {
	return quiz.QuestionStats{Total: 3, Approved: 1}, nil
}

func (f *fakeStore) LiveQuestionCounts(_ context.Context, ids []quiz.ID) (map[quiz.ID]int, error) {
	out := make(map[quiz.ID]int, len(ids))
	for _, id := range ids {
		out[id] = 3
	}
	return out, nil
}

func (f *fakeStore) TypedQuestions(context.Context, quiz.ID, quiz.QuestionFilter) ([]quiz.Question, error) {
	return nil, nil
}

func (f *fakeStore) QuizSharing(context.Context, quiz.ID, time.Time) ([]quiz.Collaborator, []quiz.Invite, error) {
	return nil, nil, nil
}

func (f *fakeStore) DeleteQuiz(_ context.Context, owner, id quiz.ID) error {
	f.count("DeleteQuiz")
	f.mu.Lock()
	defer f.mu.Unlock()
	if q, ok := f.quizzes[id]; !ok || q.OwnerID != owner {
		return quiz.ErrNotFound
	}
	delete(f.quizzes, id)
	return nil
}

func (f *fakeStore) BulkApproveQuestions(_ context.Context, _ quiz.ID, ids []quiz.ID) (quiz.BulkResult, error) {
	f.count("BulkApproveQuestions")
	return quiz.BulkResult{Done: ids, Failed: []quiz.ID{}}, nil
}

func (f *fakeStore) UpdateUserProfile(_ context.Context, id quiz.ID, setName bool, name *string, onboarding *bool) (quiz.User, error) {
	f.count("UpdateUserProfile")
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.users[id]
	if setName {
		u.Name = name
	}
	if onboarding != nil {
		u.OnboardingCompleted = *onboarding
	}
	f.users[id] = u
	return u, nil
}

// fakeQuizzes is the quiz service: every call answers err (nil: started).
type fakeQuizzes struct {
	httpapi.Quizzes // nil: unimplemented calls panic (a 500)

	err   error
	calls int
}

func (f *fakeQuizzes) StartGeneration(context.Context, quiz.ID, quiz.ID, string) error {
	f.calls++
	return f.err
}

func (f *fakeQuizzes) StartExtraction(context.Context, quiz.ID, quiz.ID, string) error {
	f.calls++
	return f.err
}

// Fast-tier constants: the frontend origin allowed by CORS and the JWT
// secret of the fake API.
const (
	fastOrigin = "http://frontend.fast.test"
	fastSecret = "fast-tier-jwt-secret-0123456789abcdef-0123"
)

// fastAPI is one API over fakes.
type fastAPI struct {
	t       *testing.T
	h       http.Handler
	store   *fakeStore
	quizzes *fakeQuizzes
	tokens  *auth.Tokens
	cipher  *auth.Cipher
}

// newFastAPI builds the handler as functions/api does, over fakes, with
// a 1 KiB body limit.
func newFastAPI(t *testing.T) *fastAPI {
	t.Helper()
	tokens, err := auth.NewTokens([]byte(fastSecret), time.Hour, time.Now)
	require.NoError(t, err)
	states, err := auth.NewStateSigner(auth.DeriveKey([]byte(fastSecret), auth.PurposeOAuthState), 10*time.Minute, time.Now)
	require.NoError(t, err)
	cipher, err := auth.NewCipher(bytes.Repeat([]byte{9}, 32))
	require.NoError(t, err)
	a := &fastAPI{t: t, store: newFakeStore(), quizzes: &fakeQuizzes{}, tokens: tokens, cipher: cipher}
	a.h = httpapi.NewHandler(httpapi.Config{ProjectName: "quizgen", FrontendHost: fastOrigin,
		CORSOrigins: []string{fastOrigin}, MaxBodyBytes: 1 << 10},
		httpapi.Deps{Store: a.store, Quizzes: a.quizzes, Tokens: tokens, States: states, Cipher: cipher, Log: logging.Discard()})
	return a
}

// fastUser is a stored user and an app token of theirs.
type fastUser struct {
	quiz.User
	jwt string
}

// addUser stores a user whose Canvas token is valid for an hour (so
// authCanvas routes need no Canvas call) and issues an app token.
func (a *fastAPI) addUser(name string) fastUser {
	a.t.Helper()
	access, err := a.cipher.Encrypt("canvas-access-" + name)
	require.NoError(a.t, err)
	refresh, err := a.cipher.Encrypt("canvas-refresh-" + name)
	require.NoError(a.t, err)
	exp := time.Now().Add(time.Hour)
	u := quiz.User{ID: uuid.New(), CanvasID: int64(len(a.store.users) + 1000), Name: &name,
		AccessToken: access, RefreshToken: refresh, ExpiresAt: &exp, SessionVersion: 1}
	a.store.mu.Lock()
	a.store.users[u.ID] = u
	a.store.mu.Unlock()
	tok, err := a.tokens.Issue(u.ID, u.SessionVersion)
	require.NoError(a.t, err)
	return fastUser{User: u, jwt: tok}
}

// addQuiz stores a quiz of owner whose extraction and generation are
// pending.
func (a *fastAPI) addQuiz(owner fastUser) quiz.Quiz {
	a.t.Helper()
	now := time.Now().UTC()
	q := quiz.Quiz{
		ID:                      uuid.New(),
		OwnerID:                 owner.ID,
		CanvasCourseID:          37823,
		CanvasCourseName:        "INF-2600 AI",
		SelectedModules:         []quiz.Module{{ID: 173468, Name: "Constraint Satisfaction Problems"}},
		Title:                   "Midterm",
		QuestionCount:           10,
		LLMModel:                "o3",
		LLMTemperature:          1,
		ContentExtractionStatus: quiz.StatusPending,
		LLMGenerationStatus:     quiz.StatusPending,
		ExportStatus:            quiz.StatusPending,
		CreatedAt:               &now,
		UpdatedAt:               &now,
		Version:                 "1",
	}
	a.store.mu.Lock()
	a.store.quizzes[q.ID] = q
	a.store.mu.Unlock()
	return q
}

// share makes u a collaborator on q.
func (a *fastAPI) share(q quiz.Quiz, u fastUser) {
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	a.store.collabs[[2]quiz.ID{q.ID, u.ID}] = true
}

// do sends a request: token "" sends no Authorization header; body is
// sent as is ("" for none); headers are name, value pairs.
func (a *fastAPI) do(method, path, token, body string, headers ...string) resp {
	a.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequestWithContext(context.Background(), method, path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	return resp{rec, a.t}
}
