// Package awsapi makes the few AWS API calls of this module that do not
// go through the SDK's service clients: one SigV4-signed POST each, with
// the region, credentials, endpoint and HTTP client of an aws.Config.
// Linking a service client runs its generated schemas' package init
// (megabytes of allocations for SSM or RDS) at every cold start, for a
// call or two per environment (README, Builds, `sam local` and speed).
package awsapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"quizgen/internal/backoff"
)

// Client signs and sends requests with one aws.Config.
type Client struct {
	cfg     aws.Config
	http    aws.HTTPClient
	signer  *v4.Signer
	retryer aws.Retryer
	sleep   func(context.Context, time.Duration) error
}

// New returns a Client over cfg (its HTTPClient, or one with a 10 s
// timeout). Calls retry as the SDK's service clients do: cfg's Retryer,
// else the SDK's standard one (3 attempts, exponential backoff with
// jitter), on throttling (ThrottlingException, Throttling, 429 and the
// like), 5xx answers and broken connections.
func New(cfg aws.Config) *Client {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	var r aws.Retryer
	if cfg.Retryer != nil {
		r = cfg.Retryer()
	}
	if r == nil {
		r = retry.NewStandard()
	}
	return &Client{cfg: cfg, http: hc, signer: v4.NewSigner(), retryer: r, sleep: backoff.Sleep}
}

// Service names an AWS service: its signing name (the endpoint's first
// label) and its AWS_ENDPOINT_URL_<Env> suffix, which the SDK's
// configuration resolves (as it does AWS_ENDPOINT_URL_SQS for the SQS
// client).
type Service struct{ Name, Env string }

// Error is an error answer of an AWS API.
type Error struct {
	Service, Operation string
	// Code is AWS's error code, such as ResourceNotFoundException.
	Code    string
	Message string
	Status  int
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s %s: HTTP %d: %s", e.Service, e.Operation, e.Status, e.Code)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Post sends body to svc's endpoint, signed, with contentType and the
// extra headers, and returns the answer's status and body (at most 1 MB).
// op names the call in errors. A throttled, failed (5xx) or unsent
// attempt is retried (see New); the last attempt's answer is returned.
func (c *Client) Post(ctx context.Context, svc Service, op, contentType string, header map[string]string, body []byte) (int, []byte, error) {
	for attempt := 1; ; attempt++ {
		status, data, err := c.post(ctx, svc, op, contentType, header, body)
		why := err
		if err == nil && status >= 300 {
			why = &answer{status: status, code: ErrorCode(data)}
		}
		if why == nil || attempt >= c.retryer.MaxAttempts() || ctx.Err() != nil || !c.retryer.IsErrorRetryable(why) {
			return status, data, err
		}
		delay, derr := c.retryer.RetryDelay(attempt, why)
		if derr != nil {
			return status, data, err
		}
		if serr := c.sleep(ctx, delay); serr != nil {
			return status, data, err
		}
	}
}

// answer is an error answer as the SDK's retryers read one.
type answer struct {
	status int
	code   string
}

func (a *answer) Error() string       { return fmt.Sprintf("HTTP %d %s", a.status, a.code) }
func (a *answer) ErrorCode() string   { return a.code }
func (a *answer) HTTPStatusCode() int { return a.status }

// ErrorCode is AWS's error code in an error answer: the JSON protocols'
// __type (without its "namespace#"), or the Query protocol's
// <Error><Code>; "" when the body has neither.
func ErrorCode(body []byte) string {
	var j struct {
		Type string `json:"__type"`
	}
	if json.Unmarshal(body, &j) == nil && j.Type != "" {
		return j.Type[strings.LastIndexByte(j.Type, '#')+1:]
	}
	var x struct {
		Error struct{ Code string }
	}
	if xml.Unmarshal(body, &x) == nil {
		return x.Error.Code
	}
	return ""
}

// post is one attempt of Post.
func (c *Client) post(ctx context.Context, svc Service, op, contentType string, header map[string]string, body []byte) (int, []byte, error) {
	endpoint, err := c.endpoint(ctx, svc)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", svc.Name, op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", svc.Name, op, err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if c.cfg.Credentials == nil {
		return 0, nil, fmt.Errorf("%s %s: no AWS credentials", svc.Name, op)
	}
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: AWS credentials: %w", svc.Name, op, err)
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), svc.Name, c.cfg.Region, time.Now()); err != nil {
		return 0, nil, fmt.Errorf("%s %s: sign: %w", svc.Name, op, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", svc.Name, op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: read answer: %w", svc.Name, op, err)
	}
	return resp.StatusCode, data, nil
}

// serviceEndpoint is what the SDK's configuration sources (its
// environment and shared config files) implement for service-specific
// endpoints.
type serviceEndpoint interface {
	GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
}

// endpoint is svc's URL: the service's own endpoint in the SDK's
// configuration (AWS_ENDPOINT_URL_<Env>, or a services section of the
// shared config), else the config's BaseEndpoint (AWS_ENDPOINT_URL), else
// the regional AWS endpoint.
func (c *Client) endpoint(ctx context.Context, svc Service) (string, error) {
	for _, src := range c.cfg.ConfigSources {
		if s, ok := src.(serviceEndpoint); ok {
			u, found, err := s.GetServiceBaseEndpoint(ctx, svc.Env)
			if err != nil {
				return "", fmt.Errorf("endpoint of %s: %w", svc.Env, err)
			}
			if found && u != "" {
				return u, nil
			}
		}
	}
	if c.cfg.BaseEndpoint != nil && *c.cfg.BaseEndpoint != "" {
		return *c.cfg.BaseEndpoint, nil
	}
	if c.cfg.Region == "" {
		return "", errors.New("no AWS region (AWS_REGION)")
	}
	domain := "amazonaws.com"
	if strings.HasPrefix(c.cfg.Region, "cn-") {
		domain = "amazonaws.com.cn"
	}
	return "https://" + svc.Name + "." + c.cfg.Region + "." + domain + "/", nil
}
