package config_test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/config"
	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
	"quizgen/internal/logging"
)

// TestEnvironmentReachesPool follows DB_* variables from the environment
// through LoadAPI into a live pool behind PgBouncer.
func TestEnvironmentReachesPool(t *testing.T) {
	t.Parallel()
	tdb := dbtest.New(t)
	env := with(minimalEnv("api"),
		"DATABASE_URL", tdb.PoolerURL,
		"DB_MAX_CONNS", "3",
		"DB_MAX_CONN_IDLE_TIME", "7s",
		"DB_MAX_CONN_LIFETIME", "90",
		"DB_CONNECT_TIMEOUT", "4s",
	)
	cfg, err := config.LoadAPI(t.Context(), lookup(env), nil)
	require.NoError(t, err)

	pc, err := db.PoolConfig(cfg.DB, logging.Discard())
	require.NoError(t, err)
	assert.EqualValues(t, 3, pc.MaxConns)
	assert.Equal(t, 7*time.Second, pc.MaxConnIdleTime)
	assert.Equal(t, 90*time.Second, pc.MaxConnLifetime)
	assert.Equal(t, 4*time.Second, pc.ConnConfig.ConnectTimeout)
	assert.Equal(t, pgx.QueryExecModeExec, pc.ConnConfig.DefaultQueryExecMode, "DB_POOLER defaults to pgbouncer")
	assert.Equal(t, "quizgen-api", pc.ConnConfig.RuntimeParams["application_name"])

	p, err := db.Open(t.Context(), cfg.DB, logging.Discard())
	require.NoError(t, err)
	defer p.Close()
	_, err = db.NewStore(p).QuizzesByOwner(t.Context(), [16]byte{})
	require.NoError(t, err, "the configured pool works through PgBouncer")
	assert.EqualValues(t, 3, p.Stats().MaxConns)
}
