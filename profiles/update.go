package profiles

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"siphon/ingest/atomicfile"
	"strings"

	"go.yaml.in/yaml/v3"
)

// UpdateFile sets fields of a saved profile, given as dotted keys
// ("records", "pagination.cursor_path"), keeping the rest of the file and
// its comments. An empty value removes the key. The result must load with
// l (secrets skipped) or nothing is written; the file is replaced atomically, 0600.
func (l Loader) UpdateFile(path string, set map[string]string) error {
	data, err := readProfileFile(path)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("%s: not a profile (a YAML mapping)", path)
	}
	for key := range set {
		if lookupField(key) == nil {
			return fmt.Errorf("%s: %s is not a profile key", path, key)
		}
	}
	for key, value := range set {
		setKey(doc.Content[0], strings.Split(key, "."), value)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	l.SkipSecrets = true
	if _, err := l.LoadBytes(path, buf.Bytes()); err != nil {
		return err
	}
	return Replace(path, data, buf.Bytes())
}

// Replace writes new content over a saved profile whose content was old,
// atomically, 0600. An approval of the old content carries over to the new:
// siphon changed it at the user's word.
func Replace(path string, old, data []byte) error {
	if err := writeAtomic(path, data); err != nil {
		return err
	}
	store := DefaultApprovals()
	if store.Approved(ContentHash(old)) {
		return store.Approve(ContentHash(data), path)
	}
	return nil
}

// WriteNew writes a profile siphon made (probe, import, the console) to a
// new file, atomically, 0600, and approves its content: the user asked for
// it. It refuses to replace an existing file.
func WriteNew(path string, data []byte) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s exists", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if err := writeAtomic(path, data); err != nil {
		return err
	}
	return DefaultApprovals().Approve(ContentHash(data), path)
}

// setKey sets (or, with an empty value, removes) a nested scalar.
func setKey(m *yaml.Node, keys []string, value string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != keys[0] {
			continue
		}
		if len(keys) == 1 {
			if value == "" {
				m.Content = append(m.Content[:i], m.Content[i+2:]...)
				return
			}
			old := m.Content[i+1]
			n := scalarNode(value)
			n.HeadComment, n.LineComment, n.FootComment = old.HeadComment, old.LineComment, old.FootComment
			m.Content[i+1] = n
			return
		}
		if m.Content[i+1].Kind != yaml.MappingNode {
			m.Content[i+1] = &yaml.Node{Kind: yaml.MappingNode}
		}
		setKey(m.Content[i+1], keys[1:], value)
		return
	}
	if value == "" {
		return
	}
	k := &yaml.Node{Kind: yaml.ScalarNode, Value: keys[0]}
	if len(keys) == 1 {
		m.Content = append(m.Content, k, scalarNode(value))
		return
	}
	child := &yaml.Node{Kind: yaml.MappingNode}
	m.Content = append(m.Content, k, child)
	setKey(child, keys[1:], value)
}

// scalarNode keeps numbers and booleans untyped, so "100" stays 100.
func scalarNode(value string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Value: value}
	var probe any
	if yaml.Unmarshal([]byte(value), &probe) != nil {
		n.Style = yaml.DoubleQuotedStyle
	} else if _, isString := probe.(string); isString && probe != value {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// Save writes a new profile (Compact: only what differs from the defaults) into dir as NAME.yaml, 0600; it
// refuses to replace an existing file.
func Save(dir string, p *Profile) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, p.Config.Name+".yaml")
	return path, WriteNew(path, Compact(p))
}

func writeAtomic(path string, data []byte) error { return atomicfile.Write(path, data, 0o600) }
