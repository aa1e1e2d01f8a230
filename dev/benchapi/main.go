// Command benchapi prepares `make bench-api`: it creates (or reuses) a
// migrated database, stores a teacher and a quiz in it, and prints shell
// assignments for the quiz id and an app token signed with JWT_SECRET, so
// the benchmark can ask the API for that quiz.
//
//	eval "$(go run ./dev/benchapi -db quizgen_bench)"
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"quizgen/internal/auth"
	"quizgen/internal/db"
	"quizgen/internal/logging"
	"quizgen/internal/quiz"
)

func main() {
	name := flag.String("db", "quizgen_bench", "database to create or reuse")
	flag.Parse()
	if err := run(context.Background(), *name); err != nil {
		fmt.Fprintln(os.Stderr, "benchapi:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, name string) error {
	admin, pooler, secret := os.Getenv("TEST_DATABASE_URL"), os.Getenv("TEST_PGBOUNCER_URL"), os.Getenv("JWT_SECRET")
	if admin == "" || pooler == "" || secret == "" {
		return fmt.Errorf("TEST_DATABASE_URL, TEST_PGBOUNCER_URL and JWT_SECRET must be set")
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return err
		}
	}
	m, err := db.NewMigrator(ctx, withDB(admin, name), time.Minute, logging.Discard())
	if err != nil {
		return err
	}
	if err := m.Up(); err != nil {
		return err
	}
	_ = m.Close()

	pool, err := db.Open(ctx, db.DefaultConfig(withDB(pooler, name), db.PoolerPgBouncer), logging.Discard())
	if err != nil {
		return err
	}
	defer pool.Close()
	store := db.NewStore(pool)
	who := "Bench Teacher"
	u, err := store.UpsertUser(ctx, quiz.User{CanvasID: 424242, Name: &who})
	if err != nil {
		return err
	}
	q, err := store.CreateQuiz(ctx, quiz.NewQuiz{OwnerID: u.ID, CanvasCourseID: 37823, CanvasCourseName: "INF-2600 AI",
		SelectedModules: []quiz.Module{{ID: 173468, Name: "Constraint Satisfaction Problems"}},
		Title:           "Benchmark quiz", QuestionCount: 20, LLMModel: "o3", LLMTemperature: 1})
	if err != nil {
		return err
	}
	tokens, err := auth.NewTokens([]byte(secret), time.Hour, time.Now)
	if err != nil {
		return err
	}
	tok, err := tokens.Issue(u.ID, u.SessionVersion)
	if err != nil {
		return err
	}
	fmt.Printf("BENCH_QUIZ_ID=%s\nBENCH_TOKEN=%s\nBENCH_DATABASE_URL='%s'\n", q.ID, tok, withDB(pooler, name))
	return nil
}

func withDB(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}
