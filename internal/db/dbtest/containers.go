//go:build docker

package dbtest

// The Docker path, for machines with a Docker engine but not the local
// services of scripts/services.sh (a laptop, macOS): `make test-docker`
// builds the tests with -tags docker, and Lookup then starts PostgreSQL
// and PgBouncer here when TEST_DATABASE_URL and TEST_PGBOUNCER_URL are not
// set. Without the tag none of testcontainers-go is compiled or linked
// (containers_stub.go): it is about a hundred packages.
//
// The pair is what scripts/services.sh runs for the test profile:
// PostgreSQL 15 with the same server settings, the role quizgen (LOGIN
// CREATEDB, pg_signal_backend) and database quizgen; PgBouncer with the
// committed pgbouncer/pgbouncer.ini (transaction mode, SCRAM with the
// role's stored secret, the pool sizes and timeouts, pgbouncer_admin and
// pgbouncer_stats) and a "*" entry for the per-test databases. Only the
// PgBouncer release differs (the image's 1.23 against the distribution's).
// The chaos pair and the SQS emulator are not started: tests that need
// them are skipped outside CI.

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/postgres"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
)

const (
	postgresImage  = "postgres:15-alpine"
	pgbouncerImage = "edoburu/pgbouncer:v1.23.1-p3"
	// Inside the containers' network.
	pgAlias       = "pg"
	pgbouncerPort = "6432/tcp"
)

var ( //nolint:gochecknoglobals // one container pair per test process
	containersOnce sync.Once
	containersEnv  Env
	containersErr  error
)

// containers starts PostgreSQL and PgBouncer (transaction mode) with
// testcontainers-go, once per test process; testcontainers' reaper
// removes them when the process ends. Built with -tags docker, a test
// asked for Docker: when no engine answers it fails instead of skipping.
func containers(t testing.TB) (Env, bool) {
	t.Helper()
	containersOnce.Do(func() {
		defer func() {
			if r := recover(); r != nil { // no Docker: testcontainers may panic
				containersErr = fmt.Errorf("docker: %v", r)
			}
		}()
		containersEnv, containersErr = startContainers(context.Background())
	})
	if containersErr != nil {
		t.Fatalf("dbtest: built with -tags docker, but no containers: %v", containersErr)
	}
	return containersEnv, true
}

