package config

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"quizgen/internal/awsapi"
)

// NewAWSFetcher returns a Fetcher that calls Secrets Manager GetSecretValue
// and SSM GetParameter (WithDecryption) with cfg's region, credentials,
// endpoint and HTTP client: one signed JSON POST each (internal/awsapi),
// not the SDK's service clients, whose package init every cold start would
// pay. Errors are *awsapi.Error (service, operation, AWS's code), never a
// secret's value.
func NewAWSFetcher(cfg aws.Config) Fetcher {
	return awsFetcher{awsapi.New(cfg)}
}

type awsFetcher struct{ c *awsapi.Client }

var (
	secretsManager = awsapi.Service{Name: "secretsmanager", Env: "SECRETS_MANAGER"}
	ssmService     = awsapi.Service{Name: "ssm", Env: "SSM"}
)

func (a awsFetcher) SecretString(ctx context.Context, id string) (string, error) {
	var out struct{ SecretString *string }
	if err := a.call(ctx, secretsManager, "secretsmanager.GetSecretValue",
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
	if err := a.call(ctx, ssmService, "AmazonSSM.GetParameter",
		map[string]any{"Name": name, "WithDecryption": true}, &out); err != nil {
		return "", err // the error names the call; the caller names the variable
	}
	if out.Parameter == nil || out.Parameter.Value == nil {
		return "", errors.New("parameter has no value")
	}
	return *out.Parameter.Value, nil
}

// call sends in as an AWS JSON 1.1 request for target and decodes the
// answer into out.
func (a awsFetcher) call(ctx context.Context, svc awsapi.Service, target string, in, out any) error {
	op := target[strings.LastIndexByte(target, '.')+1:]
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s %s: %w", svc.Name, op, err)
	}
	status, data, err := a.c.Post(ctx, svc, op, "application/x-amz-json-1.1",
		map[string]string{"X-Amz-Target": target}, body)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
			Msg     string `json:"Message"`
		}
		_ = json.Unmarshal(data, &e)
		// __type may be "namespace#Code".
		ae := &awsapi.Error{Service: svc.Name, Operation: op, Status: status,
			Code: e.Type[strings.LastIndexByte(e.Type, '#')+1:], Message: cmp.Or(e.Message, e.Msg)}
		if ae.Code == "" {
			ae.Code = http.StatusText(status)
		}
		return ae
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", svc.Name, op, err)
	}
	return nil
}
