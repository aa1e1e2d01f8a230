package main

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// Ports for the drill's own services, chosen per run so that two clones
// running make test on one machine do not collide (issue 15, part 4).
// They are drawn from 30000-32767: above the test services' range
// (scripts/services.sh takes 20000-29999 when its defaults are taken)
// and below Linux's ephemeral range (32768-60999), where the drill's own
// outgoing connections (thousands of them) could take a port between its
// choice here and the service's bind.
const (
	portsFrom = 30000
	portsTo   = 32768 // exclusive
)

// freePorts returns the first of n consecutive ports on 127.0.0.1 that
// nothing listens on now (each was bound and released).
func freePorts(t *testing.T, n int) int {
	t.Helper()
	for range 200 {
		base := portsFrom + rand.IntN(portsTo-portsFrom-n+1)
		var ls []net.Listener
		for i := range n {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+i))
			if err != nil {
				break
			}
			ls = append(ls, l)
		}
		for _, l := range ls {
			_ = l.Close()
		}
		if len(ls) == n {
			return base
		}
	}
	t.Fatalf("no %d consecutive free ports in %d-%d", n, portsFrom, portsTo-1)
	return 0
}

// drillPorts sets o's Postgres, PgBouncer and SQS emulator ports and
// its o.procN API process ports (procPort and the ones after it) to one
// block of free ports, and removes the drill's state for them when t
// ends: its cluster directory is named by the Postgres port, which no
// later run reuses.
func drillPorts(t *testing.T, o *options) {
	t.Helper()
	base := freePorts(t, 3+o.procN)
	o.pgPort, o.pgbPort, o.sqsPort, o.procPort = base, base+1, base+2, base+3
	repo, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	pg := o.pgPort
	t.Cleanup(func() {
		// The names newStack gives them (stack.go).
		_ = os.RemoveAll(filepath.Join(os.TempDir(), fmt.Sprintf("quizgen-fleet-%d", pg)))
		_ = os.Remove(filepath.Join(repo, ".run", "fleet", fmt.Sprintf("state-%d", pg)))
	})
}
