package config

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"quizgen/internal/logging"
)

// placeholder is the value the original's .env template ships with for
// secrets. It is tolerated only when ENVIRONMENT=local.
const placeholder = "changethis"

// env reads variables through getenv and collects problems instead of
// stopping at the first one. Each helper returns the default (or the zero
// value) when the variable is unset or invalid, so later checks see a
// usable value and do not report the same variable twice.
type env struct {
	getenv   func(string) string
	problems []error
	// stage is ENVIRONMENT, set by environment (every loader reads it
	// first); the secret checks depend on it.
	stage Environment
}

// varError is the problem with one variable.
type varError struct {
	name string
	err  error
}

func (e *varError) Error() string { return e.name + ": " + e.err.Error() }
func (e *varError) Unwrap() error { return e.err }

func (e *env) err() error { return errors.Join(e.problems...) }

func (e *env) fail(name string, err error) {
	e.problems = append(e.problems, &varError{name: name, err: err})
}

func (e *env) failf(name, format string, args ...any) {
	e.fail(name, fmt.Errorf(format, args...))
}

// get returns the variable with surrounding white space removed; empty
// means unset.
func (e *env) get(name string) string { return strings.TrimSpace(e.getenv(name)) }

// literalDefaults maps each variable of Variables whose Default is a value
// (not "" or a note such as "(required)" or "quizgen-<function>") to it:
// the table the README shows is where the loaders' defaults come from.
var literalDefaults = sync.OnceValue(func() map[string]string { //nolint:gochecknoglobals // read-only, built once
	m := map[string]string{}
	for _, v := range Variables() {
		if v.Default != "" && !strings.HasPrefix(v.Default, "(") && !strings.Contains(v.Default, "<") {
			m[v.Name] = v.Default
		}
	}
	return m
})

// tableDefault is name's default in Variables, "" when it has none.
func tableDefault(name string) string { return literalDefaults()[name] }

// badDefault reports a default of Variables its own loader cannot read: a
// mistake in this package (every loader's test reads every default).
func badDefault(name, kind string) {
	panic(fmt.Sprintf("config: Variables gives %s the default %q, not %s", name, tableDefault(name), kind))
}

// str returns name, or its default in Variables when unset.
func (e *env) str(name string) string {
	if v := e.get(name); v != "" {
		return v
	}
	return tableDefault(name)
}

func (e *env) required(name string) string {
	v := e.get(name)
	if v == "" {
		e.failf(name, "required")
	}
	return v
}

// integer parses name as a base-10 integer between lo and hi; unset or
// invalid, it is its default in Variables.
func (e *env) integer(name string, lo, hi int64) int64 {
	def, err := strconv.ParseInt(tableDefault(name), 10, 64)
	if err != nil || def < lo || def > hi {
		badDefault(name, "an integer in range")
	}
	v := e.get(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		e.failf(name, "%q is not an integer", v)
		return def
	}
	if n >= lo && n <= hi {
		return n
	}
	switch {
	case hi < math.MaxInt32: // a real range, worth stating whole
		e.failf(name, "%d must be between %d and %d", n, lo, hi)
	case n < lo:
		e.failf(name, "%d must be at least %d", n, lo)
	default:
		e.failf(name, "%d must be at most %d", n, hi)
	}
	return def
}

func (e *env) int32(name string, lo int32) int32 {
	return int32(e.integer(name, int64(lo), math.MaxInt32)) // in range: bounded above
}

// duration parses name with time.ParseDuration, or as a whole number of
// seconds. It must not be negative; if positive is set, not zero either.
// Unset or invalid, it is its default in Variables.
func (e *env) duration(name string, positive bool) time.Duration {
	def, ok := parseDuration(tableDefault(name))
	if !ok || def < 0 || (def == 0 && positive) {
		badDefault(name, "a duration in range")
	}
	v := e.get(name)
	if v == "" {
		return def
	}
	d, ok := parseDuration(v)
	if !ok {
		e.failf(name, "%q is not a duration (like 30s, 5m or a whole number of seconds)", v)
		return def
	}
	switch {
	case d < 0:
		e.failf(name, "%s must not be negative", d)
		return def
	case d == 0 && positive:
		e.failf(name, "must be positive")
		return def
	}
	return d
}

