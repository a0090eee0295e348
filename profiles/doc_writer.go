package profiles

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Doc is a profile file being written. Keys are set by their dotted path
// and land in the order of the field table whatever order they are set in;
// a key the table does not have is refused. Format writes through it, and
// so does every tool that writes profiles.
type Doc struct {
	root *yaml.Node
	head string
}

// NewDoc starts an empty profile.
func NewDoc() *Doc { return &Doc{root: mapping().node} }

// SetText sets a key to text as a profile holds it: references and $$
// escapes are kept as they are. Numbers and booleans are written untagged
// by the key's kind.
func (d *Doc) SetText(key, text string) error {
	f := lookupField(key)
	if f == nil {
		return fmt.Errorf("%s: not a profile key", key)
	}
	tag := "!!str"
	switch f.kind {
	case kInt:
		tag = "!!int"
	case kBool:
		tag = "!!bool"
	case kNumber:
		tag = "!!float"
	}
	return d.Set(key, scalar(tag, strings.ToValidUTF8(text, "\uFFFD")))
}

// Set sets a key to a YAML value, for mappings and lists (params, headers,
// body), creating the sections above it.
func (d *Doc) Set(key string, v *yaml.Node) error {
	if lookupField(key) == nil {
		return fmt.Errorf("%s: not a profile key", key)
	}
	d.set(key, v)
	return nil
}

// Comment puts a comment at the end of a key's line; false when the key
// is not set.
func (d *Doc) Comment(key, text string) bool {
	n := d.node(key)
	if n == nil {
		return false
	}
	n.LineComment = text
	return true
}

// HeadComment sets the comment above the first key.
func (d *Doc) HeadComment(text string) { d.head = text }

// Bytes is the profile as YAML.
func (d *Doc) Bytes() []byte {
	if len(d.root.Content) > 0 {
		d.root.Content[0].HeadComment = d.head
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	_ = enc.Encode(d.root) // a tree of plain nodes encodes into memory without error
	_ = enc.Close()
	return buf.Bytes()
}

// set puts v at key, replacing a value there, creating sections.
func (d *Doc) set(key string, v *yaml.Node) {
	m := d.root
	if sec := parentKey(key); sec != "" {
		m = d.node(sec)
		if m == nil || m.Kind != yaml.MappingNode {
			m = mapping().node
			d.set(sec, m)
		}
	}
	leaf, idx := leafKey(key), fieldIndex[key]
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i].Value
		if k == leaf {
			m.Content[i+1] = v
			return
		}
		if fieldIndex[joinField(parentKey(key), k)] > idx {
			m.Content = append(m.Content[:i], append([]*yaml.Node{scalar("!!str", leaf), v}, m.Content[i:]...)...)
			return
		}
	}
	m.Content = append(m.Content, scalar("!!str", leaf), v)
}

// node is the value at key, or nil.
func (d *Doc) node(key string) *yaml.Node {
	n := d.root
	for _, part := range strings.Split(key, ".") {
		var next *yaml.Node
		for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

// mapNode builds a mapping in insertion order.
type mapNode struct{ node *yaml.Node }

func mapping() mapNode { return mapNode{&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}} }

func (m mapNode) add(key string, v *yaml.Node) {
	m.node.Content = append(m.node.Content, scalar("!!str", key), v)
}
