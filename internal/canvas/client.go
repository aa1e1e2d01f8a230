package canvas

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"quizgen/internal/backoff"
	"quizgen/internal/logging"
)

// Defaults New uses for zero Config fields.
const (
	DefaultMaxRetries       = 3
	DefaultRetryBase        = 500 * time.Millisecond
	DefaultRetryMax         = 10 * time.Second
	DefaultMaxRetryAfter    = 60 * time.Second
	DefaultPerPage          = 100
	DefaultTimeout          = 30 * time.Second
	DefaultDownloadTimeout  = 60 * time.Second
	DefaultMaxPages         = 100
	DefaultMaxResponseBytes = 32 << 20
	DefaultUserAgent        = "quizgen-canvas/1"
)

// Config configures a Client. Zero values take the defaults above; New
// rejects negative durations and sizes.
type Config struct {
	// BaseURL is the browser-facing Canvas, e.g. https://uit.instructure.com.
	// AuthorizeURL points the browser at it. Required.
	BaseURL string
	// APIURL is the base of server-to-server calls (REST API, token
	// endpoint). It differs from BaseURL only when the server reaches
	// Canvas by another name (a fake in a container). Defaults to BaseURL.
	APIURL string
	// ClientID, ClientSecret and RedirectURI are the OAuth2 developer key
	// and the callback registered with it. ExchangeCode and RefreshToken
	// need them; the other calls do not, so functions that only use the
	// API may leave them empty.
	ClientID     string
	ClientSecret string
	RedirectURI  string
	// Scopes are the developer key scopes the login asks for
	// ("url:GET|/api/v1/courses", ...), sent space-separated as the
	// authorize URL's scope; none sends no scope (an unscoped key).
	Scopes []string
	// CoursePrefixes keep, of the courses a user teaches, those whose name
	// starts with one of them (case-sensitive); none keeps every course.
	CoursePrefixes []string

	// HTTPClient sends every request. It is built once by the caller and
	// shared; http.DefaultClient is never used. Required.
	HTTPClient *http.Client

	// MaxRetries is how many times a failed request is retried after the
	// first attempt. 0 means DefaultMaxRetries; a negative value disables
	// retries.
	MaxRetries int
	// RetryBase is the first backoff wait; each retry doubles it, up to
	// RetryMax. Jitter is applied to each wait and the result never
	// exceeds RetryMax.
	RetryBase time.Duration
	RetryMax  time.Duration
	// MaxRetryAfter caps the wait a Retry-After header may ask for.
	MaxRetryAfter time.Duration
	// Timeout bounds each attempt of an API call (not downloads); an
	// attempt that runs out of it is retried when the request is
	// idempotent and the caller's context still has time.
	Timeout time.Duration
	// DownloadTimeout bounds a whole Download, retries included, unless
	// the caller's context ends sooner.
	DownloadTimeout time.Duration
	// DownloadHosts are the hosts, besides Canvas's own (BaseURL and
	// APIURL), that a Download may fetch from or be redirected to: the
	// file stores of a Canvas (its CDN or S3 hosts). An entry
	// "*.example.com" matches every subdomain of example.com. Whatever the
	// host, a download connects only to public unicast addresses.
	DownloadHosts []string
	// AllowPrivateCanvas lets downloads connect to Canvas's own host and
	// port (BaseURL and APIURL) even when it resolves to a loopback or
	// private address: a fake Canvas in local runs. A Canvas configured
	// as localhost or a loopback IP is trusted without it. Other hosts
	// are checked whatever this says. Never set it in production.
	AllowPrivateCanvas bool

	// PerPage is the page size asked of Canvas for lists (1..100).
	PerPage int
	// MaxPages caps how many pages one list may take, against a Canvas
	// (or a proxy) that paginates forever.
	MaxPages int
	// MaxResponseBytes caps the body of an API response (not downloads,
	// which take their own cap).
	MaxResponseBytes int64
	// UserAgent is sent with every request.
	UserAgent string

	// Log receives a debug line per attempt and a warning per retry.
	// nil discards.
	Log *slog.Logger
	// Sleep waits d or until ctx ends, returning ctx's error then. Tests
	// inject it to record the waits; the default is a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter spreads a backoff wait d. The default returns a uniform
	// value in [d/2, d] ("equal jitter"), so waits still grow.
	Jitter func(d time.Duration) time.Duration
}

// Client calls one Canvas instance. Build it with New; it is safe for
// concurrent use.
type Client struct {
	baseURL     string
	apiURL      *url.URL
	apiBase     string // apiURL without a trailing slash
	clientID    string
	secret      string
	redirectURI string
	// scopes is Config.Scopes space-separated ("" for none).
	scopes         string
	coursePrefixes []string

	http *http.Client
	// dl is http with no client-wide timeout (downloads are bounded by
	// DownloadTimeout instead, which may be longer), the download policy's
	// redirect check and its guarded transport.
	dl       *http.Client
	dlPolicy *downloadPolicy

	maxRetries       int
	retryBase        time.Duration
	retryMax         time.Duration
	maxRetryAfter    time.Duration
	timeout          time.Duration
	downloadTimeout  time.Duration
	perPage          int
	maxPages         int
	maxResponseBytes int64
	userAgent        string

	log    *slog.Logger
	sleep  func(ctx context.Context, d time.Duration) error
	jitter func(d time.Duration) time.Duration
}

