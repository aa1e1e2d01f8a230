package httpapi_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/quiz"
)

// TestCreateQuizBounds: the inputs of POST /quiz/ that reach the database,
// the job and the LLM are bounded (422 in the validation shape).
func TestCreateQuizBounds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	post := func(body any) resp { t.Helper(); return e.do("POST", "/api/v1/quiz/", u.jwt, body) }

	t.Run("at most 50 modules", func(t *testing.T) {
		mods := map[string]any{}
		for i := 1; i <= 50; i++ {
			mods[fmt.Sprint(173400+i)] = "M"
		}
		require.Equal(t, http.StatusOK, post(newQuizBody().with("selected_modules", mods)).Code)
		mods["173999"] = "one too many"
		fe := oneFieldErr(t, post(newQuizBody().with("selected_modules", mods)), "too_long", "body", "selected_modules")
		assert.Equal(t, "Dictionary should have at most 50 items after validation, not 51", fe.Msg)
		assert.Equal(t, map[string]any{"field_type": "Dictionary", "max_length": float64(50), "actual_length": float64(51)}, fe.Ctx)

		// The finding's request had 60,000 entries; 4,000 fit under this
		// harness's 64 KiB body limit.
		var b strings.Builder
		b.WriteString(`{"canvas_course_id": 37823, "canvas_course_name": "c", "title": "t", "selected_modules": {`)
		for i := 1; i <= 4000; i++ {
			if i > 1 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, `"%d": "m"`, i)
		}
		b.WriteString("}}")
		oneFieldErr(t, e.do("POST", "/api/v1/quiz/", u.jwt, b.String()), "too_long", "body", "selected_modules")
	})

	t.Run("module ids positive, names at most 255 characters", func(t *testing.T) {
		for _, id := range []string{"0", "-5"} {
			fe := oneFieldErr(t, post(newQuizBody().with("selected_modules", map[string]any{id: "M"})),
				"greater_than", "body", "selected_modules", id, "[key]")
			assert.Equal(t, "Input should be greater than 0", fe.Msg)
			assert.Equal(t, map[string]any{"gt": float64(0)}, fe.Ctx)
		}
		require.Equal(t, http.StatusOK, post(newQuizBody().with("selected_modules", map[string]any{"1": strings.Repeat("ø", 255)})).Code)
		fe := oneFieldErr(t, post(newQuizBody().with("selected_modules", map[string]any{"1": strings.Repeat("m", 256)})),
			"string_too_long", "body", "selected_modules", "1")
		assert.Equal(t, map[string]any{"max_length": float64(255)}, fe.Ctx)
	})

	t.Run("course id positive, course name at most 255 characters", func(t *testing.T) {
		for _, id := range []int{0, -37823} {
			fe := oneFieldErr(t, post(newQuizBody().with("canvas_course_id", id)), "greater_than", "body", "canvas_course_id")
			assert.Equal(t, "Input should be greater than 0", fe.Msg)
		}
		require.Equal(t, http.StatusOK, post(newQuizBody().with("canvas_course_name", strings.Repeat("c", 255))).Code)
		fe := oneFieldErr(t, post(newQuizBody().with("canvas_course_name", strings.Repeat("c", 256))),
			"string_too_long", "body", "canvas_course_name")
		assert.Equal(t, map[string]any{"max_length": float64(255)}, fe.Ctx)
	})

	t.Run("llm_model at most 100 characters", func(t *testing.T) {
		require.Equal(t, http.StatusOK, post(newQuizBody().with("llm_model", strings.Repeat("m", 100))).Code)
		fe := oneFieldErr(t, post(newQuizBody().with("llm_model", strings.Repeat("m", 10000))), "string_too_long", "body", "llm_model")
		assert.Equal(t, map[string]any{"max_length": float64(100)}, fe.Ctx)
	})

	list := e.do("GET", "/api/v1/quiz/", u.jwt, nil).list()
	assert.Len(t, list, 4, "only the valid requests created quizzes")
}

