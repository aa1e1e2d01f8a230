package llm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"quizgen/internal/quiz"
)

// Defaults of Writer.
const (
	DefaultConcurrency = 4
	DefaultMaxAttempts = 3
	DefaultPerCall     = 10
)

const (
	// maxStrikes is how many short answers a part of the content may give
	// before it counts as exhausted.
	maxStrikes = 2
	// Backoff between attempts of a call: 1 s, 2 s, 4 s, … up to 30 s.
	baseBackoff = time.Second
	maxBackoff  = 30 * time.Second
)

// Writer writes the questions of a quiz: it plans how many questions each
// part of the content contributes, calls the provider for them with
// bounded concurrency, retries what may succeed, drops near-duplicates and
// saves accepted questions in batches as they arrive.
//
// The zero value of each field but Provider means its default. A Writer
// is safe for concurrent use by several Write calls.
type Writer struct {
	// Provider writes the questions. Required.
	Provider Provider
	// Concurrency is how many calls run at once (DefaultConcurrency).
	Concurrency int
	// MaxAttempts is how often one call is tried before it gives up
	// (DefaultMaxAttempts); the original's LLM_MAX_RETRIES plus one.
	MaxAttempts int
	// PerCall is the most questions one call asks for (DefaultPerCall).
	PerCall int
	// MaxContent is the most characters of content one call sends
	// (DefaultMaxChunk). Neighbouring chunks that are each asked for few
	// questions are sent together up to this size; a larger chunk is sent
	// alone.
	MaxContent int
	// Log receives one line per retry and a summary per Write, never
	// content or answers. Nil discards.
	Log *slog.Logger
	// Sleep waits d between attempts, returning ctx's error early when ctx
	// is done. Nil waits on a timer; tests inject a fake.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Job is the work of one Write: the quiz's settings, its content and how
// many questions it should end up with.
type Job struct {
	// Model and Temperature are the quiz's LLM settings.
	Model       string
	Temperature float64
	// Title is the quiz's title, given to the model for context.
	Title string
	// Chunks is the content, from Chunks.
	Chunks []Chunk
	// Target is how many questions the quiz should have in total.
	Target int
	// Existing holds the texts of the questions the quiz already has (a
	// redelivered job resumes from them). Write adds Target minus
	// len(Existing) questions, none a near-duplicate of these.
	Existing []string
}

// Result counts what a Write did.
type Result struct {
	// Saved is how many questions were saved.
	Saved int
	// Calls is how many times the provider was called, retries included.
	Calls int
	// Retries is how many of those calls repeated a failed one.
	Retries int
	// Duplicates is how many valid questions were dropped as
	// near-duplicates of a kept or existing one.
	Duplicates int
	// Invalid is how many answers were unreadable or held invalid entries.
	Invalid int
	// Short is set when the content gave fewer questions than needed:
	// every part of it stopped yielding new questions.
	Short bool
}

// Write adds job.Target − len(job.Existing) questions to a quiz, calling
// save with each batch of accepted questions as it arrives. Calls to save
// are serialised, in the order batches are accepted, and never add up to
// more than the number needed; a question passed to save is valid and is
// no near-duplicate (same text once lower-cased without punctuation and
// spacing, or a token-set similarity of 0.9 or more) of any existing or
// earlier one.
//
// A call that fails with a temporary error or answers nothing valid is
// retried up to MaxAttempts times with exponential backoff. Write returns:
//   - nil when enough questions were saved, or with Result.Short set when
//     the content ran out first;
//   - an error wrapping ErrCritical (the provider's, unchanged, or a
//     failure matching SPEC 3.2's critical patterns) as soon as one
//     arrives; calls in flight are abandoned;
//   - an error wrapping quiz.ErrTemporary when a call still failed after
//     its attempts; calls in flight finish and are saved first, so a
//     later run resumes with fewer questions to write;
//   - save's error, wrapped, when save fails; calls in flight are
//     abandoned;
//   - ctx's error, wrapped, when ctx is done.
//
// Questions saved before an error stay saved; Result counts them.
func (w *Writer) Write(ctx context.Context, job Job, save func(ctx context.Context, qs []Question) error) (Result, error) {
	s := w.settings()
	var res Result
	need := job.Target - len(job.Existing)
	if need <= 0 {
		return res, nil
	}
	seen := newDedupe()
	for _, e := range job.Existing {
		seen.add(e)
	}
	units := planUnits(job.Chunks, need, s.perCall, s.maxContent)
	assignExisting(units, job.Existing)
	s.log.InfoContext(ctx, "writing questions",
		"target", job.Target, "existing", len(job.Existing), "chunks", len(job.Chunks), "calls_planned", len(units))

	callCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan outcome)
	var (
		inflight, spare, cursor int
		stop                    error // ends the run once set: no new calls
		abandoned               bool  // calls in flight are cancelled and nothing more is saved
	)
	halt := func(err error) {
		if stop == nil {
			stop = err
		}
	}
	// abandon stops at once; its error wins over an earlier halt's.
	abandon := func(err error) {
		if !abandoned {
			stop, abandoned = err, true
			cancel()
		}
	}
	exhaust := func(u *unit) {
		spare += u.quota
		u.quota, u.exhausted = 0, true
	}
	// next takes the work of the next call: a part with questions planned,
	// else a part that may still give some, for questions other parts could
	// not give.
	next := func() (int, int, bool) {
		for pass := range 3 {
			for i := range units {
				j := (cursor + i) % len(units)
				u := units[j]
				if u.busy || u.exhausted {
					continue
				}
				var k int
				switch {
				case pass == 0 && u.quota > 0:
					k = min(u.quota, s.perCall)
					u.quota -= k
				case pass > 0 && spare > 0 && (pass == 2 || u.strikes == 0):
					k = min(spare, s.perCall)
					spare -= k
				default:
					continue
				}
				cursor = j + 1
				return j, k, true
			}
		}
		return 0, 0, false
	}

	for {
		for stop == nil && ctx.Err() == nil && res.Saved < need && inflight < s.concurrency {
			j, k, ok := next()
			if !ok {
				break
			}
			u := units[j]
			u.busy = true
			inflight++
			req := Request{
				Model:       job.Model,
				Temperature: job.Temperature,
				Content:     u.content,
				Count:       k,
				Avoid:       slices.Clone(u.kept),
				Title:       job.Title,
			}
			go func() { results <- s.call(callCtx, j, k, req) }()
		}
		if inflight == 0 {
			break
		}
		o := <-results
		inflight--
		u := units[o.unit]
		u.busy = false
		res.Calls += o.calls
		res.Retries += o.calls - 1
		res.Invalid += o.invalid

		switch {
		case ctx.Err() != nil:
			halt(fmt.Errorf("write questions: %w", ctx.Err()))
		case abandoned, o.err == nil:
		case errors.Is(o.err, ErrCritical):
			abandon(o.err)
		case critical(o.err):
			abandon(fmt.Errorf("%w: %v", ErrCritical, o.err))
		case errors.Is(o.err, ErrInvalidAnswer):
			exhaust(u)
			spare += o.asked
		case errors.Is(o.err, quiz.ErrTemporary):
			halt(fmt.Errorf("write questions: %w", o.err))
		default:
			halt(fmt.Errorf("write questions: %w: %w", o.err, quiz.ErrTemporary))
		}
		if o.err != nil || abandoned || ctx.Err() != nil {
			continue
		}

		fresh := make([]Question, 0, min(len(o.qs), o.asked))
		for _, q := range o.qs {
			if len(fresh) == o.asked || res.Saved+len(fresh) == need {
				break
			}
			if !seen.add(q.QuestionText) {
				res.Duplicates++
				continue
			}
			fresh = append(fresh, q)
		}
		if len(fresh) > 0 {
			if err := save(ctx, fresh); err != nil {
				abandon(fmt.Errorf("save questions: %w", err))
				continue
			}
			res.Saved += len(fresh)
			for _, q := range fresh {
				u.kept = append(u.kept, q.QuestionText)
			}
		}
		if deficit := o.asked - len(fresh); deficit > 0 {
			spare += deficit
			u.strikes++
			if len(fresh) == 0 || u.strikes >= maxStrikes {
				exhaust(u)
			}
		}
	}

	if stop == nil && ctx.Err() != nil && res.Saved < need {
		stop = fmt.Errorf("write questions: %w", ctx.Err())
	}
	res.Short = stop == nil && res.Saved < need
	attrs := []any{"saved", res.Saved, "needed", need, "calls", res.Calls, "retries", res.Retries,
		"duplicates", res.Duplicates, "invalid", res.Invalid, "short", res.Short}
	if stop != nil {
		s.log.WarnContext(ctx, "writing questions stopped", append(attrs, "err", stop)...)
		return res, stop
	}
	s.log.InfoContext(ctx, "questions written", attrs...)
	return res, nil
}

