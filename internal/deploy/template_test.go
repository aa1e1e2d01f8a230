package deploy_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"quizgen/internal/config"
	"quizgen/internal/deploy"
	"quizgen/internal/metrics"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
	"quizgen/internal/schema"
)

// root is the repository root, seen from this package's directory.
const root = "../.."

// fn is one function of the template and what the code expects of it.
type fn struct {
	logical string // logical id in template.yaml
	name    string // directory under functions/, config's function name
	timeout int    // seconds
	// lease is the job lease the timeout must stay below (workers).
	lease time.Duration
	// queueVar names the queue the worker consumes (workers).
	queueVar string
	pooled   bool // connects through the pooler
}

func functions() []fn {
	return []fn{
		{logical: "ApiFunction", name: "api", timeout: 29, pooled: true},
		{logical: "GenerateFunction", name: "generate", timeout: 900, lease: quiz.GenerateLease, queueVar: "GENERATE_QUEUE_URL", pooled: true},
		{logical: "ExportFunction", name: "export", timeout: 600, lease: quiz.ExportLease, queueVar: "EXPORT_QUEUE_URL", pooled: true},
		{logical: "MigrateFunction", name: "migrate", timeout: 300},
	}
}

func load(t *testing.T) *deploy.Template {
	t.Helper()
	tpl, err := deploy.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func function(t *testing.T, tpl *deploy.Template, logical string) deploy.Function {
	t.Helper()
	r, ok := tpl.Resources[logical]
	if !ok {
		t.Fatalf("no resource %s", logical)
	}
	if r.Type != "AWS::Serverless::Function" {
		t.Fatalf("%s: Type %s, want AWS::Serverless::Function", logical, r.Type)
	}
	var f deploy.Function
	if err := tpl.Properties(logical, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// ---- intrinsic helpers -------------------------------------------------------

func ref(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	s, ok := m["Ref"].(string)
	return s, ok
}

func getAtt(v any) (resource, attr string, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", "", false
	}
	l, isList := m["Fn::GetAtt"].([]any)
	if !isList || len(l) != 2 {
		return "", "", false
	}
	resource, ok1 := l[0].(string)
	attr, ok2 := l[1].(string)
	return resource, attr, ok1 && ok2
}

// fnIf returns the condition and both branches of {"Fn::If": [...]}.
func fnIf(v any) (cond string, yes, no any, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", nil, nil, false
	}
	l, isList := m["Fn::If"].([]any)
	if !isList || len(l) != 3 {
		return "", nil, nil, false
	}
	cond, ok = l[0].(string)
	return cond, l[1], l[2], ok
}

func isNoValue(v any) bool {
	r, ok := ref(v)
	return ok && r == "AWS::NoValue"
}

// number resolves a literal number, a numeric string or a Ref to a Number
// parameter (its Default).
func number(t *testing.T, tpl *deploy.Template, v any) int {
	t.Helper()
	if p, ok := ref(v); ok {
		par, found := tpl.Parameters[p]
		if !found {
			t.Fatalf("Ref %s: no such parameter", p)
		}
		if par.Type != "Number" {
			t.Fatalf("parameter %s: Type %s, want Number", p, par.Type)
		}
		return number(t, tpl, par.Default)
	}
	switch x := v.(type) {
	case float64:
		return int(x)
	case string:
		n, err := strconv.Atoi(x)
		if err != nil {
			t.Fatalf("%q is not a number", x)
		}
		return n
	}
	t.Fatalf("%#v is not a number or a Ref to a Number parameter", v)
	return 0
}

// bounds checks that v (a literal or a Ref to a Number parameter) lies in
// [lo, hi] for every value the parameter allows.
func bounds(t *testing.T, tpl *deploy.Template, what string, v any, lo, hi int) {
	t.Helper()
	if n := number(t, tpl, v); n < lo || n > hi {
		t.Errorf("%s = %d, want %d..%d", what, n, lo, hi)
	}
	p, ok := ref(v)
	if !ok {
		return
	}
	par := tpl.Parameters[p]
	if par.MinValue == nil || number(t, tpl, par.MinValue) < lo {
		t.Errorf("%s: parameter %s needs MinValue >= %d", what, p, lo)
	}
	if hi < 1<<30 && (par.MaxValue == nil || number(t, tpl, par.MaxValue) > hi) {
		t.Errorf("%s: parameter %s needs MaxValue <= %d", what, p, hi)
	}
}

// names returns every parameter or resource a value mentions: Refs,
// GetAtts and ${X} / ${X.Attr} in Fn::Sub strings.
func names(v any) []string {
	var out []string
	subVar := regexp.MustCompile(`\$\{([A-Za-z0-9:]+)(\.[A-Za-z0-9.]+)?\}`)
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := ref(x); ok {
				out = append(out, r)
				return
			}
			if res, _, ok := getAtt(x); ok {
				out = append(out, res)
				return
			}
			if s, ok := x["Fn::Sub"]; ok {
				str, _ := s.(string)
				if l, isList := s.([]any); isList && len(l) == 2 {
					str, _ = l[0].(string)
					walk(l[1])
				}
				for _, m := range subVar.FindAllStringSubmatch(str, -1) {
					out = append(out, m[1])
				}
				return
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// ---- IAM -----------------------------------------------------------------------

// statement is one Allow statement of a function's inline policies;
// cond is the condition it is under ("" for none).
type statement struct {
	cond       string
	actions    []string
	resources  []any
	conditions map[string]any // the statement's own Condition block
}

// viaSecretsManager reports whether s is limited to calls made through
// Secrets Manager (kms:ViaService secretsmanager.<region>.amazonaws.com).
func viaSecretsManager(s statement) bool {
	eq, _ := s.conditions["StringEquals"].(map[string]any)
	sub, _ := eq["kms:ViaService"].(map[string]any)
	str, _ := sub["Fn::Sub"].(string)
	return str == "secretsmanager.${AWS::Region}.amazonaws.com"
}

func statements(t *testing.T, f deploy.Function, logical string) []statement {
	t.Helper()
	var out []statement
	add := func(cond string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s: statement %#v is not a map", logical, v)
			return
		}
		if m["Effect"] != "Allow" {
			return
		}
		s := statement{cond: cond}
		s.conditions, _ = m["Condition"].(map[string]any)
		switch a := m["Action"].(type) {
		case string:
			s.actions = []string{a}
		case []any:
			for _, e := range a {
				str, _ := e.(string)
				s.actions = append(s.actions, str)
			}
		}
		if l, isList := m["Resource"].([]any); isList {
			s.resources = l
		} else {
			s.resources = []any{m["Resource"]}
		}
		out = append(out, s)
	}
	for _, p := range f.Policies {
		doc, ok := p.(map[string]any)
		if !ok {
			continue // a managed policy name
		}
		stmts, ok := doc["Statement"].([]any)
		if !ok {
			continue // a SAM policy template
		}
		for _, st := range stmts {
			if cond, yes, no, isIf := fnIf(st); isIf {
				if !isNoValue(yes) {
					add(cond, yes)
				}
				if !isNoValue(no) {
					add("!"+cond, no)
				}
				continue
			}
			add("", st)
		}
	}
	return out
}

// allows reports whether a statement under cond grants action on a
// resource match accepts.
func allows(stmts []statement, cond, action string, match func(any) bool) bool {
	for _, s := range stmts {
		if s.cond != cond || !slices.Contains(s.actions, action) {
			continue
		}
		if slices.ContainsFunc(s.resources, match) {
			return true
		}
	}
	return false
}

func isRef(name string) func(any) bool {
	return func(v any) bool { r, ok := ref(v); return ok && r == name }
}

func isArnOf(resource string) func(any) bool {
	return func(v any) bool { r, a, ok := getAtt(v); return ok && r == resource && a == "Arn" }
}

// ---- tests -----------------------------------------------------------------------

func TestTemplateIsSAM(t *testing.T) {
	tpl := load(t)
	if tpl.Transform != "AWS::Serverless-2016-10-31" {
		t.Errorf("Transform %v, want AWS::Serverless-2016-10-31", tpl.Transform)
	}
	var got []string
	for name, r := range tpl.Resources {
		if r.Type == "AWS::Serverless::Function" || r.Type == "AWS::Lambda::Function" {
			got = append(got, name)
		}
	}
	var want []string
	for _, f := range functions() {
		want = append(want, f.logical)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("functions %v, want %v", got, want)
	}
	for _, out := range []string{"ApiUrl", "GenerateQueueUrl", "ExportQueueUrl"} {
		if _, ok := tpl.Outputs[out]; !ok {
			t.Errorf("no output %s", out)
		}
	}
}

func TestFunctionBuild(t *testing.T) {
	tpl := load(t)
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range functions() {
		t.Run(c.name, func(t *testing.T) {
			f := function(t, tpl, c.logical)
			if f.CodeURI != "." {
				t.Errorf("CodeUri %v, want .", f.CodeURI)
			}
			if f.Handler != "bootstrap" {
				t.Errorf("Handler %q, want bootstrap", f.Handler)
			}
			if f.Runtime != "provided.al2023" {
				t.Errorf("Runtime %q, want provided.al2023", f.Runtime)
			}
			if !slices.Equal(f.Architectures, []string{"arm64"}) {
				t.Errorf("Architectures %v, want [arm64]", f.Architectures)
			}
			if bm := tpl.Resources[c.logical].Metadata["BuildMethod"]; bm != "makefile" {
				t.Errorf("Metadata.BuildMethod %v, want makefile", bm)
			}
			if _, err := os.Stat(filepath.Join(root, "functions", c.name, "main.go")); err != nil {
				t.Errorf("no main package for %s: %v", c.logical, err)
			}
			// sam build runs `make build-<LogicalId>`.
			if !regexp.MustCompile(`(?m)^build-` + c.logical + `: FUNC = ` + c.name + `\s*$`).Match(makefile) {
				t.Errorf("Makefile has no `build-%s: FUNC = %s`", c.logical, c.name)
			}
			timeout := number(t, tpl, f.Timeout)
			if timeout != c.timeout {
				t.Errorf("Timeout %d, want %d", timeout, c.timeout)
			}
			if c.lease > 0 && time.Duration(timeout)*time.Second >= c.lease {
				t.Errorf("Timeout %ds is not below the job lease %s: a running job could be taken over", timeout, c.lease)
			}
			if f.MemorySize == nil {
				t.Error("no MemorySize")
			} else {
				bounds(t, tpl, "MemorySize", f.MemorySize, 128, 10240)
			}
			if f.Tracing != "Active" {
				t.Errorf("Tracing %q, want Active", f.Tracing)
			}
			if f.LoggingConfig.LogFormat != "JSON" {
				t.Errorf("LoggingConfig.LogFormat %q, want JSON", f.LoggingConfig.LogFormat)
			}
			if f.VpcConfig == nil {
				t.Error("no VpcConfig: the database is only reachable inside the VPC")
			}
		})
	}
	// HTTP API integrations time out after 30 s.
	if api := function(t, tpl, "ApiFunction"); number(t, tpl, api.Timeout) > 29 {
		t.Errorf("ApiFunction Timeout above the HTTP API's 30 s integration timeout")
	}
}

func TestAPIEvents(t *testing.T) {
	tpl := load(t)
	f := function(t, tpl, "ApiFunction")
	if len(f.Events) == 0 {
		t.Fatal("ApiFunction has no events")
	}
	for name, ev := range f.Events {
		if ev.Type != "HttpApi" {
			t.Errorf("event %s: Type %s, want HttpApi (payload 2.0)", name, ev.Type)
			continue
		}
		var p struct {
			ApiID                any    `json:"ApiId"`
			PayloadFormatVersion string `json:"PayloadFormatVersion"`
		}
		if err := json.Unmarshal(ev.Properties, &p); err != nil {
			t.Fatal(err)
		}
		if r, ok := ref(p.ApiID); !ok || tpl.Resources[r].Type != "AWS::Serverless::HttpApi" {
			t.Errorf("event %s: ApiId %v is not a Ref to an AWS::Serverless::HttpApi", name, p.ApiID)
		}
		if p.PayloadFormatVersion != "" && p.PayloadFormatVersion != "2.0" {
			t.Errorf("event %s: PayloadFormatVersion %s, want 2.0", name, p.PayloadFormatVersion)
		}
	}
}

func TestWorkerQueues(t *testing.T) {
	tpl := load(t)
	api := function(t, tpl, "ApiFunction")
	for _, c := range functions() {
		if c.queueVar == "" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			f := function(t, tpl, c.logical)
			var sqs []deploy.SQSEvent
			for name, ev := range f.Events {
				if ev.Type != "SQS" {
					t.Errorf("event %s: Type %s, want SQS", name, ev.Type)
					continue
				}
				var p deploy.SQSEvent
				if err := json.Unmarshal(ev.Properties, &p); err != nil {
					t.Fatal(err)
				}
				sqs = append(sqs, p)
			}
			if len(sqs) != 1 {
				t.Fatalf("%d SQS events, want 1", len(sqs))
			}
			ev := sqs[0]
			if !slices.Contains(ev.FunctionResponseTypes, "ReportBatchItemFailures") {
				t.Error("FunctionResponseTypes lacks ReportBatchItemFailures: one failed job would redeliver the whole batch")
			}
			if ev.BatchSize == nil {
				t.Error("no BatchSize")
			} else {
				bounds(t, tpl, "BatchSize", ev.BatchSize, 1, 10)
			}
			if ev.MaximumBatchingWindowInSeconds == nil {
				t.Error("no MaximumBatchingWindowInSeconds")
			} else {
				bounds(t, tpl, "MaximumBatchingWindowInSeconds", ev.MaximumBatchingWindowInSeconds, 0, 300)
			}
			if ev.ScalingConfig == nil {
				t.Error("no ScalingConfig")
			} else if _, ok := ref(ev.ScalingConfig.MaximumConcurrency); !ok {
				t.Errorf("ScalingConfig.MaximumConcurrency %v is not a parameter", ev.ScalingConfig.MaximumConcurrency)
			} else {
				bounds(t, tpl, "ScalingConfig.MaximumConcurrency", ev.ScalingConfig.MaximumConcurrency, 2, 1000)
			}

			qName, attr, ok := getAtt(ev.Queue)
			if !ok || attr != "Arn" {
				t.Fatalf("Queue %v is not !GetAtt <queue>.Arn", ev.Queue)
			}
			if tpl.Resources[qName].Type != "AWS::SQS::Queue" {
				t.Fatalf("%s is not an AWS::SQS::Queue", qName)
			}
			var q deploy.Queue
			if err := tpl.Properties(qName, &q); err != nil {
				t.Fatal(err)
			}
			if vt, timeout := number(t, tpl, q.VisibilityTimeout), number(t, tpl, f.Timeout); vt < 6*timeout {
				t.Errorf("%s VisibilityTimeout %d, want at least 6 x the function's %d s", qName, vt, timeout)
			}
			if q.RedrivePolicy == nil {
				t.Fatalf("%s has no RedrivePolicy", qName)
			}
			if n := number(t, tpl, q.RedrivePolicy.MaxReceiveCount); n != queue.MaxReceiveCount {
				t.Errorf("%s maxReceiveCount %d, want queue.MaxReceiveCount (%d)", qName, n, queue.MaxReceiveCount)
			}
			dlq, attr, ok := getAtt(q.RedrivePolicy.DeadLetterTargetArn)
			if !ok || attr != "Arn" || tpl.Resources[dlq].Type != "AWS::SQS::Queue" {
				t.Fatalf("%s deadLetterTargetArn %v is not the Arn of a queue", qName, q.RedrivePolicy.DeadLetterTargetArn)
			}

			// The worker and the API name the same queue.
			for who, vars := range map[string]map[string]any{c.logical: f.Environment.Variables, "ApiFunction": api.Environment.Variables} {
				if r, ok := ref(vars[c.queueVar]); !ok || r != qName {
					t.Errorf("%s: %s = %v, want !Ref %s", who, c.queueVar, vars[c.queueVar], qName)
				}
			}

			// The dead-letter queue is watched, and the alarm stops a deploy.
			alarm := ""
			for name, r := range tpl.Resources {
				if r.Type != "AWS::CloudWatch::Alarm" {
					continue
				}
				var a alarmProps
				if err := tpl.Properties(name, &a); err != nil {
					t.Fatal(err)
				}
				if a.Namespace == "AWS/SQS" && a.dimension("QueueName") != nil {
					if res, _, ok := getAtt(a.dimension("QueueName")); ok && res == dlq {
						alarm = name
					}
				}
			}
			if alarm == "" {
				t.Fatalf("no alarm on %s", dlq)
			}
			if f.DeploymentPreference == nil || !slices.ContainsFunc(f.DeploymentPreference.Alarms, isRef(alarm)) {
				t.Errorf("DeploymentPreference.Alarms lacks %s", alarm)
			}
		})
	}
}

