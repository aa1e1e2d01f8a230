package deploy_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"quizgen/internal/deploy"
)

// pooled returns the three pooled functions at the given concurrencies, each
// with conns connections.
func pooled(api, generate, export, conns int) []deploy.FunctionLoad {
	return []deploy.FunctionLoad{
		{Name: "api", Concurrency: api, ConnsEach: conns},
		{Name: "generate", Concurrency: generate, ConnsEach: conns},
		{Name: "export", Concurrency: export, ConnsEach: conns},
	}
}

// repoPgBouncer has limits like those of pgbouncer/pgbouncer.ini (TestConnectionBudget reads the file itself).
func repoPgBouncer() deploy.PgBouncer {
	return deploy.PgBouncer{MaxClientConn: 5000, DefaultPoolSize: 20, ReservePoolSize: 5, MaxUserConnections: 80}
}

func TestCheck(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name        string
		in          deploy.Inputs
		wantClient  int
		wantServer  int
		wantOver    bool
		wantProblem string // substring of a problem, when wantOver
	}{
		{
			name:       "fits",
			in:         deploy.Inputs{Functions: pooled(200, 50, 20, 2), PgBouncer: repoPgBouncer(), PostgresMaxConnections: 200, ReservedConnections: 20},
			wantClient: 540, wantServer: 80,
		},
		{
			name:       "exactly at both limits",
			in:         deploy.Inputs{Functions: pooled(2000, 400, 100, 2), PgBouncer: repoPgBouncer(), PostgresMaxConnections: 100, ReservedConnections: 20},
			wantClient: 5000, wantServer: 80,
		},
		{
			name:       "oversubscribed client side",
			in:         deploy.Inputs{Functions: pooled(2000, 400, 200, 2), PgBouncer: repoPgBouncer(), PostgresMaxConnections: 200, ReservedConnections: 20},
			wantClient: 5200, wantServer: 80, wantOver: true,
			wantProblem: "client side: worst case 5200 connections > PgBouncer max_client_conn 5000 (200 over)",
		},
		{
			name:       "one connection too many per environment",
			in:         deploy.Inputs{Functions: pooled(1000, 500, 200, 3), PgBouncer: repoPgBouncer(), PostgresMaxConnections: 200, ReservedConnections: 20},
			wantClient: 5100, wantServer: 80, wantOver: true,
			wantProblem: "max_client_conn 5000",
		},
		{
			name:       "server side over max_connections minus reserve",
			in:         deploy.Inputs{Functions: pooled(10, 10, 10, 2), PgBouncer: repoPgBouncer(), PostgresMaxConnections: 100, ReservedConnections: 21},
			wantClient: 60, wantServer: 80, wantOver: true,
			wantProblem: "server side: PgBouncer may open 80 connections (max_user_connections) > Postgres max_connections 100 - reserved 21 = 79 (1 over)",
		},
		{
			name: "no max_user_connections: pool plus reserve pool",
			in: deploy.Inputs{Functions: pooled(10, 10, 10, 2), PostgresMaxConnections: 30, ReservedConnections: 5,
				PgBouncer: deploy.PgBouncer{MaxClientConn: 100, DefaultPoolSize: 20, ReservePoolSize: 5}},
			wantClient: 60, wantServer: 25,
		},
		{
			name: "no max_user_connections: reserve pool tips it over",
			in: deploy.Inputs{Functions: pooled(10, 10, 10, 2), PostgresMaxConnections: 30, ReservedConnections: 6,
				PgBouncer: deploy.PgBouncer{MaxClientConn: 100, DefaultPoolSize: 20, ReservePoolSize: 5}},
			wantClient: 60, wantServer: 25, wantOver: true,
			wantProblem: "default_pool_size + reserve_pool_size",
		},
		{
			name: "max_db_connections below the pool caps it",
			in: deploy.Inputs{Functions: pooled(10, 10, 10, 2), PostgresMaxConnections: 30, ReservedConnections: 10,
				PgBouncer: deploy.PgBouncer{MaxClientConn: 100, DefaultPoolSize: 20, ReservePoolSize: 5, MaxDBConnections: 15}},
			wantClient: 60, wantServer: 15,
		},
		{
			name: "both sides over",
			in: deploy.Inputs{Functions: pooled(100, 0, 0, 2), PostgresMaxConnections: 50, ReservedConnections: 10,
				PgBouncer: deploy.PgBouncer{MaxClientConn: 100, DefaultPoolSize: 20, ReservePoolSize: 5, MaxUserConnections: 60}},
			wantClient: 200, wantServer: 60, wantOver: true,
			wantProblem: "server side",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := deploy.Check(tt.in)
			if tt.wantOver {
				if !errors.Is(err, deploy.ErrOverBudget) {
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

	ok := deploy.Inputs{Functions: pooled(1, 1, 1, 2), PgBouncer: repoPgBouncer(), PostgresMaxConnections: 200, ReservedConnections: 20}
	tests := []struct {
		name   string
		modify func(*deploy.Inputs)
		want   string
	}{
		{"no functions", func(in *deploy.Inputs) { in.Functions = nil }, "no functions"},
		{"negative concurrency", func(in *deploy.Inputs) { in.Functions[0].Concurrency = -1 }, "api: concurrency -1"},
		{"zero conns", func(in *deploy.Inputs) { in.Functions[1].ConnsEach = 0 }, "generate: DB max conns 0"},
		{"zero max_client_conn", func(in *deploy.Inputs) { in.PgBouncer.MaxClientConn = 0 }, "max_client_conn 0"},
		{"negative pool", func(in *deploy.Inputs) { in.PgBouncer.ReservePoolSize = -1 }, "reserve_pool_size -1"},
		{"reserve takes everything", func(in *deploy.Inputs) { in.ReservedConnections = 200 }, "leaves nothing"},
		{"no max_connections", func(in *deploy.Inputs) { in.PostgresMaxConnections = 0 }, "PostgresMaxConnections 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := ok
			in.Functions = append([]deploy.FunctionLoad(nil), ok.Functions...)
			tt.modify(&in)
			_, err := deploy.Check(in)
			if err == nil || errors.Is(err, deploy.ErrOverBudget) || !strings.Contains(err.Error(), tt.want) {
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
		want    deploy.PgBouncer
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
			want: deploy.PgBouncer{MaxClientConn: 5000, DefaultPoolSize: 10, ReservePoolSize: 2, MaxUserConnections: 40},
		},
		{
			name: "defaults for missing keys",
			ini:  "[pgbouncer]\nlisten_port = 6432\n",
			want: deploy.PgBouncer{MaxClientConn: 100, DefaultPoolSize: 20},
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
			got, err := deploy.ParsePgBouncer(strings.NewReader(tt.ini))
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

// FuzzParsePgBouncer checks that no input makes the parser panic and that
// it accepts only input with a [pgbouncer] section.
func FuzzParsePgBouncer(f *testing.F) {
	f.Add("[pgbouncer]\nmax_client_conn = 5000 ; x\n")
	f.Add("[databases]\n* = host=x\n[pgbouncer]\n#c\n")
	f.Add("[pgbouncer\n")
	f.Fuzz(func(t *testing.T, ini string) {
		p, err := deploy.ParsePgBouncer(strings.NewReader(ini))
		if err != nil {
			return
		}
		if !strings.Contains(strings.ToLower(ini), "pgbouncer") {
			t.Fatalf("accepted %q without a [pgbouncer] section: %+v", ini, p)
		}
	})
}

// budgetTemplate is a template with one API (reserved concurrency 30, 3
// connections each), one SQS worker (concurrency 4, a literal 2
// connections) and a migrate function that does not pool; edit replaces
// old by new in it.
func budgetTemplate(t *testing.T, old, new string) *deploy.Template {
	t.Helper()
	const yaml = `
Parameters:
  PostgresMaxConnections: {Type: Number, Default: 100}
  ReservedConnections: {Type: Number, Default: "10"}
  ApiMaxConcurrency: {Type: Number, Default: 30}
  ApiDbMaxConns: {Type: Number, Default: 3}
Resources:
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      ReservedConcurrentExecutions: !Ref ApiMaxConcurrency
      Environment: {Variables: {DB_MAX_CONNS: !Ref ApiDbMaxConns}}
  WorkFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment: {Variables: {DB_MAX_CONNS: "2"}}
      Events:
        Jobs:
          Type: SQS
          Properties: {Queue: x, ScalingConfig: {MaximumConcurrency: 4}}
  MigrateFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment: {Variables: {DATABASE_DIRECT_URL: x}}
  Queue:
    Type: AWS::SQS::Queue
`
	edited := strings.Replace(yaml, old, new, 1)
	if old != "" && edited == yaml {
		t.Fatalf("%q is not in the template", old)
	}
	tpl, err := deploy.Parse([]byte(edited))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestBudgetInputs(t *testing.T) {
	t.Parallel()

	in, err := budgetTemplate(t, "", "").BudgetInputs()
	if err != nil {
		t.Fatal(err)
	}
	want := []deploy.FunctionLoad{{Name: "api", Concurrency: 30, ConnsEach: 3}, {Name: "work", Concurrency: 4, ConnsEach: 2}}
	if !slices.Equal(in.Functions, want) {
		t.Errorf("functions %+v, want %+v (migrate does not pool)", in.Functions, want)
	}
	if in.PostgresMaxConnections != 100 || in.ReservedConnections != 10 {
		t.Errorf("postgres %d, reserved %d; want 100, 10", in.PostgresMaxConnections, in.ReservedConnections)
	}

	errs := []struct{ name, old, new, want string }{
		{"api without a concurrency limit", "      ReservedConcurrentExecutions: !Ref ApiMaxConcurrency\n", "",
			"ApiFunction: neither ReservedConcurrentExecutions nor"},
		{"worker without ScalingConfig", ", ScalingConfig: {MaximumConcurrency: 4}", "",
			"WorkFunction: event Jobs has no ScalingConfig.MaximumConcurrency"},
		{"pool size not a number", `DB_MAX_CONNS: "2"`, `DB_MAX_CONNS: two`,
			`WorkFunction DB_MAX_CONNS: "two" is not an integer`},
		{"missing parameter", "  ApiDbMaxConns:", "  Renamed:", "parameter ApiDbMaxConns is missing"},
		{"missing max_connections", "  PostgresMaxConnections:", "  Renamed:", "parameter PostgresMaxConnections is missing"},
		{"missing reserve", "  ReservedConnections:", "  Renamed:", "parameter ReservedConnections is missing"},
		{"no default", "ApiMaxConcurrency: {Type: Number, Default: 30}", "ApiMaxConcurrency: {Type: Number}",
			"parameter ApiMaxConcurrency has no Default"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := budgetTemplate(t, tt.old, tt.new).BudgetInputs()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
