package config_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/awsapi"
	"quizgen/internal/config"
)

// leak is part of every secret in these tests; no output may contain it.
const leak = "hunter2"

// formats are the ways a value may be printed.
func formats() []string {
	return []string{"%v", "%s", "%+v", "%#v", "%q", "%x", "%X", "%d", "%20s", "%-8v", "%.3s"}
}

// assertNoLeak fails if out shows secret in any encoding a formatter or
// marshaller might use.
func assertNoLeak(t *testing.T, out string, secret []byte, how string) {
	t.Helper()
	for _, enc := range []string{
		string(secret),
		hex.EncodeToString(secret),
		strings.ToUpper(hex.EncodeToString(secret)),
		base64.StdEncoding.EncodeToString(secret),
		strings.Trim(fmt.Sprint([]byte(secret)), "[]"), // decimal bytes
	} {
		assert.NotContains(t, out, enc, "%s shows the secret: %s", how, out)
	}
}

// logs returns what slog's JSON and text handlers write for args.
func logs(args ...any) string {
	var b bytes.Buffer
	slog.New(slog.NewJSONHandler(&b, nil)).Info("config", args...)
	slog.New(slog.NewTextHandler(&b, nil)).Info("config", args...)
	return b.String()
}

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()

	s := config.Secret(leak + "-string")
	b := config.SecretBytes(leak + "-bytes")
	type holder struct {
		S  config.Secret
		B  config.SecretBytes
		P  *config.Secret
		SS []config.Secret
		M  map[string]config.Secret
	}
	h := holder{S: s, B: b, P: &s, SS: []config.Secret{s}, M: map[string]config.Secret{"k": s}}

	for _, v := range []any{s, b, &s, &b, h, &h} {
		for _, f := range formats() {
			out := fmt.Sprintf(f, v)
			assertNoLeak(t, out, []byte(leak), fmt.Sprintf("%s of %T", f, v))
		}
	}
	assert.Equal(t, "[redacted]", fmt.Sprintf("%v", s))
	assert.Equal(t, "[redacted]", fmt.Sprintf("%#v", b))
	assert.Equal(t, "[redacted]", s.String())
	assert.Equal(t, "[redacted]", s.GoString())
	assert.Equal(t, "[redacted]", b.String())
	assert.Equal(t, "[redacted]", b.GoString())

	out := logs("s", s, "b", b, "h", h, slog.Any("p", &s), slog.Group("g", "s", s))
	assertNoLeak(t, out, []byte(leak), "slog")
	assert.Contains(t, out, "[redacted]")

	j, err := json.Marshal(h)
	require.NoError(t, err)
	assert.JSONEq(t, `{"S":"[redacted]","B":"[redacted]","P":"[redacted]","SS":["[redacted]"],"M":{"k":"[redacted]"}}`, string(j))

	assert.Equal(t, leak+"-string", s.Value(), "Value is the way to the secret")
	assert.Equal(t, []byte(leak+"-bytes"), b.Value())
}

func TestConfigsNeverPrintSecrets(t *testing.T) {
	t.Parallel()

	jwt := leak + "-jwt-secret-0123456789abcdefghijklmnop"
	key := []byte(leak + "-token-key-0123456789abcd") // 32 bytes
	require.Len(t, key, 32)
	pooled := func(function string) map[string]string {
		return with(minimalEnv(function),
			"DATABASE_URL", "postgres://quizgen:"+leak+"-url@pgbouncer:6432/quizgen?password="+leak+"-query",
			"DB_PASSWORD", leak+"-db",
			"CANVAS_CLIENT_SECRET", leak+"-canvas",
			"TOKEN_ENCRYPTION_KEY", base64.StdEncoding.EncodeToString(key),
			"JWT_SECRET", jwt,
			"LLM_API_KEY", leak+"-llm",
		)
	}

	apiCfg, err := config.LoadAPI(t.Context(), lookup(pooled("api")), nil)
	require.NoError(t, err)
	generateCfg, err := config.LoadGenerate(t.Context(), lookup(pooled("generate")), nil)
	require.NoError(t, err)
	exportCfg, err := config.LoadExport(t.Context(), lookup(pooled("export")), nil)
	require.NoError(t, err)
	migrateCfg, err := config.LoadMigrate(t.Context(), lookup(map[string]string{
		"DATABASE_DIRECT_URL": "postgres://quizgen:" + leak + "-url@postgres/quizgen",
		"DB_PASSWORD":         leak + "-db",
	}), nil)
	require.NoError(t, err)

	// Sanity: the secrets are there to leak.
	require.Equal(t, leak+"-db", apiCfg.DB.Password)
	require.Equal(t, key, generateCfg.TokenKey.Value())
	require.Contains(t, migrateCfg.DirectURL(), leak+"-db")

	for _, cfg := range []any{apiCfg, generateCfg, exportCfg, migrateCfg, &apiCfg} {
		name := fmt.Sprintf("%T", cfg)
		for _, f := range formats() {
			out := fmt.Sprintf(f, cfg)
			assertNoLeak(t, out, []byte(leak), f+" of "+name)
			assertNoLeak(t, out, key, f+" of "+name)
		}
		out := logs("cfg", cfg)
		assertNoLeak(t, out, []byte(leak), "slog of "+name)
		assertNoLeak(t, out, key, "slog of "+name)
		j, err := json.Marshal(cfg)
		require.NoError(t, err)
		assertNoLeak(t, string(j), []byte(leak), "json of "+name)
		assertNoLeak(t, string(j), key, "json of "+name)
		assert.Contains(t, string(j), "[redacted]")
		assert.Contains(t, fmt.Sprintf("%+v", cfg), "quizgen:xxxxx@", "the URL still shows where it points")
	}
	assert.Contains(t, apiCfg.String(), "xxxxx")
	assert.NotContains(t, apiCfg.String(), leak)
	assert.NotContains(t, migrateCfg.String(), leak)
}

