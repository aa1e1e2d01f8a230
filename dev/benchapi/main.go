// Command benchapi prepares `make bench-api`: it creates (or reuses) a
// migrated database, stores a teacher and two quizzes in it (one with the
// text of the fake Canvas course's pages, one with 1 MB of it), and prints
// shell assignments for the quiz ids and an app token signed with
// JWT_SECRET, so the benchmark can ask the API for both.
//
//	eval "$(go run ./dev/benchapi -db quizgen_bench)"
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"quizgen/internal/auth"
	"quizgen/internal/content"
	"quizgen/internal/db"
	"quizgen/internal/logging"
	"quizgen/internal/quiz"
	"quizgen/internal/schema"
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
	m, err := schema.NewMigrator(ctx, withDB(admin, name), time.Minute, logging.Discard())
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
	small, big, err := courseContent()
	if err != nil {
		return err
	}
	if err := store.SetExtractedContent(ctx, q.ID, small); err != nil {
		return err
	}
	bq, err := store.CreateQuiz(ctx, quiz.NewQuiz{OwnerID: u.ID, CanvasCourseID: 37823, CanvasCourseName: "INF-2600 AI",
		SelectedModules: []quiz.Module{{ID: 173468, Name: "Constraint Satisfaction Problems"}},
		Title:           "Benchmark quiz, 1 MB of content", QuestionCount: 20, LLMModel: "o3", LLMTemperature: 1})
	if err != nil {
		return err
	}
	if err := store.SetExtractedContent(ctx, bq.ID, big); err != nil {
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
	fmt.Printf("BENCH_QUIZ_ID=%s\nBENCH_BIG_QUIZ_ID=%s\nBENCH_TOKEN=%s\nBENCH_DATABASE_URL='%s'\n",
		q.ID, bq.ID, tok, withDB(pooler, name))
	return nil
}

// bigContent is the size of the large quiz's extracted text.
const bigContent = 1 << 20

// courseContent returns two extracted-content documents in the form the
// extraction stores: the text of the fake Canvas course's pages, once,
// and repeated to bigContent characters.
func courseContent() (small, big json.RawMessage, err error) {
	type item struct {
		Title       string `json:"title"`
		Content     string `json:"content"`
		Type        string `json:"type"`
		ContentType string `json:"content_type"`
	}
	files, err := filepath.Glob("dev/fakecanvas/testdata/pages/*.html")
	if err != nil || len(files) == 0 {
		return nil, nil, fmt.Errorf("fake Canvas pages (run from the repository root): %v", err)
	}
	sort.Strings(files)
	var pages []item
	for _, f := range files {
		if strings.HasSuffix(f, "layout.html") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		title := strings.TrimSuffix(filepath.Base(f), ".html")
		pages = append(pages, item{Title: title, Content: content.HTMLToText(string(raw), 0), Type: "page", ContentType: "text"})
	}
	var items []item
	total := 0
	for total < bigContent {
		for _, p := range pages {
			items = append(items, item{Title: fmt.Sprintf("%s (%d)", p.Title, len(items)/len(pages)+1), Content: p.Content,
				Type: p.Type, ContentType: p.ContentType})
			total += len(p.Content)
		}
	}
	if small, err = json.Marshal(map[string][]item{"173468": pages}); err != nil {
		return nil, nil, err
	}
	big, err = json.Marshal(map[string][]item{"173468": items})
	return small, big, err
}

func withDB(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}
