package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// The connection budget (docs/architecture.md, Connections): every pooled
// function at its maximum concurrency, each execution environment with its
// pool full, against PgBouncer's max_client_conn, and PgBouncer's server
// side against Postgres max_connections minus a reserve. make budget prints
// it (dev/budget) and TestConnectionBudget holds the committed template.yaml
// and pgbouncer.ini to it; both compute it here.

// The template.yaml parameters the budget reads besides the functions
// (their Default values): nothing in the template uses them.
const (
	paramPostgresMaxConnections = "PostgresMaxConnections"
	paramReservedConnections    = "ReservedConnections"
)

// ErrOverBudget is returned by Check (wrapped) when the worst case exceeds a limit.
var ErrOverBudget = errors.New("connection budget exceeded")

// FunctionLoad is the worst case of one function: every allowed execution
// environment running, each with its pool full.
type FunctionLoad struct {
	Name        string
	Concurrency int // maximum concurrent execution environments
	ConnsEach   int // DB_MAX_CONNS
}

// PgBouncer holds the limits read from pgbouncer.ini ([pgbouncer] section).
type PgBouncer struct {
	MaxClientConn      int
	DefaultPoolSize    int
	ReservePoolSize    int
	MaxUserConnections int // 0: no cap
	MaxDBConnections   int // 0: no cap
}

// pgBouncerDefaults are PgBouncer's own defaults for keys the file omits.
func pgBouncerDefaults() PgBouncer {
	return PgBouncer{MaxClientConn: 100, DefaultPoolSize: 20}
}

// Inputs is everything Check needs.
type Inputs struct {
	Functions              []FunctionLoad
	PgBouncer              PgBouncer
	PostgresMaxConnections int // Postgres max_connections
	ReservedConnections    int // kept free for migrations, direct test connections and administration
}

// Row is one function's line of the report.
type Row struct {
	FunctionLoad
	Subtotal int // Concurrency × ConnsEach
}

// Report is the result of Check.
type Report struct {
	Rows []Row
	// Client side: Lambda connections to PgBouncer.
	ClientTotal int
	ClientLimit int // max_client_conn
	// Server side: PgBouncer connections to Postgres.
	ServerSide       int
	ServerSideSource string // which setting ServerSide comes from
	ServerLimit      int    // max_connections - reserved
	PostgresMax      int
	Reserved         int
	// Problems lists each exceeded limit; empty when the budget holds.
	Problems []string
}

// OK reports whether the budget holds.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Check computes the worst-case connection counts and compares them with
// the limits. It returns an error wrapping ErrOverBudget, together with the
// full report, when a limit is exceeded, and a plain error (and no report)
// when the inputs are invalid.
func Check(in Inputs) (Report, error) {
	if err := validate(in); err != nil {
		return Report{}, err
	}
	r := Report{
		ClientLimit: in.PgBouncer.MaxClientConn,
		PostgresMax: in.PostgresMaxConnections,
		Reserved:    in.ReservedConnections,
		ServerLimit: in.PostgresMaxConnections - in.ReservedConnections,
	}
	for _, f := range in.Functions {
		row := Row{FunctionLoad: f, Subtotal: f.Concurrency * f.ConnsEach}
		r.Rows = append(r.Rows, row)
		r.ClientTotal += row.Subtotal
	}
	r.ServerSide, r.ServerSideSource = serverSide(in.PgBouncer)

	if r.ClientTotal > r.ClientLimit {
		r.Problems = append(r.Problems, fmt.Sprintf(
			"client side: worst case %d connections > PgBouncer max_client_conn %d (%d over)",
			r.ClientTotal, r.ClientLimit, r.ClientTotal-r.ClientLimit))
	}
	if r.ServerSide > r.ServerLimit {
		r.Problems = append(r.Problems, fmt.Sprintf(
			"server side: PgBouncer may open %d connections (%s) > Postgres max_connections %d - reserved %d = %d (%d over)",
			r.ServerSide, r.ServerSideSource, r.PostgresMax, r.Reserved, r.ServerLimit, r.ServerSide-r.ServerLimit))
	}
	if !r.OK() {
		return r, fmt.Errorf("%w: %s", ErrOverBudget, strings.Join(r.Problems, "; "))
	}
	return r, nil
}

// serverSide returns the most server connections PgBouncer opens for the
// application user, and the setting that bounds it.
func serverSide(p PgBouncer) (int, string) {
	if p.MaxUserConnections > 0 {
		return p.MaxUserConnections, "max_user_connections"
	}
	pool := p.DefaultPoolSize + p.ReservePoolSize
	if p.MaxDBConnections > 0 && p.MaxDBConnections < pool {
		return p.MaxDBConnections, "max_db_connections, one database"
	}
	return pool, "default_pool_size + reserve_pool_size, one pool"
}

