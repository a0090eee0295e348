package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"

	"siphon/ingest/page"
)

// ArrayCandidate is an array in the body that may hold the records.
type ArrayCandidate struct {
	Path    string // jq path, e.g. .data or .result.items
	Count   int
	Objects bool // every element is an object
	Fields  []string
}

// findArrays lists the arrays in a decoded body, to a small depth.
func findArrays(v any, path string, depth int) []ArrayCandidate {
	if depth > 4 {
		return nil
	}
	var out []ArrayCandidate
	switch x := v.(type) {
	case []any:
		out = append(out, arrayCandidate(x, path))
	case map[string]any:
		for _, k := range sortedKeys(x) {
			out = append(out, findArrays(x[k], joinPath(path, k), depth+1)...)
		}
	}
	return out
}

// arrayCandidate describes one array: its size, and its fields when every
// element is an object.
func arrayCandidate(x []any, path string) ArrayCandidate {
	cand := ArrayCandidate{Path: path, Count: len(x), Objects: len(x) > 0}
	fields := map[string]bool{}
	for _, el := range x {
		obj, ok := el.(map[string]any)
		if !ok {
			cand.Objects = false
			break
		}
		for k := range obj {
			fields[k] = true
		}
	}
	for k := range fields {
		cand.Fields = append(cand.Fields, k)
	}
	sort.Strings(cand.Fields)
	return cand
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// joinPath is the jq path of key under path: .a.b, or .a["b-c"] for a key
// jq cannot take bare.
func joinPath(path, key string) string {
	if !plainKey.MatchString(key) {
		key = fmt.Sprintf("[%q]", key)
		if path == "." {
			return "." + key
		}
		return path + key
	}
	if path == "." {
		return "." + key
	}
	return path + "." + key
}

// objectsAt evaluates a path found by findArrays on the decoded body.
func objectsAt(doc any, path string) []map[string]any {
	e, err := page.Compile(path + "[]")
	if err != nil {
		return nil
	}
	var out []map[string]any
	vals, _ := e.RunDecoded(context.Background(), doc) // a path found in the body: it ends
	for _, v := range vals {
		if m, ok := v.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// primaryKeyOf picks a field that every record has, with distinct values.
func primaryKeyOf(recs []map[string]any) string {
	if len(recs) == 0 {
		return ""
	}
	for _, name := range []string{"id", "ID", "Id", "uuid", "key", "_id", "number", "sys_id"} {
		if identifies(recs, name) {
			return name
		}
	}
	return ""
}

// identifies reports whether every record has the field, each a
// different value.
func identifies(recs []map[string]any, name string) bool {
	seen := map[string]bool{}
	for _, r := range recs {
		v, has := r[name]
		if !has || v == nil {
			return false
		}
		k := fmt.Sprint(v)
		if seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

// scalarPath is a scalar field of the body outside arrays.
type scalarPath struct {
	path, key string
	value     any
}

// scalarPaths lists the scalar fields of a body outside arrays.
func scalarPaths(v any, path string, depth int) []scalarPath {
	m, ok := v.(map[string]any)
	if !ok || depth > 3 {
		return nil
	}
	var out []scalarPath
	for _, k := range sortedKeys(m) {
		p := joinPath(path, k)
		switch x := m[k].(type) {
		case map[string]any:
			out = append(out, scalarPaths(x, p, depth+1)...)
		case []any:
		default:
			out = append(out, scalarPath{path: p, key: k, value: x})
		}
	}
	return out
}

// findObject finds the first object under key, to a small depth.
func findObject(v any, path, key string, depth int) (map[string]any, string) {
	m, ok := v.(map[string]any)
	if !ok || depth > 5 {
		return nil, ""
	}
	if o, ok := m[key].(map[string]any); ok {
		return o, joinPath(path, key)
	}
	for _, k := range sortedKeys(m) {
		if o, p := findObject(m[k], joinPath(path, k), key, depth+1); o != nil {
			return o, p
		}
	}
	return nil, ""
}

// firstKey is the first of names the object has, "" for none.
func firstKey(m map[string]any, names ...string) string {
	for _, n := range names {
		if _, ok := m[n]; ok {
			return n
		}
	}
	return ""
}

// recordText is a record as JSON, to tell records apart across pages.
func recordText(r map[string]any) string {
	b, _ := json.Marshal(r)
	return string(b)
}

// number is a decoded JSON number, whichever way it was decoded.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	}
	return 0, false
}