func parseDuration(s string) (time.Duration, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > math.MaxInt64/int64(time.Second) || n < math.MinInt64/int64(time.Second) {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	d, err := time.ParseDuration(s)
	return d, err == nil
}

func (e *env) level() slog.Level {
	const name = "LOG_LEVEL"
	v := e.str(name)
	l, ok := logging.ParseLevel(v)
	if !ok {
		e.failf(name, "%q is not a log level (want debug, info, warn or error)", v)
	}
	return l
}

func (e *env) environment() Environment {
	const name = "ENVIRONMENT"
	switch v := Environment(e.str(name)); v {
	case EnvLocal, EnvStaging, EnvProduction:
		e.stage = v
	default:
		e.failf(name, "%q is not an environment (want local, staging or production)", v)
		e.stage = Environment(tableDefault(name))
	}
	return e.stage
}

// httpURL checks that name, if set, is an http or https URL with a host
// and returns it without trailing slashes; it returns its default in
// Variables ("" if none) when name is unset or invalid.
func (e *env) httpURL(name string) string {
	def := tableDefault(name)
	v := e.get(name)
	if v == "" {
		return def
	}
	if err := checkHTTPURL(v); err != nil {
		e.fail(name, err)
		return def
	}
	return strings.TrimRight(v, "/")
}

// requiredHTTPURL is httpURL for a variable that must be set.
func (e *env) requiredHTTPURL(name string) string {
	if e.get(name) == "" {
		e.failf(name, "required")
		return ""
	}
	return e.httpURL(name)
}

func checkHTTPURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL with a host", v)
	}
	return nil
}

// postgresURL checks that name is a postgres:// or postgresql:// URL and
// returns it, or "" when it is unset or invalid. The URL may hold a
// password, so no error quotes it or any part of it (url.Parse's errors
// do).
func (e *env) postgresURL(name string) string {
	v := e.get(name)
	if v == "" {
		e.failf(name, "required")
		return ""
	}
	u, err := url.Parse(v)
	switch {
	case err != nil:
		e.failf(name, "is not a valid URL (value not shown: it may hold a password)")
		return ""
	case u.Scheme != "postgres" && u.Scheme != "postgresql", u.Opaque != "":
		e.failf(name, "must be a postgres:// or postgresql:// URL (value not shown: it may hold a password)")
		return ""
	}
	return v
}

// urlPassword returns the password in a URL postgresURL accepted.
func urlPassword(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

// noPlaceholder refuses, outside local, the placeholder secret and every
// other secret value committed in the repository (see committedSecrets).
func (e *env) noPlaceholder(name, value string, stage Environment) {
	switch {
	case stage == EnvLocal || value == "":
	case value == placeholder:
		e.failf(name, "the placeholder %q is only allowed when ENVIRONMENT=local", placeholder)
	case isCommitted(value):
		e.failf(name, "is an example value committed in the repository, so anyone can read it; outside ENVIRONMENT=local set a secret of your own")
	}
}

// origins reads a comma-separated or JSON list of http(s) URLs, with
// trailing slashes removed.
func (e *env) origins(name string) []string {
	v := e.get(name)
	if v == "" {
		return nil
	}
	var items []string
	if strings.HasPrefix(v, "[") {
		if err := json.Unmarshal([]byte(v), &items); err != nil {
			e.failf(name, "starts with [ but is not a JSON list of strings")
			return nil
		}
	} else {
		items = strings.Split(v, ",")
	}
	var out []string
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" {
			continue
		}
		if err := checkHTTPURL(it); err != nil {
			e.fail(name, err)
			continue
		}
		out = append(out, strings.TrimRight(it, "/"))
	}
	return out
}

// tokenKey decodes the AES-256 key of TOKEN_ENCRYPTION_KEY. An empty s has
// already been reported by secrets.
func (e *env) tokenKey(s Secret) SecretBytes {
	const name = "TOKEN_ENCRYPTION_KEY"
	if s == "" {
		return nil
	}
	v := strings.TrimSpace(s.Value())
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding,
	} {
		k, err := enc.DecodeString(v)
		if err != nil {
			continue
		}
		if len(k) != 32 {
			e.failf(name, "decodes to %d bytes, want 32 (an AES-256 key; make one with: openssl rand -base64 32)", len(k))
			return nil
		}
		if e.stage != EnvLocal {
			switch {
			case isCommittedKey(k):
				e.failf(name, "is an example key committed in the repository (in another encoding); outside ENVIRONMENT=local make one with: openssl rand -base64 32")
				return nil
			case entropyBits(k) < minKeyBits:
				e.failf(name, "is not random enough (too few distinct bytes); outside ENVIRONMENT=local make one with: openssl rand -base64 32")
				return nil
			}
		}
		return SecretBytes(k)
	}
	e.failf(name, "is not base64 (standard or URL-safe, padded or not)")
	return nil
}

