package shapes

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

const salesforcePrefix = "/services/data/v59.0"

// Salesforce REST query ("salesforce").
//
//	GET /services/data/v59.0/query?q=SELECT+Id,Name+FROM+Contact
//	GET /services/data/v59.0/query/01gXXXXXXXXXXXXXXX-2000
//
// The body is {"totalSize":N,"done":bool,"nextRecordsUrl":"/services/...",
// "records":[{"attributes":{"type":"Contact","url":...},"Id":...},...]}.
// Batches are 2,000 records unless the Sforce-Query-Options header asks for
// batchSize=200..2000. Follow-ups GET nextRecordsUrl, a path relative to the
// host (a query locator and the offset of the next batch); the last batch
// has done true and no nextRecordsUrl. The token is a bearer token; a wrong
// one is 401. Errors are an array [{"message":M,"errorCode":C}].
//
// Paged wrongly: a query without q is 400 MALFORMED_QUERY; a query locator
// Salesforce did not make is 400 INVALID_QUERY_LOCATOR.
func init() {
	register(&shape{name: "salesforce", title: "Salesforce query (nextRecordsUrl)", idField: "Id",
		id: func(a *API, i int) string { return a.alnumID("003", 15, i) }, serve: serveSalesforce})
}

func salesforceError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, []map[string]any{{"message": msg, "errorCode": code}})
}

// sfTime is Salesforce's datetime format.
const sfTime = "2006-01-02T15:04:05.000-0700"

var sfLocator = regexp.MustCompile(`^/services/data/v59\.0/query/(01g[0-9A-Za-z]{15})-(\d+)$`)
var sfBatch = regexp.MustCompile(`batchSize=(\d+)`)

func salesforceContact(a *API, i int) map[string]any {
	it := a.item(i)
	id := a.idOf(i)
	return map[string]any{
		"attributes": map[string]any{"type": "Contact", "url": salesforcePrefix + "/sobjects/Contact/" + id},
		"Id":         id, "Name": it.person, "Email": "c" + strconv.Itoa(it.seq) + "@example.test",
		"Title": it.title, "CreatedDate": it.created.Format(sfTime), "LastModifiedDate": it.updated.Format(sfTime),
		"Account": map[string]any{"attributes": map[string]any{"type": "Account", "url": salesforcePrefix + "/sobjects/Account/001" + id[3:]},
			"Name": "Account " + it.country, "BillingCountry": it.country},
	}
}

func serveSalesforce(a *API, w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if path != salesforcePrefix+"/query" && !strings.HasPrefix(path, salesforcePrefix+"/query/") {
		salesforceError(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
		return
	}
	if !allow(w, r, http.MethodGet) {
		return
	}
	if !a.authorized(r, "") {
		salesforceError(w, http.StatusUnauthorized, "INVALID_SESSION_ID", "Session expired or invalid")
		return
	}
	var locator string
	var from, size int
	if path == salesforcePrefix+"/query" {
		q := r.URL.Query().Get("q")
		if strings.TrimSpace(q) == "" {
			salesforceError(w, http.StatusBadRequest, "MALFORMED_QUERY", "A query string has to be specified")
			return
		}
		size = 2000
		if m := sfBatch.FindStringSubmatch(r.Header.Get("Sforce-Query-Options")); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil {
				size = min(max(n, 200), 2000)
			}
		}
		a.mu.Lock()
		a.issued++
		locator = a.alnumID("01g", 15, a.issued)
		a.contexts[locator] = &serverCursor{size: size}
		a.mu.Unlock()
	} else {
		m := sfLocator.FindStringSubmatch(path)
		a.mu.Lock()
		var c *serverCursor
		if m != nil {
			c = a.contexts[m[1]]
		}
		a.mu.Unlock()
		if c == nil {
			salesforceError(w, http.StatusBadRequest, "INVALID_QUERY_LOCATOR", "invalid query locator")
			return
		}
		locator, size = m[1], c.size
		from, _ = strconv.Atoi(m[2])
	}
	from, to := a.pageBounds(from, size)
	records := make([]map[string]any, 0, to-from)
	for i := from; i < to; i++ {
		records = append(records, salesforceContact(a, i))
	}
	body := map[string]any{"totalSize": a.n, "done": to >= a.n, "records": records}
	if to < a.n {
		body["nextRecordsUrl"] = salesforcePrefix + "/query/" + locator + "-" + strconv.Itoa(to)
	}
	writeJSON(w, http.StatusOK, body)
}