// settings is a Writer with its defaults filled in.
type settings struct {
	provider    Provider
	concurrency int
	maxAttempts int
	perCall     int
	maxContent  int
	log         *slog.Logger
	sleep       func(ctx context.Context, d time.Duration) error
}

func (w *Writer) settings() settings {
	s := settings{
		provider:    w.Provider,
		concurrency: cmp.Or(max(w.Concurrency, 0), DefaultConcurrency),
		maxAttempts: cmp.Or(max(w.MaxAttempts, 0), DefaultMaxAttempts),
		perCall:     cmp.Or(max(w.PerCall, 0), DefaultPerCall),
		maxContent:  cmp.Or(max(w.MaxContent, 0), DefaultMaxChunk),
		log:         w.Log,
		sleep:       w.Sleep,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.sleep == nil {
		s.sleep = sleep
	}
	return s
}

// outcome is what one call, with its retries, came to.
type outcome struct {
	unit    int
	asked   int
	qs      []Question
	calls   int
	invalid int
	err     error
}

// call asks the provider for req.Count questions, trying up to maxAttempts
// times while it fails with anything but a critical error or answers
// nothing valid.
func (s settings) call(ctx context.Context, unit, asked int, req Request) outcome {
	o := outcome{unit: unit, asked: asked}
	for attempt := 1; ; attempt++ {
		o.calls++
		raw, err := s.provider.Questions(ctx, req)
		if err == nil {
			var qs []Question
			qs, err = ParseAnswer(raw)
			if err != nil {
				o.invalid++
			}
			if len(qs) > 0 || err == nil { // an empty list means nothing more to ask
				o.qs, o.err = qs, nil
				return o
			}
		}
		o.err = err
		if ctx.Err() != nil || critical(err) || attempt >= s.maxAttempts {
			return o
		}
		d := min(baseBackoff<<(attempt-1), maxBackoff)
		s.log.WarnContext(ctx, "LLM call failed; retrying",
			"part", unit, "asked", asked, "attempt", attempt, "backoff", d, "err", err)
		if err := s.sleep(ctx, d); err != nil {
			return o
		}
	}
}

// critical reports whether err is critical: it wraps ErrCritical, or it
// is unclassified and matches one of SPEC 3.2's critical patterns.
func critical(err error) bool {
	if errors.Is(err, ErrCritical) {
		return true
	}
	return !errors.Is(err, quiz.ErrTemporary) && !errors.Is(err, ErrInvalidAnswer) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) &&
		isCriticalText(err.Error())
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// unit is a part of the content one call at a time is sent: a chunk, or
// neighbouring chunks sent together.
type unit struct {
	content   string
	size      int // characters of content
	quota     int // questions still planned from it
	strikes   int // answers that gave fewer new questions than asked
	exhausted bool
	busy      bool
	kept      []string // question texts from it, to avoid repeating
}

// planUnits spreads need questions over the chunks (see spread) and packs
// neighbouring chunks into one unit while their questions fit in one call
// and their content in maxContent characters.
func planUnits(chunks []Chunk, need, perCall, maxContent int) []*unit {
	chunks = slices.DeleteFunc(slices.Clone(chunks), func(c Chunk) bool { return strings.TrimSpace(c.Content) == "" })
	sizes := make([]int, len(chunks))
	for i, c := range chunks {
		sizes[i] = utf8.RuneCountInString(c.Content)
	}
	quotas := spread(sizes, need)
	var units []*unit
	var parts []string
	var cur *unit
	flush := func() {
		if cur != nil {
			cur.content = strings.Join(parts, "\n\n")
			units = append(units, cur)
		}
		cur, parts = nil, nil
	}
	for i, c := range chunks {
		if cur == nil || cur.quota+quotas[i] > perCall || cur.size+sizes[i] > maxContent {
			flush()
			cur = &unit{}
		}
		cur.quota += quotas[i]
		cur.size += sizes[i]
		part := strings.TrimSpace(c.Content)
		if t := oneLine(c.Title, maxAvoidText); t != "" {
			part = "# " + t + "\n\n" + part
		}
		parts = append(parts, part)
	}
	flush()
	return units
}

// spread divides need questions over parts of the given sizes: one each
// to evenly spaced parts when there are fewer questions than parts;
// otherwise one each and the rest in proportion to size, the remainders
// going to the largest fractions.
func spread(sizes []int, need int) []int {
	n := len(sizes)
	q := make([]int, n)
	if n == 0 || need <= 0 {
		return q
	}
	if need < n {
		for i := range need {
			q[(2*i+1)*n/(2*need)] = 1
		}
		return q
	}
	total := 0
	for _, s := range sizes {
		total += s
	}
	rest := need - n
	frac := make([]int, n)
	left := rest
	for i := range q {
		q[i] = 1
		if total > 0 {
			q[i] += rest * sizes[i] / total
			left -= rest * sizes[i] / total
			frac[i] = rest * sizes[i] % total
		}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(frac[b], frac[a]) })
	for k := 0; k < left; k++ {
		q[order[k%n]]++
	}
	return q
}

// assignExisting adds each existing question to the kept list of the unit
// whose content shares most of its words, so that calls on that unit are
// told to avoid it.
func assignExisting(units []*unit, existing []string) {
	if len(existing) == 0 {
		return
	}
	vocab := make([]map[string]struct{}, len(units))
	for i, u := range units {
		vocab[i] = make(map[string]struct{})
		for _, t := range tokens(u.content) {
			vocab[i][t] = struct{}{}
		}
	}
	for _, e := range existing {
		toks := tokens(e)
		best, bestN := -1, 0
		for i := range units {
			n := 0
			for _, t := range toks {
				if _, ok := vocab[i][t]; ok {
					n++
				}
			}
			if n > bestN {
				best, bestN = i, n
			}
		}
		if best >= 0 {
			units[best].kept = append(units[best].kept, e)
		}
	}
}
