package shapes

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// githubRepoID is the emulated repository's numeric id, which GitHub's own
// Link headers use in place of owner/name.
const githubRepoID = 1300192

// GitHub REST issues ("github").
//
//	GET /repos/{owner}/{repo}/issues?per_page=N&page=P&state=all
//
// The body is a bare JSON array of issues, newest first. per_page defaults
// to 30 and is silently capped at 100; page starts at 1, and a page past the
// end is an empty array. The Link header (RFC 8288) carries rel="next" and
// rel="last" (and "prev", "first" after page 1) as absolute URLs of the
// /repositories/{id}/issues form, served here too. state defaults to "open":
// only state=all gives every record. Every response has X-RateLimit-Limit,
// -Remaining, -Used, -Reset and -Resource. A wrong token is 401
// {"message":"Bad credentials"}.
//
// Paged wrongly: asking per_page=500 gets 100 records a page, so a client
// that stops at the first "short" page gets only the first 100.
func init() {
	register(&shape{name: "github", title: "GitHub REST issues (page + Link header)", idField: "id",
		id:    func(a *API, i int) string { return strconv.FormatInt(a.numericID(1_000_000_000, i), 10) },
		serve: serveGitHub})
}

func githubIssue(a *API, i int) map[string]any {
	it := a.item(i)
	labels := []map[string]any{}
	for _, t := range it.tags {
		labels = append(labels, map[string]any{"name": t, "color": "ededed"})
	}
	state := "open"
	if !it.open {
		state = "closed"
	}
	id := a.numericID(1_000_000_000, i)
	return map[string]any{
		"id": id, "node_id": "I_kwDO" + a.alnumID("", 14, i), "number": it.seq,
		"title": it.title, "state": state, "labels": labels, "comments": it.seq % 9,
		"user":       map[string]any{"login": "user-" + strconv.Itoa(it.seq%97), "id": 5000 + it.seq%97, "type": "User"},
		"body":       "Reported by " + it.person + " (" + it.country + ")",
		"created_at": iso(it.created), "updated_at": iso(it.updated),
		"html_url": "https://github.com/o/r/issues/" + strconv.Itoa(it.seq),
	}
}

func serveGitHub(a *API, w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	ok := (len(parts) == 4 && parts[0] == "repos" && parts[3] == "issues") ||
		(len(parts) == 3 && parts[0] == "repositories" && parts[1] == strconv.Itoa(githubRepoID) && parts[2] == "issues")
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"})
		return
	}
	if !allow(w, r, http.MethodGet) {
		return
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Resource", "core")
	a.mu.Lock()
	used := len(a.log) + 1
	a.mu.Unlock()
	h.Set("X-RateLimit-Used", strconv.Itoa(used))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(5000-used, 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(a.opts.Now().Add(time.Hour).Unix(), 10))
	if !a.authorized(r, "") {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"})
		return
	}
	q := r.URL.Query()
	per, ok1 := intParam(q, "per_page", 30)
	page, ok2 := intParam(q, "page", 1)
	if !ok1 || !ok2 {
		// GitHub ignores numbers it cannot read; so does the emulation.
		per, page = 30, 1
	}
	per = min(max(per, 1), 100)
	page = max(page, 1)
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	// The issues in order (newest first), filtered by state.
	var idx []int
	for i := a.n - 1; i >= 0; i-- {
		if state == "all" || (state == "open") == a.item(i).open {
			idx = append(idx, i)
		}
	}
	last := max((len(idx)+per-1)/per, 1)
	from := min((page-1)*per, len(idx))
	to := min(from+per, len(idx))
	issues := make([]map[string]any, 0, to-from)
	for _, i := range idx[from:to] {
		issues = append(issues, githubIssue(a, i))
	}
	link := func(p int, rel string) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(p))
		return "<" + baseURL(r) + "/repositories/" + strconv.Itoa(githubRepoID) + "/issues?" + v.Encode() + `>; rel="` + rel + `"`
	}
	var links []string
	if page > 1 {
		links = append(links, link(page-1, "prev"))
	}
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"))
	}
	if len(links) > 0 {
		h.Set("Link", strings.Join(links, ", "))
	}
	writeJSON(w, http.StatusOK, issues)
}