type alarmProps struct {
	Namespace  string `json:"Namespace"`
	MetricName string `json:"MetricName"`
	Dimensions []struct {
		Name  string `json:"Name"`
		Value any    `json:"Value"`
	} `json:"Dimensions"`
}

func (a alarmProps) dimension(name string) any {
	for _, d := range a.Dimensions {
		if d.Name == name {
			return d.Value
		}
	}
	return nil
}

func TestAlarms(t *testing.T) {
	tpl := load(t)
	type key struct{ namespace, metric, target string }
	have := map[key]bool{}
	for name, r := range tpl.Resources {
		if r.Type != "AWS::CloudWatch::Alarm" {
			continue
		}
		var a alarmProps
		if err := tpl.Properties(name, &a); err != nil {
			t.Fatal(err)
		}
		if r, ok := ref(a.dimension("FunctionName")); ok {
			have[key{a.Namespace, a.MetricName, r}] = true
		}
		if s, ok := a.dimension("Function").(string); ok {
			have[key{a.Namespace, a.MetricName, s}] = true
		}
	}
	for _, c := range functions() {
		if !have[key{"AWS/Lambda", "Errors", c.logical}] {
			t.Errorf("no Errors alarm on %s", c.logical)
		}
		if c.pooled {
			if !have[key{"AWS/Lambda", "Throttles", c.logical}] {
				t.Errorf("no Throttles alarm on %s", c.logical)
			}
			// metrics.Pool writes PoolWaitCount with the Function dimension.
			if !have[key{metrics.Namespace, "PoolWaitCount", c.name}] {
				t.Errorf("no PoolWaitCount alarm (namespace %s, Function=%s)", metrics.Namespace, c.name)
			}
		}
	}
}

