package ingest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"siphon/ingest"
	"siphon/ingest/spec"
)

// TestPaginationInThePostBody: a Notion-style search API takes its cursor
// and page size in the JSON body of a POST, next to the query the profile
// sends.
func TestPaginationInThePostBody(t *testing.T) {
	const n = 95
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Filter      map[string]any `json:"filter"`
			StartCursor string         `json:"start_cursor"`
			PageSize    int            `json:"page_size"`
		}
		if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&req) != nil || req.Filter["status"] != "open" || req.PageSize != 20 {
			http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
			return
		}
		from := 1
		if req.StartCursor != "" {
			fmt.Sscanf(req.StartCursor, "after-%d", &from)
			from++
		}
		var recs []string
		for id := from; id < from+req.PageSize && id <= n; id++ {
			recs = append(recs, fmt.Sprintf(`{"id":%d}`, id))
		}
		last := from + len(recs) - 1
		next := "null"
		if last < n {
			next = fmt.Sprintf(`"after-%d"`, last)
		}
		fmt.Fprintf(w, `{"results":[%s],"next_cursor":%s,"has_more":%t}`, strings.Join(recs, ","), next, last < n)
	}))
	defer srv.Close()
	cfg := spec.Config{Name: "notion", BaseURL: srv.URL, Path: "/v1/databases/x/query", Method: "POST",
		Body: json.RawMessage(`{"filter": {"status": "open"}}`), Records: ".results",
		Pagination: spec.PaginationConfig{Type: "cursor", In: "body", Limit: 20, LimitParam: "page_size", CursorParam: "start_cursor", CursorPath: ".next_cursor"},
		Retry:      spec.RetryConfig{MaxAttempts: 1}}
	dir := t.TempDir()
	if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, readIDs(t, dir), n)
}

// TestGraphQLCursorInVariables: a GraphQL connection pages by
// variables.after and pageInfo.endCursor.
func TestGraphQLCursorInVariables(t *testing.T) {
	const n = 42
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Query     string `json:"query"`
			Variables struct {
				First int    `json:"first"`
				After string `json:"after"`
				Owner string `json:"owner"`
			} `json:"variables"`
		}
		if json.NewDecoder(r.Body).Decode(&req) != nil || req.Variables.Owner != "golang" || req.Variables.First != 10 || !strings.Contains(req.Query, "issues") {
			http.Error(w, `{"errors":[{"message":"bad request"}]}`, http.StatusBadRequest)
			return
		}
		from := 1
		if req.Variables.After != "" {
			fmt.Sscanf(req.Variables.After, "c%d", &from)
			from++
		}
		var nodes []string
		for id := from; id < from+10 && id <= n; id++ {
			nodes = append(nodes, fmt.Sprintf(`{"id":%d}`, id))
		}
		last := from + len(nodes) - 1
		fmt.Fprintf(w, `{"data":{"repository":{"issues":{"nodes":[%s],"pageInfo":{"hasNextPage":%t,"endCursor":"c%d"}}}}}`, strings.Join(nodes, ","), last < n, last)
	}))
	defer srv.Close()
	cfg := spec.Config{Name: "gql", BaseURL: srv.URL, Path: "/graphql", Method: "POST",
		Body:    json.RawMessage(`{"query": "query($owner: String!, $first: Int!, $after: String) { repository { issues(first: $first, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } } }", "variables": {"owner": "golang"}}`),
		Records: ".data.repository.issues.nodes",
		Pagination: spec.PaginationConfig{Type: "cursor", In: "body", Limit: 10, LimitParam: "variables.first", CursorParam: "variables.after",
			CursorPath: ".data.repository.issues.pageInfo | if .hasNextPage then .endCursor else null end"},
		Retry: spec.RetryConfig{MaxAttempts: 1}}
	dir := t.TempDir()
	if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, readIDs(t, dir), n)
}
