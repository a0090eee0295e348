package shapes

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// GraphQL connection, GitHub-style ("graphql").
//
//	POST /graphql  {"query":"query($first:Int!,$after:String){repository(owner:\"o\",name:\"r\"){issues(first:$first,after:$after){…}}}",
//	                "variables":{"first":N,"after":C}}
//
// The body is {"data":{"repository":{"issues":{"totalCount":N,"edges":[{"cursor":C,
// "node":{..}}],"pageInfo":{"hasNextPage":bool,"endCursor":C,"hasPreviousPage":bool,
// "startCursor":C}}}}}. first is required, 1 to 100. The next request sends
// pageInfo.endCursor as variables.after; on the last page hasNextPage is
// false but endCursor is NOT null (it is the last edge's cursor), so the
// walk ends on hasNextPage. The query text is not parsed: it must be
// present and mention "issues". Errors come as HTTP 200 with
// {"errors":[{"message":..}],"data":null}: a wrong or missing token
// (GitHub itself answers that one with a 401), first missing or over 100,
// an after cursor the server did not make.
//
// Paged wrongly: first=500 is a 200 with errors and no data; so is a
// made-up cursor.
func init() {
	register(&shape{name: "graphql", title: "GraphQL connection (errors in 200)", idField: "id",
		id: func(a *API, i int) string { return "I_kwDO" + a.alnumID("", 16, i) }, serve: serveGraphQL})
}

func graphqlErrors(w http.ResponseWriter, typ, msg string) {
	e := map[string]any{"message": msg}
	if typ != "" {
		e["type"] = typ
	}
	writeJSON(w, http.StatusOK, map[string]any{"errors": []any{e}, "data": nil})
}

func serveGraphQL(a *API, w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/graphql" {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found"})
		return
	}
	if !allow(w, r, http.MethodPost) {
		return
	}
	if !a.authorized(r, "") {
		graphqlErrors(w, "UNAUTHENTICATED", "This endpoint requires you to be authenticated.")
		return
	}
	raw, _ := readBody(r)
	var req struct {
		Query     string          `json:"query"`
		Variables json.RawMessage `json:"variables"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		graphqlErrors(w, "", "Problems parsing JSON")
		return
	}
	if !strings.Contains(req.Query, "issues") {
		graphqlErrors(w, "", "A query attribute must be specified and must be a string, and it must select repository.issues.")
		return
	}
	var vars struct {
		First *json.Number `json:"first"`
		After *string      `json:"after"`
	}
	if len(req.Variables) > 0 && string(req.Variables) != "null" {
		if err := json.Unmarshal(req.Variables, &vars); err != nil {
			graphqlErrors(w, "", "Variables are invalid JSON.")
			return
		}
	}
	if vars.First == nil {
		graphqlErrors(w, "MISSING_PAGINATION_BOUNDARIES", "You must provide a `first` or `last` value to properly paginate the `issues` connection.")
		return
	}
	first, err := vars.First.Int64()
	if err != nil || first < 0 {
		graphqlErrors(w, "", fmt.Sprintf("Variable $first of type Int! was provided invalid value %s", vars.First))
		return
	}
	if first > 100 {
		graphqlErrors(w, "EXCESSIVE_PAGINATION", fmt.Sprintf("Requesting %d records on the `issues` connection exceeds the `first` limit of 100 records.", first))
		return
	}
	from := 0
	if vars.After != nil {
		pos, ok := a.untoken("graphql", *vars.After)
		if !ok {
			graphqlErrors(w, "", fmt.Sprintf("`%s` does not appear to be a valid cursor.", *vars.After))
			return
		}
		from = pos
	}
	from, to := a.pageBounds(from, int(first))
	edges := make([]map[string]any, 0, to-from)
	for i := from; i < to; i++ {
		it := a.item(i)
		labels := []map[string]any{}
		for _, t := range it.tags {
			labels = append(labels, map[string]any{"name": t})
		}
		edges = append(edges, map[string]any{"cursor": a.token("graphql", i+1), "node": map[string]any{
			"id": a.idOf(i), "number": it.seq, "title": it.title, "createdAt": iso(it.created), "closed": !it.open,
			"author": map[string]any{"login": "user-" + fmt.Sprint(it.seq%97)}, "labels": map[string]any{"nodes": labels},
		}})
	}
	var start, end any
	if len(edges) > 0 {
		start, end = edges[0]["cursor"], edges[len(edges)-1]["cursor"]
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"repository": map[string]any{"issues": map[string]any{
		"totalCount": a.n, "edges": edges,
		"pageInfo": map[string]any{"hasNextPage": to < a.n, "endCursor": end, "hasPreviousPage": from > 0, "startCursor": start},
	}}}})
}
