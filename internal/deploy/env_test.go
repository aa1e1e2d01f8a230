package deploy_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"quizgen/internal/config"
	"quizgen/internal/db"
	"quizgen/internal/deploy"
)

// deployValues are what `sam deploy --guided` would be answered for the
// parameters without a default, plus a scenario's overrides.
func deployValues(overrides map[string]string) map[string]string {
	v := map[string]string{
		"DbPrimaryHost":     "quizgen.cluster-abc.eu-north-1.rds.amazonaws.com",
		"DbSecretArn":       "arn:aws:secretsmanager:eu-north-1:123456789012:secret:quizgen-db-AbCdEf",
		"AppSecretArn":      "arn:aws:secretsmanager:eu-north-1:123456789012:secret:quizgen-app-GhIjKl",
		"VpcSubnetIds":      "subnet-0a,subnet-0b",
		"SecurityGroupIds":  "sg-0a",
		"CanvasBaseUrl":     "https://uit.instructure.com",
		"CanvasClientId":    "170000000000123",
		"CanvasRedirectUri": "https://api.quizgen.example/api/v1/auth/callback/canvas",
		"FrontendHost":      "https://quizgen.example",
		"CorsOrigins":       "https://quizgen.example",
		"PoolerHost":        "pgbouncer.internal.example",
	}
	for k, val := range overrides {
		v[k] = val
	}
	return v
}

// resolver evaluates the intrinsic functions of a function's environment as
// CloudFormation would for one set of parameter values. Resources resolve
// to stand-ins of the right shape (a queue's Ref is its URL).
type resolver struct {
	t      *testing.T
	tpl    *deploy.Template
	values map[string]string
}

func (r resolver) param(name string) string {
	r.t.Helper()
	if v, ok := r.values[name]; ok {
		return v
	}
	p, ok := r.tpl.Parameters[name]
	if !ok {
		r.t.Fatalf("no parameter %s", name)
	}
	switch d := p.Default.(type) {
	case nil:
		r.t.Fatalf("parameter %s has no default and the test gives no value", name)
	case string:
		if len(p.AllowedValues) > 0 && !slices.Contains(p.AllowedValues, any(d)) {
			r.t.Fatalf("parameter %s: default %q not allowed", name, d)
		}
		return d
	case float64:
		return fmt.Sprint(d)
	}
	return fmt.Sprint(p.Default)
}

// resourceRef is what Ref returns for a resource.
func (r resolver) resourceRef(name string) string {
	r.t.Helper()
	res, ok := r.tpl.Resources[name]
	if !ok {
		r.t.Fatalf("Ref %s: no parameter or resource of that name", name)
	}
	if res.Condition != "" && !r.condition(res.Condition) {
		r.t.Fatalf("Ref %s: the resource's condition %s is false here", name, res.Condition)
	}
	switch res.Type {
	case "AWS::SQS::Queue":
		return "https://sqs.eu-north-1.amazonaws.com/123456789012/stack-" + name + "-XYZ"
	case "AWS::RDS::DBProxy":
		return "stack-dbproxy-xyz"
	}
	return "stack-" + name + "-XYZ"
}

func (r resolver) attr(resource, attr string) string {
	r.t.Helper()
	if _, ok := r.tpl.Resources[resource]; !ok {
		r.t.Fatalf("GetAtt %s.%s: no such resource", resource, attr)
	}
	if resource == "DbProxy" && attr == "Endpoint" {
		return "stack-dbproxy-xyz.proxy-abc.eu-north-1.rds.amazonaws.com"
	}
	return "arn:aws:x:eu-north-1:123456789012:" + resource
}

func (r resolver) ref(name string) string {
	switch name {
	case "AWS::Region":
		return "eu-north-1"
	case "AWS::AccountId":
		return "123456789012"
	case "AWS::StackName":
		return "quizgen"
	case "AWS::Partition":
		return "aws"
	case "AWS::URLSuffix":
		return "amazonaws.com"
	}
	if _, ok := r.tpl.Parameters[name]; ok {
		return r.param(name)
	}
	return r.resourceRef(name)
}

var subPlaceholder = regexp.MustCompile(`\$\{([A-Za-z0-9:]+)(?:\.([A-Za-z0-9.]+))?\}`)