func TestDeployments(t *testing.T) {
	tpl := load(t)
	for _, c := range functions() {
		if !c.pooled {
			continue
		}
		f := function(t, tpl, c.logical)
		if f.AutoPublishAlias != "live" {
			t.Errorf("%s: AutoPublishAlias %q, want live", c.logical, f.AutoPublishAlias)
		}
		if f.DeploymentPreference == nil || f.DeploymentPreference.Type == "" {
			t.Errorf("%s: no DeploymentPreference", c.logical)
			continue
		}
		if len(f.DeploymentPreference.Alarms) == 0 {
			t.Errorf("%s: DeploymentPreference without alarms", c.logical)
		}
		for _, a := range f.DeploymentPreference.Alarms {
			if r, ok := ref(a); !ok || tpl.Resources[r].Type != "AWS::CloudWatch::Alarm" {
				t.Errorf("%s: deployment alarm %v is not a Ref to an alarm", c.logical, a)
			}
		}
		if err := hasErrorsAlarm(t, tpl, c.logical, f.DeploymentPreference.Alarms); err != "" {
			t.Error(err)
		}
	}
}

func hasErrorsAlarm(t *testing.T, tpl *deploy.Template, logical string, alarms []any) string {
	t.Helper()
	for _, a := range alarms {
		r, _ := ref(a)
		var p alarmProps
		if err := tpl.Properties(r, &p); err != nil {
			continue
		}
		if fn, ok := ref(p.dimension("FunctionName")); ok && fn == logical && p.MetricName == "Errors" {
			return ""
		}
	}
	return logical + ": no Errors alarm of its own among the deployment alarms"
}

