package dbtest

import (
	"strings"
	"testing"
)

// iniSettings returns the key = value settings of section in an ini text.
func iniSettings(t *testing.T, ini, section string) map[string]string {
	t.Helper()
	out := map[string]string{}
	cur := ""
	for line := range strings.Lines(ini) {
		line = strings.TrimSpace(line)
		if m := iniSection.FindStringSubmatch(line); m != nil {
			cur = strings.ToLower(strings.TrimSpace(m[1]))
			continue
		}
		if cur != section || line == "" || line[0] == ';' || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if _, dup := out[k]; dup {
			t.Fatalf("%s set twice in [%s]", k, section)
		}
		out[k] = strings.TrimSpace(v)
	}
	return out
}

// The Docker path's PgBouncer runs with every setting of the committed
// pgbouncer/pgbouncer.ini (pool sizes, limits, timeouts, SCRAM, the
// admin and stats users, transaction mode); only where it listens, logs
// and finds its auth file, and where the databases are, differ.
func TestPgBouncerINIKeepsCommittedSettings(t *testing.T) {
	t.Parallel()
	committed, err := repoFile("pgbouncer/pgbouncer.ini")
	if err != nil {
		t.Fatal(err)
	}
	machine := map[string]string{
		"listen_addr": "0.0.0.0", "listen_port": "6432", "unix_socket_dir": "",
		"logfile": "", "pidfile": "", "auth_file": "/etc/pgbouncer/userlist.txt",
	}
	out, err := renderPgBouncerINI(string(committed), machine, "pg", 5432)
	if err != nil {
		t.Fatal(err)
	}

	want := iniSettings(t, string(committed), "pgbouncer")
	got := iniSettings(t, out, "pgbouncer")
	for k, v := range machine {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
		delete(want, k)
		delete(got, k)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("committed %s = %q, rendered %q", k, v, got[k])
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("rendered %s is not in the committed file", k)
		}
	}
	for _, k := range []string{"pool_mode", "auth_type", "admin_users", "stats_users", "default_pool_size", "max_user_connections"} {
		if want[k] == "" {
			t.Errorf("the committed file does not set %s", k)
		}
	}
	if want["pool_mode"] != "transaction" || want["auth_type"] != "scram-sha-256" {
		t.Errorf("pool_mode %q, auth_type %q: want transaction, scram-sha-256", want["pool_mode"], want["auth_type"])
	}

	dbs := iniSettings(t, out, "databases")
	if dbs["quizgen"] != "host=pg port=5432 dbname=quizgen" {
		t.Errorf("quizgen = %q", dbs["quizgen"])
	}
	if dbs["*"] != "host=pg port=5432" {
		t.Errorf("* = %q", dbs["*"])
	}
	if len(dbs) != 2 {
		t.Errorf("databases %v, want quizgen and *", dbs)
	}
}

func TestPgBouncerINIRefusesSessionMode(t *testing.T) {
	t.Parallel()
	machine := map[string]string{}
	for _, k := range pgbouncerMachineKeys {
		machine[k] = "x"
	}
	_, err := renderPgBouncerINI("[databases]\nquizgen = host=a\n[pgbouncer]\npool_mode = session\n", machine, "pg", 5432)
	if err == nil || !strings.Contains(err.Error(), "pool_mode = transaction") {
		t.Fatalf("err = %v, want a pool_mode error", err)
	}
	delete(machine, "auth_file")
	if _, err := renderPgBouncerINI("[pgbouncer]\npool_mode = transaction\n", machine, "pg", 5432); err == nil {
		t.Fatal("no error without auth_file")
	}
}

// A key missing from the committed file is added to its section.
func TestPgBouncerINIAddsMissingMachineKeys(t *testing.T) {
	t.Parallel()
	machine := map[string]string{}
	for _, k := range pgbouncerMachineKeys {
		machine[k] = k + "-value"
	}
	out, err := renderPgBouncerINI("[databases]\nquizgen = dbname=quizgen\n[pgbouncer]\npool_mode = transaction\n", machine, "pg", 5432)
	if err != nil {
		t.Fatal(err)
	}
	got := iniSettings(t, out, "pgbouncer")
	for k, v := range machine {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if dbs := iniSettings(t, out, "databases"); dbs["quizgen"] != "dbname=quizgen host=pg port=5432" {
		t.Errorf("quizgen = %q", dbs["quizgen"])
	}
}
