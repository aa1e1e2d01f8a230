package deploy_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"quizgen/internal/config"
)

// TestAPIThrottling: API Gateway throttles every route (the HTTP API's
// default route settings), with rate and burst as parameters.
func TestAPIThrottling(t *testing.T) {
	tpl := load(t)
	var api struct {
		DefaultRouteSettings struct {
			ThrottlingRateLimit  any `json:"ThrottlingRateLimit"`
			ThrottlingBurstLimit any `json:"ThrottlingBurstLimit"`
		} `json:"DefaultRouteSettings"`
	}
	if err := json.Unmarshal(tpl.Resources["HttpApi"].Properties, &api); err != nil {
		t.Fatal(err)
	}
	rs := api.DefaultRouteSettings
	for what, v := range map[string]any{"ThrottlingRateLimit": rs.ThrottlingRateLimit, "ThrottlingBurstLimit": rs.ThrottlingBurstLimit} {
		if _, ok := ref(v); !ok {
			t.Errorf("HttpApi DefaultRouteSettings.%s = %v, want a Ref to a parameter", what, v)
			continue
		}
		bounds(t, tpl, "HttpApi "+what, v, 1, 1<<30)
	}
	if t.Failed() {
		return
	}
	if rate, burst := number(t, tpl, rs.ThrottlingRateLimit), number(t, tpl, rs.ThrottlingBurstLimit); burst < rate {
		t.Errorf("burst %d below the rate %d per second", burst, rate)
	}
}

// TestUsageLimits: the API's usage limits are parameters whose defaults are
// the config package's, and which may be 0 (disabled).
func TestUsageLimits(t *testing.T) {
	tpl := load(t)
	env := function(t, tpl, "ApiFunction").Environment.Variables
	for _, v := range config.Variables() {
		switch v.Name {
		case "LIMIT_QUESTIONS_PER_DAY", "LIMIT_GENERATIONS_PER_QUIZ", "LIMIT_PROCESSING_QUIZZES":
		default:
			continue
		}
		val, ok := env[v.Name]
		if !ok {
			t.Errorf("ApiFunction does not set %s", v.Name)
			continue
		}
		p, ok := ref(val)
		if !ok {
			t.Errorf("%s = %v, want a Ref to a parameter", v.Name, val)
			continue
		}
		want, err := strconv.Atoi(v.Default)
		if err != nil {
			t.Fatal(err)
		}
		if got := number(t, tpl, val); got != want {
			t.Errorf("%s: parameter %s defaults to %d, the config package to %d", v.Name, p, got, want)
		}
		if par := tpl.Parameters[p]; par.MinValue == nil || number(t, tpl, par.MinValue) != 0 {
			t.Errorf("%s: parameter %s needs MinValue 0 (0 disables the limit)", v.Name, p)
		}
	}
}
