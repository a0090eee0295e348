package paginate

import (
	"bytes"
	"encoding/json"
	"strconv"

	"siphon/ingest/page"
)

// Count is a record count an API declares. Most declare a number;
// Elasticsearch declares {"value": N, "relation": "eq"|"gte"}, where gte
// means it stopped counting at N: a lower bound, not the size of the walk.
type Count struct {
	N       int64
	AtLeast bool // a lower bound (relation gte): the walk holds N or more
}

// String says the count as a sentence part: "30", "at least 10000".
func (c Count) String() string {
	if c.AtLeast {
		return "at least " + strconv.FormatInt(c.N, 10)
	}
	return strconv.FormatInt(c.N, 10)
}

// ReadCount reads a declared count: a number (or numeric string), or an
// object {value, relation}. false when the value is neither.
func ReadCount(v json.RawMessage) (Count, bool) {
	if n, ok := page.Int(v); ok {
		return Count{N: n}, true
	}
	var obj struct {
		Value    json.RawMessage `json:"value"`
		Relation string          `json:"relation"`
	}
	if v = bytes.TrimSpace(v); len(v) == 0 || v[0] != '{' || json.Unmarshal(v, &obj) != nil {
		return Count{}, false
	}
	n, ok := page.Int(obj.Value)
	if !ok {
		return Count{}, false
	}
	return Count{N: n, AtLeast: obj.Relation == "gte"}, true
}

// DeclaredTotal is the record count page 1 declares, and where: a top-level
// field (DeclaredTotalFields) or Elasticsearch's hits.total, a
// number or {value, relation} (a lower bound when relation is gte).
func DeclaredTotal(pg *page.Page) (Count, string) {
	for _, e := range declaredTotalExprs {
		raw, err := pg.Value(e)
		if err != nil {
			continue
		}
		if c, ok := ReadCount(raw); ok && c.N > 0 {
			return c, e.String()
		}
	}
	return Count{}, ""
}

// declaredTotalExprs are the plain paths DeclaredTotal reads. The one pass
// over a streamed page answers the top-level ones too (a run's page reader
// asks for DeclaredTotalTop), so a page too large to hold is checked like
// any other; HitsTotal only where .hits is sure to be an object (records
// under .hits).
var declaredTotalExprs, DeclaredTotalTop, HitsTotal = declaredTotalPaths()

func declaredTotalPaths() (all, top []*page.Expr, hits *page.Expr) {
	for _, k := range DeclaredTotalFields {
		top = append(top, mustCompile("."+k))
	}
	hits = mustCompile(".hits.total")
	return append(append(all, top...), hits), top, hits
}

func mustCompile(src string) *page.Expr {
	e, err := page.Compile(src)
	if err != nil {
		panic(err) // a constant path
	}
	return e
}