func TestSchemaCustomResource(t *testing.T) {
	tpl := load(t)
	var name string
	for n, r := range tpl.Resources {
		if r.Type == "Custom::Schema" {
			name = n
		}
	}
	if name == "" {
		t.Fatal("no Custom::Schema resource")
	}
	var p map[string]any
	if err := tpl.Properties(name, &p); err != nil {
		t.Fatal(err)
	}
	if r, attr, ok := getAtt(p["ServiceToken"]); !ok || r != "MigrateFunction" || attr != "Arn" {
		t.Errorf("ServiceToken %v, want !GetAtt MigrateFunction.Arn", p["ServiceToken"])
	}
	// A property that changes with every release makes CloudFormation send
	// Update (schema.Handler migrates up) on every deploy.
	if r, ok := ref(p["CodeVersion"]); !ok || tpl.Parameters[r].Type != "String" {
		t.Errorf("CodeVersion %v, want a Ref to a String parameter", p["CodeVersion"])
	}
	// New code runs only after its migrations.
	for _, c := range functions() {
		if !c.pooled {
			continue
		}
		deps := tpl.Resources[c.logical].DependsOn
		if deps != name && !(isList(deps) && slices.Contains(deps.([]any), any(name))) {
			t.Errorf("%s does not DependsOn %s", c.logical, name)
		}
	}
}

