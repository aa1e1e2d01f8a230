package canvas

import (
	"encoding/json"
	"errors"
)

// Errors callers match with errors.Is. Temporary failures (5xx, timeouts,
// network errors, rate limits still in force after the retries) wrap
// quiz.ErrTemporary instead.
var (
	// ErrUnauthorized means Canvas refused the access token: expired,
	// revoked or unknown. The user must refresh or sign in again.
	ErrUnauthorized = errors.New("canvas: access token invalid")
	// ErrForbidden means the token is valid but may not see the resource.
	ErrForbidden = errors.New("canvas: forbidden")
	// ErrNotFound means the resource does not exist.
	ErrNotFound = errors.New("canvas: not found")
	// ErrBadResponse means Canvas answered with a body that does not have
	// the expected shape (not JSON, a list where an object belongs...).
	ErrBadResponse = errors.New("canvas: unexpected response")
	// ErrTooLarge means a download (or an API answer) exceeded the size
	// it was allowed.
	ErrTooLarge = errors.New("canvas: file too large")
	// ErrOAuth means the OAuth endpoint refused a code or refresh token
	// (HTTP 400/401 from /login/oauth2/token). OAuthError carries the body.
	ErrOAuth = errors.New("canvas: oauth request refused")
)

// User is the Canvas user returned with an OAuth token.
type User struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Token is an OAuth token response. RefreshToken is empty when Canvas did
// not send one (a refresh that does not rotate it); ExpiresIn is in
// seconds, 0 when Canvas did not say.
type Token struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	User         *User  `json:"user,omitempty"`
}

// Enrollment is one enrollment of the current user in a course.
type Enrollment struct {
	Type string `json:"type"` // "teacher", "student", "ta", ...
	Role string `json:"role"`
}

// Course is a Canvas course.
type Course struct {
	ID          int64        `json:"id"`
	Name        string       `json:"name"`
	CourseCode  string       `json:"course_code"`
	Enrollments []Enrollment `json:"enrollments"`
}

// Module is a Canvas module.
type Module struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Position   int    `json:"position"`
	ItemsCount int    `json:"items_count"`
}

// ModuleItem is one item of a module. PageURL is set for pages, ContentID
// for files (the file id). HTMLURL, PageURL and URL may be absent (null).
type ModuleItem struct {
	ID        int64   `json:"id"`
	Title     string  `json:"title"`
	Type      string  `json:"type"` // "Page", "File", "Assignment", ...
	ModuleID  int64   `json:"module_id"`
	Position  int     `json:"position"`
	ContentID int64   `json:"content_id"`
	HTMLURL   *string `json:"html_url"`
	PageURL   *string `json:"page_url"`
	URL       *string `json:"url"`
}

// Page is a Canvas wiki page. CreatedAt and UpdatedAt are passed through as
// Canvas wrote them (ISO-8601 strings or null).
type Page struct {
	Title     string          `json:"title"`
	URL       string          `json:"url"`
	Body      *string         `json:"body"`
	CreatedAt json.RawMessage `json:"created_at"`
	UpdatedAt json.RawMessage `json:"updated_at"`
}

// File is a Canvas file's metadata. URL is the download URL; it carries its
// own verifier and must be fetched without the Authorization header.
type File struct {
	ID          int64           `json:"id"`
	DisplayName string          `json:"display_name"`
	Filename    string          `json:"filename"`
	ContentType string          `json:"content-type"`
	URL         string          `json:"url"`
	Size        int64           `json:"size"`
	MimeClass   string          `json:"mime_class"`
	CreatedAt   json.RawMessage `json:"created_at"`
	UpdatedAt   json.RawMessage `json:"updated_at"`
}

// QuizSettings are the New Quizzes settings of an exported quiz.
type QuizSettings struct {
	ShuffleQuestions bool   `json:"shuffle_questions"`
	ShuffleAnswers   bool   `json:"shuffle_answers"`
	TimeLimit        int    `json:"time_limit"`
	MultipleAttempts bool   `json:"multiple_attempts"`
	ScoringPolicy    string `json:"scoring_policy"`
}

// NewQuiz is the body of "create a New Quiz" (docs/compatibility.md, Canvas).
type NewQuiz struct {
	Title string `json:"title"`
	// Instructions is the quiz's instructions (HTML); Canvas returns it
	// when listing quizzes, so an exporter can recognise a quiz it made.
	Instructions string `json:"instructions,omitempty"`
	// PointsPossible is the sum of the items' points.
	PointsPossible float64 `json:"points_possible"`
	// Published is always sent: an exported quiz is created unpublished,
	// for the teacher to review in Canvas.
	Published    bool         `json:"published"`
	QuizSettings QuizSettings `json:"quiz_settings"`
}

// ListedQuiz is a New Quiz of a course as ListQuizzes returns it.
type ListedQuiz struct {
	ID           string
	Title        string
	Instructions string
}

// ListedItem is an item of a New Quiz as ListItems returns it; Title is
// its entry's title.
type ListedItem struct {
	ID       string
	Position int
	Title    string
}

// Choice is one answer choice of a choice item.
type Choice struct {
	ID       string `json:"id"`
	Position int    `json:"position"`
	ItemBody string `json:"item_body"`
}

// NewItem is the body of "create a quiz item" (wrapped as {"item": ...}).
// Entry is the item's entry object as the question's type builds it
// (qtype's Canvas: title, item_body, interaction_type_slug,
// interaction_data, scoring_algorithm, scoring_data, properties, feedback,
// points_possible); Canvas returns its title when listing items.
type NewItem struct {
	ID             string         `json:"id"`
	EntryType      string         `json:"entry_type"`
	EntryID        string         `json:"entry_id"`
	Position       int            `json:"position"`
	ItemType       string         `json:"item_type"`
	Properties     map[string]any `json:"properties,omitempty"`
	PointsPossible float64        `json:"points_possible"`
	Entry          map[string]any `json:"entry"`
}
