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
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Client signs and sends requests with one aws.Config.
type Client struct {
	cfg    aws.Config
	http   aws.HTTPClient
	signer *v4.Signer
}

// New returns a Client over cfg (its HTTPClient, or one with a 10 s
// timeout).
func New(cfg aws.Config) *Client {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	return &Client{cfg: cfg, http: hc, signer: v4.NewSigner()}
}

// Service names an AWS service: its signing name (the endpoint's first
// label) and its AWS_ENDPOINT_URL_<Env> suffix.
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
// op names the call in errors.
func (c *Client) Post(ctx context.Context, svc Service, op, contentType string, header map[string]string, body []byte) (int, []byte, error) {
	endpoint, err := c.endpoint(svc)
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

// endpoint is svc's URL: AWS_ENDPOINT_URL_<Env>, else the config's
// BaseEndpoint (AWS_ENDPOINT_URL), else the regional AWS endpoint.
func (c *Client) endpoint(svc Service) (string, error) {
	if u := os.Getenv("AWS_ENDPOINT_URL_" + svc.Env); u != "" {
		return u, nil
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
