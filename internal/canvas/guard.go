package canvas

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"
)

// MaxDownloadRedirects caps the redirects one download follows (Canvas
// sends one: from /files/:id/download to its file store).
const MaxDownloadRedirects = 5

// ErrDownloadRefused is a download whose URL, redirect or address the
// download policy refuses: a host that is neither Canvas's nor listed in
// Config.DownloadHosts, too many redirects, or an address that is not a
// public unicast one (loopback, private, link-local, CGNAT, metadata...).
// Sending it again cannot help, so it is not temporary.
var ErrDownloadRefused = errors.New("canvas: download refused")

// refusedError is an ErrDownloadRefused with its reason. The reason names
// a host or an address, never a query string.
type refusedError struct{ reason string }

func (e *refusedError) Error() string        { return "canvas: download refused: " + e.reason }
func (e *refusedError) Is(target error) bool { return target == ErrDownloadRefused }

// downloadPolicy decides which URLs a download may fetch and which
// addresses it may connect to. Downloads take URLs from Canvas's answers
// and follow redirects, so without it a course file could point the
// server at its own network (blind SSRF).
type downloadPolicy struct {
	// hosts are the lower-case host names allowed: Canvas's own and the
	// exact entries of DownloadHosts.
	hosts []string
	// suffixes are ".example.com" for each "*.example.com" entry.
	suffixes []string
	// trusted are host:port dial targets exempt from the address check:
	// Canvas itself when it is configured on loopback (the fake Canvas of
	// tests and the dev stack) or AllowPrivateCanvas is set.
	trusted []string
}

// newDownloadPolicy builds the policy of a client whose Canvas is at
// bases (BaseURL and APIURL).
func newDownloadPolicy(bases []*url.URL, extra []string, allowPrivate bool) (*downloadPolicy, error) {
	p := &downloadPolicy{}
	for _, b := range bases {
		h := normHost(b.Hostname())
		if !slices.Contains(p.hosts, h) {
			p.hosts = append(p.hosts, h)
		}
		if allowPrivate || isLoopbackName(h) {
			p.trusted = append(p.trusted, dialAddr(b))
		}
	}
	for _, e := range extra {
		e = normHost(strings.TrimSpace(e))
		name := strings.TrimPrefix(e, "*.")
		if name == "" || strings.ContainsAny(name, "/:*@?# ") {
			return nil, fmt.Errorf("DownloadHosts: %q is not a host name (or *.domain)", e)
		}
		if strings.HasPrefix(e, "*.") {
			p.suffixes = append(p.suffixes, "."+name)
		} else {
			p.hosts = append(p.hosts, name)
		}
	}
	return p, nil
}

func normHost(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }

// isLoopbackName reports whether a configured Canvas host is loopback by
// its very name: "localhost" or a loopback IP literal.
func isLoopbackName(h string) bool {
	if h == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.IsLoopback()
}

// dialAddr is the host:port the transport dials for u.
func dialAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(normHost(u.Hostname()), port)
}

// check refuses a URL outside the allowed hosts with a *refusedError.
func (p *downloadPolicy) check(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return &refusedError{reason: "scheme " + u.Scheme + " is not http(s)"}
	}
	h := normHost(u.Hostname())
	if slices.Contains(p.hosts, h) {
		return nil
	}
	for _, s := range p.suffixes {
		if strings.HasSuffix(h, s) {
			return nil
		}
	}
	return &refusedError{reason: "host " + h + " is neither Canvas nor a listed download host"}
}

// checkRedirect is the CheckRedirect of the download client.
func (p *downloadPolicy) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxDownloadRedirects {
		return &refusedError{reason: fmt.Sprintf("more than %d redirects", MaxDownloadRedirects)}
	}
	if err := p.check(req.URL); err != nil {
		return &refusedError{reason: "redirect: " + err.(*refusedError).reason}
	}
	return nil
}

// transport returns a copy of base (nil: http.DefaultTransport) that
// dials only public addresses, except for the trusted Canvas addresses.
// The address is checked after DNS resolution, on the IP actually
// dialled, so a name that resolves (or rebinds) to an internal address
// does not pass. Proxies from the environment are not used: the check
// must see the real destination. A base that is not an *http.Transport
// is returned unchanged (the caller's own round tripper guards itself).
func (p *downloadPolicy) transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	t, ok := base.(*http.Transport)
	if !ok {
		return base
	}
	t = t.Clone()
	t.Proxy = nil
	t.DialTLSContext = nil
	t.DialTLS = nil //nolint:staticcheck // cleared so it cannot bypass DialContext
	t.Dial = nil    //nolint:staticcheck // cleared so it cannot bypass DialContext
	plain := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	guarded := *plain
	guarded.Control = refuseInternal
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if slices.Contains(p.trusted, strings.ToLower(addr)) {
			return plain.DialContext(ctx, network, addr)
		}
		return guarded.DialContext(ctx, network, addr)
	}
	return t
}

// refuseInternal is a net.Dialer Control function: it runs for every
// resolved address just before connecting.
func refuseInternal(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &refusedError{reason: "unparseable address"}
	}
	if why := internalAddr(ap.Addr()); why != "" {
		return &refusedError{reason: "address " + ap.Addr().String() + " is " + why}
	}
	return nil
}

// specialPrefixes are ranges that are not public unicast besides those
// netip classifies itself.
var specialPrefixes = []struct { //nolint:gochecknoglobals // read-only table
	p   netip.Prefix
	why string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "in this network (0.0.0.0/8)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT (100.64.0.0/10)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking network"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("64:ff9b::/96"), "NAT64 (may reach an internal IPv4 address)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "NAT64 (may reach an internal IPv4 address)"},
	{netip.MustParsePrefix("2002::/16"), "6to4 (may reach an internal IPv4 address)"},
	{netip.MustParsePrefix("2001::/32"), "Teredo"},
}

// internalAddr says why a is not a public unicast address, or "" if it is.
// The EC2 metadata addresses (169.254.169.254, fd00:ec2::254) are
// link-local and unique-local respectively.
func internalAddr(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsMulticast():
		return "multicast"
	case a.IsLinkLocalUnicast():
		return "link-local (cloud metadata lives there)"
	case a.IsPrivate():
		return "private"
	case !a.IsGlobalUnicast():
		return "not global unicast"
	}
	for _, s := range specialPrefixes {
		if s.p.Contains(a) {
			return s.why
		}
	}
	return ""
}
