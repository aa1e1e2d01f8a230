package layering_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "quizgen"

// allowed lists, for every package of ours under internal/, the packages
// of ours its non-test code may import: the layering as it is
// (docs/architecture.md, Layering). The domain (quiz, quiz/qtype) imports
// nothing outside itself. An import between two adapters is listed with
// the reason it exists; new ones are a design decision, taken here in
// review, not by accident. Composition roots (functions/...) and
// development tools (dev/...) are checked by rootRule instead.
//
// Read-only table.
var allowed = map[string][]string{
	// The domain.
	"internal/quiz":       {"internal/quiz/qtype"},
	"internal/quiz/qtype": {},

	// Adapters that use nothing of ours but the domain.
	"internal/auth":        {},
	"internal/awsapi":      {"internal/backoff"},
	"internal/backoff":     {},
	"internal/logging":     {},
	"internal/llm":         {"internal/backoff", "internal/quiz", "internal/quiz/qtype"},
	"internal/llm/llmtest": {},
	"internal/db/dbsqlc":   {},
	"internal/db":          {"internal/backoff", "internal/db/dbsqlc", "internal/quiz", "internal/quiz/qtype"},
	"internal/canvas":      {"internal/backoff", "internal/logging", "internal/quiz"},
	"internal/queue":       {"internal/backoff", "internal/logging", "internal/quiz"},

	// canvastoken refreshes a user's Canvas token and stores it encrypted:
	// it is the join of canvas and auth by design.
	"internal/canvastoken": {"internal/auth", "internal/canvas", "internal/quiz"},
	// content walks a course's modules through canvas's client and types
	// (canvas.Module, canvas.Item) instead of declaring its own copies.
	"internal/content": {"internal/canvas", "internal/quiz"},
	// health, metrics and schema report on or act on the pool db opens
	// (pool statistics, the pooler's console, migrations).
	"internal/health":  {"internal/awsapi", "internal/db"},
	"internal/metrics": {"internal/db"},
	"internal/schema":  {"internal/db"},
	// config builds db.Config from the environment.
	"internal/config": {"internal/awsapi", "internal/db", "internal/logging", "internal/quiz"},
	// app is the composition roots' shared wiring (config, Canvas client).
	"internal/app": {"internal/canvas", "internal/config", "internal/logging"},
	// app/generator wires the generate job for functions/generate and the
	// fleet drill; apart from app so the other functions link none of it.
	"internal/app/generator": {
		"internal/app", "internal/auth", "internal/canvastoken", "internal/config", "internal/content",
		"internal/db", "internal/llm", "internal/pipeline", "internal/pipeline/generation", "internal/queue",
	},
	// httpapi calls Canvas for the course and module routes, extracts the
	// text of a manual PDF upload with content, refreshes tokens with
	// canvastoken and serves health's report: these routes have no
	// domain service in between today.
	"internal/httpapi": {
		"internal/auth", "internal/canvas", "internal/canvastoken", "internal/content",
		"internal/health", "internal/logging", "internal/quiz", "internal/quiz/qtype",
	},
	// pipeline (the jobs) is an application layer: it drives the store,
	// Canvas and the queue directly rather than through quiz.Service.
	"internal/pipeline": {
		"internal/canvas", "internal/canvastoken", "internal/db", "internal/queue",
		"internal/quiz", "internal/quiz/qtype",
	},
	"internal/pipeline/generation": {
		"internal/canvas", "internal/content", "internal/db", "internal/llm",
		"internal/pipeline", "internal/queue", "internal/quiz",
	},

	// Test support: packages used only by tests.
	"internal/db/dbtest":       {"internal/db", "internal/logging", "internal/schema"},
	"internal/logging/logtest": {"internal/logging"},
	"internal/deploy":          {},
	"internal/layering":        {},
	"internal/rie":             {},
}

// testOnly are packages that exist for tests: no production package may
// import them.
var testOnly = []string{"internal/db/dbtest", "internal/llm/llmtest", "internal/logging/logtest", "internal/deploy", "internal/layering", "internal/rie"}

type pkg struct {
	ImportPath string
	Imports    []string
}

