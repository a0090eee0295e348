package openapi

import (
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"siphon/profiles/specimport"
)

// Schemas may be cyclic (a tree's children are trees): every walk here
// keeps a depth bound, and merging keeps the schemas it has been through.
const maxDepth = 4

// view is a schema with its allOf, oneOf and anyOf members merged: the
// properties any of them has, the types any of them allows.
type view struct {
	types    map[string]bool
	props    map[string]*openapi3.Schema
	order    []string // property names, in a stable order
	required map[string]bool
	items    *openapi3.Schema
	format   string
	desc     string
}

func viewOf(s *openapi3.Schema) *view {
	v := &view{types: map[string]bool{}, props: map[string]*openapi3.Schema{}, required: map[string]bool{}}
	v.merge(s, map[*openapi3.Schema]bool{}, 0)
	return v
}

func (v *view) merge(s *openapi3.Schema, seen map[*openapi3.Schema]bool, depth int) {
	if s == nil || seen[s] || depth > 8 {
		return
	}
	seen[s] = true
	if s.Type != nil {
		for _, t := range s.Type.Slice() {
			v.types[t] = true
		}
	}
	for _, name := range sortedKeys(s.Properties) {
		if ref := s.Properties[name]; ref != nil && ref.Value != nil {
			if _, ok := v.props[name]; !ok {
				v.order = append(v.order, name)
			}
			v.props[name] = ref.Value
		}
	}
	for _, r := range s.Required {
		v.required[r] = true
	}
	if s.Items != nil && s.Items.Value != nil && v.items == nil {
		v.items = s.Items.Value
	}
	if v.format == "" {
		v.format = s.Format
	}
	if v.desc == "" {
		v.desc = s.Description
	}
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, m := range group {
			if m != nil {
				v.merge(m.Value, seen, depth+1)
			}
		}
	}
}

func (v *view) isArray() bool { return v.types["array"] || (len(v.types) == 0 && v.items != nil) }
func (v *view) isObject() bool {
	return !v.isArray() && (v.types["object"] || len(v.props) > 0)
}

// isArrayOfObjects: records.
func (v *view) isArrayOfObjects() bool {
	return v.isArray() && v.items != nil && viewOf(v.items).isObject()
}

// scalarType is the JSON type of a scalar, "" when several or unknown.
func (v *view) scalarType() string {
	var t string
	for _, name := range []string{"string", "integer", "number", "boolean"} {
		if v.types[name] {
			if t != "" {
				return ""
			}
			t = name
		}
	}
	return t
}

// recordsIn finds the records in a response schema: the body itself when
// it is an array of objects, else the arrays of objects in its envelope
// (nested objects too, not inside arrays).
func recordsIn(s *openapi3.Schema) (paths []string, items map[string]*openapi3.Schema) {
	items = map[string]*openapi3.Schema{}
	v := viewOf(s)
	if v.isArrayOfObjects() {
		items["."] = v.items
		return []string{"."}, items
	}
	walkEnvelope(s, func(name, path string, pv *view) {
		if pv.isArrayOfObjects() {
			paths = append(paths, path)
			items[path] = pv.items
		}
	})
	return paths, items
}

// preferredRecords are the usual names of an envelope's records.
var preferredRecords = map[string]bool{"data": true, "items": true, "results": true, "records": true, "entries": true,
	"values": true, "value": true, "hits": true, "list": true, "elements": true, "rows": true, "nodes": true, "resources": true}

// chooseRecords picks one of several arrays: the one named like records
// (data, items...) or like the resource (the path's last word), when only
// one is.
func chooseRecords(paths []string, resource string) (string, bool) {
	if len(paths) == 1 {
		return paths[0], true
	}
	var picked []string
	for _, p := range paths {
		last := p[strings.LastIndexAny(p, ".\"")+1:]
		if preferredRecords[strings.ToLower(last)] || strings.EqualFold(last, resource) {
			picked = append(picked, p)
		}
	}
	if len(picked) == 1 {
		return picked[0], true
	}
	return "", false
}

// fieldsOf lists the scalars of a response envelope outside the records,
// for guessing pagination.
func fieldsOf(s *openapi3.Schema, records string) []specimport.Field {
	var out []specimport.Field
	walkEnvelope(s, func(name, path string, pv *view) {
		if path != records && !pv.isArray() {
			out = append(out, specimport.Field{Path: path, Key: name, Type: pv.scalarType(), Format: pv.format, Description: pv.desc})
		}
	})
	return out
}

// walkEnvelope calls visit for each property of an object schema that is
// not itself an object, and goes into the objects, up to maxDepth levels
// (not into arrays). A schema within itself is a cycle: it is not entered
// again.
func walkEnvelope(s *openapi3.Schema, visit func(name, path string, pv *view)) {
	onPath := map[*openapi3.Schema]bool{s: true}
	var walk func(v *view, path string, depth int)
	walk = func(v *view, path string, depth int) {
		if depth > maxDepth {
			return
		}
		for _, name := range v.order {
			ps := v.props[name]
			pv := viewOf(ps)
			p := specimport.JQKey(path, name)
			if !pv.isObject() {
				visit(name, p, pv)
				continue
			}
			if !onPath[ps] {
				onPath[ps] = true
				walk(pv, p, depth+1)
				delete(onPath, ps)
			}
		}
	}
	if v := viewOf(s); v.isObject() {
		walk(v, ".", 0)
	}
}

// primaryKey is the field that identifies a record: a required id-like
// field, else a field named id.
func primaryKey(item *openapi3.Schema) string {
	v := viewOf(item)
	for _, name := range []string{"id", "uuid", "guid", "_id", "key", "Id", "ID"} {
		if v.required[name] && v.props[name] != nil {
			return name
		}
	}
	if v.props["id"] != nil {
		return "id"
	}
	return ""
}

func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Property order is lost in the library's maps: sorted keys make
	// every choice the same from run to run.
	sort.Strings(keys)
	return keys
}
