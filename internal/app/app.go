// Package app holds the wiring every function's main repeats: the process
// entry (signals, the bootstrap logger, the exit code), the AWS and
// function configuration, and the clients built from shared configuration.
// It builds things; it holds no business logic.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"quizgen/internal/canvas"
	"quizgen/internal/config"
	"quizgen/internal/logging"
)

// Main runs run with a context cancelled by SIGINT or SIGTERM and a JSON
// logger, and exits 1 when run fails; a configuration error of a function
// run by hand is printed as lines instead (config.PrintLocally). name is
// the function's name.
func Main(name string, run func(ctx context.Context, log *slog.Logger) error) {
	log := logging.New(os.Stdout, slog.LevelInfo).With("function", name)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, log)
	stop()
	if err != nil {
		// Run by hand, a broken configuration is a list for a person to
		// read; under Lambda it stays one JSON log line.
		if !config.PrintLocally(os.Stderr, err, os.Getenv, isTerminal(os.Stderr)) {
			log.Error(name+" failed", "err", err)
		}
		os.Exit(1)
	}
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// OnLambda reports whether the process runs under the Lambda runtime.
func OnLambda() bool { return os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" }

// Load reads the AWS configuration (region, credentials; no network) and
// then the function's configuration with load, whose secrets may come from
// Secrets Manager or SSM.
func Load[C any](ctx context.Context, load func(context.Context, func(string) string, config.Fetcher) (C, error)) (aws.Config, C, error) {
	var zero C
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, zero, fmt.Errorf("load AWS config: %w", err)
	}
	cfg, err := load(ctx, os.Getenv, config.NewAWSFetcher(awsCfg))
	if err != nil {
		return aws.Config{}, zero, fmt.Errorf("load config: %w", err)
	}
	return awsCfg, cfg, nil
}

// Logger is the function's logger at the configured level.
func Logger(name string, level slog.Level) *slog.Logger {
	return logging.New(os.Stdout, level).With("function", name)
}

// Canvas builds the Canvas client of every function from its shared
// configuration; redirectURI is only needed by the API (OAuth), which
// sets its own options (scopes, course prefixes) through opts.
func Canvas(c config.Canvas, redirectURI string, log *slog.Logger, opts ...func(*canvas.Config)) (*canvas.Client, error) {
	cfg := canvas.Config{
		BaseURL: c.BaseURL, APIURL: c.APIURL, ClientID: c.ClientID, ClientSecret: c.ClientSecret.Value(),
		RedirectURI: redirectURI, HTTPClient: &http.Client{}, Timeout: c.Timeout, Log: log,
		DownloadHosts: c.DownloadHosts, AllowPrivateCanvas: c.AllowPrivate,
	}
	for _, o := range opts {
		o(&cfg)
	}
	cl, err := canvas.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("canvas client: %w", err)
	}
	return cl, nil
}