func isList(v any) bool { _, ok := v.([]any); return ok }

func TestIAM(t *testing.T) {
	tpl := load(t)
	for _, c := range functions() {
		t.Run(c.name, func(t *testing.T) {
			f := function(t, tpl, c.logical)
			st := statements(t, f, c.logical)
			vars := f.Environment.Variables

			// config.NewAWSFetcher: GetSecretValue for every *_SECRET_ARN.
			for v, val := range vars {
				if !strings.HasSuffix(v, "_SECRET_ARN") {
					continue
				}
				for _, n := range names(val) {
					par, ok := tpl.Parameters[n]
					if !ok || !strings.HasSuffix(n, "SecretArn") || par.Type != "String" {
						continue
					}
					if !allows(st, "", "secretsmanager:GetSecretValue", isRef(n)) {
						t.Errorf("%s names secret %s, but no statement allows secretsmanager:GetSecretValue on it", v, n)
					}
				}
			}
			// A customer-managed key of the secrets: kms:Decrypt on it,
			// through Secrets Manager only, when the parameter names one.
			if allows(st, "", "secretsmanager:GetSecretValue", func(any) bool { return true }) {
				if !allows(st, "HasSecretsKmsKey", "kms:Decrypt", isRef("SecretsKmsKeyArn")) {
					t.Error("reads secrets, but no kms:Decrypt on SecretsKmsKeyArn under HasSecretsKmsKey")
				}
				for _, s := range st {
					if slices.Contains(s.actions, "kms:Decrypt") && (s.cond != "HasSecretsKmsKey" || !viaSecretsManager(s)) {
						t.Errorf("kms:Decrypt under %q without the kms:ViaService condition of Secrets Manager", s.cond)
					}
				}
			}
			for name := range vars {
				if strings.HasSuffix(name, "_SSM_PARAMETER") {
					t.Errorf("%s: SSM parameters need ssm:GetParameter (and kms:Decrypt), which the policies do not grant", name)
				}
			}

			// queue.Publisher: SendMessage to both queues.
			if c.name == "api" {
				for _, q := range []string{"GENERATE_QUEUE_URL", "EXPORT_QUEUE_URL"} {
					r, _ := ref(vars[q])
					if !allows(st, "", "sqs:SendMessage", isArnOf(r)) {
						t.Errorf("no sqs:SendMessage on %s (%s)", r, q)
					}
				}
				// health: DescribeDBProxyTargets of RDS_PROXY_NAME.
				cond, yes, _, ok := fnIf(vars["RDS_PROXY_NAME"])
				if !ok {
					t.Fatalf("RDS_PROXY_NAME %v is not !If [<proxy condition>, !Ref <proxy>, ...]", vars["RDS_PROXY_NAME"])
				}
				proxy, _ := ref(yes)
				if tpl.Resources[proxy].Type != "AWS::RDS::DBProxy" || tpl.Resources[proxy].Condition != cond {
					t.Errorf("RDS_PROXY_NAME names %s, not an AWS::RDS::DBProxy under condition %s", proxy, cond)
				}
				if !allows(st, cond, "rds:DescribeDBProxyTargets", isArnOfAttr(proxy, "DBProxyArn")) {
					t.Errorf("no rds:DescribeDBProxyTargets on %s under condition %s", proxy, cond)
				}
			}

			// The worker's own queue (SAM adds a broad managed policy too);
			// ChangeMessageVisibility for queue.WithBackoff.
			if c.queueVar != "" {
				r, _ := ref(vars[c.queueVar])
				for _, a := range []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"} {
					if !allows(st, "", a, isArnOf(r)) {
						t.Errorf("no %s on %s", a, r)
					}
				}
			}

			// db.WithIAMAuth: rds-db:connect when DB_IAM_AUTH can be true.
			if cond, yes, _, ok := fnIf(vars["DB_IAM_AUTH"]); ok && yes == "true" {
				if !allows(st, cond, "rds-db:connect", func(any) bool { return true }) {
					t.Errorf("DB_IAM_AUTH is true under %s, but no rds-db:connect statement is", cond)
				}
			} else if vars["DB_IAM_AUTH"] == "true" {
				if !allows(st, "", "rds-db:connect", func(any) bool { return true }) {
					t.Error("DB_IAM_AUTH is true but rds-db:connect is not allowed")
				}
			}

			// Nothing beyond what the code calls.
			known := map[string]bool{
				"secretsmanager:GetSecretValue": true, "kms:Decrypt": true, "sqs:SendMessage": c.name == "api" || c.name == "generate",
				"rds:DescribeDBProxyTargets": c.name == "api", "rds-db:connect": c.pooled,
				"sqs:ReceiveMessage": c.queueVar != "", "sqs:DeleteMessage": c.queueVar != "",
				"sqs:ChangeMessageVisibility": c.queueVar != "", "sqs:GetQueueAttributes": c.queueVar != "",
			}
			for _, s := range st {
				for _, a := range s.actions {
					if !known[a] {
						t.Errorf("%s is allowed, but the %s function never calls it", a, c.name)
					}
				}
			}
		})
	}
}

