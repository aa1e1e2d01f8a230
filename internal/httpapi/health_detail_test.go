package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/health"
	"quizgen/internal/httpapi"
	"quizgen/internal/logging"
)

// failingHealth answers what the checker answers when PostgreSQL is away
// and PgBouncer is reachable: names, versions and raw driver errors.
type failingHealth struct{}

func (failingHealth) Check(context.Context) (any, int) {
	r := health.Report{
		Status:   health.Unhealthy,
		Problems: []health.Problem{{Part: "database", Reason: "no round trip to PostgreSQL through the pooler: FATAL: password authentication failed for user \"quizgen_app\""}},
		PoolSize: 2, Total: 0, Available: 2,
		Database: health.DatabaseReport{ServerVersion: "PostgreSQL 15.7 on x86_64-pc-linux-gnu", Error: "FATAL: password authentication failed for user \"quizgen_app\""},
		Pooler: health.PoolerReport{Kind: "pgbouncer", Reachable: true, Version: "PgBouncer 1.18.0",
			Error:   "SHOW STATS: ERROR: no such database: quizgen_prod",
			Targets: []health.ProxyTarget{{Endpoint: "db-1.cluster-abc.eu-north-1.rds.amazonaws.com", State: "UNAVAILABLE", Description: "auth failed"}}},
	}
	r.Pooler.Pools = append(r.Pooler.Pools, health.PgBouncerPool{})
	r.Pooler.Pools[0].Database, r.Pooler.Pools[0].User, r.Pooler.Pools[0].ClWaiting = "quizgen_prod", "quizgen_app", 3
	return r, http.StatusServiceUnavailable
}

// TestDBHealthDetailNeedsToken: the public health report keeps the
// verdict and the numbers; server versions, database and user names,
// endpoints and driver errors need HEALTH_DETAIL_TOKEN.
func TestDBHealthDetailNeedsToken(t *testing.T) {
	t.Parallel()
	const token = "health-detail-token-for-this-test-only"
	h := httpapi.NewHandler(httpapi.Config{ProjectName: "quizgen", MaxBodyBytes: 1 << 10, HealthDetailToken: token},
		httpapi.Deps{Health: failingHealth{}, Log: logging.Discard()})
	get := func(auth string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/utils/health/db", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	secrets := []string{"PostgreSQL 15", "PgBouncer 1.18", "quizgen_app", "quizgen_prod", "password authentication", "rds.amazonaws.com", "auth failed"}

	for _, auth := range []string{"", "Bearer wrong-token", "Bearer " + token[:len(token)-1], token} {
		r := get(auth)
		require.Equal(t, http.StatusServiceUnavailable, r.Code)
		body := r.Body.String()
		for _, s := range secrets {
			assert.NotContains(t, body, s, "shown without the token (Authorization %q)", auth)
		}
		assert.Contains(t, body, `"status":"unhealthy"`)
		assert.Contains(t, body, `"no round trip to PostgreSQL through the pooler"`)
		assert.Contains(t, body, `"cl_waiting":3`, "the numbers stay")
		assert.Contains(t, body, `"state":"UNAVAILABLE"`)
	}

	r := get("Bearer " + token)
	require.Equal(t, http.StatusServiceUnavailable, r.Code)
	for _, s := range secrets {
		assert.Contains(t, r.Body.String(), s, "the operator sees everything")
	}
}

func TestDBHealthDetailNeverWithoutConfiguredToken(t *testing.T) {
	t.Parallel()
	h := httpapi.NewHandler(httpapi.Config{ProjectName: "quizgen", MaxBodyBytes: 1 << 10},
		httpapi.Deps{Health: failingHealth{}, Log: logging.Discard()})
	req := httptest.NewRequest(http.MethodGet, "/api/v1/utils/health/db", nil)
	req.Header.Set("Authorization", "Bearer ")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.NotContains(t, rec.Body.String(), "PostgreSQL 15")
}
