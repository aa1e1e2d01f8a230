package llm

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"quizgen/internal/quiz"
)

// Defaults of OpenAIConfig.
const (
	DefaultBaseURL = "https://api.openai.com/v1"
	DefaultTimeout = 120 * time.Second // SPEC 6, LLM_API_TIMEOUT
)

// maxReason bounds the characters of a provider's message quoted in an
// error.
const maxReason = 300

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

// openAIProvider is a Provider on the Chat Completions API of the official
// SDK, with structured output and without the SDK's own retries.
type openAIProvider struct {
	chat    openai.ChatCompletionService
	model   string
	key     string
	timeout time.Duration
}

var _ Provider = (*openAIProvider)(nil)

// NewOpenAI returns a Provider that asks an OpenAI-compatible Chat
// Completions endpoint for questions, with the answer schema of
// AnswerSchema as a strict json_schema response format. The SDK does not
// retry; Writer does. It reads no environment variables. It fails if
// BaseURL is not an absolute http or https URL.
//
// Errors of Questions are classified: 408, 409, 429 (except exhausted
// quota), 5xx, timeouts and connection failures wrap quiz.ErrTemporary;
// 401, 403, 404, exhausted quota, other 4xx (context length, invalid
// request) and an endpoint that does not answer JSON wrap ErrCritical.
func NewOpenAI(cfg OpenAIConfig) (Provider, error) {
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
	opts := []option.RequestOption{
		option.WithBaseURL(base),
		option.WithHTTPClient(client),
		option.WithMaxRetries(0),
	}
	if cfg.APIKey != "" {
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	}
	return &openAIProvider{
		// The service, unlike openai.NewClient, reads no OPENAI_* variables.
		chat:    openai.NewChatCompletionService(opts...),
		model:   cfg.Model,
		key:     cfg.APIKey,
		timeout: timeout,
	}, nil
}

// Questions implements Provider.
func (p *openAIProvider) Questions(ctx context.Context, r Request) (string, error) {
	model := p.model
	if model == "" {
		model = r.Model
	}
	if model == "" {
		return "", fmt.Errorf("%w: no LLM model is configured", ErrCritical)
	}
	prompt, err := BuildPrompt(r)
	if err != nil {
		return "", err
	}
	params := openai.ChatCompletionNewParams{
		Model: model,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage(prompt.System),
			openai.UserMessage(prompt.User),
		},
		Temperature: openai.Float(r.Temperature),
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{
			OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
				JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{
					Name:   "quiz_questions",
					Strict: openai.Bool(true),
					Schema: answerSchema,
				},
			},
		},
	}

	callCtx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	var resp *http.Response
	c, err := p.chat.New(callCtx, params, option.WithResponseInto(&resp))
	if err != nil {
		return "", p.classify(ctx, model, resp, err)
	}
	if len(c.Choices) == 0 {
		return "", fmt.Errorf("%w: the response has no choices", ErrInvalidAnswer)
	}
	msg := c.Choices[0].Message
	if msg.Refusal != "" {
		return "", fmt.Errorf("%w: the model refused to answer", ErrInvalidAnswer)
	}
	if strings.TrimSpace(msg.Content) == "" {
		return "", fmt.Errorf("%w: empty answer (finish reason %q)", ErrInvalidAnswer, c.Choices[0].FinishReason)
	}
	return msg.Content, nil
}

// classify translates an SDK error into ours (STYLE §9.3). ctx is the
// caller's context; resp is the HTTP response, if one arrived.
func (p *openAIProvider) classify(ctx context.Context, model string, resp *http.Response, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("LLM request: %w", ctx.Err())
	}
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		return p.apiError(model, apiErr)
	}
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return fmt.Errorf("LLM request timed out after %s: %w", p.timeout, quiz.ErrTemporary)
	}
	if resp != nil && resp.StatusCode < http.StatusBadRequest {
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
			return fmt.Errorf("%w: the LLM endpoint answered %q, not JSON; check its base URL", ErrCritical, p.redact(mt))
		}
		return fmt.Errorf("LLM response unreadable: %w", quiz.ErrTemporary)
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // the URL is ours, the cause is what matters
	}
	return fmt.Errorf("LLM request: %s: %w", p.redact(err.Error()), quiz.ErrTemporary)
}

// apiError classifies an error status of the API.
func (p *openAIProvider) apiError(model string, e *openai.Error) error {
	status := fmt.Sprintf("HTTP %d", e.StatusCode)
	if c := firstNonEmpty(e.Code, e.Type); c != "" {
		status += " " + p.redact(oneLine(c, 60))
	}
	msg := p.redact(oneLine(e.Message, maxReason))
	about := func(s string) string {
		if msg == "" {
			return s
		}
		return s + ": " + msg
	}
	code := strings.ToLower(e.Code + " " + e.Type)
	switch sc := e.StatusCode; {
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
	case strings.Contains(code, "context_length") || strings.Contains(strings.ToLower(e.Message), "context length"):
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
