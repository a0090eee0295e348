package shapes

import (
	"net/http"
	"net/url"
	"strconv"
)

// HubSpot CRM v3 objects ("hubspot").
//
//	GET /crm/v3/objects/contacts?limit=N&after=A
//
// The body is {"results":[...],"paging":{"next":{"after":"A","link":"..."}}};
// the last page has no "paging" at all. limit is 1 to 100 (default 10);
// over 100 is a 400 VALIDATION_ERROR. after is the opaque string from
// paging.next.after. Unknown parameters are ignored (offset, page: the
// first page again). The token is a bearer token; a wrong one is 401
// INVALID_AUTHENTICATION. Errors are {"status":"error","message":M,
// "correlationId":ID,"category":C}.
//
// Paged wrongly: limit=500 is a 400; an after HubSpot did not make is a 400.
func init() {
	register(&shape{name: "hubspot", title: "HubSpot CRM v3 (paging.next.after)", idField: "id",
		id:    func(a *API, i int) string { return strconv.FormatInt(a.numericID(51, i), 10) },
		serve: serveHubSpot})
}

func hubspotError(w http.ResponseWriter, status int, category, msg string) {
	writeJSON(w, status, map[string]any{"status": "error", "message": msg, "correlationId": "c0ffee00-0000-4000-8000-000000000000", "category": category})
}

func hubspotContact(a *API, i int) map[string]any {
	it := a.item(i)
	id := a.idOf(i)
	return map[string]any{
		"id": id, "createdAt": isoMillis(it.created), "updatedAt": isoMillis(it.updated), "archived": false,
		"properties": map[string]any{
			"createdate": isoMillis(it.created), "lastmodifieddate": isoMillis(it.updated), "hs_object_id": id,
			"email": "c" + strconv.Itoa(it.seq) + "@example.test", "firstname": it.person, "lastname": nil, "country": it.country,
		},
	}
}

func serveHubSpot(a *API, w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/crm/v3/objects/contacts" {
		hubspotError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found")
		return
	}
	if !allow(w, r, http.MethodGet) {
		return
	}
	if !a.authorized(r, "") {
		hubspotError(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION", "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")
		return
	}
	q := r.URL.Query()
	limit, ok := intParam(q, "limit", 10)
	if !ok || limit < 1 || limit > 100 {
		hubspotError(w, http.StatusBadRequest, "VALIDATION_ERROR", "limit must be between 1 and 100, got "+q.Get("limit"))
		return
	}
	from := 0
	if q.Has("after") {
		i, ok := a.indexOf(q.Get("after"))
		if !ok {
			hubspotError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON on line 1: after "+strconv.Quote(q.Get("after"))+" is not valid")
			return
		}
		from = i
	}
	from, to := a.pageBounds(from, limit)
	results := make([]map[string]any, 0, to-from)
	for i := from; i < to; i++ {
		results = append(results, hubspotContact(a, i))
	}
	body := map[string]any{"results": results}
	if to < a.n {
		after := a.idOf(to)
		v := url.Values{"limit": {strconv.Itoa(limit)}, "after": {after}}
		body["paging"] = map[string]any{"next": map[string]any{"after": after, "link": baseURL(r) + r.URL.Path + "?" + v.Encode()}}
	}
	writeJSON(w, http.StatusOK, body)
}
