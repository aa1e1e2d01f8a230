package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"quizgen/internal/quiz"
)

var _ BatchProvider = (*openAIProvider)(nil)

// NewOpenAIBatch returns a BatchProvider on an OpenAI-compatible Chat
// Completions endpoint (OpenAI, Azure OpenAI, Ollama, vLLM): each call
// sends c.System and c.User as the system and user messages and c.Schema
// as a strict json_schema response format named "quiz_batch". It does not
// retry; BatchWriter does. It reads no environment variables. It fails if
// BaseURL is not an absolute http or https URL.
//
// Errors of Batch are classified: 408, 409, 429 (except exhausted quota),
// 5xx, timeouts and connection failures wrap quiz.ErrTemporary; 401, 403,
// 404, exhausted quota, other 4xx (context length, invalid request) and
// an endpoint that does not answer JSON wrap ErrCritical; no choices, a
// refusal or an empty answer wrap ErrInvalidAnswer.
func NewOpenAIBatch(cfg OpenAIConfig) (BatchProvider, error) {
	p, err := newOpenAI(cfg)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Batch implements BatchProvider.
func (p *openAIProvider) Batch(ctx context.Context, c BatchCall) (string, error) {
	model := p.model
	if model == "" {
		model = c.Model
	}
	if model == "" {
		return "", fmt.Errorf("%w: no LLM model is configured", ErrCritical)
	}
	schema, err := json.Marshal(c.Schema)
	if err != nil {
		return "", fmt.Errorf("%w: encode the answer schema: %v", ErrCritical, err)
	}
	body, err := json.Marshal(chatRequest{
		Model: model,
		Messages: []chatMessage{
			{Role: "system", Content: c.System},
			{Role: "user", Content: c.User},
		},
		Temperature: c.Temperature,
		ResponseFormat: responseFormat{
			Type:       "json_schema",
			JSONSchema: jsonSchema{Name: "quiz_batch", Strict: true, Schema: schema},
		},
	})
	if err != nil {
		return "", fmt.Errorf("encode LLM request: %w", err)
	}
	return p.complete(ctx, model, body)
}

// complete posts a Chat Completions body and returns the answer's text,
// its failures classified as NewOpenAIBatch documents.
func (p *openAIProvider) complete(ctx context.Context, model string, body []byte) (string, error) {
	callCtx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(callCtx, http.MethodPost, p.endpoint, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("%w: LLM request: %s", ErrCritical, p.redact(err.Error()))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "quizgen")
	if p.key != "" {
		req.Header.Set("Authorization", "Bearer "+p.key)
	}

	resp, err := p.client.Do(req)
	if err != nil {
		return "", p.transportError(ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return "", p.transportError(ctx, err)
	}
	if len(data) > maxResponseBytes {
		return "", fmt.Errorf("%w: the LLM response is over %d bytes", ErrInvalidAnswer, maxResponseBytes)
	}

	switch sc := resp.StatusCode; {
	case sc >= http.StatusBadRequest:
		return "", p.apiError(model, sc, data)
	case sc < 200 || sc >= 300:
		return "", fmt.Errorf("%w: the LLM endpoint answered HTTP %d; check its base URL", ErrCritical, sc)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return "", fmt.Errorf("%w: the LLM endpoint answered %q, not JSON; check its base URL", ErrCritical, p.redact(oneLine(mt, 60)))
	}
	var c chatResponse
	if err := json.Unmarshal(data, &c); err != nil {
		return "", fmt.Errorf("LLM response unreadable: %w", quiz.ErrTemporary)
	}
	if len(c.Choices) == 0 {
		return "", fmt.Errorf("%w: the response has no choices", ErrInvalidAnswer)
	}
	choice := c.Choices[0]
	if choice.Message.Refusal != nil && *choice.Message.Refusal != "" {
		return "", fmt.Errorf("%w: the model refused to answer", ErrInvalidAnswer)
	}
	if choice.Message.Content == nil || strings.TrimSpace(*choice.Message.Content) == "" {
		return "", fmt.Errorf("%w: empty answer (finish reason %q)", ErrInvalidAnswer, oneLine(choice.FinishReason, 40))
	}
	return *choice.Message.Content, nil
}
