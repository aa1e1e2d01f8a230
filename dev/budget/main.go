// Command budget checks the database connection budget: the worst case of
// every pooled Lambda function at its maximum concurrency with its pool full
// (template.yaml parameter defaults) against PgBouncer's max_client_conn, and
// PgBouncer's server-side cap against Postgres max_connections minus the
// reserve for migrations and administration. It prints the table and exits 1
// when the budget does not hold. The arithmetic is internal/deploy's
// (LoadBudget), which TestConnectionBudget also holds the repository to.
//
//	go run ./dev/budget -template template.yaml -pgbouncer pgbouncer/pgbouncer.ini
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"quizgen/internal/deploy"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("budget", flag.ContinueOnError)
	fl.SetOutput(stderr)
	templatePath := fl.String("template", "template.yaml", "SAM template: its pooled functions' concurrency and DB_MAX_CONNS (parameter defaults where they are Refs)")
	iniPath := fl.String("pgbouncer", "pgbouncer/pgbouncer.ini", "PgBouncer configuration")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if _, err := os.Stat(*templatePath); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "budget: %s does not exist (yet): nothing to check\n", *templatePath)
		return 1
	}
	r, err := deploy.LoadBudget(*templatePath, *iniPath)
	if err != nil && !errors.Is(err, deploy.ErrOverBudget) {
		fmt.Fprintf(stderr, "budget: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "connection budget: %s + %s\n\n", *templatePath, *iniPath)
	if werr := r.Write(stdout); werr != nil {
		fmt.Fprintf(stderr, "budget: %v\n", werr)
		return 1
	}
	if err != nil {
		return 1
	}
	return 0
}
