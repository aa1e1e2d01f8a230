package config

import (
	"fmt"
	"io"
	"strings"
)

// Problems returns the configuration problems in err, one "NAME: problem"
// per invalid variable in the order the loader found them, or nil when err
// holds none (err may wrap the loader's error, as app.Load does). A
// problem never contains a variable's value when that value is a secret.
func Problems(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		// By hand, not errors.As: every problem, not the first.
		switch u := err.(type) { //nolint:errorlint // walking the tree
		case *varError:
			out = append(out, u.Error())
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// PrintLocally writes err's configuration problems to w, one
// "config: NAME: problem" line each, when the process is run by a person:
// not under the Lambda runtime (AWS_LAMBDA_RUNTIME_API unset) and either
// ENVIRONMENT is local (or unset, which means local) or w is a terminal.
// It reports whether it wrote them; when it did not (under Lambda, or err
// holds no configuration problem), the caller logs err as JSON as it
// always does. getenv is os.Getenv in main.
func PrintLocally(w io.Writer, err error, getenv func(string) string, terminal bool) bool {
	if getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		return false
	}
	stage := Environment(strings.TrimSpace(getenv("ENVIRONMENT")))
	if stage != "" && stage != EnvLocal && !terminal {
		return false
	}
	problems := Problems(err)
	if len(problems) == 0 {
		return false
	}
	var b strings.Builder
	for _, p := range problems {
		// One line per problem, whatever a problem's text holds.
		fmt.Fprintf(&b, "config: %s\n", strings.ReplaceAll(p, "\n", " "))
	}
	_, _ = io.WriteString(w, b.String())
	return true
}
