package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"quizgen/internal/quiz"
)

// Defaults of OpenAIConfig.
const (
	DefaultBaseURL = "https://api.openai.com/v1"
	DefaultTimeout = 120 * time.Second // the original's LLM_API_TIMEOUT (docs/compatibility.md, Generation)
)

// maxReason bounds the characters of a provider's message quoted in an
// error.
const maxReason = 300

// maxResponseBytes bounds the body read from the endpoint: an answer of
// 20 questions is some 20 KB; anything near this is not a completion.
const maxResponseBytes = 4 << 20

// OpenAIConfig configures an OpenAI-compatible provider: OpenAI itself,
// Azure OpenAI's v1 API (BaseURL https://<resource>.openai.azure.com/openai/v1,
// the deployment as Model) or a local server such as Ollama or vLLM
// (BaseURL http://localhost:11434/v1, no key).
type OpenAIConfig struct {
	// BaseURL is the API root, ending before /chat/completions
	// (DefaultBaseURL if empty).
	BaseURL string
	// APIKey is sent as a bearer token; empty sends none. It never appears
	// in errors.
	APIKey string
	// Model, if set, is the model of every request and overrides the
	// quiz's: a deployment pins its model (an Azure deployment, a local
	// server's model). If empty, each request's Model is used.
	Model string
	// Timeout bounds one request (DefaultTimeout if not positive).
	Timeout time.Duration
	// HTTPClient sends the requests; nil means a new client with Timeout.
	HTTPClient *http.Client
}

// openAIProvider is a BatchProvider on the Chat Completions API with
// structured output, one request per call (BatchWriter retries).
//
// It speaks the wire protocol with net/http and encoding/json rather than
// through the official SDK: one endpoint and a handful of fields do not
// need it, and the SDK alone added 16 MB to the generate bootstrap (32.7 MB
// with it, 16.7 MB without, against a 20 MB goal) and time to its cold
// start.
type openAIProvider struct {
	client   *http.Client
	endpoint string
	model    string
	key      string
	timeout  time.Duration
}

// newOpenAI returns the provider of NewOpenAIBatch. It fails if BaseURL
// is not an absolute http or https URL.
func newOpenAI(cfg OpenAIConfig) (*openAIProvider, error) {
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("new openai provider: base URL must be an absolute http or https URL")
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	return &openAIProvider{
		client:   client,
		endpoint: strings.TrimRight(u.String(), "/") + "/chat/completions",
		model:    cfg.Model,
		key:      cfg.APIKey,
		timeout:  timeout,
	}, nil
}

// chatRequest is the body of POST /chat/completions.
type chatRequest struct {
	Model          string         `json:"model"`
	Messages       []chatMessage  `json:"messages"`
	Temperature    float64        `json:"temperature"`
	ResponseFormat responseFormat `json:"response_format"`
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type responseFormat struct {
	Type       string     `json:"type"`
	JSONSchema jsonSchema `json:"json_schema"`
}

type jsonSchema struct {
	Name   string          `json:"name"`
	Strict bool            `json:"strict"`
	Schema json.RawMessage `json:"schema"`
}

// chatResponse is what complete reads of a completion.
type chatResponse struct {
	Choices []struct {
		FinishReason string `json:"finish_reason"`
		Message      struct {
			Content *string `json:"content"`
			Refusal *string `json:"refusal"`
		} `json:"message"`
	} `json:"choices"`
}

// apiErrorBody is an error reply: {"error": {...}}. Code is a string on
// OpenAI, a number or null on some compatible servers.
type apiErrorBody struct {
	Error struct {
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Code    json.RawMessage `json:"code"`
	} `json:"error"`
}

// transportError classifies a failure to send the request or to read the
// reply (docs/style.md, Errors). ctx is the caller's context.
func (p *openAIProvider) transportError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("LLM request: %w", ctx.Err())
	}
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return fmt.Errorf("LLM request timed out after %s: %w", p.timeout, quiz.ErrTemporary)
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // the URL is ours, the cause is what matters
	}
	return fmt.Errorf("LLM request: %s: %w", p.redact(err.Error()), quiz.ErrTemporary)
}

// apiError classifies an error status of the API from its body, which may
// be OpenAI's {"error": {...}} or anything else (a proxy's HTML page).
func (p *openAIProvider) apiError(model string, sc int, body []byte) error {
	var e apiErrorBody
	_ = json.Unmarshal(body, &e) // not JSON: no code, type or message
	errCode := ""
	if len(e.Error.Code) > 0 && !bytes.Equal(e.Error.Code, []byte("null")) {
		if err := json.Unmarshal(e.Error.Code, &errCode); err != nil {
			errCode = string(e.Error.Code) // a number
		}
	}
	status := fmt.Sprintf("HTTP %d", sc)
	if c := firstNonEmpty(errCode, e.Error.Type); c != "" {
		status += " " + p.redact(oneLine(c, 60))
	}
	msg := p.redact(oneLine(e.Error.Message, maxReason))
	about := func(s string) string {
		if msg == "" {
			return s
		}
		return s + ": " + msg
	}
	code := strings.ToLower(errCode + " " + e.Error.Type)
	switch {
	case sc == http.StatusTooManyRequests && (strings.Contains(code, "quota") || strings.Contains(code, "billing")):
		return fmt.Errorf("%w: the LLM account has no quota left (%s)", ErrCritical, status)
	case sc == http.StatusRequestTimeout, sc == http.StatusConflict, sc == http.StatusTooManyRequests, sc >= 500:
		return fmt.Errorf("LLM request: %s: %w", status, quiz.ErrTemporary)
	case sc == http.StatusUnauthorized:
		// The message may quote part of the key; leave it out.
		return fmt.Errorf("%w: the LLM provider rejected the API key (%s)", ErrCritical, status)
	case sc == http.StatusForbidden:
		return fmt.Errorf("%w: %s", ErrCritical, about(fmt.Sprintf("the LLM provider denied access (%s)", status)))
	case sc == http.StatusNotFound:
		return fmt.Errorf("%w: %s", ErrCritical, about(fmt.Sprintf("the LLM model %q or the endpoint was not found (%s)", p.redact(oneLine(model, 100)), status)))
	case strings.Contains(code, "context_length") || strings.Contains(strings.ToLower(e.Error.Message), "context length"):
		return fmt.Errorf("%w: the content is too long for the model (%s)", ErrCritical, status)
	default:
		return fmt.Errorf("%w: %s", ErrCritical, about(fmt.Sprintf("the LLM provider refused the request (%s)", status)))
	}
}

// keyLike matches API keys quoted in provider messages ("sk-proj-…").
//
//nolint:gochecknoglobals // compiled once, read-only
var keyLike = regexp.MustCompile(`\b(?:sk|rk|pk)-[^\s"',;]+`)

// redact removes the API key and anything that looks like one from s.
func (p *openAIProvider) redact(s string) string {
	if p.key != "" {
		s = strings.ReplaceAll(s, p.key, "[redacted]")
	}
	return keyLike.ReplaceAllString(s, "[redacted]")
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
