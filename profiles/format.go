package profiles

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"siphon/ingest/spec"
)

// Format prints the effective profile (defaults filled in) as canonical
// YAML that loads back to an equal Config. Secrets show as their ${VAR} or
// file: references, never their values.
func Format(p *Profile) []byte {
	c := p.Config // a copy: defaults for display must not change p
	c.ApplyDefaults()
	doc := NewDoc()
	formatter{p: p}.fill(doc, "", &c)
	return doc.Bytes()
}

// Compact prints the profile as YAML that holds only what differs from what
// the loader would give without it (and the keys that say what the profile
// is): the file siphon saves, short enough to read. It loads back to the
// same Config as Format's.
func Compact(p *Profile) []byte {
	c := p.Config
	c.ApplyDefaults()
	doc := NewDoc()
	formatter{p: p, compact: true}.fill(doc, "", &c)
	pruneEmpty(doc.root)
	return doc.Bytes()
}

// keptInCompact are the keys a compact profile always holds.
var keptInCompact = map[string]bool{"name": true, "base_url": true, "records": true}

// pruneEmpty drops the sections left empty in a mapping, recursively.
func pruneEmpty(m *yaml.Node) {
	if m.Kind != yaml.MappingNode {
		return
	}
	out := m.Content[:0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		v := m.Content[i+1]
		if v.Kind == yaml.MappingNode {
			pruneEmpty(v)
			if len(v.Content) == 0 {
				continue
			}
		}
		out = append(out, m.Content[i], v)
	}
	m.Content = out
}

// fill writes the keys of section sec that apply and are to be shown.
func (f formatter) fill(doc *Doc, sec string, c *spec.Config) {
	typ, grant := sectionState(c, sec)
	for _, fl := range children(sec) {
		if !fl.appliesTo(typ, grant) || fl.show == showNever {
			continue
		}
		if fl.kind == kSection {
			if fl.show == showIfSet && !sectionSet(c, fl.key) {
				continue
			}
			doc.set(fl.key, mapping().node)
			f.fill(doc, fl.key, c)
			continue
		}
		switch {
		case fl.show == showIfSet && isZero(c, fl):
			continue
		case fl.show == showIfNotDefault && (isZero(c, fl) || fieldText(c, fl) == defaultText(fl, typ)):
			continue
		case f.compact && !keptInCompact[fl.key] && f.loadsSameWithout(fl, c, typ):
			continue
		}
		n := f.node(fl, c)
		if fl.write != nil {
			n = fl.write(f, c)
		} else if text, ok := f.p.writtenAs(fl.key, fieldText(c, fl)); ok {
			n = scalar("!!str", text) // a reference, whatever the key
		}
		if n != nil {
			doc.set(fl.key, n)
		}
	}
}

// node writes a key's value by its kind.
func (f formatter) node(fl *field, c *spec.Config) *yaml.Node {
	switch v := fl.ptr(c).(type) {
	case *string:
		return f.str(*v)
	case *int:
		return intNode(*v)
	case *float64:
		return floatNode(*v)
	case *bool:
		return boolNode(*v != fl.negate)
	case *time.Duration:
		return durationNode(*v)
	case *spec.Secret:
		return scalar("!!str", v.Ref())
	case *[]string:
		return f.strs(*v)
	case *map[string]string:
		m := mapping()
		for _, k := range slices.Sorted(maps.Keys(*v)) {
			m.add(k, f.str((*v)[k]))
		}
		return m.node
	}
	return nil
}

// defaultText is a key's default for pagination or auth type typ.
func defaultText(fl *field, typ string) string {
	if fl.def != "" {
		return fl.def
	}
	var c spec.Config
	if t := typeKey(parentKey(fl.key)); t != nil {
		*t.ptr(&c).(*string) = typ
	}
	c.ApplyDefaults()
	return fieldText(&c, fl)
}

// Writers of keys whose writing the kind alone does not say.

func writeParams(f formatter, c *spec.Config) *yaml.Node  { return f.values("params.", c.Params) }
func writeHeaders(f formatter, c *spec.Config) *yaml.Node { return f.values("headers.", c.Headers) }
func writeBody(f formatter, c *spec.Config) *yaml.Node    { return f.body(c.Body) }

// writePrimaryKey writes one field as a string, several as a list.
func writePrimaryKey(f formatter, c *spec.Config) *yaml.Node {
	if len(c.PrimaryKey) == 1 {
		return f.str(c.PrimaryKey[0])
	}
	return f.strs(c.PrimaryKey)
}

func writeStatuses(_ formatter, c *spec.Config) *yaml.Node {
	statuses := flowList()
	for _, s := range c.Retry.OnStatus {
		statuses.Content = append(statuses.Content, intNode(s))
	}
	return statuses
}

// writeStart writes an offset as a number, keys and times as strings.
func writeStart(f formatter, c *spec.Config) *yaml.Node {
	if c.Pagination.Type == spec.PageOffset {
		return scalar("!!int", c.Pagination.Start)
	}
	return f.str(c.Pagination.Start)
}

// formatter builds the nodes of one profile.
type formatter struct {
	p       *Profile
	compact bool // only what differs from the defaults (Compact)
}

