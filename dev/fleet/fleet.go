package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"quizgen/internal/auth"
	"quizgen/internal/canvas"
	"quizgen/internal/db"
	"quizgen/internal/health"
	"quizgen/internal/httpapi"
	"quizgen/internal/logging"
	"quizgen/internal/quiz"
	"quizgen/internal/quiz/qtype"
)

const jwtSecret = "fleet-drill-secret-0123456789abcdef0123456789"

// owner is a seeded teacher with one quiz of questions.
type owner struct {
	token     string
	quizID    string
	questions []string
}

// seed stores n teachers, each with a quiz of perQuiz multiple-choice
// questions, through the production store.
func seed(ctx context.Context, url string, n, perQuiz int) ([]owner, error) {
	pool, err := db.Open(ctx, db.DefaultConfig(url, db.PoolerPgBouncer), logging.Discard())
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	store := db.NewStore(pool)
	tokens, err := auth.NewTokens([]byte(jwtSecret), 24*time.Hour, time.Now)
	if err != nil {
		return nil, err
	}
	mcq := qtype.All()[0]
	m := qtype.Material{Sentence: "Breadth-first search keeps its frontier in a queue.", Term: "queue",
		Sentences: strings.Fields("a. b. c. d. e. f. g. h."), Terms: strings.Fields("a b c d e f g h"),
		Others:   []string{"heap", "tree", "graph", "frontier", "agent", "goal", "state", "action"},
		Language: qtype.English, Difficulty: qtype.Medium}
	raw, err := mcq.Mock(m)
	if err != nil {
		return nil, err
	}
	out := make([]owner, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			name := fmt.Sprintf("Fleet Teacher %d", i)
			u, err := store.UpsertUser(ctx, quiz.User{CanvasID: int64(900000 + i), Name: &name})
			if err != nil {
				errs <- err
				return
			}
			q, err := store.CreateQuiz(ctx, quiz.NewQuiz{OwnerID: u.ID, CanvasCourseID: 37823, CanvasCourseName: "INF-2600 AI",
				SelectedModules: []quiz.Module{{ID: 173468, Name: "Search"}},
				Title:           fmt.Sprintf("Fleet quiz %d", i), QuestionCount: perQuiz, LLMModel: "o3", LLMTemperature: 1})
			if err != nil {
				errs <- err
				return
			}
			var nq []quiz.NewQuestion
			for range perQuiz {
				nq = append(nq, quiz.NewQuestion{Type: mcq.Name(), Data: raw, Difficulty: qtype.Medium, Tags: []string{"search"}, ModuleID: "173468"})
			}
			qs, err := store.AddQuestions(ctx, q.ID, nq)
			if err != nil {
				errs <- err
				return
			}
			tok, err := tokens.Issue(u.ID, u.SessionVersion)
			if err != nil {
				errs <- err
				return
			}
			o := owner{token: tok, quizID: q.ID.String()}
			for _, x := range qs {
				o.questions = append(o.questions, x.ID.String())
			}
			out[i] = o
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	return out, nil
}

// env is one simulated Lambda execution environment: its own pool (the
// production db.Open) and its own API handler, serving one request at a
// time.
type env struct {
	id     int
	pool   *db.DB
	h      http.Handler
	o      owner
	seq    int
	edited int // edits answered 200
	// base and client, when set, send the requests over HTTP to a
	// separate API process instead of h (the processes scenario).
	base   string
	client *http.Client
}

// newEnvs builds n environments against url (pooler or direct).
func newEnvs(ctx context.Context, n int, url string, pooler db.Pooler, owners []owner, log *slog.Logger) ([]*env, error) {
	tokens, err := auth.NewTokens([]byte(jwtSecret), 24*time.Hour, time.Now)
	if err != nil {
		return nil, err
	}
	states, err := auth.NewStateSigner(auth.DeriveKey([]byte(jwtSecret), auth.PurposeOAuthState), 10*time.Minute, time.Now)
	if err != nil {
		return nil, err
	}
	cipher, err := auth.NewCipher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		return nil, err
	}
	envs := make([]*env, n)
	for i := range n {
		cfg := db.DefaultConfig(url, pooler)
		cfg.MaxConns = 2 // DB_MAX_CONNS in template.yaml
		cfg.ApplicationName = "api"
		pool, err := db.Open(ctx, cfg, log)
		if err != nil {
			closeEnvs(envs)
			return nil, err
		}
		store := db.NewStore(pool)
		cc, err := canvas.New(canvas.Config{BaseURL: "http://127.0.0.1:9", ClientID: "x", ClientSecret: "x",
			RedirectURI: "http://127.0.0.1:9/cb", HTTPClient: &http.Client{Timeout: time.Second}, MaxRetries: -1, Log: log})
		if err != nil {
			return nil, err
		}
		h := httpapi.NewHandler(httpapi.Config{ProjectName: "quizgen", FrontendHost: "http://127.0.0.1:5173", MaxBodyBytes: 64 << 10},
			httpapi.Deps{Store: store, Quizzes: quiz.NewService(store, nil, log), Canvas: cc, Tokens: tokens,
				States: states, Cipher: cipher, Health: health.New(pool, health.Config{Pooler: pooler}, log), Log: log})
		envs[i] = &env{id: i, pool: pool, h: h, o: owners[i%len(owners)]}
	}
	return envs, nil
}

