package profiles

import (
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"siphon/ingest/spec"
)

// start reads the first position, whose form depends on the type.
func (d *decoder) start(e entry, typ string) string {
	switch typ {
	case spec.PageOffset:
		if v, ok := d.integer(e.val, e.field, 0); ok {
			return strconv.Itoa(v)
		}
	case spec.PageTimestamp:
		n := deref(e.val)
		if !isNull(n) && !isText(n) {
			d.at(n, e.field, "expected an RFC 3339 time such as 2024-01-01T00:00:00Z, got %s", describe(n))
			return ""
		}
		if s, ok := d.text(n, e.field); ok {
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				d.at(n, e.field, "expected an RFC 3339 time such as 2024-01-01T00:00:00Z, got %q", s)
				return ""
			}
			return s
		}
	case spec.PageKeyset:
		n := deref(e.val)
		switch {
		case isNull(n):
		case n.Kind != yaml.ScalarNode:
			d.at(n, e.field, "expected a value such as 0 or a key, got %s", describe(n))
		case isText(n):
			s, _ := d.text(n, e.field)
			return s
		default:
			return n.Value
		}
	}
	return ""
}