func isArnOfAttr(resource, attribute string) func(any) bool {
	return func(v any) bool { r, a, ok := getAtt(v); return ok && r == resource && a == attribute }
}

func TestRDSProxy(t *testing.T) {
	tpl := load(t)
	for name, typ := range map[string]string{"DbProxy": "AWS::RDS::DBProxy", "DbProxyTargetGroup": "AWS::RDS::DBProxyTargetGroup", "DbProxyRole": "AWS::IAM::Role"} {
		r := tpl.Resources[name]
		if r.Type != typ || r.Condition != "UseRdsProxy" {
			t.Errorf("%s: %s under %q, want %s under UseRdsProxy", name, r.Type, r.Condition, typ)
		}
	}
	eq, ok := tpl.Conditions["UseRdsProxy"].(map[string]any)["Fn::Equals"].([]any)
	if !ok || len(eq) != 2 || !slices.ContainsFunc(eq, isRef("PoolerMode")) || !slices.Contains(eq, any("rds-proxy")) {
		t.Errorf("UseRdsProxy is %v, want !Equals [!Ref PoolerMode, rds-proxy]", tpl.Conditions["UseRdsProxy"])
	}
	// The proxy's role reads the database secret, and decrypts it with a
	// customer-managed key when there is one.
	var role struct {
		Policies []struct {
			PolicyDocument struct {
				Statement []any `json:"Statement"`
			} `json:"PolicyDocument"`
		} `json:"Policies"`
	}
	if err := tpl.Properties("DbProxyRole", &role); err != nil {
		t.Fatal(err)
	}
	var docs []any
	for _, p := range role.Policies {
		docs = append(docs, map[string]any{"Statement": p.PolicyDocument.Statement})
	}
	st := statements(t, deploy.Function{Policies: docs}, "DbProxyRole")
	if !allows(st, "", "secretsmanager:GetSecretValue", isRef("DbSecretArn")) {
		t.Error("DbProxyRole cannot read DbSecretArn")
	}
	if !allows(st, "HasSecretsKmsKey", "kms:Decrypt", isRef("SecretsKmsKeyArn")) {
		t.Error("DbProxyRole: no kms:Decrypt on SecretsKmsKeyArn under HasSecretsKmsKey")
	}
	// Every PoolerMode is a DB_POOLER value the code accepts.
	for _, v := range tpl.Parameters["PoolerMode"].AllowedValues {
		if v != "pgbouncer" && v != "rds-proxy" {
			t.Errorf("PoolerMode allows %v, not a deployed DB_POOLER", v)
		}
	}
	for _, c := range functions() {
		if !c.pooled {
			continue
		}
		vars := function(t, tpl, c.logical).Environment.Variables
		if r, ok := ref(vars["DB_POOLER"]); !ok || r != "PoolerMode" {
			t.Errorf("%s: DB_POOLER %v, want !Ref PoolerMode", c.logical, vars["DB_POOLER"])
		}
	}
}