func closeEnvs(envs []*env) {
	for _, e := range envs {
		if e != nil {
			e.pool.Close()
		}
	}
}

// result is one request as the client saw it.
type result struct {
	Start   time.Duration // since the phase began
	Latency time.Duration
	Status  int // 0: the handler did not answer before the deadline
	Kind    string
	Env     int
}

// editSeq makes every edit's text new, in every phase.
var editSeq atomic.Int64

// kinds of request in the mix (per 10: 4 quiz reads, 2 lists, 2 question
// lists, 1 edit, 1 approve).
var mix = []string{"quiz", "list", "quiz", "questions", "quiz", "edit", "list", "quiz", "questions", "approve"}

// roundTrips are the database round trips of each kind, as
// internal/db's TestRoundTripsPerRequest asserts them for the drill's
// quiz (shown in the report).
var roundTrips = map[string]int{"quiz": 1, "list": 1, "questions": 1, "edit": 2, "approve": 2}

// serve runs the environment's next request.
func (e *env) serve(ctx context.Context, deadline time.Duration, t0 time.Time) result {
	kind := mix[(e.seq+e.id)%len(mix)]
	e.seq++
	q := e.o.questions[e.seq%len(e.o.questions)]
	var r *http.Request
	switch kind {
	case "quiz":
		r = httptest.NewRequest("GET", "/quiz/"+e.o.quizID, nil)
	case "list":
		r = httptest.NewRequest("GET", "/quiz/", nil)
	case "questions":
		r = httptest.NewRequest("GET", "/questions/"+e.o.quizID+"?limit=20", nil)
	case "edit":
		// Every edit changes question_text, so each one answered 200 adds
		// exactly one entry to the question's edit_log.
		q = e.o.questions[0]
		body, _ := json.Marshal(map[string]any{"question_data": map[string]any{
			"question_text": fmt.Sprintf("Which structure holds the frontier (edit %d)?", editSeq.Add(1)),
			"option_a":      "queue", "option_b": "heap", "option_c": "tree", "option_d": "graph", "correct_answer": "A",
			"explanation": "The content says so.",
		}})
		r = httptest.NewRequest("PUT", "/questions/"+e.o.quizID+"/"+q, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	case "approve":
		r = httptest.NewRequest("PUT", "/questions/"+e.o.quizID+"/"+q+"/approve", nil)
	}
	r.Header.Set("Authorization", "Bearer "+e.o.token)
	start := time.Now()
	res := result{Start: start.Sub(t0), Kind: kind, Env: e.id}
	if e.client != nil {
		res.Status = e.remote(ctx, r, deadline)
	} else {
		ctx, cancel := context.WithTimeout(ctx, deadline)
		defer cancel()
		r = r.WithContext(ctx)
		w := httptest.NewRecorder()
		done := make(chan struct{})
		go func() { e.h.ServeHTTP(w, r); close(done) }()
		select {
		case <-done:
			res.Status = w.Code
		case <-time.After(deadline + 2*time.Second):
			// hung past its deadline: counted, never waited for again
			res.Status = 0
		}
	}
	res.Latency = time.Since(start)
	if kind == "edit" && res.Status == http.StatusOK {
		e.edited++
	}
	return res
}

// sample is one reading of the monitors.
type sample struct {
	At      time.Duration
	Server  int // Postgres backends of the application role
	Clients int // PgBouncer client connections of the application database (-1: console unreachable)
	Waiting int
}

// monitor samples pg_stat_activity (direct, superuser) and SHOW POOLS
// every period until ctx ends.
func monitor(ctx context.Context, s *stack, pooled bool, t0 time.Time, period time.Duration) func() []sample {
	var mu sync.Mutex
	var out []sample
	done := make(chan struct{})
	// Connected before the load starts: at N = 1000 the environments'
	// first logins keep PgBouncer and the drill's cores busy for seconds,
	// and a console connection tried then would time out sample after
	// sample (the N = 1000 run once read no client count at all).
	var su, adm *pgx.Conn
	cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
	su, _ = s.superConn(cctx)
	if pooled {
		adm, _ = s.adminConn(cctx)
	}
	ccancel()
	go func() {
		defer close(done)
		defer func() {
			if su != nil {
				su.Close(context.Background())
			}
			if adm != nil {
				adm.Close(context.Background())
			}
		}()
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			sm := sample{At: time.Since(t0), Server: -1, Clients: -1}
			qctx, cancel := context.WithTimeout(ctx, time.Second)
			if su == nil {
				su, _ = s.superConn(qctx)
			}
			if su != nil {
				if err := su.QueryRow(qctx, "SELECT count(*) FROM pg_stat_activity WHERE usename = 'quizgen' AND backend_type = 'client backend'").Scan(&sm.Server); err != nil {
					su.Close(context.Background())
					su = nil
				}
			}
			if pooled {
				if adm == nil {
					adm, _ = s.adminConn(qctx)
				}
				if adm != nil {
					cl, wt, err := showPools(qctx, adm)
					if err != nil {
						adm.Close(context.Background())
						adm = nil
					} else {
						sm.Clients, sm.Waiting = cl, wt
					}
				}
			}
			cancel()
			mu.Lock()
			out = append(out, sm)
			mu.Unlock()
		}
	}()
	return func() []sample {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return out
	}
}

