package db_test

import (
	"testing"

	"quizgen/internal/db"
	"quizgen/internal/db/dbtest"
)

// BenchmarkQuizRead reads one quiz through the store: through PgBouncer in
// exec mode (production), and straight to Postgres with the statement
// cache, the baseline measured in the same run.
func BenchmarkQuizRead(b *testing.B) {
	tdb := dbtest.New(b)
	for _, tc := range []struct {
		name string
		open func(testing.TB, ...func(*db.Config)) *db.DB
	}{
		{"pgbouncer-exec", tdb.Open},
		{"direct-cache", tdb.OpenDirect},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := b.Context()
			s := db.NewStore(tc.open(b))
			u := mustCreateUserB(b, s)
			q, err := s.CreateQuiz(ctx, newQuizFor(u))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Quiz(ctx, q.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStatusMove runs the row-locked status transaction (BEGIN with
// SET LOCAL, SELECT ... FOR UPDATE, UPDATE, COMMIT) through PgBouncer.
func BenchmarkStatusMove(b *testing.B) {
	tdb := dbtest.New(b)
	s := db.NewStore(tdb.Open(b))
	ctx := b.Context()
	q, err := s.CreateQuiz(ctx, newQuizFor(mustCreateUserB(b, s)))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.MoveStatus(ctx, q.ID, "export", "pending", "pending"); err != nil {
			b.Fatal(err)
		}
	}
}
