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
