package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pooled returns the three pooled functions at the given concurrencies, each
// with conns connections.
func pooled(api, generate, export, conns int) []FunctionLoad {
	return []FunctionLoad{
		{Name: "api", Concurrency: api, ConnsEach: conns},
		{Name: "generate", Concurrency: generate, ConnsEach: conns},
		{Name: "export", Concurrency: export, ConnsEach: conns},
	}
}

// repoPgBouncer mirrors the limits of pgbouncer/pgbouncer.ini.
func repoPgBouncer() PgBouncer {
	return PgBouncer{MaxClientConn: 5000, DefaultPoolSize: 20, ReservePoolSize: 5, MaxUserConnections: 80}
}

func TestCheck(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name        string
		in          Inputs
		wantClient  int
		wantServer  int
		wantOver    bool
		wantProblem string // substring of a problem, when wantOver
	}{
		{
			name:       "fits",
			in:         Inputs{Functions: pooled(200, 50, 20, 2), PgBouncer: repoPgBouncer(), PostgresMaxConnections: 200, ReservedConnections: 20},
			wantClient: 540, wantServer: 80,
		},
		{
			name:       "exactly at both limits",
			in:         Inputs{Functions: pooled(2000, 400, 100, 2), PgBouncer: repoPgBouncer(), PostgresMaxConnections: 100, ReservedConnections: 20},
			wantClient: 5000, wantServer: 80,
		},
		{
			name:       "oversubscribed client side",
			in:         Inputs{Functions: pooled(2000, 400, 200, 2), PgBouncer: repoPgBouncer(), PostgresMaxConnections: 200, ReservedConnections: 20},
			wantClient: 5200, wantServer: 80, wantOver: true,
			wantProblem: "client side: worst case 5200 connections > PgBouncer max_client_conn 5000 (200 over)",
		},
		{
			name:       "one connection too many per environment",
			in:         Inputs{Functions: pooled(1000, 500, 200, 3), PgBouncer: repoPgBouncer(), PostgresMaxConnections: 200, ReservedConnections: 20},
			wantClient: 5100, wantServer: 80, wantOver: true,
			wantProblem: "max_client_conn 5000",
		},
		{
			name:       "server side over max_connections minus reserve",
			in:         Inputs{Functions: pooled(10, 10, 10, 2), PgBouncer: repoPgBouncer(), PostgresMaxConnections: 100, ReservedConnections: 21},
			wantClient: 60, wantServer: 80, wantOver: true,
			wantProblem: "server side: PgBouncer may open 80 connections (max_user_connections) > Postgres max_connections 100 - reserved 21 = 79 (1 over)",
		},
		{
			name: "no max_user_connections: pool plus reserve pool",
			in: Inputs{Functions: pooled(10, 10, 10, 2), PostgresMaxConnections: 30, ReservedConnections: 5,
				PgBouncer: PgBouncer{MaxClientConn: 100, DefaultPoolSize: 20, ReservePoolSize: 5}},
			wantClient: 60, wantServer: 25,
		},
		{
			name: "no max_user_connections: reserve pool tips it over",
			in: Inputs{Functions: pooled(10, 10, 10, 2), PostgresMaxConnections: 30, ReservedConnections: 6,
				PgBouncer: PgBouncer{MaxClientConn: 100, DefaultPoolSize: 20, ReservePoolSize: 5}},
			wantClient: 60, wantServer: 25, wantOver: true,
			wantProblem: "default_pool_size + reserve_pool_size",
		},
		{
			name: "max_db_connections below the pool caps it",
			in: Inputs{Functions: pooled(10, 10, 10, 2), PostgresMaxConnections: 30, ReservedConnections: 10,
				PgBouncer: PgBouncer{MaxClientConn: 100, DefaultPoolSize: 20, ReservePoolSize: 5, MaxDBConnections: 15}},
			wantClient: 60, wantServer: 15,
		},
		{
			name: "both sides over",
			in: Inputs{Functions: pooled(100, 0, 0, 2), PostgresMaxConnections: 50, ReservedConnections: 10,
				PgBouncer: PgBouncer{MaxClientConn: 100, DefaultPoolSize: 20, ReservePoolSize: 5, MaxUserConnections: 60}},
			wantClient: 200, wantServer: 60, wantOver: true,
			wantProblem: "server side",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Check(tt.in)
			if tt.wantOver {
				if !errors.Is(err, ErrOverBudget) {
					t.Fatalf("Check() error = %v, want ErrOverBudget", err)
				}
				if r.OK() {
					t.Error("Report.OK() = true for an exceeded budget")
				}
				if !strings.Contains(strings.Join(r.Problems, "\n"), tt.wantProblem) {
					t.Errorf("problems %q do not mention %q", r.Problems, tt.wantProblem)
				}
			} else if err != nil || !r.OK() {
				t.Fatalf("Check() = %v, problems %q; want the budget to hold", err, r.Problems)
			}
			if r.ClientTotal != tt.wantClient || r.ServerSide != tt.wantServer {
				t.Errorf("client %d, server %d; want %d, %d", r.ClientTotal, r.ServerSide, tt.wantClient, tt.wantServer)
			}
			if len(r.Rows) != len(tt.in.Functions) {
				t.Errorf("%d rows, want %d", len(r.Rows), len(tt.in.Functions))
			}
		})
	}
}

