package db_test

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
)

// BenchmarkThawStorm measures a thaw: n execution environments whose
// connections died (frozen past PgBouncer's client_idle_timeout, or a
// restarted PgBouncer) all serve a read at the same moment, each with its
// own production pool, so each must log in again (TCP, startup, SCRAM).
// It reports the wall time until all n were served and the p50/p99 of a
// single read. "pgbouncer" and "direct" are the production path and the
// baseline; "scram-client-<i>" is the client's own share: the PBKDF2 of
// SCRAM-SHA-256 that pgx computes for every login, n at once on this
// machine's cores, with the 4096 iterations of a secret Postgres 15 made
// and with 1024 (a secret made with fewer, see pgbouncer/README.md).
//
//	go test ./internal/db -run '^$' -bench ThawStorm -benchtime 3x
func BenchmarkThawStorm(b *testing.B) {
	// The chaos pair: a storm must not starve the tests running beside it.
	tdb := dbtest.NewIn(b, dbtest.LookupChaos(b))
	for _, n := range []int{100, 300} {
		for _, via := range []string{"pgbouncer", "direct", "scram-client-4096", "scram-client-1024"} {
			if via == "direct" && n > 100 {
				continue // beyond Postgres's max_connections (200) with the tests' own
			}
			b.Run(fmt.Sprintf("%s/n=%d", via, n), func(b *testing.B) {
				var lat []time.Duration
				var wall time.Duration
				for b.Loop() {
					b.StopTimer()
					pools := make([]*db.DB, n)
					iterations := 0
					if _, err := fmt.Sscanf(via, "scram-client-%d", &iterations); err != nil {
						for i := range pools {
							open := tdb.Open
							if via == "direct" {
								open = tdb.OpenDirect
							}
							pools[i] = open(b)
						}
					}
					b.StartTimer()
					l, w := storm(b, pools, n, iterations)
					b.StopTimer()
					for _, p := range pools {
						if p != nil {
							p.Close()
						}
					}
					b.Logf("storm %d: wall %s", len(lat)/n+1, w.Round(time.Millisecond))
					lat, wall = append(lat, l...), wall+w
					b.StartTimer()
				}
				slices.Sort(lat)
				b.ReportMetric(float64(wall.Milliseconds())/float64(b.N), "wall-ms/storm")
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
}

// storm serves one read from each pool at once (or, without pools, does
// one SCRAM key derivation per environment) and returns each one's
// latency and the wall time of all.
func storm(b *testing.B, pools []*db.DB, n, iterations int) ([]time.Duration, time.Duration) {
	lat := make([]time.Duration, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			t := time.Now()
			if pools[i] == nil {
				if _, err := pbkdf2.Key(sha256.New, "a-password-of-some-length", []byte("0123456789abcdef"), iterations, 32); err != nil {
					b.Error(err)
				}
			} else if _, err := pools[i].RoundTrip(context.Background()); err != nil {
				b.Error(err)
			}
			lat[i] = time.Since(t)
		}()
	}
	t := time.Now()
	close(start)
	wg.Wait()
	return lat, time.Since(t)
}
