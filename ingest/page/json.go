package page

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// IsNull reports whether raw JSON is null or nothing.
func IsNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// Kind names a JSON value's kind for messages: "an object", "a string", ...
func Kind(v json.RawMessage) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// Snippet is the start of b, on one line, for error messages.
func Snippet(b []byte, max int) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "\uFFFD")), " ")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

// ScalarText is a JSON scalar as query-parameter text: strings unquoted,
// numbers and booleans as written, null and false as "".
func ScalarText(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	if IsNull(v) {
		return "", nil
	}
	switch v[0] {
	case '"':
		if s, ok := plainString(v); ok {
			return s, nil
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", err
		}
		return s, nil
	case '{', '[':
		return "", fmt.Errorf("expected a string or number, got %s", Kind(v))
	case 'f':
		return "", nil // false: no next page
	default:
		return string(v), nil
	}
}

// plainString is a JSON string with nothing to unescape (a cursor, as a
// rule) as its text: what json.Unmarshal would make of it, without a
// decoder.
func plainString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	in := v[1 : len(v)-1]
	for _, c := range in {
		if c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return "", false
		}
	}
	return string(in), true
}

// Int reads a JSON number or numeric string as an integer.
func Int(v json.RawMessage) (int64, bool) {
	text, err := ScalarText(v)
	if err != nil || text == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, true
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil {
		return int64(f), true
	}
	return 0, false
}

// Field reads a field of a record (a dotted path for nested ones); nil
// when it is missing.
func Field(rec json.RawMessage, field string) (json.RawMessage, error) {
	cur := rec
	for _, name := range strings.Split(field, ".") {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(cur, &obj); err != nil {
			return nil, fmt.Errorf("reading %s: %w", field, err)
		}
		v, ok := obj[name]
		if !ok {
			return nil, nil
		}
		cur = v
	}
	return cur, nil
}
