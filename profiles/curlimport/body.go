package curlimport

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// jsonKind is the kind of a JSON value.
type jsonKind int

const (
	jsonObject jsonKind = iota
	jsonArray
	jsonString
	jsonNumber
	jsonBool
	jsonNull
)

// jsonNode is a JSON value that keeps the order of object keys and the
// exact text of numbers, so the body is written as the command had it.
type jsonNode struct {
	kind   jsonKind
	scalar string      // number or bool as written; the raw string for strings
	str    text        // a string as the profile writes it (set by the builder)
	keys   []string    // object keys, in order
	items  []*jsonNode // object values (beside keys) or array items
}

// maxBodyDepth stays under the profile loader's nesting limit.
const maxBodyDepth = 90

// parseJSON reads a request body that is one JSON object or array. A key
// given twice keeps its last value, as most servers read it; dups names it.
func parseJSON(s string) (node *jsonNode, dups []string, err error) {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") {
		return nil, nil, errors.New("not a JSON object or array")
	}
	dec := json.NewDecoder(strings.NewReader(t))
	dec.UseNumber()
	r := jsonReader{dec: dec}
	node, err = r.value(0)
	if err != nil {
		return nil, nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, errors.New("more data after the JSON value")
	}
	return node, r.dups, nil
}

type jsonReader struct {
	dec  *json.Decoder
	dups []string
}

func (r *jsonReader) value(depth int) (*jsonNode, error) {
	if depth > maxBodyDepth {
		return nil, fmt.Errorf("nested more than %d levels deep", maxBodyDepth)
	}
	tok, err := r.dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return r.object(depth)
		}
		n := &jsonNode{kind: jsonArray}
		for r.dec.More() {
			item, err := r.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, item)
		}
		_, err := r.dec.Token() // ]
		return n, err
	case string:
		return &jsonNode{kind: jsonString, scalar: v}, nil
	case json.Number:
		return &jsonNode{kind: jsonNumber, scalar: v.String()}, nil
	case bool:
		return &jsonNode{kind: jsonBool, scalar: fmt.Sprint(v)}, nil
	default:
		return &jsonNode{kind: jsonNull}, nil
	}
}

func (r *jsonReader) object(depth int) (*jsonNode, error) {
	n := &jsonNode{kind: jsonObject}
	index := map[string]int{}
	for r.dec.More() {
		tok, err := r.dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string) // the decoder allows only strings here
		val, err := r.value(depth + 1)
		if err != nil {
			return nil, err
		}
		if i, dup := index[key]; dup {
			n.items[i] = val
			r.dups = append(r.dups, key)
			continue
		}
		index[key] = len(n.keys)
		n.keys = append(n.keys, key)
		n.items = append(n.items, val)
	}
	_, err := r.dec.Token() // }
	return n, err
}

// bodySecrets decides how each string of the body is written: a field
// whose name marks a credential, or a value already known as one, comes
// from a variable; any other string is plain text.
func (b *builder) bodySecrets(n *jsonNode, pos int, key string) {
	if n == nil {
		return
	}
	switch n.kind {
	case jsonString:
		switch known := b.reg.lookup(n.scalar); {
		case known != nil:
			n.str = reference(known)
		case key != "" && n.scalar != "" && isSecretName(key, false):
			n.str = reference(b.reg.secret(pos, key, "field "+excerpt(key)+" of the JSON body", n.scalar))
		default:
			n.str = b.plainText(pos, n.scalar, key, "the JSON body")
		}
	case jsonObject:
		for i, item := range n.items {
			b.bodySecrets(item, pos, n.keys[i])
		}
	case jsonArray:
		for _, item := range n.items {
			b.bodySecrets(item, pos, key)
		}
	}
}
