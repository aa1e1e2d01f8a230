package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestRepositoryPgBouncer runs the whole command on the repository's real
// pgbouncer.ini with template fixtures.
func TestRepositoryPgBouncer(t *testing.T) {
	t.Parallel()

	ini := filepath.Join("..", "..", "pgbouncer", "pgbouncer.ini")
	tests := []struct {
		template string
		wantCode int
		wantOut  []string
		wantErr  string
	}{
		{
			template: "template.yaml",
			wantCode: 0,
			wantOut: []string{
				"api", "200", "400",
				"total (worst case)", "540",
				"client side: 540 of PgBouncer max_client_conn 5000  ok",
				"server side: 80 (max_user_connections) of Postgres max_connections 200 - reserved 20 = 180  ok",
				"verdict: OK",
			},
		},
		{
			template: "template-oversubscribed.yaml",
			wantCode: 1,
			wantOut: []string{
				"total (worst case)", "5200",
				"client side: 5200 of PgBouncer max_client_conn 5000  OVER",
				"verdict: OVER BUDGET",
			},
		},
		{template: "does-not-exist.yaml", wantCode: 1, wantErr: "does not exist (yet)"},
	}
	for _, tt := range tests {
		t.Run(tt.template, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run([]string{"-template", filepath.Join("testdata", tt.template), "-pgbouncer", ini}, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout.String(), stderr.String())
			}
			for _, s := range tt.wantOut {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout does not contain %q:\n%s", s, stdout.String())
				}
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), tt.wantErr)
			}
		})
	}
}
