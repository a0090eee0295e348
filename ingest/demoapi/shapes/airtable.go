package shapes

import (
	"net/http"
	"strings"
)

const airtableBase, airtableTable = "appEmuLat0r12345", "tblOrders0000001"

// Airtable list records ("airtable").
//
//	GET /v0/{baseId}/{tableIdOrName}?pageSize=N&offset=O
//
// The body is {"records":[{"id":"rec…","createdTime":..,"fields":{..}}],
// "offset":"itr…/rec…"}; the last page has no offset. Empty fields are
// left out of "fields", as Airtable does. pageSize is 1 to 100 (default
// 100); outside that it is a 422. offset is an opaque string sent back as
// is. The token is a bearer token; a wrong one is 401. The rate limit is
// Options.RateLimit requests a second per base (default 5): the request
// over it gets 429 with NO Retry-After, and so does every request for
// Options.LockOut after it (default 30 s), whatever the client does.
//
// Paged wrongly: an offset Airtable did not make is a 422
// LIST_RECORDS_ITERATOR_NOT_AVAILABLE; a client that retries at once on 429
// stays locked out.
func init() {
	register(&shape{name: "airtable", title: "Airtable list records (offset, 429 lock-out)", idField: "id",
		id: func(a *API, i int) string { return a.alnumID("rec", 14, i) }, serve: serveAirtable})
}

func airtableError(w http.ResponseWriter, status int, typ, msg string) {
	e := map[string]any{"type": typ}
	if msg != "" {
		e["message"] = msg
	}
	writeJSON(w, status, map[string]any{"error": e})
}

func airtableRecord(a *API, i int) map[string]any {
	it := a.item(i)
	fields := map[string]any{"Name": it.title, "Owner": it.person, "Country": it.country, "Amount": float64(it.amount) / 100}
	if len(it.tags) > 0 {
		fields["Tags"] = it.tags
	}
	if it.open {
		fields["Open"] = true // Airtable leaves an unchecked box out
	}
	return map[string]any{"id": a.idOf(i), "createdTime": isoMillis(it.created), "fields": fields}
}

func serveAirtable(a *API, w http.ResponseWriter, r *http.Request) {
	limit := a.opts.RateLimit
	if limit == 0 {
		limit = 5
	}
	now := a.opts.Now()
	a.mu.Lock()
	locked := now.Before(a.lockedTo)
	a.mu.Unlock()
	if locked {
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"errors": []map[string]any{{"error": "RATE_LIMIT_REACHED", "message": "Rate limit exceeded. Please try again later"}}})
		return
	}
	if over, _ := a.throttle(limit); over {
		a.mu.Lock()
		a.lockedTo = now.Add(a.opts.LockOut)
		a.mu.Unlock()
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"errors": []map[string]any{{"error": "RATE_LIMIT_REACHED", "message": "Rate limit exceeded. Please try again later"}}})
		return
	}
	if r.URL.Path != "/v0/"+airtableBase+"/"+airtableTable && r.URL.Path != "/v0/"+airtableBase+"/Orders" {
		airtableError(w, http.StatusNotFound, "NOT_FOUND", "")
		return
	}
	if !allow(w, r, http.MethodGet) {
		return
	}
	if !a.authorized(r, "") {
		airtableError(w, http.StatusUnauthorized, "AUTHENTICATION_REQUIRED", "Authentication required")
		return
	}
	q := r.URL.Query()
	size, ok := intParam(q, "pageSize", 100)
	if !ok || size < 1 || size > 100 {
		airtableError(w, http.StatusUnprocessableEntity, "INVALID_REQUEST_UNKNOWN", "Invalid request: parameter validation failed. Check your request data.")
		return
	}
	from := 0
	if o := q.Get("offset"); o != "" {
		itr, rec, _ := strings.Cut(o, "/")
		i, found := a.indexOf(rec)
		if itr != a.alnumID("itr", 14, 0) || !found {
			airtableError(w, http.StatusUnprocessableEntity, "LIST_RECORDS_ITERATOR_NOT_AVAILABLE", "")
			return
		}
		from = i
	}
	from, to := a.pageBounds(from, size)
	records := make([]map[string]any, 0, to-from)
	for i := from; i < to; i++ {
		records = append(records, airtableRecord(a, i))
	}
	body := map[string]any{"records": records}
	if to < a.n {
		body["offset"] = a.alnumID("itr", 14, 0) + "/" + a.idOf(to)
	}
	writeJSON(w, http.StatusOK, body)
}
