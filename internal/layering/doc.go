// Package layering holds no code: its test checks the import rule of
// docs/architecture.md (Layering) against `go list` output, so CI fails
// when a package of ours starts importing one it may not.
package layering
