package quiz

// Prefetch names what a request reads together with its signed-in user,
// in one round trip to the database: every round trip is a wait for a
// server connection at the pooler, so a request that reads what it needs
// with its authentication answers sooner (README, Database connections).
// What it reads is of no use until the caller has checked the user and
// its access to the quiz.
type Prefetch struct {
	// Quiz is the quiz the request names (its extracted content unread).
	Quiz *ID
	// Question is a question of Quiz, not deleted (Quiz must be set).
	Question *ID
	// Questions is a page of Quiz's questions (Quiz must be set).
	Questions *QuestionFilter
	// Quizzes asks for the quizzes the user owns or collaborates on.
	Quizzes bool
}

// Prefetched is what a Prefetch read beside the user; a part not asked
// for is nil.
type Prefetched struct {
	// Quiz and QuizErr: the quiz, or ErrNotFound.
	Quiz    *Quiz
	QuizErr error
	// Question and QuestionErr: the question, or ErrNotFound (none of
	// this quiz, or deleted).
	Question    *Question
	QuestionErr error
	// Questions is the page asked for (empty, not nil, when there is none).
	Questions []Question
	// Quizzes are the user's quizzes (empty, not nil, when there is none).
	Quizzes []Quiz
}
