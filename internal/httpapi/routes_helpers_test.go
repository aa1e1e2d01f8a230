package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/quiz"
)

// pyTimeRE is a FastAPI datetime: ISO-8601 in UTC with a Z, microseconds
// only when they are not zero.
var pyTimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$`)

// assertPyTime checks that v is a datetime string as FastAPI writes one.
func assertPyTime(t *testing.T, v any, what string) {
	t.Helper()
	s, ok := v.(string)
	if assert.True(t, ok, "%s: want a datetime string, got %#v", what, v) {
		assert.Regexp(t, pyTimeRE, s, what)
	}
}

// keysInOrder returns the keys of the JSON object raw in the order they
// were written.
func keysInOrder(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok, "want an object: %s", raw)
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, k.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return keys
}

// rawFields returns the fields of the JSON object raw as written.
func rawFields(t *testing.T, raw []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &m), "body: %s", raw)
	return m
}

// fieldErr is one entry of a 422 body.
type fieldErr struct {
	Type  string         `json:"type"`
	Loc   []any          `json:"loc"`
	Msg   string         `json:"msg"`
	Input any            `json:"input"`
	Ctx   map[string]any `json:"ctx"`
}

// validation asserts that r is a 422 in pydantic's list shape and returns
// its entries, each checked to carry type, loc, msg and input.
func validation(t *testing.T, r resp) []fieldErr {
	t.Helper()
	require.Equal(t, http.StatusUnprocessableEntity, r.Code, r.Body.String())
	var body struct {
		Detail []json.RawMessage `json:"detail"`
	}
	require.NoError(t, json.Unmarshal(r.Body.Bytes(), &body), r.Body.String())
	require.NotEmpty(t, body.Detail, "detail is a non-empty list: %s", r.Body.String())
	out := make([]fieldErr, len(body.Detail))
	for i, raw := range body.Detail {
		f := rawFields(t, raw)
		for _, k := range []string{"type", "loc", "msg", "input"} {
			assert.Contains(t, f, k, "entry %s", raw)
		}
		require.NoError(t, json.Unmarshal(raw, &out[i]))
		assert.NotEmpty(t, out[i].Msg)
	}
	return out
}

// oneFieldErr asserts that r is a 422 with exactly one entry, of type typ
// at loc, and returns it.
func oneFieldErr(t *testing.T, r resp, typ string, loc ...any) fieldErr {
	t.Helper()
	errs := validation(t, r)
	require.Len(t, errs, 1, r.Body.String())
	assert.Equal(t, typ, errs[0].Type, r.Body.String())
	assert.Equal(t, loc, errs[0].Loc, r.Body.String())
	return errs[0]
}

// assertDetail checks an error answer's status and {"detail": "..."} text.
func assertDetail(t *testing.T, r resp, status int, detail string) {
	t.Helper()
	assert.Equal(t, status, r.Code, r.Body.String())
	assert.Equal(t, map[string]any{"detail": detail}, r.obj())
}

// assertMessage checks a 200 {"message": "..."} answer, exactly.
func assertMessage(t *testing.T, r resp, msg string) {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	assert.Equal(t, map[string]any{"message": msg}, r.obj())
}

// addQuestions stores n questions for quiz id (one transaction, as a
// generation run saves them) and returns them.
func (e *env) addQuestions(id string, n int) []quiz.Question {
	e.t.Helper()
	qs := make([]quiz.NewQuestion, n)
	for i := range qs {
		qs[i] = quiz.NewQuestion{QuestionText: "What is question " + string(rune('A'+i)) + "?",
			OptionA: "a", OptionB: "b", OptionC: "c", OptionD: "d", CorrectAnswer: "B"}
	}
	out, err := e.store.AddQuestions(e.t.Context(), uuid.MustParse(id), qs)
	require.NoError(e.t, err)
	return out
}

// getQuiz reads a quiz through the API.
func (e *env) getQuiz(u user, id string) map[string]any {
	e.t.Helper()
	r := e.do("GET", "/api/v1/quiz/"+id, u.jwt, nil)
	require.Equal(e.t, http.StatusOK, r.Code, r.Body.String())
	return r.obj()
}

const randomUUID = "5b0e8c1e-3f0a-4d5e-9c61-2a7f1d9e4b10"
