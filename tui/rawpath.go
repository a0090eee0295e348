package tui

import (
	"bytes"
	"encoding/json"
	"math"
)

var jsonNull = json.RawMessage("null")

// rawAt is the value at a jq path (as path(f) yields it: keys, indexes and
// array slices) in a JSON text, in the text's own bytes: its key order,
// its numbers as written. As in jq, a missing key or index, or anything
// under null, is null. ok is false for a step it cannot follow (a slice
// of a string, a key of an array): the caller then lets jq build the value.
func rawAt(doc []byte, path []any) (json.RawMessage, bool) {
	cur := json.RawMessage(bytes.TrimSpace(doc))
	for _, step := range path {
		if bytes.Equal(cur, jsonNull) {
			continue
		}
		switch s := step.(type) {
		case string:
			members, ok := objectMembers(cur)
			if !ok {
				return nil, false
			}
			next := jsonNull
			for _, m := range members {
				if m.key == s {
					next = m.value // the last of duplicate keys, as decoding keeps
				}
			}
			cur = next
		case int, float64:
			elems, ok := arrayElements(cur)
			if !ok {
				return nil, false
			}
			i := pathIndex(s)
			if i < 0 {
				i += len(elems)
			}
			if i < 0 || i >= len(elems) {
				cur = jsonNull
			} else {
				cur = elems[i]
			}
		case map[string]any:
			elems, ok := arrayElements(cur)
			if !ok {
				return nil, false
			}
			from, to := sliceBounds(s, len(elems))
			var b bytes.Buffer
			b.WriteByte('[')
			for i, e := range elems[from:to] {
				if i > 0 {
					b.WriteByte(',')
				}
				b.Write(e)
			}
			b.WriteByte(']')
			cur = b.Bytes()
		default:
			return nil, false
		}
	}
	return cur, true
}

func pathIndex(step any) int {
	switch s := step.(type) {
	case int:
		return s
	case float64:
		return int(math.Floor(s))
	}
	return 0
}

// sliceBounds is a jq slice {"start": …, "end": …} on n elements: null is
// the end, negatives count from it, both clamped.
func sliceBounds(s map[string]any, n int) (from, to int) {
	bound := func(v any, def int) int {
		var i int
		switch v := v.(type) {
		case int:
			i = v
		case float64:
			i = int(math.Floor(v))
		default:
			return def
		}
		if i < 0 {
			i += n
		}
		return min(max(i, 0), n)
	}
	from, to = bound(s["start"], 0), bound(s["end"], n)
	return from, max(from, to)
}

type member struct {
	key   string
	value json.RawMessage
}

// objectMembers is an object's keys and values as written; ok is false
// for anything else.
func objectMembers(doc json.RawMessage) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, false
		}
		out = append(out, member{key, val})
	}
	return out, true
}

// arrayElements is an array's elements as written; ok is false for
// anything else.
func arrayElements(doc json.RawMessage) ([]json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, false
	}
	var out []json.RawMessage
	for dec.More() {
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, false
		}
		out = append(out, val)
	}
	return out, true
}
