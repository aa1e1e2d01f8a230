package canvas

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// Download fetches a file from its download URL (File.URL) and returns at
// most maxBytes bytes of it.
//
// The request carries no Authorization header, nor do the redirects it
// follows: the URL holds its own verifier. A body longer than maxBytes is
// ErrTooLarge, checked while reading whatever Content-Length says. The
// whole download, retries included, is bounded by DownloadTimeout (60 s by
// default) or ctx if that ends sooner. Errors name the URL's path only;
// its query string (the verifier) never appears in errors or logs.
//
// The URL and every redirect (at most MaxDownloadRedirects) must be on
// Canvas's host or one of Config.DownloadHosts, and the download connects
// only to public addresses (see Config.AllowPrivateCanvas); anything else
// is ErrDownloadRefused, before any byte of the body is read.
func (c *Client) Download(ctx context.Context, fileURL string, maxBytes int64) ([]byte, error) {
	if maxBytes <= 0 {
		return nil, errors.New("canvas: download: maxBytes must be positive")
	}
	u, err := url.Parse(fileURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The URL itself is not quoted: it may carry the verifier.
		return nil, errors.New("canvas: download: not an absolute http(s) URL")
	}
	secrets := []string{u.RawQuery}
	for _, vs := range u.Query() {
		for _, v := range vs {
			if len(v) >= 8 {
				secrets = append(secrets, v)
			}
		}
	}
	cl := &call{
		client:   c.dl,
		method:   http.MethodGet,
		u:        u,
		maxBytes: maxBytes,
		secrets:  secrets,
	}
	if err := c.dlPolicy.check(u); err != nil {
		return nil, cl.fail(0, 0, nil, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.downloadTimeout)
	defer cancel()
	resp, err := c.send(ctx, cl)
	if err != nil {
		return nil, err
	}
	return resp.body, nil
}