func startContainers(ctx context.Context) (Env, error) {
	if _, err := testcontainers.NewDockerProvider(); err != nil {
		return Env{}, fmt.Errorf("no Docker engine answers (start one, or set DOCKER_HOST): %w", err)
	}
	tmpl, err := repoFile("pgbouncer/pgbouncer.ini")
	if err != nil {
		return Env{}, err
	}
	nw, err := network.New(ctx)
	if err != nil {
		return Env{}, fmt.Errorf("network: %w", err)
	}

	// PostgreSQL: the server settings scripts/services.sh writes for the
	// test profile (durability off for speed).
	superPass, pass := rand.Text(), rand.Text()
	pg, err := postgres.Run(ctx, postgresImage,
		postgres.WithDatabase("postgres"), postgres.WithUsername("postgres"), postgres.WithPassword(superPass),
		network.WithNetwork([]string{pgAlias}, nw),
		testcontainers.WithCmd("postgres",
			"-c", "max_connections=200", "-c", "password_encryption=scram-sha-256",
			"-c", "timezone=UTC", "-c", "log_timezone=UTC",
			"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"),
		testcontainers.WithWaitStrategy(wait.ForLog("database system is ready to accept connections").
			WithOccurrence(2).WithStartupTimeout(90*time.Second)))
	if err != nil {
		return Env{}, fmt.Errorf("postgres: %w", err)
	}
	superURL, err := pg.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		return Env{}, err
	}
	secret, err := createRole(ctx, superURL, pass)
	if err != nil {
		return Env{}, fmt.Errorf("postgres: %w", err)
	}

	// PgBouncer: the committed file, run by the image's pgbouncer directly
	// (not its entrypoint, which writes a configuration from variables).
	ini, err := renderPgBouncerINI(string(tmpl), map[string]string{
		"listen_addr": "0.0.0.0", "listen_port": strings.TrimSuffix(pgbouncerPort, "/tcp"),
		"unix_socket_dir": "", "logfile": "", "pidfile": "",
		"auth_file": "/etc/pgbouncer/userlist.txt",
	}, pgAlias, 5432)
	if err != nil {
		return Env{}, err
	}
	// The application role with its stored SCRAM secret (SCRAM
	// pass-through to PostgreSQL); the console users, which are not
	// PostgreSQL roles, with their test-only passwords.
	userlist := fmt.Sprintf("\"%s\" \"%s\"\n\"%s\" \"%s\"\n\"%s\" \"%s\"\n",
		"quizgen", secret, "pgbouncer_admin", rand.Text(), "pgbouncer_stats", rand.Text())
	bouncer, err := testcontainers.Run(ctx, pgbouncerImage,
		network.WithNetwork([]string{"pgbouncer"}, nw),
		testcontainers.WithExposedPorts(pgbouncerPort),
		testcontainers.WithEntrypoint("pgbouncer"),
		testcontainers.WithCmd("/etc/pgbouncer/pgbouncer.ini"),
		testcontainers.WithFiles(
			testcontainers.ContainerFile{Reader: strings.NewReader(ini), ContainerFilePath: "/etc/pgbouncer/pgbouncer.ini", FileMode: 0o644},
			testcontainers.ContainerFile{Reader: strings.NewReader(userlist), ContainerFilePath: "/etc/pgbouncer/userlist.txt", FileMode: 0o644},
		),
		testcontainers.WithWaitStrategy(wait.ForListeningPort(pgbouncerPort).WithStartupTimeout(60*time.Second)))
	if err != nil {
		return Env{}, fmt.Errorf("pgbouncer: %w", err)
	}
	host, err := bouncer.Host(ctx)
	if err != nil {
		return Env{}, err
	}
	port, err := bouncer.MappedPort(ctx, pgbouncerPort)
	if err != nil {
		return Env{}, err
	}
	admin, err := url.Parse(superURL)
	if err != nil {
		return Env{}, err
	}
	admin.User = url.UserPassword("quizgen", pass)
	admin.Path = "/quizgen"
	pooler := *admin
	pooler.Host = fmt.Sprintf("%s:%s", host, port.Port())
	return Env{AdminURL: admin.String(), PoolerURL: pooler.String()}, nil
}

// createRole makes the role and database scripts/services.sh makes (the
// role may create databases and end the backends of the per-test ones
// it drops WITH (FORCE)) and returns the role's stored SCRAM secret.
func createRole(ctx context.Context, superURL, pass string) (string, error) {
	c, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return "", err
	}
	defer c.Close(ctx)
	for _, s := range []struct{ what, sql string }{
		{"create role", "CREATE ROLE quizgen LOGIN CREATEDB PASSWORD " + quoteLiteral(pass)},
		{"grant", "GRANT pg_signal_backend TO quizgen"},
		{"create database", "CREATE DATABASE quizgen OWNER quizgen"},
	} {
		if _, err := c.Exec(ctx, s.sql); err != nil {
			return "", fmt.Errorf("%s: %w", s.what, err)
		}
	}
	var secret string
	if err := c.QueryRow(ctx, "SELECT rolpassword FROM pg_authid WHERE rolname = 'quizgen'").Scan(&secret); err != nil {
		return "", err
	}
	if !strings.HasPrefix(secret, "SCRAM-SHA-256$") {
		return "", errors.New("role quizgen has no SCRAM secret")
	}
	return secret, nil
}

// quoteLiteral quotes s as an SQL string literal (DDL takes no parameters).
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