func validate(in Inputs) error {
	var errs []error
	if len(in.Functions) == 0 {
		errs = append(errs, errors.New("no functions"))
	}
	for _, f := range in.Functions {
		if f.Concurrency < 0 {
			errs = append(errs, fmt.Errorf("%s: concurrency %d is negative", f.Name, f.Concurrency))
		}
		if f.ConnsEach < 1 {
			errs = append(errs, fmt.Errorf("%s: DB max conns %d is less than 1", f.Name, f.ConnsEach))
		}
	}
	p := in.PgBouncer
	if p.MaxClientConn < 1 {
		errs = append(errs, fmt.Errorf("max_client_conn %d is less than 1", p.MaxClientConn))
	}
	for name, v := range map[string]int{
		"default_pool_size": p.DefaultPoolSize, "reserve_pool_size": p.ReservePoolSize,
		"max_user_connections": p.MaxUserConnections, "max_db_connections": p.MaxDBConnections,
	} {
		if v < 0 {
			errs = append(errs, fmt.Errorf("%s %d is negative", name, v))
		}
	}
	if in.PostgresMaxConnections < 1 {
		errs = append(errs, fmt.Errorf("%s %d is less than 1", "PostgresMaxConnections", in.PostgresMaxConnections))
	}
	if in.ReservedConnections < 0 {
		errs = append(errs, fmt.Errorf("%s %d is negative", "ReservedConnections", in.ReservedConnections))
	} else if in.PostgresMaxConnections >= 1 && in.ReservedConnections >= in.PostgresMaxConnections {
		errs = append(errs, fmt.Errorf("%s %d leaves nothing of %s %d",
			"ReservedConnections", in.ReservedConnections, "PostgresMaxConnections", in.PostgresMaxConnections))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid inputs: %w", err)
	}
	return nil
}

// Write prints the report as a table with the verdict last.
func (r Report) Write(w io.Writer) error {
	var b bytes.Buffer
	const format = "%-20s %12s %11s %9s\n"
	fmt.Fprintf(&b, format, "function", "concurrency", "conns each", "subtotal")
	for _, row := range r.Rows {
		fmt.Fprintf(&b, format, row.Name, strconv.Itoa(row.Concurrency), strconv.Itoa(row.ConnsEach), strconv.Itoa(row.Subtotal))
	}
	fmt.Fprintf(&b, format, "total (worst case)", "", "", strconv.Itoa(r.ClientTotal))
	fmt.Fprintln(&b)
	fmt.Fprintf(&b, "client side: %d of PgBouncer max_client_conn %d  %s\n",
		r.ClientTotal, r.ClientLimit, okOver(r.ClientTotal <= r.ClientLimit))
	fmt.Fprintf(&b, "server side: %d (%s) of Postgres max_connections %d - reserved %d = %d  %s\n",
		r.ServerSide, r.ServerSideSource, r.PostgresMax, r.Reserved, r.ServerLimit, okOver(r.ServerSide <= r.ServerLimit))
	fmt.Fprintln(&b, "(migrate connects directly, not through PgBouncer: it is part of the reserve.)")
	fmt.Fprintln(&b)
	if r.OK() {
		fmt.Fprintln(&b, "verdict: OK, the worst case fits")
	} else {
		fmt.Fprintln(&b, "verdict: OVER BUDGET")
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "  - %s\n", p)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

func okOver(ok bool) string {
	if ok {
		return "ok"
	}
	return "OVER"
}

// LoadBudget reads the template at templatePath and the PgBouncer
// configuration at iniPath and checks the budget (see Check).
func LoadBudget(templatePath, iniPath string) (Report, error) {
	t, err := Load(templatePath)
	if err != nil {
		return Report{}, fmt.Errorf("%s: %w", templatePath, err)
	}
	in, err := t.BudgetInputs()
	if err != nil {
		return Report{}, fmt.Errorf("%s: %w", templatePath, err)
	}
	f, err := os.Open(iniPath)
	if err != nil {
		return Report{}, err
	}
	defer f.Close()
	in.PgBouncer, err = ParsePgBouncer(f)
	if err != nil {
		return Report{}, fmt.Errorf("%s: %w", iniPath, err)
	}
	return Check(in)
}

// BudgetInputs reads the budget's inputs, without PgBouncer's, from the
// template as it deploys: every function that sets DB_MAX_CONNS connects
// through the pooler (migrate connects directly and is part of the
// reserve); its maximum concurrency is its ReservedConcurrentExecutions or,
// for an SQS worker, its event source's ScalingConfig.MaximumConcurrency.
// A Ref reads the parameter's Default. Functions are in logical-id order,
// named by their logical id without "Function", in lower case.
func (t *Template) BudgetInputs() (Inputs, error) {
	var errs []error
	names := make([]string, 0, len(t.Resources))
	for name, r := range t.Resources {
		if r.Type == "AWS::Serverless::Function" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var in Inputs
	for _, logical := range names {
		var f Function
		if err := t.Properties(logical, &f); err != nil {
			errs = append(errs, err)
			continue
		}
		connsVal, pooled := f.Environment.Variables["DB_MAX_CONNS"]
		if !pooled {
			continue
		}
		conns, err := t.Int(connsVal)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s DB_MAX_CONNS: %w", logical, err))
		}
		concurrency, err := t.maxConcurrency(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", logical, err))
		}
		in.Functions = append(in.Functions, FunctionLoad{
			Name:        strings.ToLower(strings.TrimSuffix(logical, "Function")),
			Concurrency: concurrency,
			ConnsEach:   conns,
		})
	}
	var err error
	if in.PostgresMaxConnections, err = t.ParamInt(paramPostgresMaxConnections); err != nil {
		errs = append(errs, err)
	}
	if in.ReservedConnections, err = t.ParamInt(paramReservedConnections); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return Inputs{}, fmt.Errorf("connection budget: %w", err)
	}
	return in, nil
}

