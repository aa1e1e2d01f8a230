package content_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// addTestdataSeeds adds every file of testdata matching pattern (the
// golden tests' real inputs) to f's seed corpus through add.
func addTestdataSeeds(f *testing.F, pattern string, add func([]byte)) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files match testdata/%s (%v)", pattern, err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		add(data)
	}
}

// hangGuard is how long one fuzz input may run before the target fails
// with every goroutine's stack, so the fuzzer records the input as a
// crasher: far beyond the limits the targets pass (a hang guard, not a
// timing assertion). The go command has no per-input timeout of its own;
// without this a hung worker just stops the run and it passes.
const hangGuard = 60 * time.Second

// bounded runs fn and fails t if it has not returned within hangGuard.
func bounded(t *testing.T, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(hangGuard):
		buf := make([]byte, 1<<20)
		t.Fatalf("still running after %v:\n%s", hangGuard, buf[:runtime.Stack(buf, true)])
	}
}
