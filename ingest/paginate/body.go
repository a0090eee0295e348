package paginate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"siphon/ingest/page"
)

// BodyWith merges pagination parameters into a JSON object body (for
// pagination.in: body): numbers as numbers, anything else as strings. A
// dotted name sets a nested field, as GraphQL wants its cursor:
// limit_param first, cursor_param variables.after.
func BodyWith(base json.RawMessage, params url.Values) ([]byte, error) {
	fields := map[string]any{}
	if len(base) > 0 && !page.IsNull(base) {
		dec := json.NewDecoder(bytes.NewReader(base))
		dec.UseNumber()
		if err := dec.Decode(&fields); err != nil {
			return nil, fmt.Errorf("pagination.in: body needs a JSON object body: %w", err)
		}
	}
	for k, vs := range params {
		var v any = vs[0]
		if _, err := strconv.ParseInt(vs[0], 10, 64); err == nil {
			v = json.Number(vs[0])
		}
		if err := setPath(fields, strings.Split(k, "."), v); err != nil {
			return nil, fmt.Errorf("pagination.in: body: %s: %w", k, err)
		}
	}
	return json.Marshal(fields)
}

// setPath sets a nested field, making the objects on the way.
func setPath(m map[string]any, path []string, v any) error {
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			if m[k] != nil {
				return fmt.Errorf("%s is not an object", k)
			}
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
	return nil
}
