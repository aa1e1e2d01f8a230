package db_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/auth"
	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/httpapi"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// TestRoundTripsPerRequest counts the database round trips of each request
// of the fleet drill's mix (make bench-fleet: GET /quiz/{id}, GET /quiz/,
// GET /questions/{quiz_id}?limit=20, an edit and an approve, by the
// quiz's owner) through the real API handler and the production store.
// Every round trip is a wait on the pooler and work for PgBouncer and
// Postgres, which share the machine in the drill: a change that adds one
// to a request of the mix fails here. Two states of the quiz: as the
// drill seeds it (questions stored, generation never run, no content),
// and ready for review (content extracted, generation completed), the
// state a teacher reviewing reads it in.
func TestRoundTripsPerRequest(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tdb := dbtest.New(t)
	var trips atomic.Int64
	cfg := db.DefaultConfig(tdb.PoolerURL, db.PoolerPgBouncer)
	cfg.ApplicationName = "quizgen-test"
	cfg.MaxConns = 2 // DB_MAX_CONNS in template.yaml
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p, err := db.OpenCountingForTest(ctx, cfg, log, &trips)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	s := db.NewStore(p)
	tokens, err := auth.NewTokens([]byte("round-trips-secret-0123456789abcdef0123"), time.Hour, time.Now)
	require.NoError(t, err)
	h := httpapi.NewHandler(httpapi.Config{ProjectName: "quizgen", FrontendHost: "http://frontend.test"},
		httpapi.Deps{Store: s, Quizzes: quiz.NewService(s, nil, log), Tokens: tokens, Log: log})

	mcq := qtype.All()[0]
	raw, err := mcq.Mock(qtype.Material{Sentence: "Breadth-first search keeps its frontier in a queue.", Term: "queue",
		Sentences: strings.Fields("a. b. c. d. e. f. g. h."), Terms: strings.Fields("a b c d e f g h"),
		Others:   []string{"heap", "tree", "graph", "frontier", "agent", "goal", "state", "action"},
		Language: qtype.English, Difficulty: qtype.Medium})
	require.NoError(t, err)

	type counts struct{ quiz, list, questions, edit, approve int64 }
	run := func(t *testing.T, canvasID int64, ready bool) counts {
		u := mustCreateUser(ctx, t, s, canvasID)
		q := mustCreateQuiz(ctx, t, s, u.ID)
		nq := make([]quiz.NewQuestion, 5)
		for i := range nq {
			nq[i] = quiz.NewQuestion{Type: mcq.Name(), Data: raw, Difficulty: qtype.Medium, Tags: []string{"search"}, ModuleID: "173468"}
		}
		qs, err := s.AddQuestions(ctx, q.ID, nq)
		require.NoError(t, err)
		if ready {
			require.NoError(t, s.SetExtractedContent(ctx, q.ID, json.RawMessage(`{"modules":[{"text":"Search keeps a frontier."}]}`)))
			_, err = s.MoveStatus(ctx, q.ID, quiz.StageExtraction, quiz.StatusPending, quiz.StatusCompleted)
			require.NoError(t, err)
			_, err = s.MoveStatus(ctx, q.ID, quiz.StageGeneration, quiz.StatusPending, quiz.StatusCompleted)
			require.NoError(t, err)
		}
		tok, err := tokens.Issue(u.ID, u.SessionVersion)
		require.NoError(t, err)
		do := func(method, path, body string, check func(*httptest.ResponseRecorder)) int64 {
			t.Helper()
			r := httptest.NewRequestWithContext(ctx, method, path, bytes.NewReader([]byte(body)))
			r.Header.Set("Authorization", "Bearer "+tok)
			if body != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			w := httptest.NewRecorder()
			before := trips.Load()
			h.ServeHTTP(w, r)
			n := trips.Load() - before
			require.Equal(t, http.StatusOK, w.Code, "%s %s: %s", method, path, w.Body.String())
			check(w)
			return n
		}
		obj := func(w *httptest.ResponseRecorder) map[string]any {
			var m map[string]any
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m), w.Body.String())
			return m
		}
		var c counts
		c.quiz = do("GET", "/quiz/"+q.ID.String(), "", func(w *httptest.ResponseRecorder) {
			m := obj(w)
			assert.Equal(t, q.ID.String(), m["id"])
			if ready {
				assert.EqualValues(t, 5, m["question_count"], "live questions once generated")
				assert.NotNil(t, m["extracted_content"])
			}
		})
		c.list = do("GET", "/quiz/", "", func(w *httptest.ResponseRecorder) {
			var l []map[string]any
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &l))
			require.Len(t, l, 1)
			assert.Equal(t, q.ID.String(), l[0]["id"])
			if ready {
				assert.EqualValues(t, 5, l[0]["question_count"])
			}
		})
		c.questions = do("GET", "/questions/"+q.ID.String()+"?limit=20", "", func(w *httptest.ResponseRecorder) {
			var l []any
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &l))
			assert.Len(t, l, 5)
		})
		edit := `{"question_data":{"question_text":"Which structure holds the frontier?","option_a":"queue","option_b":"heap",` +
			`"option_c":"tree","option_d":"graph","correct_answer":"A","explanation":"The content says so."}}`
		c.edit = do("PUT", "/questions/"+q.ID.String()+"/"+qs[0].ID.String(), edit, func(w *httptest.ResponseRecorder) {
			m := obj(w)
			data, _ := m["question_data"].(map[string]any)
			assert.Equal(t, "Which structure holds the frontier?", data["question_text"])
		})
		c.approve = do("PUT", "/questions/"+q.ID.String()+"/"+qs[1].ID.String()+"/approve", "", func(w *httptest.ResponseRecorder) {
			assert.Equal(t, true, obj(w)["is_approved"])
		})
		return c
	}
	// Round trips per request (update with the README's figures).
	want := map[string]counts{
		"drill": {quiz: 1, list: 1, questions: 1, edit: 2, approve: 2},
		"ready": {quiz: 4, list: 2, questions: 1, edit: 2, approve: 2},
	}
	for i, state := range []string{"drill", "ready"} {
		t.Run(state, func(t *testing.T) {
			got := run(t, int64(41000+i), state == "ready")
			mix := 4*got.quiz + 2*got.list + 2*got.questions + got.edit + got.approve // the drill's 10
			t.Log(fmt.Sprintf("%s: quiz %d, list %d, questions %d, edit %d, approve %d; per 10 of the mix %d",
				state, got.quiz, got.list, got.questions, got.edit, got.approve, mix))
			assert.Equal(t, want[state], got, "round trips per request")
		})
	}
}
