package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"quizgen/internal/quiz"
)

// TestFastErrorMapping: what the quiz service answers becomes one status
// and a detail that is safe to show (writeError): not found 404, a rule
// of the status machine 409 or 400 with its message, a usage limit 429
// with Retry-After in whole seconds, a temporary failure 503, anything
// else the route's 500 message without the error's text.
func TestFastErrorMapping(t *testing.T) {
	t.Parallel()
	const internal = "dial tcp 10.0.3.7:6432: password for quizgen_app refused"
	for _, c := range []struct {
		name       string
		err        error
		status     int
		detail     string
		retryAfter string
	}{
		{"not found", fmt.Errorf("start: %w", quiz.ErrNotFound), http.StatusNotFound, "Quiz not found", ""},
		{"conflict", &quiz.RuleError{Kind: quiz.Conflict, Msg: "Question generation is already in progress"},
			http.StatusConflict, "Question generation is already in progress", ""},
		{"precondition", fmt.Errorf("start: %w", &quiz.RuleError{Kind: quiz.Precondition, Msg: "Content extraction must be completed first"}),
			http.StatusBadRequest, "Content extraction must be completed first", ""},
		{"limit with a wait", &quiz.LimitError{Limit: "LIMIT_GENERATIONS_PER_DAY", Msg: "Daily generation limit reached", RetryAfter: 90*time.Second + time.Millisecond},
			http.StatusTooManyRequests, "Daily generation limit reached", "91"},
		{"limit without a wait", &quiz.LimitError{Limit: "LIMIT_ACTIVE_GENERATIONS", Msg: "Too many generations running"},
			http.StatusTooManyRequests, "Too many generations running", ""},
		{"temporary", fmt.Errorf("publish: %s: %w", internal, quiz.ErrTemporary),
			http.StatusServiceUnavailable, "Service temporarily unavailable. Please try again.", ""},
		{"jobs unavailable", quiz.ErrUnavailable, http.StatusServiceUnavailable, "Service temporarily unavailable. Please try again.", ""},
		{"deadline", fmt.Errorf("publish: %w", context.DeadlineExceeded), http.StatusServiceUnavailable, "Service temporarily unavailable. Please try again.", ""},
		{"unexpected", errors.New(internal), http.StatusInternalServerError, "Failed to trigger question generation", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			a := newFastAPI(t)
			u := a.addUser("Olga")
			a.quizzes.err = c.err
			r := a.do("POST", "/api/v1/quiz/"+a.addQuiz(u).ID.String()+"/generate-questions", u.jwt, "")
			assertDetail(t, r, c.status, c.detail)
			assert.Equal(t, c.retryAfter, r.Header().Get("Retry-After"))
			assert.NotContains(t, r.Body.String(), "quizgen_app")
			assert.Equal(t, 1, a.quizzes.calls)
		})
	}
}

// TestFastStoreErrors: the store's failures map the same way on reads:
// temporary 503, unexpected the route's 500 message, and a panic under a
// handler the generic 500; none shows internal text.
func TestFastStoreErrors(t *testing.T) {
	t.Parallel()
	const internal = "ERROR: relation \"quiz\" does not exist (SQLSTATE 42P01)"
	a := newFastAPI(t)
	u := a.addUser("Olga")
	id := a.addQuiz(u).ID.String()

	a.store.err = fmt.Errorf("read quiz: %s: %w", internal, quiz.ErrTemporary)
	r := a.do("GET", "/quiz/"+id, u.jwt, "")
	assertDetail(t, r, http.StatusServiceUnavailable, "Service temporarily unavailable. Please try again.")

	a.store.err = errors.New(internal)
	r = a.do("GET", "/api/v1/quiz/"+id, u.jwt, "")
	assertDetail(t, r, http.StatusInternalServerError, "Failed to retrieve quiz. Please try again.")
	r = a.do("GET", "/quiz/"+id+"/questions/stats", u.jwt, "")
	assertDetail(t, r, http.StatusInternalServerError, "Failed to retrieve question stats. Please try again.")

	// The fake has no QuizSummariesVisibleTo: the nil Store it embeds panics.
	r = a.do("GET", "/quiz/", u.jwt, "")
	assertDetail(t, r, http.StatusInternalServerError, "Internal Server Error")
	assert.NotEmpty(t, r.Header().Get("X-Request-ID"), "a panic's answer still carries the request id")
}
