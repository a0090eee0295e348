package profiles

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"strconv"

	"go.yaml.in/yaml/v3"

	"siphon/ingest/spec"
)

// body turns the YAML value of body into JSON. Integers keep every digit
// (9007199254740993 stays exact); strings are interpolated.
func (d *decoder) body(n *yaml.Node, field string) json.RawMessage {
	if isNull(n) {
		return nil
	}
	var buf bytes.Buffer
	w := jsonWriter{d: d, buf: &buf, root: field}
	if !w.value(deref(n), field, 0) {
		return nil
	}
	return json.RawMessage(buf.Bytes())
}

// Limits on what aliases can expand a body to: a recursive alias never
// ends, and nested ones grow exponentially.
const (
	maxBodyDepth = 100
	maxBodyBytes = 1 << 20
)

// jsonWriter writes a YAML tree as JSON, reporting every problem but
// stopping at once when a limit is hit.
type jsonWriter struct {
	d       *decoder
	buf     *bytes.Buffer
	root    string // the body's field, for the limit's message
	aborted bool
	// secrets, when set, collects the values of references (the login
	// body, where each is a secret)
	secrets *[]spec.Secret
}

// value writes n; false after reporting a problem.
func (w *jsonWriter) value(n *yaml.Node, field string, depth int) bool {
	d, buf := w.d, w.buf
	n = deref(n)
	if w.aborted {
		return false
	}
	if depth > maxBodyDepth || buf.Len() > maxBodyBytes {
		d.at(n, w.root, "the body is nested too deeply or too large (a recursive alias?)")
		w.aborted = true
		return false
	}
	switch n.Kind {
	case yaml.MappingNode:
		buf.WriteByte('{')
		ok := true
		for i, kv := range d.mapping(n, field) {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, kv.key)
			buf.WriteByte(':')
			ok = w.value(kv.val, kv.field, depth+1) && ok
		}
		buf.WriteByte('}')
		return ok
	case yaml.SequenceNode:
		buf.WriteByte('[')
		ok := true
		for i, item := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			ok = w.value(item, itemField(field, i), depth+1) && ok
		}
		buf.WriteByte(']')
		return ok
	}
	switch n.ShortTag() {
	case "!!null":
		buf.WriteString("null")
	case "!!bool":
		var b bool
		_ = n.Decode(&b) // cannot fail: the tag is !!bool
		buf.WriteString(strconv.FormatBool(b))
	case "!!int":
		i, ok := new(big.Int).SetString(n.Value, 0)
		if !ok {
			d.at(n, field, "cannot read integer %s", n.Value)
			return false
		}
		buf.WriteString(i.String())
	case "!!float":
		if json.Valid([]byte(n.Value)) { // already JSON: keep it exactly as written
			buf.WriteString(n.Value)
			break
		}
		var f float64
		if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			d.at(n, field, "%s is not a JSON number", n.Value)
			return false
		}
		buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	case "!!str", "!!timestamp":
		s, ok := "", false
		if w.secrets != nil {
			s, ok = w.secretText(n, field)
		} else {
			s, ok = d.interpolate(n, field, n.Value)
		}
		if !ok {
			return false
		}
		writeJSONString(buf, s)
	default:
		d.at(n, field, "%s values cannot be sent as JSON", n.ShortTag())
		return false
	}
	return true
}

// writeJSONString writes s as a JSON string.
func writeJSONString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)    // keep <, > and & as written
	_ = enc.Encode(s)           // a string always encodes
	buf.Truncate(buf.Len() - 1) // Encode ends with a newline
}
