// Package rie_test runs the real Lambda bootstraps of the four functions
// under the AWS Lambda Runtime Interface Emulator (aws-lambda-rie) against
// a fresh test database: the same binary, runtime API and event shapes as
// on Lambda, without AWS.
//
// Gated like the other database tests (dbtest): skipped without
// TEST_DATABASE_URL locally, failing in CI. aws-lambda-rie is the version
// pinned by go.mod's tool line, built by the go command; a failure to
// build it fails the tests.
package rie_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"quizgen/internal/auth"
	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/quiz"
	"quizgen/internal/schema"
)

// rieTool is aws-lambda-rie as go.mod pins it on a tool line: the go
// command builds that version once into its cache.
const rieTool = "aws-lambda-rie"

// The local settings of .env.example.
var localEnv = []string{
	"ENVIRONMENT=local",
	"LOG_LEVEL=debug",
	"CANVAS_BASE_URL=http://localhost:8001",
	"CANVAS_API_URL=",
	"CANVAS_CLIENT_ID=quizgen-local",
	"CANVAS_CLIENT_SECRET=local-canvas-secret",
	"CANVAS_REDIRECT_URI=http://localhost:8080/api/v1/auth/callback/canvas",
	"FRONTEND_HOST=http://localhost:5173",
	"JWT_SECRET=" + jwtSecret,
	"TOKEN_ENCRYPTION_KEY=bG9jYWwtb25seS10b2tlbi1rZXktMzItYnl0ZXMhISE=",
	"LLM_PROVIDER=mock",
}

const jwtSecret = "local-jwt-secret-change-me-0123456789abcdef"

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("repository root not found at %s: %v", dir, err)
	}
	return dir
}

var (
	rieOnce sync.Once
	riePath string
	rieErr  error
)

// findRIE returns the pinned aws-lambda-rie binary (`go tool -n` builds
// it into the go command's cache and prints its path).
func findRIE(t *testing.T) string {
	t.Helper()
	rieOnce.Do(func() {
		cmd := exec.Command("go", "tool", "-n", rieTool)
		cmd.Dir = repoRoot(t)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			rieErr = fmt.Errorf("go tool -n %s: %v\n%s", rieTool, err, stderr.String())
			return
		}
		riePath = strings.TrimSpace(string(out))
	})
	if rieErr != nil {
		t.Fatalf("aws-lambda-rie (the tool line of go.mod): %v", rieErr)
	}
	return riePath
}

// build compiles ./functions/name for the host as a Lambda bootstrap.
func build(t *testing.T, name string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", out, "./functions/"+name)
	cmd.Dir = repoRoot(t)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, b)
	}
	return out
}

// freeAddrs returns n distinct addresses on 127.0.0.1 that nothing listens
// on now (all are held until the last is chosen, then released).
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	var addrs []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		addrs = append(addrs, l.Addr().String())
	}
	return addrs
}

// function is one bootstrap running under the emulator.
type function struct {
	addr string
	log  *bytes.Buffer
	mu   *sync.Mutex
}

