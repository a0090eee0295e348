package shapes

import (
	"compress/gzip"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// A paged CSV report ("csv").
//
//	GET /v1/reports/orders.csv?page=P&per_page=N
//
// Each page is a whole CSV file as spreadsheet exports write them: a byte
// order mark, its own header row, CRLF line ends, and quoted fields
// holding commas, quotes, tabs and line breaks. The body is gzip-encoded
// (Content-Encoding: gzip) whenever the request accepts gzip. per_page
// defaults to 100, at most 500; page starts at 1. The Link header carries
// rel="next" (and rel="last") while there are more pages. The token is a
// bearer token; a wrong one is 401 with a text/plain message.
//
// Paged wrongly: per_page over 500 is a 400; a page past the end is the
// header row alone.
func init() {
	register(&shape{name: "csv", title: "CSV report pages (gzip, Link header)", idField: "order_id",
		id: func(a *API, i int) string { return a.alnumID("ord-", 10, i) }, serve: serveCSV})
}

// CSVHeader is the CSV report's header row.
var CSVHeader = []string{"order_id", "created_at", "title", "customer", "country", "amount", "tags", "note"}

// csvRow is record i as a CSV row.
func csvRow(a *API, i int) []string {
	it := a.item(i)
	note := ""
	if it.seq%4 == 0 {
		note = "first line\nsecond, with \"quotes\"" // a line break in a cell is LF, as spreadsheets write it
	}
	return []string{a.idOf(i), iso(it.created), it.title, it.person, it.country,
		strconv.FormatFloat(float64(it.amount)/100, 'f', 2, 64), strings.Join(it.tags, ";"), note}
}

func serveCSV(a *API, w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/reports/orders.csv" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if !allow(w, r, http.MethodGet) {
		return
	}
	if !a.authorized(r, "") {
		http.Error(w, "unauthorized: a bearer token is required", http.StatusUnauthorized)
		return
	}
	q := r.URL.Query()
	per, ok1 := intParam(q, "per_page", 100)
	page, ok2 := intParam(q, "page", 1)
	if !ok1 || !ok2 || per < 1 || per > 500 || page < 1 {
		http.Error(w, "per_page must be 1 to 500 and page 1 or more", http.StatusBadRequest)
		return
	}
	last := max((a.n+per-1)/per, 1)
	h := w.Header()
	link := func(p int, rel string) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(p))
		return "<" + baseURL(r) + r.URL.Path + "?" + v.Encode() + `>; rel="` + rel + `"`
	}
	if page < last {
		h.Set("Link", link(page+1, "next")+", "+link(last, "last"))
	}
	h.Set("Content-Type", "text/csv; charset=utf-8")
	var out io.Writer = w
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		defer gz.Close()
		out = gz
	}
	w.WriteHeader(http.StatusOK)
	io.WriteString(out, "\ufeff")
	cw := csv.NewWriter(out)
	cw.UseCRLF = true
	cw.Write(CSVHeader)
	from, to := a.pageBounds((page-1)*per, per)
	for i := from; i < to; i++ {
		cw.Write(csvRow(a, i))
	}
	cw.Flush()
}