// maxConcurrency is the most execution environments of f at once.
func (t *Template) maxConcurrency(f Function) (int, error) {
	if f.ReservedConcurrentExecutions != nil {
		n, err := t.Int(f.ReservedConcurrentExecutions)
		if err != nil {
			return 0, fmt.Errorf("ReservedConcurrentExecutions: %w", err)
		}
		return n, nil
	}
	total, found := 0, false
	for name, ev := range f.Events {
		if ev.Type != "SQS" {
			continue
		}
		var p SQSEvent
		if err := json.Unmarshal(ev.Properties, &p); err != nil {
			return 0, fmt.Errorf("event %s: %w", name, err)
		}
		if p.ScalingConfig == nil || p.ScalingConfig.MaximumConcurrency == nil {
			return 0, fmt.Errorf("event %s has no ScalingConfig.MaximumConcurrency: its connections are unbounded", name)
		}
		n, err := t.Int(p.ScalingConfig.MaximumConcurrency)
		if err != nil {
			return 0, fmt.Errorf("event %s MaximumConcurrency: %w", name, err)
		}
		total, found = total+n, true
	}
	if !found {
		return 0, errors.New("neither ReservedConcurrentExecutions nor an SQS event's ScalingConfig.MaximumConcurrency: its connections are unbounded")
	}
	return total, nil
}

// ParsePgBouncer reads the limits from the [pgbouncer] section of a
// pgbouncer.ini. Lines starting with ; or # are comments; keys are
// case-insensitive; a later key overrides an earlier one; keys the file does
// not set take PgBouncer's defaults.
func ParsePgBouncer(r io.Reader) (PgBouncer, error) {
	p := pgBouncerDefaults()
	targets := map[string]*int{
		"max_client_conn":      &p.MaxClientConn,
		"default_pool_size":    &p.DefaultPoolSize,
		"reserve_pool_size":    &p.ReservePoolSize,
		"max_user_connections": &p.MaxUserConnections,
		"max_db_connections":   &p.MaxDBConnections,
	}
	sc := bufio.NewScanner(r)
	section, lineNo, seenSection := "", 0, false
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "", line[0] == ';', line[0] == '#':
			continue
		case line[0] == '[':
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return PgBouncer{}, fmt.Errorf("pgbouncer.ini:%d: unterminated section header %q", lineNo, line)
			}
			section = strings.ToLower(strings.TrimSpace(line[1:end]))
			seenSection = seenSection || section == "pgbouncer"
			continue
		case strings.HasPrefix(line, "%include"):
			return PgBouncer{}, fmt.Errorf("pgbouncer.ini:%d: %%include is not supported by the budget check", lineNo)
		}
		if section != "pgbouncer" {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return PgBouncer{}, fmt.Errorf("pgbouncer.ini:%d: no '=' in %q", lineNo, line)
		}
		key = strings.ToLower(strings.TrimSpace(key))
		target, wanted := targets[key]
		if !wanted {
			continue
		}
		value = stripInlineComment(value)
		n, err := strconv.Atoi(value)
		if err != nil {
			return PgBouncer{}, fmt.Errorf("pgbouncer.ini:%d: %s = %q is not an integer", lineNo, key, value)
		}
		*target = n
	}
	if err := sc.Err(); err != nil {
		return PgBouncer{}, fmt.Errorf("pgbouncer.ini: %w", err)
	}
	if !seenSection {
		return PgBouncer{}, errors.New("pgbouncer.ini: no [pgbouncer] section")
	}
	return p, nil
}

// stripInlineComment removes a trailing " ; …" or " # …" from a value.
func stripInlineComment(v string) string {
	for i := 1; i < len(v); i++ {
		if (v[i] == ';' || v[i] == '#') && (v[i-1] == ' ' || v[i-1] == '\t') {
			v = v[:i]
			break
		}
	}
	return strings.TrimSpace(v)
}
