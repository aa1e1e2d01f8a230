package dbtest

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/postgres"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
)

var ( //nolint:gochecknoglobals // one container pair per test process
	containersOnce sync.Once
	containersEnv  Env
	containersErr  error
)

// containers starts PostgreSQL and PgBouncer (transaction mode) with
// testcontainers-go, once per test process, when a Docker engine answers.
// testcontainers' reaper removes them when the process ends.
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
		t.Logf("dbtest: no containers: %v", containersErr)
		return Env{}, false
	}
	return containersEnv, true
}

func startContainers(ctx context.Context) (Env, error) {
	if _, err := testcontainers.NewDockerProvider(); err != nil {
		return Env{}, err
	}
	nw, err := network.New(ctx)
	if err != nil {
		return Env{}, err
	}
	const user, pass = "quizgen", "quizgen-test-only"
	pg, err := postgres.Run(ctx, "postgres:15-alpine",
		postgres.WithDatabase("quizgen"), postgres.WithUsername(user), postgres.WithPassword(pass),
		network.WithNetwork([]string{"pg"}, nw),
		testcontainers.WithWaitStrategy(wait.ForLog("database system is ready to accept connections").
			WithOccurrence(2).WithStartupTimeout(60*time.Second)))
	if err != nil {
		return Env{}, err
	}
	admin, err := pg.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		return Env{}, err
	}
	bouncer, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:        "edoburu/pgbouncer:v1.23.1-p3",
			ExposedPorts: []string{"5432/tcp"},
			Networks:     []string{nw.Name},
			Env: map[string]string{
				"DB_HOST": "pg", "DB_PORT": "5432", "DB_USER": user, "DB_PASSWORD": pass,
				"AUTH_TYPE": "scram-sha-256", "POOL_MODE": "transaction",
				"MAX_CLIENT_CONN": "5000", "DEFAULT_POOL_SIZE": "20", "MAX_USER_CONNECTIONS": "80",
				"IGNORE_STARTUP_PARAMETERS": "extra_float_digits",
			},
			WaitingFor: wait.ForListeningPort("5432/tcp").WithStartupTimeout(60 * time.Second),
		},
		Started: true,
	})
	if err != nil {
		return Env{}, err
	}
	host, err := bouncer.Host(ctx)
	if err != nil {
		return Env{}, err
	}
	port, err := bouncer.MappedPort(ctx, "5432/tcp")
	if err != nil {
		return Env{}, err
	}
	pooler := url.URL{Scheme: "postgres", User: url.UserPassword(user, pass),
		Host: fmt.Sprintf("%s:%s", host, port.Port()), Path: "/quizgen", RawQuery: "sslmode=disable"}
	return Env{AdminURL: admin, PoolerURL: pooler.String()}, nil
}
