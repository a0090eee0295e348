package shapes

import (
	"net/http"
	"strconv"
)

// Jira Cloud issue search ("jira").
//
//	GET /rest/api/3/search?jql=...&startAt=S&maxResults=M
//
// The body is {"expand":"schema,names","startAt":S,"maxResults":M,"total":N,
// "issues":[...]}. maxResults defaults to 50 and is silently capped at 100;
// the answer's maxResults says what was used. The next page starts at
// startAt + the number of issues received; a startAt past the end gives an
// empty issues array. Credentials are basic auth (email and API token) or a
// bearer token; wrong ones are 401. Errors are {"errorMessages":[...],"errors":{}}.
//
// Paged wrongly: a client that asks maxResults=500 and steps startAt by 500
// silently skips 400 of every 500 issues; a negative startAt is a 400.
func init() {
	register(&shape{name: "jira", title: "Jira search (startAt, capped maxResults)", idField: "id",
		id: func(a *API, i int) string { return strconv.Itoa(10000 + i + 1) }, serve: serveJira})
}

func jiraIssue(a *API, r *http.Request, i int) map[string]any {
	it := a.item(i)
	id := a.idOf(i)
	status := "Done"
	if it.open {
		status = "To Do"
	}
	return map[string]any{
		"id": id, "key": "PRJ-" + strconv.Itoa(it.seq), "self": baseURL(r) + "/rest/api/3/issue/" + id,
		"fields": map[string]any{
			"summary": it.title, "created": it.created.Format(sfTime), "updated": it.updated.Format(sfTime),
			"status":   map[string]any{"name": status},
			"reporter": map[string]any{"displayName": it.person, "accountId": "5b10a2844c20165700ede" + strconv.Itoa(it.seq%97)},
			"labels":   it.tags,
		},
	}
}

func serveJira(a *API, w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/rest/api/3/search" {
		writeJSON(w, http.StatusNotFound, map[string]any{"errorMessages": []string{"Resource not found"}, "errors": map[string]any{}})
		return
	}
	if !allow(w, r, http.MethodGet) {
		return
	}
	if !a.authorized(r, "") {
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("Client must be authenticated to access this resource."))
		return
	}
	q := r.URL.Query()
	start, ok1 := intParam(q, "startAt", 0)
	maxR, ok2 := intParam(q, "maxResults", 50)
	if !ok1 || !ok2 || start < 0 || maxR < 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{"The value of 'startAt' and 'maxResults' must be non-negative integers."}, "errors": map[string]any{}})
		return
	}
	maxR = min(maxR, 100)
	from, to := a.pageBounds(start, maxR)
	issues := make([]map[string]any, 0, to-from)
	for i := from; i < to; i++ {
		issues = append(issues, jiraIssue(a, r, i))
	}
	writeJSON(w, http.StatusOK, map[string]any{"expand": "schema,names", "startAt": start, "maxResults": maxR, "total": a.n, "issues": issues})
}