// value evaluates v to a string.
func (r resolver) value(v any) string {
	r.t.Helper()
	switch x := v.(type) {
	case string:
		return x
	case float64, bool:
		return fmt.Sprint(x)
	case map[string]any:
		if name, ok := ref(x); ok {
			return r.ref(name)
		}
		if res, a, ok := getAtt(x); ok {
			return r.attr(res, a)
		}
		if cond, yes, no, ok := fnIf(x); ok {
			if r.condition(cond) {
				return r.value(yes)
			}
			return r.value(no)
		}
		if s, ok := x["Fn::Sub"].(string); ok {
			return subPlaceholder.ReplaceAllStringFunc(s, func(m string) string {
				g := subPlaceholder.FindStringSubmatch(m)
				if g[2] != "" {
					return r.attr(g[1], g[2])
				}
				return r.ref(g[1])
			})
		}
	}
	r.t.Fatalf("cannot evaluate %#v", v)
	return ""
}

// condition evaluates a named condition of the template.
func (r resolver) condition(name string) bool {
	r.t.Helper()
	c, ok := r.tpl.Conditions[name]
	if !ok {
		r.t.Fatalf("no condition %s", name)
	}
	return r.cond(c)
}

func (r resolver) cond(v any) bool {
	r.t.Helper()
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		r.t.Fatalf("condition %#v", v)
	}
	for fn, arg := range m {
		l, _ := arg.([]any)
		switch fn {
		case "Condition":
			s, _ := arg.(string)
			return r.condition(s)
		case "Fn::Equals":
			return len(l) == 2 && r.value(l[0]) == r.value(l[1])
		case "Fn::Not":
			return len(l) == 1 && !r.cond(l[0])
		case "Fn::And":
			for _, e := range l {
				if !r.cond(e) {
					return false
				}
			}
			return true
		case "Fn::Or":
			for _, e := range l {
				if r.cond(e) {
					return true
				}
			}
			return false
		}
	}
	r.t.Fatalf("condition %#v", v)
	return false
}

// env is the environment Lambda gives function logical.
func (r resolver) env(logical string) map[string]string {
	out := map[string]string{}
	for name, v := range function(r.t, r.tpl, logical).Environment.Variables {
		out[name] = r.value(v)
	}
	return out
}

// secretStore stands in for Secrets Manager: each secret the template
// names holds the JSON keys the README tells operators to create.
type secretStore struct {
	mu    sync.Mutex
	asked []string
	data  map[string]map[string]string
}

func newSecretStore(values map[string]string) *secretStore {
	return &secretStore{data: map[string]map[string]string{
		values["DbSecretArn"]: {"username": "quizgen", "password": "db-password-from-secret"},
		values["AppSecretArn"]: {
			"jwt_secret":               "jwt-secret-from-secrets-manager-0123456789abcdef",
			"token_encryption_key":     base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")),
			"canvas_client_secret":     "canvas-secret-from-secrets-manager",
			"llm_api_key":              "sk-from-secrets-manager",
			"pgbouncer_admin_password": "stats-password",
		},
	}}
}

func (s *secretStore) SecretString(_ context.Context, id string) (string, error) {
	s.mu.Lock()
	s.asked = append(s.asked, id)
	s.mu.Unlock()
	d, ok := s.data[id]
	if !ok {
		return "", fmt.Errorf("ResourceNotFoundException: secret %s", id)
	}
	b, err := json.Marshal(d)
	return string(b), err
}

func (s *secretStore) Parameter(_ context.Context, name string) (string, error) {
	return "", errors.New("the template names no SSM parameter: " + name)
}

