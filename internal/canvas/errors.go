package canvas

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"quizgen/internal/quiz"
)

// Error is a failed Canvas request. It wraps ErrUnauthorized,
// ErrForbidden, ErrNotFound, ErrBadResponse, ErrTooLarge, an *OAuthError,
// or quiz.ErrTemporary (with the transport error when there is one), so
// callers match it with errors.Is and read the details with errors.As.
//
// Its text names the method, the path without the query string and the
// status, e.g. "canvas: GET /api/v1/courses/1/modules: 404: canvas: not
// found". It never contains a token, a client secret or a download
// verifier.
type Error struct {
	// Method and Path identify the request; Path is the escaped path
	// without the query string.
	Method string
	Path   string
	// Status is the HTTP status of the last answer, 0 when none came.
	Status int
	// Attempts is how many times the request was sent.
	Attempts int
	// Body is the start of Canvas's answer for non-2xx statuses (at most
	// 500 bytes), with the secrets of the request redacted.
	Body string
	// Err is the cause.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("canvas: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	if e.Status != 0 {
		b.WriteString(": ")
		b.WriteString(strconv.Itoa(e.Status))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether running the request again later may succeed
// (the error wraps quiz.ErrTemporary).
func (e *Error) Temporary() bool { return errors.Is(e.Err, quiz.ErrTemporary) }

// OAuthError is Canvas refusing a code or a refresh token: HTTP 400 or 401
// from /login/oauth2/token. It wraps ErrOAuth. Body is the start of the
// answer (at most 500 bytes) with the code, the tokens and the client
// secret of the request redacted.
type OAuthError struct {
	Status int
	Body   string
}

// Error implements error.
func (e *OAuthError) Error() string {
	if e.Body == "" {
		return ErrOAuth.Error()
	}
	return ErrOAuth.Error() + ": " + e.Body
}

// Unwrap returns ErrOAuth.
func (e *OAuthError) Unwrap() error { return ErrOAuth }

// maxBodySnippet is how much of an error answer is kept.
const maxBodySnippet = 500

// redacted replaces secrets in text kept from answers and errors.
const redacted = "[REDACTED]"

// snippet returns the start of body, secrets redacted first so that a cut
// never leaves part of one, valid UTF-8 and at most maxBodySnippet bytes.
func snippet(body []byte, secrets []string) string {
	s := redact(strings.TrimSpace(string(body)), secrets)
	s = scrubQueries(s)
	if len(s) > maxBodySnippet {
		cut := maxBodySnippet
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// redact replaces every non-empty secret in s.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}

// urlQuery matches the query string of a URL inside free text, which may
// carry a verifier or a signature.
var urlQuery = regexp.MustCompile(`(https?://[^\s"'<>?]*)\?[^\s"'<>]*`) //nolint:gochecknoglobals // compiled once, read-only

// scrubQueries removes the query strings of URLs found in s.
func scrubQueries(s string) string {
	if !strings.Contains(s, "?") {
		return s
	}
	return urlQuery.ReplaceAllString(s, "$1?"+redacted)
}

// cleanError is a transport error whose text had secrets removed; Unwrap
// keeps errors.Is working (context.DeadlineExceeded, net errors).
type cleanError struct {
	msg string
	err error
}

func (e *cleanError) Error() string { return e.msg }
func (e *cleanError) Unwrap() error { return e.err }

// clean strips the *url.Error layer (its text holds the whole URL) and
// redacts secrets and URL query strings from what is left.
func clean(err error, secrets []string) error {
	if ue, ok := err.(*url.Error); ok { //nolint:errorlint // only the outermost layer holds the URL
		err = ue.Err
	}
	msg := scrubQueries(redact(err.Error(), secrets))
	if msg == err.Error() {
		return err
	}
	return &cleanError{msg: msg, err: err}
}

// ItemRefused reports whether err is Canvas refusing a New Quizzes item
// for what it holds
// (a 4xx other than an authorization, a missing quiz or a rate limit,
// which are not about the item) and returns Canvas's message.
func ItemRefused(err error) (string, bool) {
	var ce *Error
	if !errors.As(err, &ce) || ce.Status < 400 || ce.Status > 499 || ce.Temporary() {
		return "", false
	}
	switch ce.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusRequestTimeout, http.StatusTooManyRequests:
		return "", false
	}
	return canvasMessage(ce), true
}

// canvasMessage is the message of a Canvas error answer: the messages of
// its errors list ({"errors": [{"message": ...}]}), its message or error
// field, else the start of the body, else the status.
func canvasMessage(ce *Error) string {
	var body struct {
		Errors  []struct{ Message string } `json:"errors"`
		Message string                     `json:"message"`
		Error   string                     `json:"error"`
	}
	var msgs []string
	if json.Unmarshal([]byte(ce.Body), &body) == nil {
		for _, e := range body.Errors {
			if e.Message != "" {
				msgs = append(msgs, e.Message)
			}
		}
		msgs = append(msgs, body.Message, body.Error)
	}
	msgs = slices.DeleteFunc(msgs, func(m string) bool { return strings.TrimSpace(m) == "" })
	msg := strings.Join(msgs, "; ")
	switch {
	case msg == "" && strings.TrimSpace(ce.Body) != "":
		msg = strings.TrimSpace(ce.Body)
	case msg == "":
		msg = fmt.Sprintf("HTTP %d", ce.Status)
	}
	if len(msg) > 300 {
		msg = strings.ToValidUTF8(msg[:300], "") + "..."
	}
	return msg
}
