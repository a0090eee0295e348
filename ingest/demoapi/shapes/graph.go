package shapes

import (
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Microsoft Graph users ("msgraph").
//
//	GET /v1.0/users?$top=N
//
// The body is {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users",
// "value":[...],"@odata.nextLink":"https://HOST/v1.0/users?$top=N&$skiptoken=T"}.
// $top is 1 to 999 (default 100). The next link is ABSOLUTE and must be
// followed as is; the last page has no @odata.nextLink. $skip is not
// supported on users (400). The token is a bearer token; a wrong one is 401
// InvalidAuthenticationToken. Errors are {"error":{"code":C,"message":M,
// "innerError":{..}}}.
//
// Paged wrongly: $top over 999 is a 400 Request_UnsupportedQuery, $skip a
// 400, and a $skiptoken Graph did not make a 400 Directory_ExpiredPageToken.
func init() {
	register(&shape{name: "msgraph", title: "Microsoft Graph users (absolute @odata.nextLink)", idField: "id",
		id: func(a *API, i int) string { return a.uuid("graph", i) }, serve: serveGraph})
}

func graphError(a *API, w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg,
		"innerError": map[string]any{"date": a.opts.Now().UTC().Format(time.RFC3339), "request-id": "00000000-0000-4000-8000-000000000000"}}})
}

func serveGraph(a *API, w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1.0/users" {
		graphError(a, w, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+r.URL.Path+"' does not exist or one of its queried reference-property objects are not present.")
		return
	}
	if !allow(w, r, http.MethodGet) {
		return
	}
	if !a.authorized(r, "") {
		graphError(a, w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
		return
	}
	q := r.URL.Query()
	if q.Has("$skip") {
		graphError(a, w, http.StatusBadRequest, "Request_UnsupportedQuery", "The query specified in the URI is not valid. The requested resource doesn't support the specified query option '$skip'.")
		return
	}
	top, ok := intParam(q, "$top", 100)
	if !ok || top < 1 || top > 999 {
		graphError(a, w, http.StatusBadRequest, "Request_UnsupportedQuery", "Invalid page size specified: '"+q.Get("$top")+"'. Must be between 1 and 999 inclusive.")
		return
	}
	from := 0
	if q.Has("$skiptoken") {
		pos, ok := a.untoken("graph", q.Get("$skiptoken"))
		if !ok {
			graphError(a, w, http.StatusBadRequest, "Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request.")
			return
		}
		from = pos
	}
	from, to := a.pageBounds(from, top)
	users := make([]map[string]any, 0, to-from)
	for i := from; i < to; i++ {
		it := a.item(i)
		users = append(users, map[string]any{
			"id": a.idOf(i), "displayName": it.person, "givenName": it.person, "surname": nil,
			"mail": "u" + strconv.Itoa(it.seq) + "@contoso.example", "userPrincipalName": "u" + strconv.Itoa(it.seq) + "@contoso.onmicrosoft.com",
			"jobTitle": it.title, "officeLocation": it.country, "businessPhones": []string{}, "preferredLanguage": nil,
		})
	}
	body := map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": users}
	if to < a.n {
		// Graph spells the parameters with a literal "$".
		body["@odata.nextLink"] = baseURL(r) + "/v1.0/users?$top=" + strconv.Itoa(top) + "&$skiptoken=" + url.QueryEscape(a.token("graph", to))
	}
	writeJSON(w, http.StatusOK, body)
}
