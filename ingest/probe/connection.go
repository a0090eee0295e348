package probe

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"siphon/ingest/spec"
)

// Detectors for protocols with pagination of their own: GraphQL
// connections and Elasticsearch scrolls. Either, once recognised, decides:
// when no request confirms it, no pagination is proposed.

// graphQLConnection recognises a connection: edges[].node records and a
// pageInfo with endCursor, the cursor going into the query's variables.
func graphQLConnection(s *session) (f finding) {
	info, infoPath := findObject(s.doc, ".", "pageInfo", 0)
	if info == nil {
		return f
	}
	end, _ := info["endCursor"].(string)
	s.connectionRecords(strings.TrimSuffix(infoPath, ".pageInfo"))
	p := spec.PaginationConfig{Type: spec.PageCursor, CursorPath: infoPath + ".endCursor", StopWhen: infoPath + ".hasNextPage | not"}
	f.saw("a GraphQL connection: records at %s, %s.hasNextPage and endCursor", s.rep.Records, infoPath)
	if end == "" {
		f.saw("pageInfo has no endCursor on this page: the connection has one page")
		return f.propose(p)
	}
	param := "after"
	if _, ok := s.body["variables"]; ok {
		param = "variables.after"
		p.In = "body"
		if vars, _ := s.body["variables"].(map[string]any); vars != nil {
			if _, ok := vars["first"]; ok {
				p.LimitParam = "variables.first"
			}
		}
	}
	r, err := s.fetch(url.Values{param: {end}})
	if err != nil || !s.fresh(r.records) {
		f.saw("but a request with %s=<endCursor> brought nothing new: the query must take an $after variable", param)
		return f.propose(spec.PaginationConfig{Type: spec.PageNone})
	}
	p.CursorParam = param
	f.confirmed = fmt.Sprintf("a second request with %s=<endCursor> brought %d different records", param, len(r.records))
	return f.propose(p)
}

// connectionRecords takes a connection's records: its edges' nodes (later
// pages compared by their edges), or its nodes.
func (s *session) connectionRecords(conn string) {
	if edges := objectsAt(s.doc, conn+".edges"); len(edges) > 0 {
		if _, ok := edges[0]["node"]; ok {
			s.rep.Records = conn + ".edges[].node"
			s.recs = nil
			for _, e := range edges {
				if n, ok := e["node"].(map[string]any); ok {
					s.recs = append(s.recs, n)
				}
			}
			s.rep.RecordCount = len(s.recs)
			s.rep.PrimaryKey = primaryKeyOf(s.recs)
			s.seen = textsOf(edges)
		}
	} else if nodes := objectsAt(s.doc, conn+".nodes"); len(nodes) > 0 {
		s.rep.Records = conn + ".nodes"
	}
}

// elasticScroll recognises an Elasticsearch scroll (a _scroll_id): two
// phases, the follow-ups going to /_search/scroll with the id in the body.
func elasticScroll(s *session) (f finding) {
	id, _ := s.top["_scroll_id"].(string)
	if id == "" {
		return f
	}
	keep := s.q.Get("scroll")
	if keep == "" {
		keep = "1m"
	}
	next := spec.NextRequest{Path: "/_search/scroll", Method: "POST", Params: map[string]string{}, Body: json.RawMessage(fmt.Sprintf(`{"scroll":%q}`, keep)), In: "body", CursorParam: "scroll_id"}
	r, err := s.fetchFollowUp(&next, url.Values{"scroll_id": {id}})
	if err != nil || !s.fresh(r.records) {
		f.saw("._scroll_id is an Elasticsearch scroll, but POST /_search/scroll with it brought nothing new")
		return f.propose(spec.PaginationConfig{Type: spec.PageNone})
	}
	f.saw("._scroll_id is an Elasticsearch scroll: follow-ups are POST /_search/scroll with the id in the body; the id repeats, and an empty page ends it")
	f.confirmed = fmt.Sprintf("POST /_search/scroll brought %d different records", len(r.records))
	return f.propose(spec.PaginationConfig{Type: spec.PageCursor, CursorPath: "._scroll_id", CursorRepeats: true, Next: next})
}
