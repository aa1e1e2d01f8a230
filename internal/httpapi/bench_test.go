package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkGetQuiz serves GET /api/v1/quiz/{id} through the whole handler
// (auth, user lookup, quiz read through PgBouncer, JSON) in process: the
// CPU and allocations of one API request, without the network.
func BenchmarkGetQuiz(b *testing.B) {
	e := newEnv(b, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	q := e.createQuiz(u)
	path := "/api/v1/quiz/" + q["id"].(string)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+u.jwt)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
}

// BenchmarkGetQuizWithContent is BenchmarkGetQuiz for a quiz with 48 KB of
// extracted text: the full read (no If-None-Match) that a first load pays.
func BenchmarkGetQuizWithContent(b *testing.B) {
	e := newEnv(b, withPublisher(nopJobs{}))
	u := e.signIn(teacherID)
	q := e.createQuiz(u)
	e.sql(`UPDATE quiz SET extracted_content = jsonb_build_object('173468', jsonb_build_array(jsonb_build_object(
		'title', 'Lecture', 'content', repeat('Constraint satisfaction: backtracking, arc consistency, på norsk. ', 700), 'type', 'page')))
		WHERE id = $1`, q["id"])
	path := "/api/v1/quiz/" + q["id"].(string)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+u.jwt)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Body.Len() < 48<<10 {
			b.Fatalf("status %d, %d bytes", rec.Code, rec.Body.Len())
		}
	}
}

// BenchmarkGetQuizParallel is BenchmarkGetQuiz from many goroutines, as a
// local server under load sees it.
func BenchmarkGetQuizParallel(b *testing.B) {
	e := newEnv(b, withPublisher(nopJobs{}), withMaxConns(20))
	u := e.signIn(teacherID)
	q := e.createQuiz(u)
	path := "/api/v1/quiz/" + q["id"].(string)
	b.ReportAllocs()
	b.SetParallelism(25)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Bearer "+u.jwt)
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Errorf("status %d", rec.Code)
				return
			}
		}
	})
}
