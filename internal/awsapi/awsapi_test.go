package awsapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

var testService = Service{Name: "secretsmanager", Env: "SECRETS_MANAGER"}

// serve answers each attempt with the next of answers (status, body); the
// last one repeats. It returns the server and the count of attempts.
func serve(t *testing.T, answers ...[2]any) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		a := answers[min(i, len(answers)-1)]
		w.WriteHeader(a[0].(int))
		_, _ = w.Write([]byte(a[1].(string)))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// client is a Client of srv whose sleeps are recorded, not slept.
func client(srv *httptest.Server, sources ...any) (*Client, *[]time.Duration) {
	cfg := aws.Config{
		Region:        "eu-north-1",
		Credentials:   credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		BaseEndpoint:  aws.String(srv.URL),
		HTTPClient:    srv.Client(),
		ConfigSources: sources,
	}
	c := New(cfg)
	var slept []time.Duration
	c.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	return c, &slept
}

const throttled = `{"__type":"com.amazonaws.secretsmanager#ThrottlingException","message":"Rate exceeded"}`

// TestPostRetriesThrottling: a throttled call is retried with the SDK's
// standard retryer (a backoff of at most 20 s between attempts), and its
// third attempt's answer is returned.
func TestPostRetriesThrottling(t *testing.T) {
	t.Parallel()
	srv, n := serve(t, [2]any{400, throttled}, [2]any{503, ""}, [2]any{200, `{"SecretString":"s"}`})
	c, slept := client(srv)
	status, body, err := c.Post(t.Context(), testService, "GetSecretValue", "application/x-amz-json-1.1", nil, []byte(`{}`))
	if err != nil || status != 200 || string(body) != `{"SecretString":"s"}` {
		t.Fatalf("Post = %d %q %v, want the third attempt's 200", status, body, err)
	}
	if n.Load() != 3 || len(*slept) != 2 {
		t.Errorf("%d attempts, %d sleeps; want 3 and 2", n.Load(), len(*slept))
	}
	for _, d := range *slept {
		if d < 0 || d > 20*time.Second {
			t.Errorf("backoff %s outside [0, 20s]", d)
		}
	}
}

// TestPostGivesUp: throttled every time, Post stops after the standard
// retryer's 3 attempts with the last answer; an error that is not
// throttling or a server failure (AccessDenied) is not retried.
func TestPostGivesUp(t *testing.T) {
	t.Parallel()
	srv, n := serve(t, [2]any{400, throttled})
	c, _ := client(srv)
	status, body, err := c.Post(t.Context(), testService, "GetSecretValue", "application/x-amz-json-1.1", nil, nil)
	if err != nil || status != 400 || ErrorCode(body) != "ThrottlingException" || n.Load() != 3 {
		t.Errorf("Post = %d %s %v after %d attempts; want the throttled answer after 3", status, ErrorCode(body), err, n.Load())
	}

	srv, n = serve(t, [2]any{400, `{"__type":"AccessDeniedException"}`})
	c, _ = client(srv)
	if status, _, _ := c.Post(t.Context(), testService, "GetSecretValue", "application/x-amz-json-1.1", nil, nil); status != 400 || n.Load() != 1 {
		t.Errorf("AccessDenied: status %d after %d attempts, want 400 after 1", status, n.Load())
	}
}

func TestErrorCode(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		throttled: "ThrottlingException",
		`<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code></Error></ErrorResponse>`: "Throttling",
		``:              "",
		`<html>oops`:    "",
		`{"message":1}`: "",
	} {
		if got := ErrorCode([]byte(body)); got != want {
			t.Errorf("ErrorCode(%q) = %q, want %q", body, got, want)
		}
	}
}

type endpoints map[string]string

func (e endpoints) GetServiceBaseEndpoint(_ context.Context, id string) (string, bool, error) {
	u, ok := e[id]
	return u, ok, nil
}

// TestEndpoint: the service's own endpoint from the SDK's configuration
// sources (AWS_ENDPOINT_URL_<Env>) wins over the base endpoint.
func TestEndpoint(t *testing.T) {
	t.Parallel()
	srv, _ := serve(t, [2]any{200, ""})
	c, _ := client(srv, endpoints{"SECRETS_MANAGER": "http://secrets.example"})
	if u, err := c.endpoint(t.Context(), testService); err != nil || u != "http://secrets.example" {
		t.Errorf("endpoint = %q, %v; want the service's own", u, err)
	}
	if u, _ := c.endpoint(t.Context(), Service{Name: "ssm", Env: "SSM"}); u != srv.URL {
		t.Errorf("SSM endpoint = %q, want the base endpoint %s", u, srv.URL)
	}
	c.cfg.BaseEndpoint = nil
	if u, _ := c.endpoint(t.Context(), Service{Name: "ssm", Env: "SSM"}); u != "https://ssm.eu-north-1.amazonaws.com/" {
		t.Errorf("SSM endpoint = %q, want the regional one", u)
	}
}