// jwtSecret checks JWT_SECRET. An empty s has already been reported by
// secrets.
func (e *env) jwtSecret(s Secret, stage Environment) Secret {
	const name = "JWT_SECRET"
	switch {
	case s == "":
	case s.Value() == placeholder:
		// Accepted in local only; secrets reported it elsewhere.
	case len(s.Value()) < 32:
		e.failf(name, "must be at least 32 bytes long")
	case stage != EnvLocal && entropyBits([]byte(s.Value())) < minKeyBits:
		e.failf(name, "is not random enough (too few distinct characters); outside ENVIRONMENT=local make one with: openssl rand -base64 32")
	}
	return s
}

// secretSpec names a secret a loader reads.
type secretSpec struct {
	name     string
	required bool
}

// secretRef is a secret to fetch: variable (X_SECRET_ARN or
// X_SSM_PARAMETER) names source, and key selects a key of a JSON
// SecretString.
type secretRef struct {
	name, variable string
	src            secretSource
	key            string
}

// secretSource is one fetch: several variables may name the same secret
// with different keys; it is read once.
type secretSource struct {
	ssm bool
	id  string
}

type fetchResult struct {
	value string
	err   error
}

// secrets reads every spec from X, X_SECRET_ARN or X_SSM_PARAMETER,
// fetches all references concurrently (each source once) and returns the
// values by name. Unset optional secrets are absent from the map.
func (e *env) secrets(ctx context.Context, f Fetcher, specs ...secretSpec) map[string]Secret {
	out := make(map[string]Secret, len(specs))
	var refs []secretRef
	for _, s := range specs {
		arnVar, ssmVar := s.name+"_SECRET_ARN", s.name+"_SSM_PARAMETER"
		direct, arn, param := e.get(s.name), e.get(arnVar), e.get(ssmVar)
		var set []string
		for _, p := range [][2]string{{s.name, direct}, {arnVar, arn}, {ssmVar, param}} {
			if p[1] != "" {
				set = append(set, p[0])
			}
		}
		switch {
		case len(set) > 1:
			e.failf(s.name, "set only one of %s", strings.Join(set, ", "))
		case direct != "":
			out[s.name] = Secret(direct)
		case arn != "":
			id, key, hasKey := strings.Cut(arn, "#")
			if hasKey && key == "" {
				e.failf(arnVar, `ends in "#" without a key name`)
				continue
			}
			refs = append(refs, secretRef{name: s.name, variable: arnVar, src: secretSource{id: id}, key: key})
		case param != "":
			refs = append(refs, secretRef{name: s.name, variable: ssmVar, src: secretSource{ssm: true, id: param}})
		case s.required:
			e.failf(s.name, "required (set %s, %s or %s)", s.name, arnVar, ssmVar)
		}
	}
	if len(refs) == 0 {
		e.noCommittedSecrets(specs, out)
		return out
	}
	if f == nil {
		for _, r := range refs {
			e.failf(r.variable, "cannot be resolved: no secret fetcher was given")
		}
		e.noCommittedSecrets(specs, out)
		return out
	}
	results := fetchAll(ctx, f, refs)
	for _, r := range refs {
		res := results[r.src]
		if res.err != nil {
			what := "read secret"
			if r.src.ssm {
				what = "read parameter"
			}
			e.fail(r.variable, fmt.Errorf("%s: %w", what, res.err))
			continue
		}
		v, err := selectKey(res.value, r.key)
		if err != nil {
			e.fail(r.variable, err)
			continue
		}
		if v == "" {
			e.failf(r.variable, "the secret is empty")
			continue
		}
		out[r.name] = Secret(v)
	}
	e.noCommittedSecrets(specs, out)
	return out
}

// noCommittedSecrets runs noPlaceholder on every secret read, in the
// order of specs.
func (e *env) noCommittedSecrets(specs []secretSpec, values map[string]Secret) {
	for _, s := range specs {
		e.noPlaceholder(s.name, values[s.name].Value(), e.stage)
	}
}

// fetchAll reads each distinct source once, concurrently: at cold start
// the calls would otherwise add up.
func fetchAll(ctx context.Context, f Fetcher, refs []secretRef) map[secretSource]*fetchResult {
	results := make(map[secretSource]*fetchResult, len(refs))
	var wg sync.WaitGroup
	for _, r := range refs {
		if _, ok := results[r.src]; ok {
			continue
		}
		res := &fetchResult{}
		results[r.src] = res
		wg.Go(func() {
			if r.src.ssm {
				res.value, res.err = f.Parameter(ctx, r.src.id)
			} else {
				res.value, res.err = f.SecretString(ctx, r.src.id)
			}
		})
	}
	wg.Wait()
	return results
}

