package httpapi_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lambdaEvent loads a recorded API Gateway v2 event and fills in the
// {{...}} placeholders.
func lambdaEvent(t *testing.T, name string, vars map[string]string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "apigw", name))
	require.NoError(t, err)
	s := string(raw)
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	var ev events.APIGatewayV2HTTPRequest
	require.NoError(t, json.Unmarshal([]byte(s), &ev))
	return ev
}

// TestLambdaEvents feeds recorded API Gateway v2 events through the same
// adapter functions/api hands to lambda.Start.
func TestLambdaEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	adapter := httpadapter.NewV2(e.h)
	invoke := func(t *testing.T, ev events.APIGatewayV2HTTPRequest, awsRequestID string) events.APIGatewayV2HTTPResponse {
		t.Helper()
		ctx := lambdacontext.NewContext(t.Context(), &lambdacontext.LambdaContext{AwsRequestID: awsRequestID})
		resp, err := adapter.ProxyWithContext(ctx, ev)
		require.NoError(t, err)
		assert.Equal(t, awsRequestID, resp.Headers["X-Request-Id"], "the Lambda request id is the request id")
		return resp
	}

	var quizID string
	t.Run("POST with a JSON body", func(t *testing.T) {
		resp := invoke(t, lambdaEvent(t, "post-quiz.json", map[string]string{"TOKEN": u.jwt}), "aws-req-post")
		require.Equal(t, 200, resp.StatusCode, resp.Body)
		var q map[string]any
		require.NoError(t, json.Unmarshal([]byte(resp.Body), &q))
		assert.Equal(t, "Quiz – æøå", q["title"])
		assert.Equal(t, `{"173468": "Constraint Satisfaction Problems", "173467": "Admin"}`, q["selected_modules"],
			"selected_modules is a JSON string in the order sent")
		assert.Equal(t, 1.0, q["llm_temperature"])
		assert.Contains(t, resp.Body, `"llm_temperature":1.0`)
		quizID = q["id"].(string)
	})
	t.Run("GET with a query string", func(t *testing.T) {
		resp := invoke(t, lambdaEvent(t, "get-quiz.json", map[string]string{"TOKEN": u.jwt, "QUIZ_ID": quizID}), "aws-req-get")
		require.Equal(t, 200, resp.StatusCode, resp.Body)
		assert.Contains(t, resp.Body, quizID)
		assert.Equal(t, "application/json", resp.Headers["Content-Type"])
	})
	t.Run("base64 body, cookies and multi-value headers", func(t *testing.T) {
		resp := invoke(t, lambdaEvent(t, "patch-me-base64.json", map[string]string{"TOKEN": u.jwt}), "aws-req-patch")
		require.Equal(t, 200, resp.StatusCode, resp.Body)
		assert.JSONEq(t, `{"name":"Åse Ødegård","onboarding_completed":true}`, resp.Body)
		assert.Equal(t, "http://frontend.test", resp.Headers["Access-Control-Allow-Origin"], "CORS for the configured origin")
	})
	t.Run("path with encoded characters", func(t *testing.T) {
		resp := invoke(t, lambdaEvent(t, "get-page-encoded.json", map[string]string{"TOKEN": u.jwt}), "aws-req-page")
		assert.Equal(t, 404, resp.StatusCode, resp.Body)
		assert.JSONEq(t, `{"detail":"Page not found in this course."}`, resp.Body)
		var seen bool
		for _, r := range e.canvas.Requests() {
			if strings.HasPrefix(r.Path, "/api/v1/courses/37823/pages/") {
				assert.Equal(t, "/api/v1/courses/37823/pages/test%20page%20with%20spaces%20%26%20symbols", r.RawPath,
					"the slug reaches Canvas percent-encoded with no safe characters")
				seen = true
			}
		}
		assert.True(t, seen, "Canvas was asked for the page")
	})
}