func TestCheckInvalid(t *testing.T) {
	t.Parallel()

	ok := Inputs{Functions: pooled(1, 1, 1, 2), PgBouncer: repoPgBouncer(), PostgresMaxConnections: 200, ReservedConnections: 20}
	tests := []struct {
		name   string
		modify func(*Inputs)
		want   string
	}{
		{"no functions", func(in *Inputs) { in.Functions = nil }, "no functions"},
		{"negative concurrency", func(in *Inputs) { in.Functions[0].Concurrency = -1 }, "api: concurrency -1"},
		{"zero conns", func(in *Inputs) { in.Functions[1].ConnsEach = 0 }, "generate: DB max conns 0"},
		{"zero max_client_conn", func(in *Inputs) { in.PgBouncer.MaxClientConn = 0 }, "max_client_conn 0"},
		{"negative pool", func(in *Inputs) { in.PgBouncer.ReservePoolSize = -1 }, "reserve_pool_size -1"},
		{"reserve takes everything", func(in *Inputs) { in.ReservedConnections = 200 }, "leaves nothing"},
		{"no max_connections", func(in *Inputs) { in.PostgresMaxConnections = 0 }, "PostgresMaxConnections 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := ok
			in.Functions = append([]FunctionLoad(nil), ok.Functions...)
			tt.modify(&in)
			_, err := Check(in)
			if err == nil || errors.Is(err, ErrOverBudget) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check() error = %v, want an invalid-input error containing %q", err, tt.want)
			}
		})
	}
}

func TestParsePgBouncer(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		ini     string
		want    PgBouncer
		wantErr string
	}{
		{
			name: "comments, sections, case, inline comments, last wins",
			ini: `
; comment
# another
[databases]
max_client_conn = 1 ; a database named like a setting is not a setting
quizgen = host=127.0.0.1 port=5432 dbname=quizgen pool_size=3

[ PgBouncer ]
  ;max_client_conn = 2
#max_client_conn = 3
MAX_CLIENT_CONN=4000
max_client_conn = 5000   ; the real one
default_pool_size = 10 # inline
reserve_pool_size	=	2
max_user_connections = 40
max_db_connections = 0
server_reset_query =
admin_users = a;b

[users]
max_user_connections = 9
`,
			want: PgBouncer{MaxClientConn: 5000, DefaultPoolSize: 10, ReservePoolSize: 2, MaxUserConnections: 40},
		},
		{
			name: "defaults for missing keys",
			ini:  "[pgbouncer]\nlisten_port = 6432\n",
			want: PgBouncer{MaxClientConn: 100, DefaultPoolSize: 20},
		},
		{name: "no pgbouncer section", ini: "[databases]\n* = host=x\n", wantErr: "no [pgbouncer] section"},
		{name: "not an integer", ini: "[pgbouncer]\nmax_client_conn = lots\n", wantErr: `pgbouncer.ini:2: max_client_conn = "lots" is not an integer`},
		{name: "no equals", ini: "[pgbouncer]\nmax_client_conn\n", wantErr: "pgbouncer.ini:2: no '='"},
		{name: "unterminated section", ini: "[pgbouncer\n", wantErr: "unterminated section"},
		{name: "include", ini: "[pgbouncer]\n%include /etc/other.ini\n", wantErr: "%include is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParsePgBouncer(strings.NewReader(tt.ini))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseTemplate(t *testing.T) {
	t.Parallel()

	data, err := os.ReadFile(filepath.Join("testdata", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := ParseTemplate(data)
	if err != nil {
		t.Fatal(err)
	}
	want := pooled(200, 50, 20, 2)
	for i, f := range in.Functions {
		if f != want[i] {
			t.Errorf("function %d = %+v, want %+v", i, f, want[i])
		}
	}
	if in.PostgresMaxConnections != 200 || in.ReservedConnections != 20 {
		t.Errorf("postgres %d, reserved %d; want 200, 20", in.PostgresMaxConnections, in.ReservedConnections)
	}

	// Every parameter the budget reads is named when it is missing.
	var names []string
	for _, fp := range functionParams() {
		names = append(names, fp.Concurrency, fp.Conns)
	}
	names = append(names, paramPostgresMaxConnections, paramReservedConnections)
	for _, name := range names {
		t.Run("missing "+name, func(t *testing.T) {
			t.Parallel()
			renamed := strings.Replace(string(data), "  "+name+":", "  Renamed"+name+":", 1)
			_, err := ParseTemplate([]byte(renamed))
			if err == nil || !strings.Contains(err.Error(), "parameter "+name+" is missing") {
				t.Errorf("error = %v, want it to name the missing parameter %s", err, name)
			}
		})
	}
}

func TestParseTemplateErrors(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name, yaml, want string
	}{
		{"no parameters", "Resources: {}\n", "no Parameters section"},
		{"not a mapping", "- a\n- b\n", "parsing YAML"},
		{"bad yaml", "Parameters: [\n", "parsing YAML"},
		{"no default", "Parameters:\n  ApiMaxConcurrency:\n    Type: Number\n", "parameter ApiMaxConcurrency has no Default"},
		{"not an integer", "Parameters:\n  ApiDbMaxConns:\n    Default: two\n", `parameter ApiDbMaxConns: Default "two" is not an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseTemplate([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

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

// FuzzParsePgBouncer checks that no input makes the parser panic and that
// it accepts only input with a [pgbouncer] section.
func FuzzParsePgBouncer(f *testing.F) {
	f.Add("[pgbouncer]\nmax_client_conn = 5000 ; x\n")
	f.Add("[databases]\n* = host=x\n[pgbouncer]\n#c\n")
	f.Add("[pgbouncer\n")
	f.Fuzz(func(t *testing.T, ini string) {
		p, err := ParsePgBouncer(strings.NewReader(ini))
		if err != nil {
			return
		}
		if !strings.Contains(strings.ToLower(ini), "pgbouncer") {
			t.Fatalf("accepted %q without a [pgbouncer] section: %+v", ini, p)
		}
	})
}
