package deploy_test

import (
	"fmt"
	"strings"
	"testing"

	"quizgen/internal/config"
)

// deployedDefaults are the variables whose template parameter defaults
// differ from the config table's on purpose: the table's default is for a
// run on a developer's machine, the template's for a deployment.
func deployedDefaults() map[string]string {
	return map[string]string{
		"ENVIRONMENT":  "a deployment is staging or production, never local",
		"LLM_PROVIDER": "a deployment writes questions with a real model; the mock is for local runs and tests",
	}
}

// TestTemplateDefaults: where template.yaml sets a variable from a
// parameter with a Default, that default is the config table's (the one
// the README shows and the loaders use), unless deployedDefaults says why
// not; so the template's copy cannot drift from the code's.
func TestTemplateDefaults(t *testing.T) {
	tpl := load(t)
	table := map[string]string{}
	for _, v := range config.Variables() {
		table[v.Name] = v.Default
	}
	differ := deployedDefaults()
	seen := map[string]bool{}
	var compared []string
	for _, c := range functions() {
		for name, val := range function(t, tpl, c.logical).Environment.Variables {
			p, ok := ref(val)
			if !ok {
				continue
			}
			par, ok := tpl.Parameters[p]
			if !ok || par.Default == nil {
				continue
			}
			def, known := table[name]
			if !known || def == "" || strings.HasPrefix(def, "(") {
				continue
			}
			got := fmt.Sprint(par.Default)
			compared = append(compared, name)
			switch why, ok := differ[name]; {
			case ok:
				seen[name] = true
				if got == def {
					t.Errorf("%s: parameter %s defaults to %q like the config table; drop it from deployedDefaults (%s)", name, p, got, why)
				}
			case got != def:
				t.Errorf("%s (%s): parameter %s defaults to %q, the config table to %q", name, c.logical, p, got, def)
			}
		}
	}
	t.Logf("compared: %v", compared)
	if len(compared) < 5 {
		t.Errorf("compared only %v: the template no longer sets variables from parameters?", compared)
	}
	for name := range differ {
		if !seen[name] {
			t.Errorf("deployedDefaults names %s, which no function sets from a parameter with a default", name)
		}
	}
}
