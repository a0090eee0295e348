package shapes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// notionDatabase is the emulated database's id.
const notionDatabase = "897e5a76-ae52-4b48-9fdf-e71f5945d1af"

// Notion database query ("notion").
//
//	POST /v1/databases/{id}/query   Notion-Version: 2022-06-28
//	{"page_size":N,"start_cursor":C}
//
// The body is {"object":"list","results":[...],"next_cursor":C|null,
// "has_more":bool,"type":"page_or_database","page_or_database":{}}.
// page_size is 1 to 100 (default 100). The next request sends next_cursor
// back as start_cursor in the JSON body; next_cursor is null and has_more
// false on the last page. The Notion-Version header is required. The token
// is a bearer token; a wrong one is 401 code "unauthorized". Errors are
// {"object":"error","status":S,"code":C,"message":M}.
//
// Paged wrongly: a GET (paging in the query string) is 400
// invalid_request_url; page_size over 100, an unknown body field or a
// start_cursor Notion did not make is 400 validation_error.
func init() {
	register(&shape{name: "notion", title: "Notion database query (POST body cursor)", idField: "id",
		id: func(a *API, i int) string { return a.uuid("notion", i) }, serve: serveNotion})
}

func notionError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"object": "error", "status": status, "code": code, "message": msg})
}

func notionPage(a *API, i int) map[string]any {
	it := a.item(i)
	id := a.idOf(i)
	return map[string]any{
		"object": "page", "id": id, "created_time": isoMillis(it.created), "last_edited_time": isoMillis(it.updated),
		"archived": false, "url": "https://www.notion.so/" + strings.ReplaceAll(id, "-", ""),
		"parent": map[string]any{"type": "database_id", "database_id": notionDatabase},
		"properties": map[string]any{
			"Name": map[string]any{"id": "title", "type": "title", "title": []map[string]any{
				{"type": "text", "text": map[string]any{"content": it.title}, "plain_text": it.title}}},
			"Owner":   map[string]any{"id": "%3AUPp", "type": "rich_text", "rich_text": []map[string]any{{"type": "text", "plain_text": it.person}}},
			"Country": map[string]any{"id": "Zt%5Ct", "type": "select", "select": map[string]any{"name": it.country}},
			"Amount":  map[string]any{"id": "p%3Dv", "type": "number", "number": float64(it.amount) / 100},
		},
	}
}

func serveNotion(a *API, w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/databases/"+notionDatabase+"/query" {
		notionError(w, http.StatusNotFound, "object_not_found", "Could not find database with ID: "+strings.TrimPrefix(r.URL.Path, "/v1/databases/")+".")
		return
	}
	if r.Method != http.MethodPost {
		notionError(w, http.StatusBadRequest, "invalid_request_url", "Invalid request URL.")
		return
	}
	if !a.authorized(r, "") {
		notionError(w, http.StatusUnauthorized, "unauthorized", "API token is invalid.")
		return
	}
	if r.Header.Get("Notion-Version") == "" {
		notionError(w, http.StatusBadRequest, "missing_version", "Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.")
		return
	}
	var body map[string]json.RawMessage
	raw, _ := readBody(r)
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			notionError(w, http.StatusBadRequest, "invalid_json", "Error parsing JSON body.")
			return
		}
	}
	for k := range body {
		switch k {
		case "page_size", "start_cursor", "filter", "sorts", "filter_properties":
		default:
			notionError(w, http.StatusBadRequest, "validation_error", fmt.Sprintf("body failed validation: body.%s should be not present, instead was `%s`.", k, body[k]))
			return
		}
	}
	size := 100
	if v, ok := body["page_size"]; ok {
		if err := json.Unmarshal(v, &size); err != nil || size < 1 || size > 100 {
			notionError(w, http.StatusBadRequest, "validation_error", fmt.Sprintf("body failed validation: body.page_size should be a number between 1 and 100, instead was `%s`.", v))
			return
		}
	}
	from := 0
	if v, ok := body["start_cursor"]; ok && string(v) != "null" {
		var c string
		i, found := 0, false
		if json.Unmarshal(v, &c) == nil {
			i, found = a.indexOf(c)
		}
		if !found {
			notionError(w, http.StatusBadRequest, "validation_error", fmt.Sprintf("body failed validation: body.start_cursor should be a valid uuid, instead was `%s`.", v))
			return
		}
		from = i
	}
	from, to := a.pageBounds(from, size)
	results := make([]map[string]any, 0, to-from)
	for i := from; i < to; i++ {
		results = append(results, notionPage(a, i))
	}
	var next any
	if to < a.n {
		next = a.idOf(to)
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "results": results, "next_cursor": next, "has_more": to < a.n,
		"type": "page_or_database", "page_or_database": map[string]any{}})
}