func TestEnvironment(t *testing.T) {
	tpl := load(t)
	vars := config.Variables()
	byName := map[string]config.Var{}
	for _, v := range vars {
		byName[v.Name] = v
		if v.Secret {
			byName[v.Name+"_SECRET_ARN"] = v
			byName[v.Name+"_SSM_PARAMETER"] = v
		}
	}
	for _, c := range functions() {
		t.Run(c.name, func(t *testing.T) {
			env := function(t, tpl, c.logical).Environment.Variables
			for name := range env {
				v, ok := byName[name]
				if !ok {
					t.Errorf("%s is no variable the config package reads", name)
					continue
				}
				if !slices.Contains(strings.Split(v.Functions, ", "), c.name) {
					t.Errorf("%s is set, but only %s read it", name, v.Functions)
				}
			}
			set := func(name string) bool {
				val, ok := env[name]
				return ok && val != ""
			}
			for _, v := range vars {
				if v.Default != "(required)" || !slices.Contains(strings.Split(v.Functions, ", "), c.name) {
					continue
				}
				if !set(v.Name) && !(v.Secret && (set(v.Name+"_SECRET_ARN") || set(v.Name+"_SSM_PARAMETER"))) {
					t.Errorf("required %s is not set", v.Name)
				}
			}
			if c.pooled {
				if r, ok := ref(env["DB_MAX_CONNS"]); !ok || tpl.Parameters[r].Type != "Number" {
					t.Errorf("DB_MAX_CONNS %v, want a Ref to a Number parameter", env["DB_MAX_CONNS"])
				}
			}
			for name, val := range env {
				// Lambda environment values are strings; a literal number or
				// boolean would be rejected.
				switch val.(type) {
				case string, map[string]any:
				default:
					t.Errorf("%s = %v (%T): quote it", name, val, val)
				}
			}
		})
	}
}