// TestCreateQuizOnlyForTeachers: a quiz is created only over a course the
// user teaches (as GET /canvas/courses lists them), checked with Canvas.
func TestCreateQuizOnlyForTeachers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)

	r := e.do("POST", "/api/v1/quiz/", u.jwt, newQuizBody().with("canvas_course_id", fakecanvas.CourseStudent))
	assertDetail(t, r, http.StatusForbidden, "You don't have access to this course.")
	r = e.do("POST", "/api/v1/quiz/", u.jwt, newQuizBody().with("canvas_course_id", 999999))
	assertDetail(t, r, http.StatusForbidden, "You don't have access to this course.")
	assert.Empty(t, e.do("GET", "/api/v1/quiz/", u.jwt, nil).list(), "no quiz was created")

	require.Equal(t, http.StatusOK, e.do("POST", "/api/v1/quiz/", u.jwt, newQuizBody()).Code, "a course the user teaches")
}

// TestUsageLimits429: generate-questions could be re-run without end,
// each run appending question_count more questions (3 -> 6 -> 9); the
// limits refuse it with 429, Retry-After and a detail naming the limit.
func TestUsageLimits429(t *testing.T) {
	t.Parallel()

	t.Run("generation runs per quiz", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withPublisher(nopJobs{}), withLimits(quiz.Limits{GenerationsPerQuiz: 3}))
		u := e.signIn(teacherID)
		id := e.createQuiz(u)["id"].(string) // run 1
		path := "/api/v1/quiz/" + id + "/generate-questions"
		done := func() {
			e.sql(`UPDATE quiz SET content_extraction_status = 'completed', llm_generation_status = 'completed' WHERE id = $1`, id)
		}
		for range 2 { // runs 2 and 3
			done()
			assertMessage(t, e.do("POST", path, u.jwt, nil), "Question generation started")
		}
		done()
		r := e.do("POST", path, u.jwt, nil)
		assertDetail(t, r, http.StatusTooManyRequests, "This quiz has used its 3 question generation runs (limit 3 per quiz). "+
			"This limit does not reset: create a new quiz to generate more questions.")
		assert.Empty(t, r.Header().Get("Retry-After"), "a limit that does not reset has no Retry-After")
		r = e.do("POST", "/api/v1/quiz/"+id+"/extract-content", u.jwt, nil)
		assert.Equal(t, http.StatusTooManyRequests, r.Code, "a re-extraction generates too: %s", r.Body.String())
	})

	t.Run("questions per day", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withPublisher(nopJobs{}), withLimits(quiz.Limits{QuestionsPerDay: 30}))
		u := e.signIn(teacherID)
		e.createQuiz(u) // 20 questions
		before := time.Now().Truncate(time.Second)
		r := e.do("POST", "/api/v1/quiz/", u.jwt, newQuizBody().with("question_count", 11))
		after := time.Now()
		require.Equal(t, http.StatusTooManyRequests, r.Code, r.Body.String())
		detail, _ := r.detail().(string)
		assert.Contains(t, detail, "Daily question limit reached: 20 of 30 questions generated today, and this needs 11 more.")
		m := regexp.MustCompile(`The limit resets at (\S+) \(midnight UTC\)\.`).FindStringSubmatch(detail)
		require.Len(t, m, 2, detail)
		resets, err := time.Parse(time.RFC3339, m[1])
		require.NoError(t, err)
		assert.Equal(t, quiz.DayStart(resets), resets, "resets at a midnight UTC")
		secs, err := strconv.Atoi(r.Header().Get("Retry-After"))
		require.NoError(t, err, "Retry-After %q", r.Header().Get("Retry-After"))
		// Retry-After is the whole seconds (rounded up) from the request's
		// time, read by the database during the request, to that midnight.
		asked := resets.Add(-time.Duration(secs) * time.Second)
		assert.False(t, asked.Before(before) || asked.After(after), "Retry-After counts to midnight UTC: %d s before %s is not within the request (%s to %s)",
			secs, resets, before, after)
		assert.Equal(t, http.StatusOK, e.do("POST", "/api/v1/quiz/", u.jwt, newQuizBody().with("question_count", 10)).Code)
	})

	t.Run("quizzes in progress", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withPublisher(nopJobs{}), withLimits(quiz.Limits{ProcessingQuizzes: 1}))
		u := e.signIn(teacherID)
		e.createQuiz(u)
		r := e.do("POST", "/api/v1/quiz/", u.jwt, newQuizBody())
		assertDetail(t, r, http.StatusTooManyRequests, "Too many quizzes in progress: 1 quiz is extracting content or "+
			"generating questions (limit 1). Try again when one of them has finished.")
		assert.Equal(t, "60", r.Header().Get("Retry-After"))
	})
}
