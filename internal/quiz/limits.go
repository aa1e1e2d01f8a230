package quiz

import (
	"fmt"
	"time"
)

// Limits caps the LLM work one user may start (README, Limits). Each is
// counted in the database, so every Lambda environment sees the same
// counts; zero disables a limit.
type Limits struct {
	// QuestionsPerDay caps the questions a user's generations may ask for
	// per UTC day (each run asks for the quiz's question_count).
	QuestionsPerDay int
	// GenerationsPerQuiz caps the generation runs of one quiz, the first
	// (at creation) included; a re-extraction runs a generation too.
	GenerationsPerQuiz int
	// ProcessingQuizzes caps a user's quizzes whose extraction or
	// generation is queued or running.
	ProcessingQuizzes int
}

// Usage is what a user has started, counted under a lock on the user's
// row so that concurrent requests see each other's charges.
type Usage struct {
	// Now is the database's clock.
	Now time.Time
	// QuestionsToday is what the user's generations asked for since the
	// start of Now's UTC day.
	QuestionsToday int
	// Processing counts the user's other quizzes whose extraction or
	// generation is queued or running.
	Processing int
	// Runs counts the generation runs of the quiz so far (0 for a new one).
	Runs int
}

// Charge is what starting a generation run cost, recorded so that a run
// that could not be queued can be refunded.
type Charge struct {
	// Day is the UTC day the questions were counted on.
	Day       time.Time
	Questions int
}

// LimitError refuses work that would exceed a limit. Msg is safe to show;
// RetryAfter is when the limit frees up again, or zero when it does not
// (a quiz's generation runs).
type LimitError struct {
	// Limit names the setting, e.g. LIMIT_QUESTIONS_PER_DAY.
	Limit      string
	Msg        string
	RetryAfter time.Duration
}

func (e *LimitError) Error() string { return e.Msg }

// processingRetry is the Retry-After of the processing limit: an
// extraction and generation take minutes.
const processingRetry = time.Minute

// DayEnd returns the end of t's UTC day, when the daily count resets.
func DayEnd(t time.Time) time.Time { return DayStart(t).Add(24 * time.Hour) }

// DayStart returns the start of t's UTC day.
func DayStart(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Allow decides whether a generation run of questions more may start for
// a user with usage u; a refusal is a *LimitError.
func (l Limits) Allow(u Usage, questions int) error {
	if l.ProcessingQuizzes > 0 && u.Processing >= l.ProcessingQuizzes {
		return &LimitError{Limit: "LIMIT_PROCESSING_QUIZZES", RetryAfter: processingRetry, Msg: fmt.Sprintf(
			"Too many quizzes in progress: %s extracting content or generating questions (limit %d). "+
				"Try again when one of them has finished.", quizzes(u.Processing), l.ProcessingQuizzes)}
	}
	if l.GenerationsPerQuiz > 0 && u.Runs >= l.GenerationsPerQuiz {
		return &LimitError{Limit: "LIMIT_GENERATIONS_PER_QUIZ", Msg: fmt.Sprintf(
			"This quiz has used its %d question generation runs (limit %d per quiz). "+
				"This limit does not reset: create a new quiz to generate more questions.", u.Runs, l.GenerationsPerQuiz)}
	}
	if l.QuestionsPerDay > 0 && u.QuestionsToday+questions > l.QuestionsPerDay {
		end := DayEnd(u.Now)
		return &LimitError{Limit: "LIMIT_QUESTIONS_PER_DAY", RetryAfter: end.Sub(u.Now), Msg: fmt.Sprintf(
			"Daily question limit reached: %d of %d questions generated today, and this needs %d more. "+
				"The limit resets at %s (midnight UTC).", u.QuestionsToday, l.QuestionsPerDay, questions,
			end.Format(time.RFC3339))}
	}
	return nil
}

func quizzes(n int) string {
	if n == 1 {
		return "1 quiz is"
	}
	return fmt.Sprintf("%d quizzes are", n)
}