// TestConnectionBudget holds the committed template.yaml and
// pgbouncer/pgbouncer.ini to the budget of docs/architecture.md,
// Connections, computed as make budget computes it (deploy.LoadBudget): at
// most (concurrent environments x DB_MAX_CONNS) summed over the pooled
// functions reach PgBouncer, within its max_client_conn, and PgBouncer's
// server side fits Postgres max_connections minus the reserve.
func TestConnectionBudget(t *testing.T) {
	r, err := deploy.LoadBudget(filepath.Join(root, "template.yaml"), filepath.Join(root, "pgbouncer", "pgbouncer.ini"))
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, row := range r.Rows {
		t.Logf("%s: %d x %d = %d connections at most", row.Name, row.Concurrency, row.ConnsEach, row.Subtotal)
		got = append(got, row.Name)
	}
	for _, c := range functions() {
		if c.pooled {
			want = append(want, c.name)
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the budget counts %v, want the pooled functions %v", got, want)
	}
}

// ---- events/ ------------------------------------------------------------------------

func TestSampleEvents(t *testing.T) {
	read := func(name string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(root, "events", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, name := range []string{"api-health.json", "api-get-quiz.json"} {
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(read(name), &ev); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if ev.Version != "2.0" || ev.RawPath == "" || ev.RequestContext.HTTP.Method == "" {
			t.Errorf("%s: not an API Gateway v2 request (version %q, rawPath %q)", name, ev.Version, ev.RawPath)
		}
	}
	for name, kinds := range map[string][]queue.Kind{
		"generate.json": {queue.KindExtract, queue.KindGenerate},
		"export.json":   {queue.KindExport},
	} {
		var ev events.SQSEvent
		if err := json.Unmarshal(read(name), &ev); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(ev.Records) == 0 {
			t.Errorf("%s: no records", name)
		}
		for _, r := range ev.Records {
			m, err := queue.Decode([]byte(r.Body))
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if !slices.Contains(kinds, m.Kind) {
				t.Errorf("%s: job type %s, want one of %v", name, m.Kind, kinds)
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(read("migrate-version.json")))
	dec.DisallowUnknownFields()
	var cmd schema.Command
	if err := dec.Decode(&cmd); err != nil || cmd.Command != "version" {
		t.Errorf("migrate-version.json: %+v, %v", cmd, err)
	}
}

// TestLocalEnv checks events/env.json: sam local overrides only the
// variables a function declares in the template, so every variable there
// must be declared.
func TestLocalEnv(t *testing.T) {
	tpl := load(t)
	b, err := os.ReadFile(filepath.Join(root, "events", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]map[string]string
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	for _, c := range functions() {
		local, ok := env[c.logical]
		if !ok {
			t.Errorf("env.json has no %s", c.logical)
			continue
		}
		declared := function(t, tpl, c.logical).Environment.Variables
		for name, val := range local {
			if _, ok := declared[name]; !ok {
				t.Errorf("%s.%s: not declared in template.yaml, sam local would ignore it", c.logical, name)
			}
			if strings.Contains(val, "127.0.0.1") || strings.Contains(val, "localhost:64320") || strings.Contains(val, "localhost:54320") {
				t.Errorf("%s.%s = %s: inside the container that is the container itself; use host.docker.internal", c.logical, name, val)
			}
		}
		if local["ENVIRONMENT"] != "local" {
			t.Errorf("%s: ENVIRONMENT %q, want local", c.logical, local["ENVIRONMENT"])
		}
	}
	for name := range env {
		if !slices.ContainsFunc(functions(), func(f fn) bool { return f.logical == name }) {
			t.Errorf("env.json names %s, no function of the template", name)
		}
	}
}
