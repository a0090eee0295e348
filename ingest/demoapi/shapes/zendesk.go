package shapes

import (
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Zendesk cursor-based incremental ticket export ("zendesk").
//
//	GET /api/v2/incremental/tickets/cursor.json?start_time=UNIX   (first)
//	GET /api/v2/incremental/tickets/cursor.json?cursor=C          (then)
//
// The body is {"tickets":[...],"after_cursor":C,"after_url":U,
// "before_cursor":C,"before_url":U,"end_of_stream":bool}. The first request
// needs start_time (tickets whose generated_timestamp is at or after it;
// 0 for all), at least a minute in the past; per_page is 1 to 1000
// (default 1000). end_of_stream is true on the last page, which STILL has an
// after_cursor: it is where the next export resumes, and requesting it now
// gives an empty page, end_of_stream true and the same after_cursor. So the
// walk ends on end_of_stream, never on a missing cursor. Credentials are
// basic auth ({email}/token and the API token) or a bearer token; wrong ones
// are 401 {"error":"Couldn't authenticate you"}.
//
// Paged wrongly: following after_cursor until it is empty never ends;
// leaving out start_time (and cursor) is a 400.
func init() {
	register(&shape{name: "zendesk", title: "Zendesk incremental export (end_of_stream)", idField: "id",
		id: func(a *API, i int) string { return strconv.Itoa(i + 1) }, serve: serveZendesk})
}

func zendeskTicket(a *API, r *http.Request, i int) map[string]any {
	it := a.item(i)
	status := "solved"
	if it.open {
		status = "open"
	}
	return map[string]any{
		"id": it.seq, "url": baseURL(r) + "/api/v2/tickets/" + strconv.Itoa(it.seq) + ".json",
		"subject": it.title, "status": status, "tags": it.tags, "requester_id": 360000000000 + int64(it.seq%97),
		"created_at": iso(it.created), "updated_at": iso(it.created), "generated_timestamp": it.created.Unix(),
		"via":           map[string]any{"channel": "email", "source": map[string]any{"from": map[string]any{"name": it.person}}},
		"custom_fields": []map[string]any{{"id": 360001, "value": it.country}},
	}
}

func serveZendesk(a *API, w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v2/incremental/tickets/cursor.json" {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "InvalidEndpoint", "description": "Not found"})
		return
	}
	if !allow(w, r, http.MethodGet) {
		return
	}
	if !a.authorized(r, "") {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "Couldn't authenticate you"})
		return
	}
	q := r.URL.Query()
	per, ok := intParam(q, "per_page", 1000)
	if !ok || per < 1 || per > 1000 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "InvalidPaginationParameter", "description": "per_page must be between 1 and 1000"})
		return
	}
	var from int
	switch {
	case q.Get("cursor") != "":
		pos, ok := a.untoken("zendesk", q.Get("cursor"))
		if !ok {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "InvalidPaginationParameter", "description": "Invalid cursor"})
			return
		}
		from = pos
	case q.Has("start_time"):
		st, err := strconv.ParseInt(q.Get("start_time"), 10, 64)
		if err != nil || st < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "InvalidValue", "description": "start_time must be a Unix epoch time"})
			return
		}
		if st > a.opts.Now().Add(-time.Minute).Unix() {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "InvalidValue", "description": "Too recent start_time. Use a start_time older than a minute"})
			return
		}
		for from < a.n && a.item(from).created.Unix() < st {
			from++
		}
	default:
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "InvalidPaginationParameter", "description": "start_time or cursor is required"})
		return
	}
	from, to := a.pageBounds(from, per)
	tickets := make([]map[string]any, 0, to-from)
	for i := from; i < to; i++ {
		tickets = append(tickets, zendeskTicket(a, r, i))
	}
	pageURL := func(c string) string {
		return baseURL(r) + r.URL.Path + "?" + url.Values{"cursor": {c}, "per_page": {strconv.Itoa(per)}}.Encode()
	}
	after := a.token("zendesk", to)
	body := map[string]any{"tickets": tickets, "after_cursor": after, "after_url": pageURL(after),
		"before_cursor": nil, "before_url": nil, "end_of_stream": to >= a.n}
	if from > 0 {
		before := a.token("zendesk", max(from-per, 0))
		body["before_cursor"], body["before_url"] = before, pageURL(before)
	}
	writeJSON(w, http.StatusOK, body)
}
