package shapes

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"
)

// NDJSON bulk export ("ndjson").
//
//	GET /export/events.ndjson
//
// One request, no paging: the body is application/x-ndjson, one event per
// line, streamed as it is generated (flushed every 1,000 lines), so
// Options.Records may be in the millions without the server holding them
// (up to MaxStreamRecords). The token is a bearer token; a wrong one is 401.
//
// Used wrongly: any query parameter (page, offset, limit, cursor) is a 400
// naming it, as strict export endpoints do.
func init() {
	register(&shape{name: "ndjson", title: "NDJSON export (one streamed body)", idField: "id", stream: true,
		id: func(a *API, i int) string { return a.alnumID("evt_", 16, i) }, serve: serveNDJSON})
}

// ndjsonFlushEvery is how many lines go out between flushes.
const ndjsonFlushEvery = 1000

func serveNDJSON(a *API, w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/export/events.ndjson" {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "not found"})
		return
	}
	if !allow(w, r, http.MethodGet) {
		return
	}
	if !a.authorized(r, "") {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "unauthorized"})
		return
	}
	if bad := unknownParams(r.URL.Query()); len(bad) > 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "unknown parameter: " + bad[0] + "; the export takes no parameters"})
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw) // Encode ends every value with a newline
	enc.SetEscapeHTML(false)
	types := [...]string{"order.created", "order.paid", "order.shipped", "refund.issued"}
	for i := range a.n {
		it := a.item(i)
		ev := map[string]any{
			"id": a.idOf(i), "type": types[i%len(types)], "ts": isoMillis(it.created), "seq": it.seq,
			"actor": map[string]any{"name": it.person, "country": it.country},
			"data":  map[string]any{"title": it.title, "amount": it.amount, "tags": it.tags, "ref": "ord_" + strconv.Itoa(it.seq)},
		}
		if err := enc.Encode(ev); err != nil {
			return // the client hung up
		}
		if (i+1)%ndjsonFlushEvery == 0 {
			if bw.Flush() != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
	}
	_ = bw.Flush()
}
