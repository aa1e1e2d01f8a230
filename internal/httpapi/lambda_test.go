package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
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

// lambdaResponseLimit is what a Lambda invoked through API Gateway may
// return: 6 MB, the whole response envelope counted.
const lambdaResponseLimit = 6 << 20

// TestLambdaPayloadLimits: every answer fits in a Lambda response however
// much a quiz holds, with gzip bodies sent base64, and a request body over
// the limit is a 413 that says the limit.
func TestLambdaPayloadLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	adapter := httpadapter.NewV2(e.h)
	invoke := func(t *testing.T, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, []byte) {
		t.Helper()
		resp, err := adapter.ProxyWithContext(t.Context(), ev)
		require.NoError(t, err)
		envelope, err := json.Marshal(resp)
		require.NoError(t, err)
		require.LessOrEqual(t, len(envelope), lambdaResponseLimit, "the response fits in a Lambda response")
		body := []byte(resp.Body)
		if resp.IsBase64Encoded {
			body, err = base64.StdEncoding.DecodeString(resp.Body)
			require.NoError(t, err)
		}
		if resp.Headers["Content-Encoding"] == "gzip" {
			require.True(t, resp.IsBase64Encoded, "a gzip body travels base64")
			zr, err := gzip.NewReader(bytes.NewReader(body))
			require.NoError(t, err)
			body, err = io.ReadAll(zr)
			require.NoError(t, err)
		}
		return resp, body
	}
	get := func(t *testing.T, path string, headers ...string) (events.APIGatewayV2HTTPResponse, []byte) {
		t.Helper()
		ev := lambdaEvent(t, "get-quiz.json", map[string]string{"TOKEN": u.jwt, "QUIZ_ID": "x"})
		ev.RawPath, ev.RequestContext.HTTP.Path, ev.RawQueryString, ev.QueryStringParameters = path, path, "", nil
		for i := 0; i+1 < len(headers); i += 2 {
			ev.Headers[headers[i]] = headers[i+1]
		}
		return invoke(t, ev)
	}

	// A quiz at MAX_TOTAL_CONTENT_SIZE (52,428,800 characters) of text
	// full of what JSON escapes, and 99 more with 100 KB each.
	big := e.createQuiz(u)["id"].(string)
	e.sql(`UPDATE quiz SET extracted_content = jsonb_build_object('173468', jsonb_build_array(jsonb_build_object(
		'title', 'Lecture', 'content', repeat('Søk "quoted" \ text. ', 52428800 / 21)))) WHERE id = $1`, big)
	e.sql(`INSERT INTO quiz (owner_id, canvas_course_id, canvas_course_name, title, extracted_content)
		SELECT $1, 37823, 'INF-2600 AI', 'Quiz ' || g, jsonb_build_object('173468', jsonb_build_array(jsonb_build_object(
			'title', 'Lecture', 'content', repeat('Søk "quoted" \ text. ', 5000))))
		FROM generate_series(1, 99) g`, u.ID)
	small := e.createQuiz(u)["id"].(string)
	smallText := strings.Repeat("Constraint satisfaction. ", 200)
	e.sql(`UPDATE quiz SET extracted_content = jsonb_build_object('173468', jsonb_build_array(jsonb_build_object(
		'title', 'Lecture', 'content', $2::text))) WHERE id = $1`, small, smallText)

	for _, enc := range []string{"", "gzip"} {
		t.Run("quiz at the content limit, Accept-Encoding "+enc, func(t *testing.T) {
			resp, body := get(t, "/api/v1/quiz/"+big, "accept-encoding", enc)
			require.Equal(t, 200, resp.StatusCode, string(body[:min(len(body), 300)]))
			var q map[string]any
			require.NoError(t, json.Unmarshal(body, &q))
			assert.Equal(t, big, q["id"])
			assert.Nil(t, q["extracted_content"], "content too large for a response is left out")
			assert.Equal(t, "extracted_content", resp.Headers["X-Omitted-Fields"], "and the response says so")
		})
		t.Run("100 quizzes, Accept-Encoding "+enc, func(t *testing.T) {
			resp, body := get(t, "/api/v1/quiz/", "accept-encoding", enc)
			require.Equal(t, 200, resp.StatusCode)
			var list []map[string]any
			require.NoError(t, json.Unmarshal(body, &list))
			require.Len(t, list, 101)
			for _, q := range list {
				assert.Nil(t, q["extracted_content"], "the list never carries the content")
				assert.Contains(t, q, "extracted_content", "the key stays")
			}
		})
	}
	t.Run("content that fits is in the detail, gzip through the adapter", func(t *testing.T) {
		resp, body := get(t, "/api/v1/quiz/"+small, "accept-encoding", "gzip, deflate, br")
		require.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "gzip", resp.Headers["Content-Encoding"])
		var q map[string]any
		require.NoError(t, json.Unmarshal(body, &q))
		assert.Equal(t, `{"173468": [{"title": "Lecture", "content": "`+smallText+`"}]}`, q["extracted_content"])
		assert.Empty(t, resp.Headers["X-Omitted-Fields"])
	})
	t.Run("request body over the limit", func(t *testing.T) {
		ev := lambdaEvent(t, "post-quiz.json", map[string]string{"TOKEN": u.jwt})
		ev.Body = `{"title": "` + strings.Repeat("x", 70<<10) + `"}`
		resp, body := invoke(t, ev)
		assert.Equal(t, 413, resp.StatusCode)
		assert.JSONEq(t, `{"detail": "Request body too large: at most 65536 bytes"}`, string(body))

		ev = lambdaEvent(t, "patch-me-base64.json", map[string]string{"TOKEN": u.jwt})
		ev.RawPath, ev.RequestContext.HTTP.Path, ev.RequestContext.HTTP.Method = "/api/v1/users/me", "/api/v1/users/me", "GET"
		ev.IsBase64Encoded, ev.Body = false, strings.Repeat(" ", 70<<10)
		resp, body = invoke(t, ev)
		assert.Equal(t, 413, resp.StatusCode, "refused even where the route reads no body: %s", body)
	})
}
