package layering_test

import (
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// heavyForFunction are packages a function's Lambda build must not link
// unless it is listed: each costs every cold start its package
// initialization (README, Builds, `sam local` and speed).
var heavyForFunction = map[string][]string{
	// golang-migrate and its pgx driver: functions/migrate only.
	"github.com/golang-migrate/migrate/v4": {"functions/migrate"},
	// The testing package (its flags, its runtime hooks): no function.
	"testing": nil,
	// The SDK's SSM and Secrets Manager clients (their generated schemas
	// allocate megabytes at init): config calls both APIs itself.
	"github.com/aws/aws-sdk-go-v2/service/ssm":            nil,
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager": nil,
	// The SDK's RDS client (1.3 MB of schema allocations at init): health
	// calls DescribeDBProxyTargets through internal/awsapi.
	"github.com/aws/aws-sdk-go-v2/service/rds": nil,
}

// TestFunctionsLinkNoHeavyPackage fails when a function's Lambda build
// (-tags lambda.norpc, as make build builds it) depends on a package of
// heavyForFunction it is not listed for.
func TestFunctionsLinkNoHeavyPackage(t *testing.T) {
	for _, fn := range []string{"functions/api", "functions/generate", "functions/export", "functions/migrate"} {
		cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", "./"+fn)
		cmd.Dir = "../.."
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", fn, err, stderr.String())
		}
		deps := strings.Fields(string(out))
		if len(deps) < 50 {
			t.Fatalf("go list -deps %s listed %d packages; run from the repository", fn, len(deps))
		}
		for heavy, allowedIn := range heavyForFunction {
			if slices.Contains(allowedIn, fn) {
				continue
			}
			for _, d := range deps {
				if d == heavy || strings.HasPrefix(d, heavy+"/") {
					t.Errorf("%s links %s (via %s): keep it out of the function's build", fn, heavy, d)
					break
				}
			}
		}
	}
}
