// Command budget checks the database connection budget: the worst case of
// every pooled Lambda function at its maximum concurrency with its pool full
// (template.yaml parameter defaults) against PgBouncer's max_client_conn, and
// PgBouncer's server-side cap against Postgres max_connections minus the
// reserve for migrations and administration. It prints the table and exits 1
// when the budget does not hold.
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
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("budget", flag.ContinueOnError)
	fl.SetOutput(stderr)
	templatePath := fl.String("template", "template.yaml", "SAM template whose parameter defaults give concurrency and pool sizes")
	iniPath := fl.String("pgbouncer", "pgbouncer/pgbouncer.ini", "PgBouncer configuration")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	r, err := load(*templatePath, *iniPath)
	if err != nil && !errors.Is(err, ErrOverBudget) {
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

func load(templatePath, iniPath string) (Report, error) {
	tmpl, err := os.ReadFile(templatePath)
	if errors.Is(err, fs.ErrNotExist) {
		return Report{}, fmt.Errorf("%s does not exist (yet): nothing to check", templatePath)
	}
	if err != nil {
		return Report{}, err
	}
	in, err := ParseTemplate(tmpl)
	if err != nil {
		return Report{}, fmt.Errorf("%s: %w", templatePath, err)
	}
	f, err := os.Open(iniPath)
	if err != nil {
		return Report{}, err
	}
	defer f.Close()
	in.PgBouncer, err = ParsePgBouncer(f)
	if err != nil {
		return Report{}, fmt.Errorf("%s: %w", iniPath, err)
	}
	return Check(in)
}