// TestEnvironmentLoads resolves each function's environment as
// CloudFormation would, for both pooler choices and both LLM providers,
// and runs it through the function's own config loader with the secrets
// the README describes: a typo in a variable, a malformed value or a
// secret key the code does not read fails here rather than at the first
// cold start after a deploy.
func TestEnvironmentLoads(t *testing.T) {
	tpl := load(t)
	scenarios := []struct {
		name      string
		overrides map[string]string
	}{
		{"pgbouncer", map[string]string{"PoolerMode": "pgbouncer"}},
		{"pgbouncer with admin console and mock LLM", map[string]string{
			"PoolerMode": "pgbouncer", "PgBouncerAdminUrl": "postgres://stats@pgbouncer.internal.example:6432/pgbouncer",
			"LlmProvider": "mock",
		}},
		{"rds-proxy", map[string]string{"PoolerMode": "rds-proxy", "DbInstanceIdentifier": "quizgen-db"}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			values := deployValues(sc.overrides)
			r := resolver{t: t, tpl: tpl, values: values}
			rdsProxy := values["PoolerMode"] == "rds-proxy"
			secrets := newSecretStore(values)
			ctx := t.Context()

			checkDB := func(t *testing.T, c db.Config, maxConnsParam string) {
				t.Helper()
				if string(c.Pooler) != values["PoolerMode"] {
					t.Errorf("pooler %q, want %q", c.Pooler, values["PoolerMode"])
				}
				if want := int32(number(t, tpl, map[string]any{"Ref": maxConnsParam})); c.MaxConns != want {
					t.Errorf("MaxConns %d, want %s's %d", c.MaxConns, maxConnsParam, want)
				}
				if c.IAMAuth != rdsProxy {
					t.Errorf("IAMAuth %v with pooler %s", c.IAMAuth, values["PoolerMode"])
				}
				wantHost := values["PoolerHost"]
				wantPassword := "db-password-from-secret"
				if rdsProxy {
					wantHost, wantPassword = "stack-dbproxy-xyz.proxy-abc.eu-north-1.rds.amazonaws.com", ""
				}
				if !strings.Contains(c.URL, "@"+wantHost+":") {
					t.Errorf("DATABASE_URL %s does not reach %s", c.URL, wantHost)
				}
				if c.Password != wantPassword {
					t.Errorf("password %q, want %q", c.Password, wantPassword)
				}
			}

			t.Run("api", func(t *testing.T) {
				env := r.env("ApiFunction")
				cfg, err := config.LoadAPI(ctx, mapEnv(env), secrets)
				if err != nil {
					t.Fatal(err)
				}
				checkDB(t, cfg.DB, "ApiDbMaxConns")
				if cfg.JWTSecret.Value() != "jwt-secret-from-secrets-manager-0123456789abcdef" || len(cfg.TokenKey.Value()) != 32 {
					t.Error("the JWT secret or the token key did not come from the app secret")
				}
				if cfg.GenerateQueueURL == "" || cfg.ExportQueueURL == "" || cfg.GenerateQueueURL == cfg.ExportQueueURL {
					t.Errorf("queues %q and %q", cfg.GenerateQueueURL, cfg.ExportQueueURL)
				}
				if !strings.HasSuffix(cfg.GenerateQueueURL, "-GenerateQueue-XYZ") {
					t.Errorf("GENERATE_QUEUE_URL %s is not the generate queue", cfg.GenerateQueueURL)
				}
				if rdsProxy != (cfg.Health.RDSProxyName != "") {
					t.Errorf("RDS_PROXY_NAME %q with pooler %s", cfg.Health.RDSProxyName, values["PoolerMode"])
				}
				if admin := values["PgBouncerAdminUrl"]; admin != "" && (cfg.Health.PgBouncerAdminURL != admin || cfg.Health.PgBouncerAdminPassword.Value() != "stats-password") {
					t.Errorf("PgBouncer admin console %q", cfg.Health.PgBouncerAdminURL)
				}
				if !slices.Contains(cfg.AllCORSOrigins(), values["FrontendHost"]) {
					t.Errorf("CORS origins %v", cfg.AllCORSOrigins())
				}
			})
			t.Run("generate", func(t *testing.T) {
				cfg, err := config.LoadGenerate(ctx, mapEnv(r.env("GenerateFunction")), secrets)
				if err != nil {
					t.Fatal(err)
				}
				checkDB(t, cfg.DB, "GenerateDbMaxConns")
				if want := r.param("LlmProvider"); string(cfg.LLM.Provider) != want {
					t.Errorf("LLM provider %q, want %q", cfg.LLM.Provider, want)
				}
				if cfg.LLM.Provider == config.LLMOpenAI && cfg.LLM.APIKey.Value() != "sk-from-secrets-manager" {
					t.Error("the LLM key did not come from the app secret")
				}
				if !strings.HasSuffix(cfg.GenerateQueueURL, "-GenerateQueue-XYZ") {
					t.Errorf("GENERATE_QUEUE_URL %s", cfg.GenerateQueueURL)
				}
			})
			t.Run("export", func(t *testing.T) {
				cfg, err := config.LoadExport(ctx, mapEnv(r.env("ExportFunction")), secrets)
				if err != nil {
					t.Fatal(err)
				}
				checkDB(t, cfg.DB, "ExportDbMaxConns")
				if !strings.HasSuffix(cfg.ExportQueueURL, "-ExportQueue-XYZ") {
					t.Errorf("EXPORT_QUEUE_URL %s", cfg.ExportQueueURL)
				}
			})
			t.Run("migrate", func(t *testing.T) {
				cfg, err := config.LoadMigrate(ctx, mapEnv(r.env("MigrateFunction")), secrets)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(cfg.URL, "@"+values["DbPrimaryHost"]+":") {
					t.Errorf("DATABASE_DIRECT_URL %s is not the primary: migrations must not go through the pooler", cfg.URL)
				}
				if cfg.Password.Value() != "db-password-from-secret" {
					t.Error("the migration password did not come from the database secret")
				}
			})
			for _, id := range secrets.asked {
				if id != values["DbSecretArn"] && id != values["AppSecretArn"] {
					t.Errorf("fetched secret %s, which the template's parameters do not name", id)
				}
			}
		})
	}
}

func mapEnv(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}
