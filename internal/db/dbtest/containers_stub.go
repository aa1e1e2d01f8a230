//go:build !docker

package dbtest

import "testing"

// containers is the Docker path's entry (containers.go); this build has
// no Docker path: testcontainers-go is compiled in with -tags docker only
// (`make test-docker`).
func containers(t testing.TB) (Env, bool) {
	t.Helper()
	t.Log("dbtest: built without -tags docker: no containers (make test-docker starts them where a Docker engine runs)")
	return Env{}, false
}
