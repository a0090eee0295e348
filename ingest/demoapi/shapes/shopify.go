package shapes

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Shopify Admin REST orders ("shopify").
//
//	GET /admin/api/2024-01/orders.json?limit=N&status=any
//
// The body is {"orders":[...]}. limit defaults to 50 and is capped at 250.
// status defaults to "open": only status=any gives every order. Paging is
// by the Link header (RFC 8288): rel="next" (and rel="previous") URLs carry
// an opaque page_info cursor that already holds the filters, so a page_info
// request accepts only limit and fields besides it: any other parameter
// (status, since_id, ...) is a 400, and so is a page_info Shopify did not
// make. There is no next link on the last page. The token goes in the
// X-Shopify-Access-Token header; a wrong one is 401.
//
// Paged wrongly: repeating the first request's filters on the page_info
// requests (as a client that re-adds its query parameters does) is a 400.
func init() {
	register(&shape{name: "shopify", title: "Shopify REST orders (page_info in Link)", idField: "id",
		id:    func(a *API, i int) string { return strconv.FormatInt(a.numericID(450789469, i), 10) },
		serve: serveShopify})
}

var shopifyStatuses = []string{"open", "closed", "cancelled", "any"}

func shopifyOrder(a *API, i int) map[string]any {
	it := a.item(i)
	id := a.numericID(450789469, i)
	var closedAt any
	if !it.open {
		closedAt = iso(it.updated)
	}
	return map[string]any{
		"id": id, "admin_graphql_api_id": "gid://shopify/Order/" + strconv.FormatInt(id, 10),
		"name": "#" + strconv.Itoa(1000+it.seq), "order_number": 1000 + it.seq,
		"email": "c" + strconv.Itoa(it.seq) + "@example.test", "created_at": iso(it.created), "updated_at": iso(it.updated),
		"closed_at": closedAt, "currency": "EUR", "total_price": strconv.FormatFloat(float64(it.amount)/100, 'f', 2, 64),
		"customer":   map[string]any{"first_name": it.person, "default_address": map[string]any{"country_code": it.country}},
		"line_items": []map[string]any{{"title": it.title, "quantity": 1 + it.seq%3}},
		"tags":       strings.Join(it.tags, ", "),
	}
}

func serveShopify(a *API, w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/admin/api/2024-01/orders.json" {
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": "Not Found"})
		return
	}
	if !allow(w, r, http.MethodGet) {
		return
	}
	if a.opts.Token != "" && r.Header.Get("X-Shopify-Access-Token") != a.opts.Token {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"})
		return
	}
	q := r.URL.Query()
	limit, ok := intParam(q, "limit", 50)
	if !ok || limit < 1 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]any{"limit": "Invalid limit"}})
		return
	}
	limit = min(limit, 250)
	status, from := q.Get("status"), 0
	if pi := q.Get("page_info"); q.Has("page_info") {
		if bad := unknownParams(q, "page_info", "limit", "fields"); len(bad) > 0 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]any{bad[0]: "cannot be passed with page_info; only limit and fields may accompany it"}})
			return
		}
		found := false
		for _, s := range shopifyStatuses {
			if pos, ok := a.untoken("shopify-"+s, pi); ok {
				status, from, found = s, pos, true
				break
			}
		}
		if !found {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]any{"page_info": "Invalid value."}})
			return
		}
	}
	if status == "" {
		status = "open"
	}
	// Positions count the orders that pass the filter, in id order.
	var idx []int
	for i := range a.n {
		it := a.item(i)
		if status == "any" || (status == "open" && it.open) || (status == "closed" && !it.open) {
			idx = append(idx, i)
		}
	}
	from = min(from, len(idx))
	to := min(from+limit, len(idx))
	orders := make([]map[string]any, 0, to-from)
	for _, i := range idx[from:to] {
		orders = append(orders, shopifyOrder(a, i))
	}
	link := func(pos int, rel string) string {
		v := url.Values{"limit": {strconv.Itoa(limit)}, "page_info": {a.token("shopify-"+status, pos)}}
		return "<" + baseURL(r) + r.URL.Path + "?" + v.Encode() + `>; rel="` + rel + `"`
	}
	var links []string
	if from > 0 {
		links = append(links, link(max(from-limit, 0), "previous"))
	}
	if to < len(idx) {
		links = append(links, link(to, "next"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	w.Header().Set("X-Shopify-Shop-Api-Call-Limit", "1/40")
	writeJSON(w, http.StatusOK, map[string]any{"orders": orders})
}