// New validates cfg, fills in the defaults and returns a Client. The
// error lists every problem found.
func New(cfg Config) (*Client, error) {
	var problems []error
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Errorf(format, args...))
	}

	base, err := parseBase(cfg.BaseURL)
	if err != nil {
		bad("BaseURL: %w", err)
	}
	api := base
	if cfg.APIURL != "" {
		if api, err = parseBase(cfg.APIURL); err != nil {
			bad("APIURL: %w", err)
		}
	}
	if cfg.RedirectURI != "" {
		if _, err := parseBase(cfg.RedirectURI); err != nil {
			bad("RedirectURI: %w", err)
		}
	}
	if cfg.HTTPClient == nil {
		bad("HTTPClient is required (a shared client built by the caller)")
	}
	if cfg.PerPage < 0 || cfg.PerPage > 100 {
		bad("PerPage %d is outside 1..100", cfg.PerPage)
	}
	for name, d := range map[string]time.Duration{
		"RetryBase": cfg.RetryBase, "RetryMax": cfg.RetryMax, "MaxRetryAfter": cfg.MaxRetryAfter,
		"Timeout": cfg.Timeout, "DownloadTimeout": cfg.DownloadTimeout,
	} {
		if d < 0 {
			bad("%s is negative", name)
		}
	}
	if cfg.MaxPages < 0 {
		bad("MaxPages is negative")
	}
	if cfg.MaxResponseBytes < 0 {
		bad("MaxResponseBytes is negative")
	}
	var policy *downloadPolicy
	if base != nil && api != nil {
		if policy, err = newDownloadPolicy([]*url.URL{base, api}, cfg.DownloadHosts, cfg.AllowPrivateCanvas); err != nil {
			bad("%w", err)
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("canvas: invalid config: %w", errors.Join(problems...))
	}

	c := &Client{
		baseURL:          strings.TrimRight(base.String(), "/"),
		apiURL:           api,
		apiBase:          strings.TrimRight(api.String(), "/"),
		clientID:         cfg.ClientID,
		secret:           cfg.ClientSecret,
		redirectURI:      cfg.RedirectURI,
		scopes:           strings.Join(cfg.Scopes, " "),
		coursePrefixes:   slices.Clone(cfg.CoursePrefixes),
		http:             cfg.HTTPClient,
		maxRetries:       orDefault(cfg.MaxRetries, DefaultMaxRetries),
		retryBase:        orDefault(cfg.RetryBase, DefaultRetryBase),
		retryMax:         orDefault(cfg.RetryMax, DefaultRetryMax),
		maxRetryAfter:    orDefault(cfg.MaxRetryAfter, DefaultMaxRetryAfter),
		timeout:          orDefault(cfg.Timeout, DefaultTimeout),
		downloadTimeout:  orDefault(cfg.DownloadTimeout, DefaultDownloadTimeout),
		perPage:          orDefault(cfg.PerPage, DefaultPerPage),
		maxPages:         orDefault(cfg.MaxPages, DefaultMaxPages),
		maxResponseBytes: orDefault(cfg.MaxResponseBytes, DefaultMaxResponseBytes),
		userAgent:        orDefault(cfg.UserAgent, DefaultUserAgent),
		log:              cfg.Log,
		sleep:            cfg.Sleep,
		jitter:           cfg.Jitter,
	}
	if c.maxRetries < 0 {
		c.maxRetries = 0
	}
	if c.retryMax < c.retryBase {
		c.retryMax = c.retryBase
	}
	dl := *cfg.HTTPClient
	dl.Timeout = 0
	dl.CheckRedirect = policy.checkRedirect
	dl.Transport = policy.transport(cfg.HTTPClient.Transport)
	c.dl = &dl
	c.dlPolicy = policy
	if c.log == nil {
		c.log = logging.Discard()
	}
	if c.sleep == nil {
		c.sleep = backoff.Sleep
	}
	if c.jitter == nil {
		c.jitter = backoff.EqualJitter
	}
	return c, nil
}

// parseBase checks that s is an absolute http(s) URL with a host and
// neither a query nor a fragment.
func parseBase(s string) (*url.URL, error) {
	if s == "" {
		return nil, errors.New("required")
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New("scheme must be http or https")
	case u.Host == "":
		return nil, errors.New("host missing")
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return nil, errors.New("must not have a query, a fragment or user info")
	}
	return u, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// backoff is the wait before retry number n (1 for the first retry).
func (c *Client) backoff(n int) time.Duration {
	d := backoff.Ceiling(n, c.retryBase, c.retryMax)
	d = c.jitter(d)
	return min(max(d, 0), c.retryMax)
}
