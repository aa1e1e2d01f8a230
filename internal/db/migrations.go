package db

import (
	"embed"
	"io/fs"
)

// The schema migrations, embedded so that functions/migrate carries them;
// internal/schema applies them (golang-migrate is linked there only).
//
//go:embed migrations/*.sql
var migrationsFS embed.FS

// MigrationsFS returns the embedded migrations: internal/schema applies
// them, tests hash them.
func MigrationsFS() fs.FS {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}