// showPools returns the client connections (active + waiting) of the
// application database's pools.
func showPools(ctx context.Context, c *pgx.Conn) (clients, waiting int, err error) {
	rows, err := c.Query(ctx, "SHOW POOLS")
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return 0, 0, err
		}
		f := rows.FieldDescriptions()
		row := map[string]any{}
		for i, fd := range f {
			row[fd.Name] = vals[i]
		}
		if fmt.Sprint(row["database"]) != "quizgen" {
			continue
		}
		clients += toInt(row["cl_active"]) + toInt(row["cl_waiting"])
		waiting += toInt(row["cl_waiting"])
	}
	return clients, waiting, rows.Err()
}

func toInt(v any) int {
	var n int
	_, _ = fmt.Sscan(fmt.Sprint(v), &n)
	return n
}

// load drives envs: each environment serves its requests one at a time
// until total requests were sent (total > 0) or until dur passed. Paused
// environments (freeze) stop between requests while paused is set.
type load struct {
	envs     []*env
	deadline time.Duration
	paused   atomic.Bool
}

func (l *load) run(ctx context.Context, total int64, dur time.Duration, t0 time.Time) []result {
	var left atomic.Int64
	left.Store(total)
	per := make([][]result, len(l.envs))
	var wg sync.WaitGroup
	end := t0.Add(dur)
	for i, e := range l.envs {
		wg.Go(func() {
			for ctx.Err() == nil {
				if total > 0 && left.Add(-1) < 0 {
					return
				}
				if total == 0 && time.Now().After(end) {
					return
				}
				for l.paused.Load() && ctx.Err() == nil {
					time.Sleep(10 * time.Millisecond) // frozen: no work between requests
				}
				per[i] = append(per[i], e.serve(ctx, l.deadline, t0))
			}
		})
	}
	wg.Wait()
	var out []result
	for _, p := range per {
		out = append(out, p...)
	}
	return out
}

// remote sends r to the environment's API process and returns the status:
// 0 when no answer came within the deadline and the 2 s the in-process
// run also allows (the process knows no deadline of the drill's), -1 when
// the connection failed.
func (e *env) remote(ctx context.Context, r *http.Request, deadline time.Duration) int {
	ctx, cancel := context.WithTimeout(ctx, deadline+2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.Method, e.base+r.URL.RequestURI(), r.Body)
	if err != nil {
		return -1
	}
	req.Header, req.ContentLength = r.Header.Clone(), r.ContentLength
	resp, err := e.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0
		}
		return -1
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}