// start runs name's bootstrap under aws-lambda-rie with env, killed when
// t ends.
func start(t *testing.T, name string, env []string) function {
	t.Helper()
	rie := findRIE(t)
	bin := build(t, name)
	// Invocations and the Runtime API (which the bootstrap polls) on free
	// ports: the emulator's default Runtime API, 127.0.0.1:9001, would
	// collide with another checkout's test run.
	a := freeAddrs(t, 2)
	addr := a[0]
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr, "--runtime-api-address", a[1], bin)
	cmd.Env = append(append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_LAMBDA_FUNCTION_TIMEOUT=60"}, localEnv...), env...)
	f := function{addr: addr, log: &bytes.Buffer{}, mu: &sync.Mutex{}}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			f.mu.Lock()
			f.log.WriteString(sc.Text() + "\n")
			f.mu.Unlock()
		}
	}()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start aws-lambda-rie: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		pw.Close()
		if t.Failed() {
			f.mu.Lock()
			t.Logf("%s under aws-lambda-rie:\n%s", name, f.log.String())
			f.mu.Unlock()
		}
	})
	deadline := time.Now().Add(30 * time.Second) // a hang guard
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return f
		}
		if time.Now().After(deadline) {
			t.Fatalf("aws-lambda-rie does not listen on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// invoke sends one event and decodes the function's answer into out.
func (f function) invoke(t *testing.T, event any, out any) {
	t.Helper()
	body, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost,
		"http://"+f.addr+"/2015-03-31/functions/function/invocations", bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("invoke: HTTP %d: %s", resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("invoke: decode %s: %v", raw, err)
	}
}

func dbEnv(tdb *dbtest.DB) []string {
	return []string{"DATABASE_URL=" + tdb.PoolerURL, "DB_POOLER=pgbouncer", "DB_MAX_CONNS=2",
		"GENERATE_QUEUE_URL=" + envOr("GENERATE_QUEUE_URL", "http://127.0.0.1:9325/123456789012/quizgen-generate"),
		"EXPORT_QUEUE_URL=" + envOr("EXPORT_QUEUE_URL", "http://127.0.0.1:9325/123456789012/quizgen-export"),
		"AWS_ENDPOINT_URL_SQS=" + envOr("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9325"),
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func openStore(t *testing.T, tdb *dbtest.DB) *db.Store {
	t.Helper()
	d, err := db.Open(context.Background(), db.DefaultConfig(tdb.PoolerURL, db.PoolerPgBouncer), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(d.Close)
	return db.NewStore(d)
}

// newQuiz creates a user and a quiz; with job non-nil, stage is processing
// (just now) for that job, so a delivery of it finds the stage busy.
func newQuiz(t *testing.T, s *db.Store, stage quiz.Stage, job *quiz.ID) (quiz.User, quiz.Quiz) {
	t.Helper()
	ctx := context.Background()
	u, err := s.UpsertUser(ctx, quiz.User{CanvasID: time.Now().UnixNano() % 1e12, AccessToken: "a", RefreshToken: "r"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := s.CreateQuiz(ctx, quiz.NewQuiz{OwnerID: u.ID, CanvasCourseID: 1, CanvasCourseName: "Course",
		SelectedModules: []quiz.Module{}, Title: "RIE quiz", QuestionCount: 10, LLMModel: "o3", LLMTemperature: 1})
	if err != nil {
		t.Fatal(err)
	}
	if job != nil {
		q, err = s.UpdateStatus(ctx, q.ID, stage, func(quiz.Quiz, time.Time) (quiz.Decision, error) {
			return quiz.Decision{To: quiz.StatusProcessing, SetJobID: true, JobID: job}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return u, q
}

func sqsEvent(queue string, msgs map[string]string) map[string]any {
	recs := []map[string]any{}
	for id, body := range msgs {
		recs = append(recs, map[string]any{
			"messageId": id, "receiptHandle": "rh-" + id, "body": body,
			"attributes": map[string]string{"ApproximateReceiveCount": "1", "SentTimestamp": "1795640400000",
				"ApproximateFirstReceiveTimestamp": "1795640400010"},
			"messageAttributes": map[string]any{}, "eventSource": "aws:sqs",
			"eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:" + queue, "awsRegion": "us-east-1",
		})
	}
	return map[string]any{"Records": recs}
}

func jobBody(kind string, quizID, jobID quiz.ID) string {
	return fmt.Sprintf(`{"version":1,"type":%q,"quiz_id":%q,"job_id":%q}`, kind, quizID, jobID)
}

type batchResponse struct {
	BatchItemFailures []struct {
		ItemIdentifier string `json:"itemIdentifier"`
	} `json:"batchItemFailures"`
}

func failures(r batchResponse) []string {
	out := []string{}
	for _, f := range r.BatchItemFailures {
		out = append(out, f.ItemIdentifier)
	}
	return out
}

// Each emulator listens on two free ports (start): one for invocations, one
// for the Runtime API. The tests of this package still run one after
// another: each builds and runs a whole function.

func TestMigrate(t *testing.T) {
	tdb := dbtest.New(t)
	expected, err := schema.MigrationVersion()
	if err != nil {
		t.Fatal(err)
	}
	f := start(t, "migrate", []string{"DATABASE_DIRECT_URL=" + tdb.DirectURL, "MIGRATE_LOCK_TIMEOUT=30s"})
	var got map[string]any
	f.invoke(t, map[string]string{"command": "version"}, &got)
	want := map[string]any{"command": "version", "version": float64(expected), "dirty": false, "expected": float64(expected)}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("version = %v, want %v", got, want)
	}
}

func apiEvent(path, token string) map[string]any {
	headers := map[string]string{"accept": "application/json", "host": "abc123.execute-api.us-east-1.amazonaws.com",
		"x-forwarded-proto": "https"}
	if token != "" {
		headers["authorization"] = "Bearer " + token
	}
	return map[string]any{
		"version": "2.0", "routeKey": "ANY /{proxy+}", "rawPath": path, "rawQueryString": "", "headers": headers,
		"requestContext": map[string]any{
			"accountId": "123456789012", "apiId": "abc123", "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
			"http":      map[string]string{"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "rie-test"},
			"requestId": "rie-" + uuid.NewString(), "routeKey": "ANY /{proxy+}", "stage": "$default",
		},
		"pathParameters":  map[string]string{"proxy": strings.TrimPrefix(path, "/")},
		"isBase64Encoded": false,
	}
}

type apiResponse struct {
	StatusCode int    `json:"statusCode"`
	Body       string `json:"body"`
}

func TestAPI(t *testing.T) {
	tdb := dbtest.New(t)
	s := openStore(t, tdb)
	u, q := newQuiz(t, s, "", nil)
	tokens, err := auth.NewTokens([]byte(jwtSecret), time.Hour, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	token, err := tokens.Issue(u.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := start(t, "api", dbEnv(tdb))

	var health apiResponse
	f.invoke(t, apiEvent("/api/v1/utils/health-check/", ""), &health)
	if health.StatusCode != 200 || strings.TrimSpace(health.Body) != "true" {
		t.Errorf("health-check = %d %q, want 200 true", health.StatusCode, health.Body)
	}

	var got apiResponse
	f.invoke(t, apiEvent("/api/v1/quiz/"+q.ID.String(), token), &got)
	var body struct {
		ID string `json:"id"`
	}
	if got.StatusCode != 200 || json.Unmarshal([]byte(got.Body), &body) != nil || body.ID != q.ID.String() {
		t.Errorf("GET quiz = %d %s, want 200 with id %s", got.StatusCode, got.Body, q.ID)
	}
}

func TestWorkers(t *testing.T) {
	tdb := dbtest.New(t)
	s := openStore(t, tdb)
	for _, tc := range []struct {
		function, queue, kind string
		stage                 quiz.Stage
	}{
		{"generate", "quizgen-generate", "extract_content", quiz.StageExtraction},
		{"export", "quizgen-export", "export_quiz", quiz.StageExport},
	} {
		t.Run(tc.function, func(t *testing.T) {
			busyJob := uuid.New()
			_, busy := newQuiz(t, s, tc.stage, &busyJob)
			_, fresh := newQuiz(t, s, "", nil)
			f := start(t, tc.function, dbEnv(tdb))

			// Malformed and stale messages are dropped.
			var r batchResponse
			f.invoke(t, sqsEvent(tc.queue, map[string]string{
				"malformed": `{"version":1,"type":`,
				"stale":     jobBody(tc.kind, fresh.ID, uuid.New()),
			}), &r)
			if got := failures(r); len(got) != 0 {
				t.Errorf("malformed + stale: batchItemFailures = %v, want []", got)
			}

			// A delivery that finds the stage busy is retried.
			r = batchResponse{}
			f.invoke(t, sqsEvent(tc.queue, map[string]string{"busy-msg": jobBody(tc.kind, busy.ID, busyJob)}), &r)
			if got := failures(r); len(got) != 1 || got[0] != "busy-msg" {
				t.Errorf("busy stage: batchItemFailures = %v, want [busy-msg]", got)
			}
		})
	}
}
