package shapes

import (
	"net/http"
	"strconv"
	"strings"
)

// Stripe list API ("stripe").
//
//	GET /v1/customers?limit=N&starting_after=ID
//
// The body is {"object":"list","data":[...],"has_more":bool,"url":"/v1/customers"},
// newest first. limit is 1 to 100 (default 10); outside that it is a 400.
// The next page starts after the last id of this one (starting_after);
// ending_before walks backwards. has_more is false on the last page. The key
// goes as a bearer token or as basic auth's user name; a wrong one is 401.
// Errors are {"error":{"type":"invalid_request_error","message":...,"param":...}}.
//
// Paged wrongly: any parameter Stripe does not know (page, offset, cursor)
// is a 400 "Received unknown parameter"; a starting_after that is not a
// customer id is a 400 resource_missing.
func init() {
	register(&shape{name: "stripe", title: "Stripe list (starting_after, has_more)", idField: "id",
		id: func(a *API, i int) string { return a.alnumID("cus_", 14, i) }, serve: serveStripe})
}

func stripeError(w http.ResponseWriter, status int, code, param, msg string) {
	e := map[string]any{"type": "invalid_request_error", "message": msg}
	if code != "" {
		e["code"] = code
	}
	if param != "" {
		e["param"] = param
	}
	writeJSON(w, status, map[string]any{"error": e})
}

func stripeCustomer(a *API, i int) map[string]any {
	it := a.item(i)
	return map[string]any{
		"id": a.idOf(i), "object": "customer", "created": it.created.Unix(),
		"name": it.person, "email": "c" + strconv.Itoa(it.seq) + "@example.test",
		"description": it.title, "balance": it.amount, "currency": "eur", "livemode": false,
		"address":  map[string]any{"country": it.country, "city": nil},
		"metadata": map[string]any{"seq": strconv.Itoa(it.seq)},
	}
}

func serveStripe(a *API, w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/customers" {
		stripeError(w, http.StatusNotFound, "", "", "Unrecognized request URL (GET: "+r.URL.Path+").")
		return
	}
	if r.Method != http.MethodGet {
		stripeError(w, http.StatusMethodNotAllowed, "", "", "Unrecognized request URL ("+r.Method+": /v1/customers).")
		return
	}
	if user, _, ok := r.BasicAuth(); !(ok && user == a.opts.Token) && !a.authorized(r, "") {
		stripeError(w, http.StatusUnauthorized, "", "", "Invalid API Key provided: "+mask(r.Header.Get("Authorization")))
		return
	}
	q := r.URL.Query()
	if bad := unknownParams(q, "limit", "starting_after", "ending_before", "email", "created", "expand[]"); len(bad) > 0 {
		stripeError(w, http.StatusBadRequest, "parameter_unknown", bad[0], "Received unknown parameter: "+bad[0])
		return
	}
	limit, ok := intParam(q, "limit", 10)
	if !ok {
		stripeError(w, http.StatusBadRequest, "parameter_invalid_integer", "limit", "Invalid integer: "+q.Get("limit"))
		return
	}
	if limit < 1 || limit > 100 {
		stripeError(w, http.StatusBadRequest, "parameter_invalid_integer", "limit", "This value must be greater than or equal to 1 and less than or equal to 100.")
		return
	}
	if q.Has("starting_after") && q.Has("ending_before") {
		stripeError(w, http.StatusBadRequest, "", "starting_after", "You may only specify one of these parameters: ending_before, starting_after.")
		return
	}
	// Position k in the list is record n-1-k (newest first).
	from, to := 0, 0
	switch {
	case q.Has("starting_after"):
		i, ok := a.indexOf(q.Get("starting_after"))
		if !ok {
			stripeError(w, http.StatusBadRequest, "resource_missing", "starting_after", "No such customer: '"+q.Get("starting_after")+"'")
			return
		}
		from = a.n - i
		to = min(from+limit, a.n)
	case q.Has("ending_before"):
		i, ok := a.indexOf(q.Get("ending_before"))
		if !ok {
			stripeError(w, http.StatusBadRequest, "resource_missing", "ending_before", "No such customer: '"+q.Get("ending_before")+"'")
			return
		}
		to = a.n - 1 - i
		from = max(to-limit, 0)
	default:
		to = min(limit, a.n)
	}
	data := make([]map[string]any, 0, to-from)
	for k := from; k < to; k++ {
		data = append(data, stripeCustomer(a, a.n-1-k))
	}
	more := to < a.n
	if q.Has("ending_before") {
		more = from > 0
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data, "has_more": more, "url": "/v1/customers"})
}

// mask shows the start of a presented key the way Stripe does, hiding the rest.
func mask(auth string) string {
	key := strings.TrimPrefix(auth, "Bearer ")
	if len(key) > 12 {
		return key[:8] + strings.Repeat("*", len(key)-12) + key[len(key)-4:]
	}
	return strings.Repeat("*", len(key))
}
