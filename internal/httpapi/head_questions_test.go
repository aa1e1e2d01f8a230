package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

// typedEnv is a quiz of its owner holding one question of each of the six
// types (the types' mock questions), created in registry order.
type typedEnv struct {
	*env
	u      user
	quizID string
	qs     []quiz.Question // in creation order
}

func newTypedEnv(t *testing.T) *typedEnv {
	t.Helper()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	id := e.createQuiz(u)["id"].(string)
	return &typedEnv{env: e, u: u, quizID: id, qs: e.addTypedQuestions(id)}
}

// addTypedQuestions stores one question of every type for quiz id, each
// in its own write so creation order is registry order.
func (e *env) addTypedQuestions(id string) []quiz.Question {
	e.t.Helper()
	m := qtype.Material{
		Sentence: "Breadth-first search keeps its frontier in a queue.", Term: "queue",
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
	var out []quiz.Question
	for i, typ := range qtype.All() {
		m.Variant = i
		raw, err := typ.Mock(m)
		require.NoError(e.t, err, typ.Name())
		qs, err := e.store.AddQuestions(e.t.Context(), uuid.MustParse(id), []quiz.NewQuestion{
			{Type: typ.Name(), Data: raw, Difficulty: qtype.Medium, Tags: []string{"search"}, ModuleID: "173468"}})
		require.NoError(e.t, err)
		out = append(out, qs...)
	}
	return out
}

func (te *typedEnv) path(quizID string, rest ...string) string {
	p := "/questions/" + quizID
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// ids returns the ids of a list answer, in order.
func ids(t *testing.T, r resp) []string {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	var out []string
	for _, q := range r.list() {
		out = append(out, q.(map[string]any)["id"].(string))
	}
	return out
}

func idsOf(qs ...quiz.Question) []string {
	out := []string{}
	for _, q := range qs {
		out = append(out, q.ID.String())
	}
	return out
}

// TestTypedQuestionList: GET /questions/{quiz_id} lists the quiz's live
// questions of every type in creation order as today's QuestionResponse,
// with each filter and the paging bounds of today's contract.
func TestTypedQuestionList(t *testing.T) {
	t.Parallel()
	te := newTypedEnv(t)
	all := te.qs
	require.Len(t, all, 6)
	get := func(q url.Values) resp { return te.do("GET", te.path(te.quizID)+"?"+q.Encode(), te.u.jwt, nil) }

	t.Run("every type, today's shape", func(t *testing.T) {
		r := get(nil)
		assert.Equal(t, idsOf(all...), ids(t, r))
		first := r.list()[0].(map[string]any)
		assert.Equal(t, []string{"id", "quiz_id", "question_type", "question_data", "difficulty", "tags", "is_approved",
			"approved_at", "created_at", "updated_at", "canvas_item_id", "module_id", "rejection_reason", "rejection_feedback"},
			keysInOrder(t, firstRaw(t, r)), "fields of QuestionResponse")
		assert.Equal(t, "multiple_choice", first["question_type"])
		assert.Equal(t, "medium", first["difficulty"])
		assert.Equal(t, []any{"search"}, first["tags"])
		assert.Equal(t, "173468", first["module_id"])
		assert.Equal(t, false, first["is_approved"])
		assert.Nil(t, first["approved_at"])
		assertPyTime(t, first["created_at"], "created_at")
		var want map[string]any
		require.NoError(t, json.Unmarshal(all[0].Data, &want))
		assert.Equal(t, want, first["question_data"], "question_data is the type's data")
		var types []any
		for _, q := range r.list() {
			types = append(types, q.(map[string]any)["question_type"])
		}
		assert.Equal(t, []any{"multiple_choice", "multiple_answer", "true_false", "fill_in_blank", "matching", "categorization"}, types)
	})

	t.Run("question_type", func(t *testing.T) {
		for _, q := range all {
			assert.Equal(t, idsOf(q), ids(t, get(url.Values{"question_type": {string(q.Type)}})), q.Type)
		}
		fe := oneFieldErr(t, get(url.Values{"question_type": {"essay"}}), "enum", "query", "question_type")
		assert.Equal(t, "Input should be 'multiple_choice', 'multiple_answer', 'fill_in_blank', 'matching', 'categorization' or 'true_false'", fe.Msg)
		assert.Equal(t, "essay", fe.Input)
	})

	t.Run("approved_only", func(t *testing.T) {
		te.sql("UPDATE question SET is_approved = true WHERE id = ANY($1)", []uuid.UUID{all[1].ID, all[4].ID})
		assert.Equal(t, idsOf(all[1], all[4]), ids(t, get(url.Values{"approved_only": {"true"}})))
		assert.Equal(t, idsOf(all...), ids(t, get(url.Values{"approved_only": {"false"}})))
		assert.Equal(t, idsOf(all[4]), ids(t, get(url.Values{"approved_only": {"1"}, "question_type": {"matching"}})))
		oneFieldErr(t, get(url.Values{"approved_only": {"maybe"}}), "bool_parsing", "query", "approved_only")
	})

	t.Run("limit and offset", func(t *testing.T) {
		assert.Equal(t, idsOf(all[:2]...), ids(t, get(url.Values{"limit": {"2"}})))
		assert.Equal(t, idsOf(all[2:4]...), ids(t, get(url.Values{"limit": {"2"}, "offset": {"2"}})))
		assert.Equal(t, idsOf(all[5:]...), ids(t, get(url.Values{"offset": {"5"}})))
		assert.Empty(t, ids(t, get(url.Values{"offset": {"6"}})))
		assert.Equal(t, idsOf(all...), ids(t, get(url.Values{"limit": {"100"}})))
		fe := oneFieldErr(t, get(url.Values{"limit": {"0"}}), "greater_than_equal", "query", "limit")
		assert.Equal(t, "Input should be greater than or equal to 1", fe.Msg)
		fe = oneFieldErr(t, get(url.Values{"limit": {"101"}}), "less_than_equal", "query", "limit")
		assert.Equal(t, "Input should be less than or equal to 100", fe.Msg)
		oneFieldErr(t, get(url.Values{"offset": {"-1"}}), "greater_than_equal", "query", "offset")
		oneFieldErr(t, get(url.Values{"offset": {"x"}}), "int_parsing", "query", "offset")
	})

	t.Run("deleted questions are not listed", func(t *testing.T) {
		te.sql("UPDATE question SET deleted = true, deleted_at = now() WHERE id = $1", all[0].ID)
		assert.Equal(t, idsOf(all[1:]...), ids(t, get(nil)))
		assertDetail(t, te.do("GET", te.path(te.quizID, all[0].ID.String()), te.u.jwt, nil), http.StatusNotFound, "Question not found")
	})
}

// firstRaw is the first item of a list answer as written.
func firstRaw(t *testing.T, r resp) []byte {
	t.Helper()
	var items []json.RawMessage
	require.NoError(t, json.Unmarshal(r.Body.Bytes(), &items))
	require.NotEmpty(t, items)
	return items[0]
}

// TestTypedQuestionGetAndApprove: one question of any type through its
// quiz; approving it (again) refreshes approved_at.
func TestTypedQuestionGetAndApprove(t *testing.T) {
	t.Parallel()
	te := newTypedEnv(t)
	for _, q := range te.qs {
		r := te.do("GET", te.path(te.quizID, q.ID.String()), te.u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, string(q.Type), r.obj()["question_type"])

		r = te.do("PUT", te.path(te.quizID, q.ID.String(), "approve"), te.u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, true, r.obj()["is_approved"], q.Type)
		assertPyTime(t, r.obj()["approved_at"], "approved_at")
	}
	r := te.do("GET", te.path(te.quizID)+"?approved_only=true", te.u.jwt, nil)
	assert.Len(t, r.list(), 6, "every type approved")
}

// TestTypedQuestionEdit: PUT /questions/{quiz_id}/{question_id} validates
// question_data by the question's own type (the original stored anything):
// a valid edit is stored normalized, with difficulty and tags; a broken
// rule is a 422 at its path inside question_data and changes nothing.
func TestTypedQuestionEdit(t *testing.T) {
	t.Parallel()
	te := newTypedEnv(t)
	byType := map[qtype.Name]quiz.Question{}
	for _, q := range te.qs {
		byType[q.Type] = q
	}
	put := func(q quiz.Question, body any) resp {
		return te.do("PUT", te.path(te.quizID, q.ID.String()), te.u.jwt, body)
	}
	dataOf := func(q quiz.Question) map[string]any {
		var m map[string]any
		require.NoError(t, json.Unmarshal(q.Data, &m))
		return m
	}

	t.Run("valid", func(t *testing.T) {
		tf := byType[qtype.TrueFalse]
		before := dataOf(tf)
		flipped := !before["correct_answer"].(bool)
		r := put(tf, map[string]any{
			"question_data": map[string]any{"question_text": "  A queue is FIFO.  ", "correct_answer": flipped, "explanation": before["explanation"]},
			"difficulty":    "hard", "tags": []string{"queues", "basics"},
		})
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		got := r.obj()
		assert.Equal(t, map[string]any{"question_text": "A queue is FIFO.", "correct_answer": flipped, "explanation": before["explanation"]},
			got["question_data"], "stored normalized (trimmed)")
		assert.Equal(t, "hard", got["difficulty"])
		assert.Equal(t, []any{"queues", "basics"}, got["tags"])

		// Absent and null fields keep what the question has.
		r = put(tf, map[string]any{"difficulty": nil, "tags": nil})
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, got["question_data"], r.obj()["question_data"])
		assert.Equal(t, "hard", r.obj()["difficulty"])
		r = put(tf, map[string]any{"tags": []string{}})
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, []any{}, r.obj()["tags"], "an empty list clears the tags")

		var log []map[string]any
		require.NoError(t, te.tdb.Conn(t).QueryRow(t.Context(), "SELECT edit_log FROM question WHERE id = $1", tf.ID).Scan(&log))
		require.Len(t, log, 2, "one entry per changed field of question_data: %v", log)
		assert.Equal(t, "correct_answer", log[0]["field"])
		assert.Equal(t, before["correct_answer"], log[0]["old_value"])
		assert.Equal(t, flipped, log[0]["new_value"])
		assert.Equal(t, "question_text", log[1]["field"])
		assert.Equal(t, "A queue is FIFO.", log[1]["new_value"])
	})

	t.Run("invalid at a top-level field", func(t *testing.T) {
		mc := byType[qtype.MultipleChoice]
		d := dataOf(mc)
		d["option_b"] = "   "
		fe := oneFieldErr(t, put(mc, map[string]any{"question_data": d, "tags": []string{"x"}}),
			"value_error", "body", "question_data", "option_b")
		assert.Equal(t, "Value error, is required", fe.Msg)
		assert.Equal(t, "   ", fe.Input)
	})

	t.Run("invalid inside a list", func(t *testing.T) {
		m := byType[qtype.Matching]
		d := dataOf(m)
		pairs := d["pairs"].([]any)
		pairs[1].(map[string]any)["answer"] = ""
		fe := oneFieldErr(t, put(m, map[string]any{"question_data": d}), "value_error", "body", "question_data", "pairs", 1.0, "answer")
		assert.Equal(t, "", fe.Input)
	})

	t.Run("invalid for its own type", func(t *testing.T) {
		// multiple_choice's data is not a true_false question.
		tf := byType[qtype.TrueFalse]
		errs := validation(t, put(tf, map[string]any{"question_data": dataOf(byType[qtype.MultipleChoice])}))
		for _, fe := range errs {
			assert.Equal(t, []any{"body", "question_data"}, fe.Loc[:2], "%v", fe.Loc)
		}
	})

	t.Run("body shape", func(t *testing.T) {
		mc := byType[qtype.MultipleChoice]
		errs := validation(t, put(mc, map[string]any{"question_data": "text", "difficulty": "extreme", "tags": []any{"ok", 3}}))
		var locs [][]any
		for _, fe := range errs {
			locs = append(locs, fe.Loc)
		}
		assert.ElementsMatch(t, [][]any{{"body", "question_data"}, {"body", "difficulty"}, {"body", "tags", 1.0}}, locs)
	})

	// Nothing of the refused edits was stored.
	for _, q := range []quiz.Question{byType[qtype.MultipleChoice], byType[qtype.Matching]} {
		r := te.do("GET", te.path(te.quizID, q.ID.String()), te.u.jwt, nil)
		require.Equal(t, http.StatusOK, r.Code)
		assert.Equal(t, dataOf(q), r.obj()["question_data"], q.Type)
		assert.Equal(t, []any{"search"}, r.obj()["tags"], q.Type)
	}
}

