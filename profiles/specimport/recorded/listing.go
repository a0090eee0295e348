package recorded

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"siphon/profiles/specimport"
)

// listing is what a recorded response says about the list it holds.
type listing struct {
	records    string // jq to the records: "." or .data, .result.items
	primaryKey string
	fields     []specimport.Field // the values beside the records (cursors, totals, links)
}

// maxDepth bounds how deep the records and the fields beside them are
// looked for: envelopes nest two or three levels at most.
const maxDepth = 4

// findListing finds the records in a recorded JSON body: the body itself
// when it is an array of objects, else the largest array of objects in
// the envelope (the shallowest among equals). It says why when there is
// none.
func findListing(body []byte) (*listing, string) {
	body = bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if len(body) == 0 {
		return nil, "is empty"
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, "is not JSON"
	}
	if arr, ok := doc.([]any); ok {
		if !objects(arr) {
			return nil, "is an array, but not of objects"
		}
		return &listing{records: ".", primaryKey: primaryKey(arr)}, ""
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, "holds no array of records"
	}
	path, arr := largestArray(obj, "", 1)
	if arr == nil {
		return nil, "holds no array of records"
	}
	l := &listing{records: path, primaryKey: primaryKey(arr)}
	l.fields = scalarFields(obj, "", path, 1)
	return l, ""
}

// objects reports whether arr is a (possibly empty) array of objects.
func objects(arr []any) bool {
	for _, v := range arr {
		if _, ok := v.(map[string]any); !ok {
			return false
		}
	}
	return true
}

// largestArray is the largest array of objects under obj, by length, then
// by depth; an empty array counts when there is no other.
func largestArray(obj map[string]any, path string, depth int) (string, []any) {
	var bestPath string
	var best []any
	found := false
	consider := func(p string, arr []any) {
		if !found || len(arr) > len(best) || (len(arr) == len(best) && strings.Count(p, ".") < strings.Count(bestPath, ".")) {
			bestPath, best, found = p, arr, true
		}
	}
	for _, k := range sortedKeys(obj) {
		p := specimport.JQKey(path, k)
		switch v := obj[k].(type) {
		case []any:
			if objects(v) {
				consider(p, v)
			}
		case map[string]any:
			if depth < maxDepth {
				if sp, sa := largestArray(v, p, depth+1); sa != nil {
					consider(sp, sa)
				}
			}
		}
	}
	if !found {
		return "", nil
	}
	if best == nil {
		best = []any{}
	}
	return bestPath, best
}

// scalarFields lists the values beside the records, with their paths and
// JSON types, for the paging guess.
func scalarFields(obj map[string]any, path, records string, depth int) []specimport.Field {
	var out []specimport.Field
	for _, k := range sortedKeys(obj) {
		p := specimport.JQKey(path, k)
		if p == records {
			continue
		}
		switch v := obj[k].(type) {
		case map[string]any:
			if depth < maxDepth {
				out = append(out, scalarFields(v, p, records, depth+1)...)
			}
		case []any:
		default:
			out = append(out, specimport.Field{Path: p, Key: k, Type: jsonType(v)})
		}
	}
	return out
}

func jsonType(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		if strings.ContainsAny(x.String(), ".eE") {
			return "number"
		}
		return "integer"
	case nil:
		return "" // null says nothing of the type (a last page's cursor)
	}
	return ""
}

// primaryKey is the field that identifies the records: id, else a field
// named like one (*_id, *Id, key, uuid) present in every record with
// distinct scalar values.
func primaryKey(arr []any) string {
	if len(arr) == 0 {
		return ""
	}
	first, _ := arr[0].(map[string]any)
	var names []string
	for k := range first {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		return rank(names[i]) < rank(names[j]) || rank(names[i]) == rank(names[j]) && names[i] < names[j]
	})
	for _, k := range names {
		if rank(k) > 2 {
			break
		}
		if identifies(arr, k) {
			return k
		}
	}
	return ""
}

// rank orders candidate key names: id first, then uuid/key, then *_id.
func rank(k string) int {
	l := strings.ToLower(k)
	switch {
	case l == "id":
		return 0
	case l == "uuid" || l == "key" || l == "gid" || l == "guid":
		return 1
	case strings.HasSuffix(l, "_id") || strings.HasSuffix(k, "Id") || strings.HasSuffix(k, "ID"):
		return 2
	}
	return 3
}

func identifies(arr []any, k string) bool {
	seen := map[string]bool{}
	for _, v := range arr {
		m, _ := v.(map[string]any)
		x, ok := m[k]
		if !ok {
			return false
		}
		var s string
		switch t := x.(type) {
		case string:
			s = "s" + t
		case json.Number:
			s = "n" + t.String()
		default:
			return false
		}
		if seen[s] {
			return false
		}
		seen[s] = true
	}
	return true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
