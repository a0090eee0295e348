package page

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// ObjectArrays lists the non-empty top-level arrays of objects of a body,
// and those one level down: ".items (100), .data.rows (5)".
func ObjectArrays(p *Page) string {
	obj, err := p.Object()
	if err != nil {
		return ""
	}
	var hints []string
	var walkObj func(prefix string, o map[string]json.RawMessage, depth int)
	walkObj = func(prefix string, o map[string]json.RawMessage, depth int) {
		for _, k := range sortedKeys(o) {
			v := o[k]
			if len(v) == 0 {
				continue
			}
			switch v[0] {
			case '[':
				var arr []json.RawMessage
				if json.Unmarshal(v, &arr) == nil && len(arr) > 0 && len(arr[0]) > 0 && arr[0][0] == '{' {
					hints = append(hints, fmt.Sprintf("%s.%s (%d)", prefix, k, len(arr)))
				}
			case '{':
				if depth > 0 {
					var sub map[string]json.RawMessage
					if json.Unmarshal(v, &sub) == nil {
						walkObj(prefix+"."+k, sub, depth-1)
					}
				}
			}
		}
	}
	walkObj("", obj, 1)
	return joinHints(hints)
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func joinHints(h []string) string { return strings.Join(h, ", ") }
