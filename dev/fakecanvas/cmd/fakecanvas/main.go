// Command fakecanvas serves the fake Canvas LMS of dev/fakecanvas for
// local development: the OAuth consent flow in the browser, the REST and
// New Quizzes API for the backend, and PDF downloads, all offline.
//
// Flags (each with an environment fallback):
//
//	-addr          listen address (FAKECANVAS_ADDR, default 127.0.0.1:8001)
//	-base-url      public address put in download URLs (FAKECANVAS_BASE_URL,
//	               default http://localhost:8001)
//	-static-token  an access token for user 12345 that never expires, to
//	               call the API without OAuth (FAKECANVAS_STATIC_TOKEN)
//	-log-level     debug, info, warn or error (FAKECANVAS_LOG_LEVEL, default info)
//
// It logs JSON lines to stdout and shuts down gracefully on SIGINT or
// SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"quizgen/dev/fakecanvas"
	"quizgen/internal/logging"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "fakecanvas:", err)
		os.Exit(1)
	}
}

// run serves the fake until ctx ends. ready, when not nil, receives the
// listening address once the server accepts connections.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("fakecanvas", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", envOr(getenv, "FAKECANVAS_ADDR", "127.0.0.1:8001"), "listen address")
	baseURL := fs.String("base-url", envOr(getenv, "FAKECANVAS_BASE_URL", "http://localhost:8001"), "public base URL")
	static := fs.String("static-token", getenv("FAKECANVAS_STATIC_TOKEN"), "a never-expiring access token for user 12345")
	levelName := fs.String("log-level", envOr(getenv, "FAKECANVAS_LOG_LEVEL", "info"), "log level")
	if err := fs.Parse(args); err != nil {
		return err
	}
	level, ok := logging.ParseLevel(*levelName)
	if !ok {
		return fmt.Errorf("unknown log level %q", *levelName)
	}
	log := logging.New(stdout, level)

	opts := fakecanvas.Options{BaseURL: *baseURL, Log: log}
	if *static != "" {
		opts.StaticTokens = map[string]int64{*static: fakecanvas.UserID}
	}
	srv := &http.Server{
		Handler:           fakecanvas.New(opts),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	log.InfoContext(ctx, "fake canvas listening", "addr", ln.Addr().String(), "base_url", *baseURL,
		"static_token", *static != "")
	if ready != nil {
		ready <- ln.Addr().String()
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.InfoContext(ctx, "fake canvas shutting down")
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
