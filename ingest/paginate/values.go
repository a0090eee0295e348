package paginate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"siphon/ingest/page"
)

// compile compiles an optional jq expression of the pagination block.
func compile(src string) (*page.Expr, error) {
	if src == "" {
		return nil, nil
	}
	return page.Compile(src)
}

// total reads a count the API reports (total_path, total_pages_path): a
// number, or {value, relation} (see Count). It returns false when the
// expression is unset or finds no count.
func total(e *page.Expr, field string, pg *page.Page) (Count, bool, error) {
	if e == nil {
		return Count{}, false, nil
	}
	v, err := pg.Value(e)
	if err != nil {
		return Count{}, false, fmt.Errorf("%s %s: %w", field, e, err)
	}
	c, ok := ReadCount(v)
	return c, ok, nil
}

// text reads a cursor or URL: a scalar at the expression, "" when none.
func text(e *page.Expr, field string, pg *page.Page) (string, error) {
	v, err := pg.Value(e)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", field, e, err)
	}
	s, err := page.ScalarText(v)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", field, e, err)
	}
	return s, nil
}

// CompareMarks orders two high-water marks: numbers numerically, RFC 3339
// times as instants, anything else as text.
func CompareMarks(a, b string) int {
	if x, ok := new(big.Rat).SetString(a); ok {
		if y, ok := new(big.Rat).SetString(b); ok {
			return x.Cmp(y)
		}
	}
	if ta, err := time.Parse(time.RFC3339Nano, a); err == nil {
		if tb, err := time.Parse(time.RFC3339Nano, b); err == nil {
			return ta.Compare(tb)
		}
	}
	return strings.Compare(a, b)
}

// recordKey identifies a record by its primary key fields, or by its whole
// text when the profile names none.
func recordKey(rec json.RawMessage, fields []string) string {
	if len(fields) == 0 {
		var buf bytes.Buffer
		if json.Compact(&buf, rec) == nil {
			return buf.String()
		}
		return string(rec)
	}
	parts := make([]string, len(fields))
	for i, f := range fields {
		v, _ := page.Field(rec, f)
		parts[i] = string(bytes.TrimSpace(v))
	}
	return strings.Join(parts, "\x1f")
}

// headerValue is a response header's value, trimmed ("" when absent).
func headerValue(r *Response, name string) string {
	if r.Header == nil {
		return ""
	}
	return strings.TrimSpace(r.Header.Get(name))
}

// truthy is jq's truth: anything but null and false (and no value at all).
func truthy(v json.RawMessage) bool {
	t := bytes.TrimSpace(v)
	return len(t) > 0 && !bytes.Equal(t, []byte("null")) && !bytes.Equal(t, []byte("false"))
}
