// Package llmtest runs a fake OpenAI-compatible Chat Completions server for
// tests: scripted replies (errors, slow answers, broken JSON) and, by
// default, answers with valid questions. It records every request so tests
// can check what was sent. It does not import package llm, so any package's
// tests may use it.
package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Reply is one scripted answer of the server.
type Reply struct {
	// Status is the HTTP status (200 if zero).
	Status int
	// Body is the response body. An empty body with a 2xx status answers
	// with default questions, as if nothing had been pushed.
	Body string
	// ContentType is the Content-Type header (application/json if empty).
	ContentType string
	// Delay is how long the server waits before answering; it stops
	// waiting when the client goes away.
	Delay time.Duration
}

// Request is what the server received in one call.
type Request struct {
	// Path is the URL path, /v1/chat/completions or /chat/completions.
	Path string
	// Authorization is the Authorization header.
	Authorization string
	// Model and Temperature are the request's (Temperature is nil when
	// absent).
	Model       string
	Temperature *float64
	// Messages are the chat messages, with their text content.
	Messages []Message
	// ResponseFormat is the raw response_format object, or nil.
	ResponseFormat json.RawMessage
	// Body is the whole request body.
	Body json.RawMessage
}

// Message is one chat message of a request.
type Message struct {
	Role    string
	Content string
}

// Server is a fake OpenAI-compatible server. Its methods are safe for
// concurrent use.
type Server struct {
	// URL is the API root to give a client as its base URL; it ends in /v1.
	URL string

	done    chan struct{}
	mu      sync.Mutex
	replies []Reply
	reqs    []Request
	next    int // number of the next default question
}

// NewServer starts a server that is closed when the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{done: make(chan struct{}), next: 1}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = srv.URL + "/v1"
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(s.done) }) // runs first: delayed replies give up
	return s
}

// Push queues replies; each call takes the oldest queued reply. When the
// queue is empty the server answers with default questions.
func (s *Server) Push(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies = append(s.replies, replies...)
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// countRe finds the number of questions a prompt asks for ("exactly 7").
//
//nolint:gochecknoglobals // compiled once, read-only
var countRe = regexp.MustCompile(`(?i)\bexactly (\d+)\b`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" && r.URL.Path != "/chat/completions" {
		writeReply(w, Error(http.StatusNotFound, "invalid_request_error", "unknown_url", "Unknown request URL: "+r.URL.Path))
		return
	}
	if r.Method != http.MethodPost {
		writeReply(w, Error(http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed", "use POST"))
		return
	}
	req, err := decodeRequest(r)
	if err != nil {
		writeReply(w, Error(http.StatusBadRequest, "invalid_request_error", "", err.Error()))
		return
	}

	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	var rep Reply
	if len(s.replies) > 0 {
		rep, s.replies = s.replies[0], s.replies[1:]
	}
	if rep.Body == "" && (rep.Status == 0 || rep.Status/100 == 2) {
		n := 1
		for _, m := range req.Messages {
			if m.Role == "user" {
				if mm := countRe.FindStringSubmatch(m.Content); mm != nil {
					n, _ = strconv.Atoi(mm[1])
				}
			}
		}
		rep.Body = Completion(Questions(n, s.next))
		s.next += n
	}
	s.mu.Unlock()

	if rep.Delay > 0 {
		t := time.NewTimer(rep.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		}
	}
	writeReply(w, rep)
}

func writeReply(w http.ResponseWriter, rep Reply) {
	ct := rep.ContentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(max(rep.Status, http.StatusOK))
	_, _ = w.Write([]byte(rep.Body))
}

func decodeRequest(r *http.Request) (Request, error) {
	var body json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return Request{}, fmt.Errorf("decode body: %w", err)
	}
	var in struct {
		Model          string          `json:"model"`
		Temperature    *float64        `json:"temperature"`
		ResponseFormat json.RawMessage `json:"response_format"`
		Messages       []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return Request{}, fmt.Errorf("decode body: %w", err)
	}
	req := Request{
		Path:           r.URL.Path,
		Authorization:  r.Header.Get("Authorization"),
		Model:          in.Model,
		Temperature:    in.Temperature,
		ResponseFormat: in.ResponseFormat,
		Body:           body,
	}
	for _, m := range in.Messages {
		req.Messages = append(req.Messages, Message{Role: m.Role, Content: text(m.Content)})
	}
	return req, nil
}

// text returns the text of a message content: a string, or the text parts
// of a list.
func text(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &parts)
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

// Answer returns a 200 reply whose assistant message is content.
func Answer(content string) Reply {
	return Reply{Status: http.StatusOK, Body: Completion(content)}
}

// Error returns a reply with status and an OpenAI error body.
func Error(status int, typ, code, message string) Reply {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": message, "type": typ, "code": code, "param": nil,
	}})
	return Reply{Status: status, Body: string(b)}
}

// Completion returns the body of a chat completion whose assistant message
// is content.
func Completion(content string) string {
	b, _ := json.Marshal(map[string]any{
		"id":      "chatcmpl-llmtest",
		"object":  "chat.completion",
		"created": 1700000000,
		"model":   "llmtest",
		"choices": []any{map[string]any{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": content, "refusal": nil},
			"finish_reason": "stop",
		}},
		"usage": map[string]any{"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
	})
	return string(b)
}

// topics make the default questions of different numbers differ in more
// than their number.
//
//nolint:gochecknoglobals // read-only table
var topics = []string{"arrays", "graphs", "queues", "stacks", "hashing", "sorting", "recursion", "trees", "heaps", "tries", "caches"}

// Questions returns an answer, {"questions": [...]}, with n valid and
// distinct questions numbered from first; the correct letter cycles
// through A to D.
func Questions(n, first int) string {
	type q struct {
		QuestionText  string `json:"question_text"`
		OptionA       string `json:"option_a"`
		OptionB       string `json:"option_b"`
		OptionC       string `json:"option_c"`
		OptionD       string `json:"option_d"`
		CorrectAnswer string `json:"correct_answer"`
	}
	out := struct {
		Questions []q `json:"questions"`
	}{Questions: []q{}}
	for k := first; k < first+n; k++ {
		t := topics[k%len(topics)]
		out.Questions = append(out.Questions, q{
			QuestionText:  fmt.Sprintf("Question %d: which property of %s does example %d show?", k, t, k),
			OptionA:       fmt.Sprintf("Property A of %s (%d)", t, k),
			OptionB:       fmt.Sprintf("Property B of %s (%d)", t, k),
			OptionC:       fmt.Sprintf("Property C of %s (%d)", t, k),
			OptionD:       fmt.Sprintf("Property D of %s (%d)", t, k),
			CorrectAnswer: string(rune('A' + k%4)),
		})
	}
	b, _ := json.Marshal(out)
	return string(b)
}