// selectKey returns the string at key of the JSON object secret, or secret
// itself when key is empty. Its errors never quote the secret: even
// json.SyntaxError would show a character of it.
func selectKey(secret, key string) (string, error) {
	if key == "" {
		return secret, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(secret), &obj); err != nil || obj == nil {
		return "", fmt.Errorf("the secret is not a JSON object, so #%s cannot select a key of it", key)
	}
	raw, ok := obj[key]
	if !ok {
		return "", fmt.Errorf("the secret has no key %q", key)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("the value of key %q is not a string", key)
	}
	return s, nil
}

// DefaultCanvasScopes are the Canvas API endpoints the functions call,
// as developer key scopes (README, Canvas): the five the API reads, then
// the New Quizzes calls of the export (create and delete a quiz, create
// and delete an item, and the two lists that let a retried export find
// what an earlier attempt created).
var DefaultCanvasScopes = []string{ //nolint:gochecknoglobals // read-only default
	"url:GET|/api/v1/courses",
	"url:GET|/api/v1/courses/:course_id/modules",
	"url:GET|/api/v1/courses/:course_id/modules/:module_id/items",
	"url:GET|/api/v1/courses/:course_id/pages/:url_or_id",
	"url:GET|/api/v1/courses/:course_id/files/:id",
	"url:POST|/api/quiz/v1/courses/:course_id/quizzes",
	"url:DELETE|/api/quiz/v1/courses/:course_id/quizzes/:assignment_id",
	"url:POST|/api/quiz/v1/courses/:course_id/quizzes/:assignment_id/items",
	"url:DELETE|/api/quiz/v1/courses/:course_id/quizzes/:assignment_id/items/:item_id",
	"url:GET|/api/quiz/v1/courses/:course_id/quizzes",
	"url:GET|/api/quiz/v1/courses/:course_id/quizzes/:assignment_id/items",
}

// scopes reads Canvas developer key scopes, separated by spaces or
// commas: each is url:<VERB>|/api/<path>. Unset is DefaultCanvasScopes;
// "none" is no scope.
func (e *env) scopes(name string) []string {
	v := e.get(name)
	switch v {
	case "":
		return slices.Clone(DefaultCanvasScopes)
	case "none":
		return nil
	}
	var out []string
	for _, sc := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		verb, path, ok := strings.Cut(strings.TrimPrefix(sc, "url:"), "|")
		if !strings.HasPrefix(sc, "url:") || !ok || !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, verb) ||
			!strings.HasPrefix(path, "/api/") {
			e.failf(name, "%q is not a Canvas scope (url:<VERB>|/api/<path>)", sc)
			continue
		}
		out = append(out, sc)
	}
	return out
}

// prefixes reads a comma-separated list of name prefixes; blanks around
// each are dropped, and empty entries ignored.
func (e *env) prefixes(name string) []string {
	var out []string
	for _, p := range strings.Split(e.get(name), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// hosts reads a comma-separated list of host names; "*.domain" stands
// for every subdomain of domain. Entries are lower-cased.
func (e *env) hosts(name string) []string {
	v := e.get(name)
	if v == "" {
		return nil
	}
	var out []string
	for _, h := range strings.Split(v, ",") {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		if !validHostName(strings.TrimPrefix(h, "*.")) {
			e.failf(name, "%q is not a host name or *.domain (no scheme, port or path)", h)
			continue
		}
		out = append(out, h)
	}
	return out
}

// validHostName reports whether h is a DNS name or an IP address.
func validHostName(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' && r != '_' {
				return false
			}
		}
	}
	return true
}

// listenHost reads the address to listen on: an IP address or a host
// name, without a port.
func (e *env) listenHost(name string) string {
	def := tableDefault(name)
	v := strings.ToLower(e.get(name))
	if v == "" {
		return def
	}
	v = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	if !validHostName(v) {
		e.failf(name, "%q is not an IP address or host name (no port: that is PORT)", v)
		return def
	}
	return v
}

// boolean parses name as true/false (also 1/0, yes/no, on/off); unset or
// invalid, it is its default in Variables.
func (e *env) boolean(name string) bool {
	def, err := strconv.ParseBool(tableDefault(name))
	if err != nil {
		badDefault(name, "a boolean")
	}
	v := strings.ToLower(e.get(name))
	switch v {
	case "":
		return def
	case "1", "true", "yes", "on":
		return true
	case "0", "false", "no", "off":
		return false
	}
	e.failf(name, "%q is not a boolean (true or false)", v)
	return def
}

// optionalPostgresURL is postgresURL for a variable that may be unset.
func (e *env) optionalPostgresURL(name string) string {
	if e.get(name) == "" {
		return ""
	}
	return e.postgresURL(name)
}