func TestNewAWSFetcher(t *testing.T) {
	t.Parallel()

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var in struct {
			SecretID       string `json:"SecretId"`
			Name           string `json:"Name"`
			WithDecryption bool   `json:"WithDecryption"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// Signed with SigV4 for the service the target belongs to.
		service := map[string]string{"secretsmanager.GetSecretValue": "secretsmanager",
			"AmazonSSM.GetParameter": "ssm"}[r.Header.Get("X-Amz-Target")]
		if auth := r.Header.Get("Authorization"); service == "" ||
			!strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=a/") ||
			!strings.Contains(auth, "/us-east-1/"+service+"/aws4_request") ||
			r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
			http.Error(w, "unsigned or wrong service: "+auth, http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		reply := func(status int, body string) {
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
		switch target := r.Header.Get("X-Amz-Target"); {
		case target == "secretsmanager.GetSecretValue" && in.SecretID == "quizgen/db":
			reply(http.StatusOK, `{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:quizgen/db-AbCdEf",`+
				`"Name":"quizgen/db","VersionId":"v1","SecretString":"{\"username\":\"quizgen\",\"password\":\"pw-from-sm\"}"}`)
		case target == "secretsmanager.GetSecretValue" && in.SecretID == "quizgen/binary":
			reply(http.StatusOK, `{"Name":"quizgen/binary","SecretBinary":"AAEC"}`)
		case target == "secretsmanager.GetSecretValue":
			reply(http.StatusBadRequest, `{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}`)
		case target == "AmazonSSM.GetParameter" && in.Name == "/quizgen/db-password" && in.WithDecryption:
			reply(http.StatusOK, `{"Parameter":{"Name":"/quizgen/db-password","Type":"SecureString","Value":"pw-from-ssm","Version":3}}`)
		case target == "AmazonSSM.GetParameter":
			reply(http.StatusBadRequest, `{"__type":"ParameterNotFound","message":"parameter not found"}`)
		default:
			reply(http.StatusBadRequest, `{"__type":"UnknownOperationException"}`)
		}
	}))
	t.Cleanup(srv.Close)

	f := config.NewAWSFetcher(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("a", "b", ""),
		BaseEndpoint: aws.String(srv.URL),
	})
	ctx := t.Context()

	v, err := f.SecretString(ctx, "quizgen/db")
	require.NoError(t, err)
	assert.JSONEq(t, `{"username":"quizgen","password":"pw-from-sm"}`, v)

	v, err = f.Parameter(ctx, "/quizgen/db-password")
	require.NoError(t, err)
	assert.Equal(t, "pw-from-ssm", v)

	_, err = f.SecretString(ctx, "quizgen/nope")
	var notFound *awsapi.Error
	require.ErrorAs(t, err, &notFound)
	assert.Equal(t, "ResourceNotFoundException", notFound.Code)
	assert.Equal(t, "GetSecretValue", notFound.Operation)

	_, err = f.SecretString(ctx, "quizgen/binary")
	require.ErrorContains(t, err, "no SecretString")

	t.Run("through a loader", func(t *testing.T) {
		t.Parallel()
		got, err := config.LoadMigrate(t.Context(), lookup(with(minimalEnv("migrate"),
			"DB_PASSWORD_SECRET_ARN", "quizgen/db#password")), f)
		require.NoError(t, err)
		assert.Equal(t, "pw-from-sm", got.Password.Value())

		got, err = config.LoadMigrate(t.Context(), lookup(with(minimalEnv("migrate"),
			"DB_PASSWORD_SSM_PARAMETER", "/quizgen/db-password")), f)
		require.NoError(t, err)
		assert.Equal(t, "pw-from-ssm", got.Password.Value())

		_, err = config.LoadMigrate(t.Context(), lookup(with(minimalEnv("migrate"),
			"DB_PASSWORD_SSM_PARAMETER", "/quizgen/missing")), f)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "DB_PASSWORD_SSM_PARAMETER: read parameter: ")
		assert.Contains(t, err.Error(), "ParameterNotFound")
	})
}
