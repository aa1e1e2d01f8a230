// Command migrate applies the database migrations embedded in the binary.
// Under Lambda it takes {"command":"up"}, {"command":"down","steps":N},
// {"command":"version"}, {"command":"force","version":V} and the
// CloudFormation custom-resource events a deploy sends; run anywhere else
// it is a command-line tool with the same commands:
//
//	migrate up | down N | version | force V
//
// It connects with DATABASE_DIRECT_URL straight to PostgreSQL, never
// through the pooler: golang-migrate holds a session advisory lock.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"quizgen/internal/config"
	"quizgen/internal/logging"
	"quizgen/internal/schema"
)

func main() {
	log := logging.New(os.Stderr, slog.LevelInfo)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, log); err != nil {
		// Run by hand, a broken configuration is a list for a person to
		// read; under Lambda it stays one JSON log line.
		if !config.PrintLocally(os.Stderr, err, os.Getenv, isTerminal(os.Stderr)) {
			log.Error("migrate failed", "err", err)
		}
		stop()
		os.Exit(1)
	}
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func run(ctx context.Context, log *slog.Logger) error {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("load AWS config: %w", err)
	}
	cfg, err := config.LoadMigrate(ctx, os.Getenv, config.NewAWSFetcher(awsCfg))
	if err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	log = logging.New(os.Stderr, cfg.LogLevel)
	r := schema.Runner{DirectURL: cfg.DirectURL(), LockTimeout: cfg.LockTimeout, Log: log}

	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		lambda.Start(r.Handler())
		return nil
	}
	return r.CLI(ctx, os.Args[1:], os.Stdout)
}
