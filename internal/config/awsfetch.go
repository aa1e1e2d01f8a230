package config

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

// NewAWSFetcher returns a Fetcher that calls Secrets Manager GetSecretValue
// and SSM GetParameter (WithDecryption) with cfg's region, credentials,
// endpoint and HTTP client.
//
// Both calls are one signed JSON POST each, made here rather than through
// the SDK's service clients: linking those clients initializes their
// generated schemas (megabytes of allocations) at every cold start of every
// function, for one or two calls at startup (README, Builds, `sam local`
// and speed). Errors name the service, the operation and AWS's error code,
// never a secret's value.
func NewAWSFetcher(cfg aws.Config) Fetcher {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	return awsFetcher{cfg: cfg, http: hc, signer: v4.NewSigner()}
}

type awsFetcher struct {
	cfg    aws.Config
	http   aws.HTTPClient
	signer *v4.Signer
}

// AWSError is an error answer of an AWS API call made by NewAWSFetcher's
// Fetcher.
type AWSError struct {
	Service, Operation string
	// Code is AWS's error code, such as ResourceNotFoundException or
	// ParameterNotFound.
	Code    string
	Message string
	Status  int
}

func (e *AWSError) Error() string {
	msg := fmt.Sprintf("%s %s: HTTP %d: %s", e.Service, e.Operation, e.Status, e.Code)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

func (a awsFetcher) SecretString(ctx context.Context, id string) (string, error) {
	var out struct{ SecretString *string }
	if err := a.call(ctx, "secretsmanager", "SECRETS_MANAGER", "secretsmanager.GetSecretValue",
		map[string]any{"SecretId": id}, &out); err != nil {
		return "", err // the error names the call; the caller names the variable
	}
	if out.SecretString == nil {
		return "", errors.New("secret has no SecretString (binary secrets are not supported)")
	}
	return *out.SecretString, nil
}

func (a awsFetcher) Parameter(ctx context.Context, name string) (string, error) {
	var out struct {
		Parameter *struct{ Value *string }
	}
	if err := a.call(ctx, "ssm", "SSM", "AmazonSSM.GetParameter",
		map[string]any{"Name": name, "WithDecryption": true}, &out); err != nil {
		return "", err // the error names the call; the caller names the variable
	}
	if out.Parameter == nil || out.Parameter.Value == nil {
		return "", errors.New("parameter has no value")
	}
	return *out.Parameter.Value, nil
}

// call POSTs in as an AWS JSON 1.1 request for target to service (its
// signing name; envName is its AWS_ENDPOINT_URL_<envName> suffix), signed
// with SigV4, and decodes the answer into out.
func (a awsFetcher) call(ctx context.Context, service, envName, target string, in, out any) error {
	op := target[strings.LastIndexByte(target, '.')+1:]
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s %s: %w", service, op, err)
	}
	endpoint, err := a.endpoint(service, envName)
	if err != nil {
		return fmt.Errorf("%s %s: %w", service, op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %s: %w", service, op, err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	if a.cfg.Credentials == nil {
		return fmt.Errorf("%s %s: no AWS credentials", service, op)
	}
	creds, err := a.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("%s %s: AWS credentials: %w", service, op, err)
	}
	sum := sha256.Sum256(body)
	if err := a.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, a.cfg.Region, time.Now()); err != nil {
		return fmt.Errorf("%s %s: sign: %w", service, op, err)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", service, op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", service, op, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
			Msg     string `json:"Message"`
		}
		_ = json.Unmarshal(data, &e)
		ae := &AWSError{Service: service, Operation: op, Status: resp.StatusCode, Message: e.Message}
		if ae.Message == "" {
			ae.Message = e.Msg
		}
		// __type may be "namespace#Code".
		ae.Code = e.Type[strings.LastIndexByte(e.Type, '#')+1:]
		if ae.Code == "" {
			ae.Code = http.StatusText(resp.StatusCode)
		}
		return ae
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", service, op, err)
	}
	return nil
}

// endpoint is the service's URL: AWS_ENDPOINT_URL_<SERVICE>, else cfg's
// BaseEndpoint (AWS_ENDPOINT_URL), else the regional AWS endpoint.
func (a awsFetcher) endpoint(service, envName string) (string, error) {
	if u := os.Getenv("AWS_ENDPOINT_URL_" + envName); u != "" {
		return u, nil
	}
	if a.cfg.BaseEndpoint != nil && *a.cfg.BaseEndpoint != "" {
		return *a.cfg.BaseEndpoint, nil
	}
	if a.cfg.Region == "" {
		return "", errors.New("no AWS region (AWS_REGION)")
	}
	domain := "amazonaws.com"
	if strings.HasPrefix(a.cfg.Region, "cn-") {
		domain = "amazonaws.com.cn"
	}
	return "https://" + service + "." + a.cfg.Region + "." + domain + "/", nil
}
