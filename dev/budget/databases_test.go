package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The deployment reference names only the application's database: a "*"
// fallback entry would let a client reach any database of the server under
// the application's login (README, Security). The test profile adds one to
// its generated copy, for the per-test databases; this file must not.
func TestReferenceIniHasNoWildcardDatabase(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "pgbouncer", "pgbouncer.ini"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	section := ""
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, ";") || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			continue
		}
		if section != "databases" {
			continue
		}
		name, _, _ := strings.Cut(line, "=")
		names = append(names, strings.TrimSpace(name))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("no [databases] entry in pgbouncer/pgbouncer.ini")
	}
	for _, n := range names {
		if n == "*" {
			t.Errorf("pgbouncer/pgbouncer.ini has a wildcard database entry; entries: %v", names)
		}
	}
}
