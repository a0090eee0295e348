package paginate

import (
	"bytes"
	"encoding/json"

	"siphon/ingest/page"
)

// EndFlags are the top-level fields by which common APIs say a page is the
// last one, with the value that says so: has_more: false (Stripe, Slack),
// end_of_stream: true (Zendesk), done: true (Salesforce), more: false,
// is_last / last: true. The probe proposes stop_when from them; without
// stop_when, a walk that would loop stops quietly when the page declares
// its end this way.
var EndFlags = []struct {
	Field string
	Last  bool // the value that marks the last page
}{
	{"has_more", false}, {"hasMore", false}, {"more", false}, {"has_next", false}, {"hasNext", false},
	{"end_of_stream", true}, {"done", true}, {"is_last", true}, {"isLast", true}, {"last", true}, {"last_page", true},
}

// DeclaredTotalFields are the top-level fields where APIs commonly declare
// how many records the whole walk holds (Jira, Salesforce, Django REST
// framework's count, many REST APIs): a run reads them from page 1 when the
// profile has no total_path, and the probe warns when a proposal cannot
// reach that many. Each is a number or {value, relation} (ReadCount).
var DeclaredTotalFields = []string{"total", "totalSize", "total_count", "totalCount", "total_results", "totalResults", "count"}

// declaredEnd reports whether a page says, by one of EndFlags or a GraphQL
// pageInfo.hasNextPage: false anywhere at the top two levels, that it is
// the last.
func declaredEnd(pg *page.Page) bool {
	if pg == nil {
		return false
	}
	obj, err := pg.Object()
	if err != nil {
		return false
	}
	return endIn(obj, 2)
}

func endIn(obj map[string]json.RawMessage, depth int) bool {
	for _, f := range EndFlags {
		if v, ok := obj[f.Field]; ok && isBool(v, f.Last) {
			return true
		}
	}
	if pi, ok := obj["pageInfo"]; ok {
		var info map[string]json.RawMessage
		if json.Unmarshal(pi, &info) == nil && isBool(info["hasNextPage"], false) {
			return true
		}
	}
	if depth <= 1 {
		return false
	}
	for _, v := range obj {
		if v = bytes.TrimSpace(v); len(v) > 0 && v[0] == '{' {
			var sub map[string]json.RawMessage
			if json.Unmarshal(v, &sub) == nil && endIn(sub, depth-1) {
				return true
			}
		}
	}
	return false
}

func isBool(v json.RawMessage, want bool) bool {
	t := bytes.TrimSpace(v)
	if want {
		return bytes.Equal(t, []byte("true"))
	}
	return bytes.Equal(t, []byte("false"))
}