// TestTypedQuestionsOwnerOnly: another user's quiz is "Quiz not found" on
// every route (never 403), and a question is only found through its own
// quiz.
func TestTypedQuestionsOwnerOnly(t *testing.T) {
	t.Parallel()
	te := newTypedEnv(t)
	other := te.signIn(teacherID + 1)
	q := te.qs[0].ID.String()
	edit := map[string]any{"tags": []string{"mine"}}

	assertDetail(t, te.do("GET", te.path(te.quizID), other.jwt, nil), http.StatusNotFound, "Quiz not found")
	assertDetail(t, te.do("GET", te.path(te.quizID, q), other.jwt, nil), http.StatusNotFound, "Quiz not found")
	assertDetail(t, te.do("PUT", te.path(te.quizID, q), other.jwt, edit), http.StatusNotFound, "Quiz not found")
	assertDetail(t, te.do("PUT", te.path(te.quizID, q, "approve"), other.jwt, nil), http.StatusNotFound, "Quiz not found")
	assertDetail(t, te.do("GET", te.path(randomUUID), te.u.jwt, nil), http.StatusNotFound, "Quiz not found")

	// A second quiz of the same owner does not reach the first one's question.
	second := te.createQuiz(te.u)["id"].(string)
	assertDetail(t, te.do("GET", te.path(second, q), te.u.jwt, nil), http.StatusNotFound, "Question not found")
	assertDetail(t, te.do("PUT", te.path(second, q), te.u.jwt, edit), http.StatusNotFound, "Question not found")
	assertDetail(t, te.do("PUT", te.path(second, q, "approve"), te.u.jwt, nil), http.StatusNotFound, "Question not found")

	r := te.do("GET", te.path(te.quizID, q), te.u.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code)
	assert.Equal(t, false, r.obj()["is_approved"], "nothing was approved through another quiz")
	assert.Equal(t, []any{"search"}, r.obj()["tags"], "nothing was edited through another quiz")
}

// TestV1StillSeesOnlyMultipleChoice: next to today's routes, the v1 list
// and reads still show a quiz's multiple_choice questions only, in v1's
// flat shape.
func TestV1StillSeesOnlyMultipleChoice(t *testing.T) {
	t.Parallel()
	te := newTypedEnv(t)
	r := te.do("GET", "/api/v1/quiz/"+te.quizID+"/questions", te.u.jwt, nil)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	require.Len(t, r.list(), 1)
	assert.Equal(t, te.qs[0].ID.String(), r.list()[0].(map[string]any)["id"])
	assert.NotContains(t, r.list()[0], "question_type", "v1's flat shape")
	for _, q := range te.qs[1:] {
		r := te.do("GET", "/api/v1/quiz/"+te.quizID+"/questions/"+q.ID.String(), te.u.jwt, nil)
		assertDetail(t, r, http.StatusNotFound, "Question not found")
	}
	assert.Len(t, te.do("GET", te.path(te.quizID), te.u.jwt, nil).list(), 6, "today's list shows all six")
}