// loadsSameWithout reports whether leaving the key out gives the same
// value: it is the default the loader applies, or unset where unset is the
// default.
func (f formatter) loadsSameWithout(fl *field, c *spec.Config, typ string) bool {
	if fl.ptr == nil {
		return false
	}
	if fl.def != "" { // the decoder sets it itself when absent
		return fieldText(c, fl) == fl.def
	}
	var d spec.Config
	if t := typeKey(parentKey(fl.key)); t != nil {
		*t.ptr(&d).(*string) = typ
	}
	d.ApplyDefaults()
	if isZero(c, fl) && isZero(&d, fl) {
		return true
	}
	return reflect.DeepEqual(fl.ptr(c), fl.ptr(&d))
}

// str is a string that loads back to s: $ escaped where expansion would
// change it.
func (f formatter) str(s string) *yaml.Node { return scalar("!!str", f.escapeExceptSecrets(s)) }

// escapeExceptSecrets escapes the dollars of s and writes every known
// secret value in it as its reference, so no value is printed and the text
// loads back to the same string.
func (f formatter) escapeExceptSecrets(s string) string {
	for _, sec := range f.p.Config.Secrets {
		if v := sec.Reveal(); v != "" && sec.Ref() != "" && strings.Contains(s, v) {
			parts := strings.Split(s, v)
			for i := range parts {
				parts[i] = f.escapeExceptSecrets(parts[i])
			}
			return strings.Join(parts, sec.Ref())
		}
	}
	return escapeDollars(s)
}

// strs is a list of strings, on one line.
func (f formatter) strs(ss []string) *yaml.Node {
	n := flowList()
	for _, s := range ss {
		n.Content = append(n.Content, f.str(s))
	}
	return n
}

// values prints params or headers, sorted; sensitive ones as written, so
// their references show and their values do not.
func (f formatter) values(prefix string, vals map[string]string) *yaml.Node {
	m := mapping()
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		v := vals[k]
		text, asWritten := f.p.writtenAs(prefix+k, v)
		switch {
		case asWritten: // a reference, whatever the name
			m.add(k, scalar("!!str", text))
		case !isSensitiveName(k):
			m.add(k, f.str(v))
		case f.p.sensitive[prefix+k] != "":
			m.add(k, scalar("!!str", f.p.sensitive[prefix+k]))
		default: // built without the loader: put references back over values
			m.add(k, scalar("!!str", f.unresolve(v)))
		}
	}
	return m.node
}

// unresolve replaces every known secret value in v by its reference.
func (f formatter) unresolve(v string) string {
	secrets := slices.Clone(f.p.Config.Secrets)
	slices.SortFunc(secrets, func(a, b spec.Secret) int { return len(b.Reveal()) - len(a.Reveal()) })
	for _, s := range secrets {
		if s.Reveal() != "" && s.Ref() != "" {
			v = strings.ReplaceAll(v, s.Reveal(), s.Ref())
		}
	}
	return v
}

// body prints a JSON body as YAML, keeping key order and exact numbers.
func (f formatter) body(raw json.RawMessage) *yaml.Node { return f.bodyAt(raw, "body") }

// bodyAt writes a JSON body whose field path is path.
func (f formatter) bodyAt(raw json.RawMessage, path string) *yaml.Node {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	n, err := f.jsonValue(dec, path)
	if err != nil { // not JSON: cannot come from the loader
		return f.str(string(raw))
	}
	return n
}

// jsonValue reads one JSON value from dec as a node; path is its field
// path ("body.query.id", "body.ids[0]"), for strings written as references.
func (f formatter) jsonValue(dec *json.Decoder, path string) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if t == '{' {
			n = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		}
		for i := 0; dec.More(); i++ {
			child := itemField(path, i)
			if t == '{' {
				key, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, scalar("!!str", fmt.Sprint(key)))
				child = joinField(path, fmt.Sprint(key))
			}
			v, err := f.jsonValue(dec, child)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, v)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		if len(n.Content) == 0 {
			n.Style = yaml.FlowStyle
		}
		return n, nil
	case json.Number:
		if strings.ContainsAny(t.String(), ".eE") {
			return scalar("!!float", t.String()), nil
		}
		return scalar("!!int", t.String()), nil
	case string:
		if text, ok := f.p.writtenAs(path, t); ok {
			return scalar("!!str", text), nil
		}
		return f.str(t), nil
	case bool:
		return boolNode(t), nil
	case nil:
		return scalar("!!null", "null"), nil
	}
	return nil, io.ErrUnexpectedEOF
}

func scalar(tag, value string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
}

func flowList() *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
}

// floatNode writes f exactly (it loads back bit for bit), tagged so that
// the encoder needs no explicit tag.
func floatNode(f float64) *yaml.Node {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if strings.Contains(s, ".") {
		return scalar("!!float", s)
	}
	return scalar("!!int", s)
}

func intNode(i int) *yaml.Node   { return scalar("!!int", strconv.Itoa(i)) }
func boolNode(b bool) *yaml.Node { return scalar("!!bool", strconv.FormatBool(b)) }

// durationNode writes a duration the way people do.
func durationNode(d time.Duration) *yaml.Node { return scalar("!!str", shortDuration(d)) }

// ShortDuration writes a duration as people do: 15m rather than 15m0s.
func ShortDuration(d time.Duration) string { return shortDuration(d) }

func shortDuration(d time.Duration) string {
	units := []struct {
		size time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}}
	for _, u := range units {
		if d >= u.size && d%u.size == 0 {
			return strconv.FormatInt(int64(d/u.size), 10) + u.name
		}
	}
	return d.String()
}
