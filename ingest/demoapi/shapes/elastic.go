package shapes

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

const elasticIndex = "events"

// Elasticsearch scroll search ("elasticsearch").
//
//	POST /{index}/_search?scroll=1m   {"size":N,"sort":["_doc"]}
//	POST /_search/scroll              {"scroll":"1m","scroll_id":"…"}
//
// The first request opens a scroll context and answers {"_scroll_id":ID,
// "took":..,"timed_out":false,"_shards":{..},"hits":{"total":{"value":N,
// "relation":"eq"},"max_score":null,"hits":[{"_index":..,"_id":..,"_score":null,
// "_source":{..},"sort":[..]}]}}. Every follow-up is a POST to a DIFFERENT
// path with a different body; the scroll id stays THE SAME on every page, so
// it is not a cursor that moves. The end is a page with an empty hits
// array. size defaults to 10, at most 10,000. DELETE /_search/scroll with
// {"scroll_id":ID} frees the context. The deprecated GET
// /_search/scroll?scroll_id=ID form works but carries a Warning header (299).
// Without ?scroll, a search pages by from/size up to 10,000 hits. Credentials
// are basic auth, "ApiKey …" or a bearer token; wrong ones are 401
// security_exception.
//
// Paged wrongly: "from" in a scroll search is a 400; a scroll id
// Elasticsearch did not make is a 404 search_context_missing_exception.
func init() {
	register(&shape{name: "elasticsearch", title: "Elasticsearch scroll (two-phase, fixed scroll id)", idField: "_id",
		id: func(a *API, i int) string { return a.alnumID("", 20, i) }, serve: serveElastic})
}

func elasticError(w http.ResponseWriter, status int, typ, reason string) {
	e := map[string]any{"type": typ, "reason": reason}
	writeJSON(w, status, map[string]any{"error": map[string]any{"root_cause": []any{e}, "type": typ, "reason": reason}, "status": status})
}

func elasticHit(a *API, i int) map[string]any {
	it := a.item(i)
	return map[string]any{
		"_index": elasticIndex, "_id": a.idOf(i), "_score": nil, "sort": []int{i},
		"_source": map[string]any{
			"@timestamp": isoMillis(it.created), "message": it.title, "event": map[string]any{"kind": "event", "sequence": it.seq},
			"user": map[string]any{"name": it.person, "geo": map[string]any{"country_iso_code": it.country}}, "tags": it.tags,
		},
	}
}

// elasticPage answers the hits [from, from+size) with scroll id sid ("" for none).
func elasticPage(a *API, w http.ResponseWriter, sid string, from, size int) {
	from, to := a.pageBounds(from, size)
	hits := make([]map[string]any, 0, to-from)
	for i := from; i < to; i++ {
		hits = append(hits, elasticHit(a, i))
	}
	body := map[string]any{"took": 1, "timed_out": false,
		"_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0},
		"hits":    map[string]any{"total": map[string]any{"value": a.n, "relation": "eq"}, "max_score": nil, "hits": hits}}
	if sid != "" {
		body["_scroll_id"] = sid
	}
	writeJSON(w, http.StatusOK, body)
}

func (a *API) elasticAuthorized(r *http.Request) bool {
	if key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "ApiKey "); ok && a.opts.Token != "" && key == a.opts.Token {
		return true
	}
	return a.authorized(r, "")
}

func serveElastic(a *API, w http.ResponseWriter, r *http.Request) {
	if !a.elasticAuthorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="security" charset="UTF-8"`)
		elasticError(w, http.StatusUnauthorized, "security_exception", "unable to authenticate user for REST request ["+r.URL.Path+"]")
		return
	}
	raw, _ := readBody(r)
	var body map[string]json.RawMessage
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			elasticError(w, http.StatusBadRequest, "parsing_exception", "request body is not a JSON object")
			return
		}
	}
	switch r.URL.Path {
	case "/" + elasticIndex + "/_search":
		if !allow(w, r, http.MethodGet, http.MethodPost) {
			return
		}
		elasticSearch(a, w, r, body)
	case "/_search/scroll":
		if !allow(w, r, http.MethodGet, http.MethodPost, http.MethodDelete) {
			return
		}
		var sid string
		if v, ok := body["scroll_id"]; ok {
			_ = json.Unmarshal(v, &sid)
		} else if r.URL.Query().Has("scroll_id") {
			sid = r.URL.Query().Get("scroll_id")
			w.Header().Add("Warning", `299 Elasticsearch-8.11.0 "Deprecated field [scroll_id] used in the query string, put it in the request body instead"`)
		}
		a.mu.Lock()
		c := a.contexts[sid]
		if c != nil && r.Method == http.MethodDelete {
			delete(a.contexts, sid)
		}
		var from, size int
		if c != nil {
			from, size = c.pos, c.size
			c.pos = min(c.pos+c.size, a.n)
		}
		a.mu.Unlock()
		if c == nil {
			elasticError(w, http.StatusNotFound, "search_context_missing_exception", "No search context found for id ["+sid+"]")
			return
		}
		if r.Method == http.MethodDelete {
			writeJSON(w, http.StatusOK, map[string]any{"succeeded": true, "num_freed": 1})
			return
		}
		elasticPage(a, w, sid, from, size)
	default:
		elasticError(w, http.StatusNotFound, "index_not_found_exception", "no such index ["+strings.Trim(strings.TrimSuffix(r.URL.Path, "_search"), "/")+"]")
	}
}

func elasticSearch(a *API, w http.ResponseWriter, r *http.Request, body map[string]json.RawMessage) {
	size, from := 10, 0
	for name, dst := range map[string]*int{"size": &size, "from": &from} {
		v, ok := body[name]
		if s := r.URL.Query().Get(name); s != "" {
			v, ok = json.RawMessage(s), true
		}
		if ok && (json.Unmarshal(v, dst) != nil || *dst < 0) {
			elasticError(w, http.StatusBadRequest, "illegal_argument_exception", fmt.Sprintf("[%s] must be a non-negative integer, got %s", name, v))
			return
		}
	}
	scroll := r.URL.Query().Get("scroll")
	if scroll == "" {
		if from+size > 10000 {
			elasticError(w, http.StatusBadRequest, "illegal_argument_exception", "Result window is too large, from + size must be less than or equal to: [10000] but was ["+strconv.Itoa(from+size)+"]. See the scroll api for a more efficient way to request large data sets.")
			return
		}
		elasticPage(a, w, "", from, size)
		return
	}
	if from > 0 {
		elasticError(w, http.StatusBadRequest, "action_request_validation_exception", "Validation Failed: 1: using [from] is not allowed in a scroll context;")
		return
	}
	if size > 10000 {
		elasticError(w, http.StatusBadRequest, "illegal_argument_exception", "Batch size is too large, size must be less than or equal to: [10000] but was ["+strconv.Itoa(size)+"]. Scroll batch sizes cost as much memory as result windows so they are controlled by the [index.max_result_window] index level setting.")
		return
	}
	a.mu.Lock()
	a.issued++
	sid := base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "FGluY2x1ZGVfY29udGV4dF91dWlk|%s|%d", a.mac("scroll", a.issued), a.issued))
	a.contexts[sid] = &serverCursor{pos: min(size, a.n), size: size}
	a.mu.Unlock()
	elasticPage(a, w, sid, 0, size)
}
