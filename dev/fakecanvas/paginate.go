package fakecanvas

import (
	"net/http"
	"strconv"
	"strings"
)

// Canvas's page sizes: 10 unless per_page says otherwise, at most 100.
const (
	defaultPerPage = 10
	maxPerPage     = 100
)

// paginate returns the page of all that r asks for (per_page, page) and
// sets Canvas's Link header: rel="current", "next", "prev", "first" and
// "last", as absolute URLs on the host the request came to, keeping the
// other query parameters.
func paginate[T any](w http.ResponseWriter, r *http.Request, all []T) []T {
	q := r.URL.Query()
	perPage, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || perPage < 1 {
		perPage = defaultPerPage
	}
	perPage = min(perPage, maxPerPage)
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	last := max(1, (len(all)+perPage-1)/perPage)

	link := func(p int, rel string) string {
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(perPage))
		return "<" + requestBase(r) + r.URL.EscapedPath() + "?" + q.Encode() + `>; rel="` + rel + `"`
	}
	links := []string{link(page, "current")}
	if page < last {
		links = append(links, link(page+1, "next"))
	}
	if page > 1 {
		links = append(links, link(min(page-1, last), "prev"))
	}
	links = append(links, link(1, "first"), link(last, "last"))
	w.Header().Set("Link", strings.Join(links, ","))

	if page > last {
		return []T{}
	}
	start := (page - 1) * perPage
	return all[start:min(start+perPage, len(all))]
}