// ours returns the packages of this module imported by p, without the
// module prefix, sorted.
func (p pkg) ours() []string {
	var out []string
	for _, imp := range p.Imports {
		if rel, ok := strings.CutPrefix(imp, module+"/"); ok {
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports", "./...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		p.ImportPath = strings.TrimPrefix(p.ImportPath, module+"/")
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 20 {
		t.Fatalf("go list found %d packages of %s; run from the repository", len(pkgs), module)
	}
	return pkgs
}

// check returns the import-rule violations among pkgs.
func check(pkgs []pkg) []string {
	var bad []string
	seen := map[string]bool{}
	for _, p := range pkgs {
		seen[p.ImportPath] = true
		imports := p.ours()
		if msg := rootRule(p.ImportPath, imports); msg != "" {
			bad = append(bad, msg)
			continue
		}
		if !strings.HasPrefix(p.ImportPath, "internal/") {
			continue
		}
		want, ok := allowed[p.ImportPath]
		if !ok {
			bad = append(bad, p.ImportPath+": not in the layering table of internal/layering; add it with the imports of ours it may use")
			continue
		}
		for _, imp := range imports {
			if !slices.Contains(want, imp) {
				bad = append(bad, p.ImportPath+" imports "+imp+": not allowed by the layering table (docs/architecture.md, Layering)")
			}
		}
		for _, w := range want {
			if !slices.Contains(imports, w) {
				bad = append(bad, p.ImportPath+" no longer imports "+w+": remove it from the layering table")
			}
		}
	}
	for name := range allowed {
		if !seen[name] {
			bad = append(bad, name+": in the layering table but not a package; remove it")
		}
	}
	sort.Strings(bad)
	return bad
}

// rootRule checks what is not in the table: nothing under internal/
// imports a composition root or a development tool, and no production
// package (internal/ or functions/) imports a test-only one. Composition
// roots and dev/ tools may otherwise import any package of ours.
func rootRule(name string, imports []string) string {
	production := strings.HasPrefix(name, "internal/") && !slices.Contains(testOnly, name) ||
		strings.HasPrefix(name, "functions/")
	for _, imp := range imports {
		if strings.HasPrefix(name, "internal/") &&
			(strings.HasPrefix(imp, "functions/") || strings.HasPrefix(imp, "dev/")) {
			return name + " imports " + imp + ": internal packages never import a function or a development tool"
		}
		if production && slices.Contains(testOnly, imp) {
			return name + " imports the test-only package " + imp
		}
	}
	return ""
}

// TestImportRule fails on any import of ours the layering does not allow.
func TestImportRule(t *testing.T) {
	for _, msg := range check(listPackages(t)) {
		t.Error(msg)
	}
}

// TestImportRuleCatches shows the check refusing what the rule forbids,
// on packages made up for the purpose.
func TestImportRuleCatches(t *testing.T) {
	base := func() []pkg {
		var pkgs []pkg
		for name, imps := range allowed {
			p := pkg{ImportPath: name}
			for _, i := range imps {
				p.Imports = append(p.Imports, module+"/"+i)
			}
			pkgs = append(pkgs, p)
		}
		return pkgs
	}
	if bad := check(base()); len(bad) != 0 {
		t.Fatalf("the table itself fails: %v", bad)
	}
	cases := []struct {
		name string
		edit func([]pkg) []pkg
		want string
	}{
		{"domain imports an adapter", func(p []pkg) []pkg {
			return append(p, pkg{ImportPath: "internal/quiz", Imports: []string{"quizgen/internal/db"}})
		}, "internal/quiz imports internal/db"},
		{"adapter imports another adapter", func(p []pkg) []pkg {
			return append(p, pkg{ImportPath: "internal/llm", Imports: []string{"quizgen/internal/canvas"}})
		}, "internal/llm imports internal/canvas"},
		{"new package not in the table", func(p []pkg) []pkg {
			return append(p, pkg{ImportPath: "internal/newthing"})
		}, "internal/newthing: not in the layering table"},
		{"internal imports a function", func(p []pkg) []pkg {
			return append(p, pkg{ImportPath: "internal/db", Imports: []string{"quizgen/functions/api"}})
		}, "internal/db imports functions/api"},
		{"production imports a test helper", func(p []pkg) []pkg {
			return append(p, pkg{ImportPath: "functions/api", Imports: []string{"quizgen/internal/db/dbtest"}})
		}, "functions/api imports the test-only package internal/db/dbtest"},
		{"stale table entry", func(p []pkg) []pkg {
			for i := range p {
				if p[i].ImportPath == "internal/health" {
					p[i].Imports = nil
				}
			}
			return p
		}, "internal/health no longer imports internal/db"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bad := check(tc.edit(base()))
			if !slices.ContainsFunc(bad, func(m string) bool { return strings.HasPrefix(m, tc.want) }) {
				t.Errorf("want a violation starting %q, got %v", tc.want, bad)
			}
		})
	}
}
