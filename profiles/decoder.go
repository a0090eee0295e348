package profiles

import (
	"fmt"
	"siphon/ingest/spec"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decoder walks one profile's YAML tree, filling an spec.Config and
// collecting every problem with its position.
type decoder struct {
	problems
	dir         string // the profile's folder, for relative paths
	lookupEnv   func(string) (string, bool)
	skipSecrets bool
	checkExpr   func(string) error // the Loader's CheckExpr; nil: jq not checked
	profileName string             // for the variable names suggested in secret errors
	// interpolated holds values substituted from the environment into the
	// path or the body: often tokens (a bot token in a path, a password in a
	// login body), so they are redacted like secrets.
	interpolated []spec.Secret
	entries      map[string]entry // every table key given, by dotted key
	ok           map[string]bool  // the keys read without a problem
	// withRefs lists the fields whose text holds a ${VAR} reference: their
	// headers, params and body go only to base_url's origin.
	withRefs []string
	// written keeps the text as written of every value that held a set
	// reference, so writing the profile back shows the reference.
	written map[string]asWritten
	// approved: the user approved this profile's content (or siphon wrote
	// it, or it is built in), so it may read, run and write outside its
	// folder. accesses lists what it does; blocked, what waited for approval
	// and was therefore neither read, run nor written.
	approved bool
	accesses []Access
	blocked  []Access
}

// entry is one key: value pair of a mapping.
type entry struct {
	key     string
	keyNode *yaml.Node
	val     *yaml.Node
	field   string // dotted path for messages
}

// joinField extends a dotted field path.
func joinField(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// deref follows YAML aliases to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is absent or an explicit null, which every
// optional field treats as "not given".
func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// mapping returns the pairs of mapping n in file order, reporting duplicate
// and malformed keys. A null n is an absent section: no pairs, no error.
func (d *decoder) mapping(n *yaml.Node, field string) []entry {
	n = deref(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.at(n, field, "expected a mapping, got %s", describe(n))
		return nil
	}
	seen := map[string]*yaml.Node{}
	var out []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.at(k, field, "expected a key, got %s", describe(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			d.at(k, field, "merge keys (<<) are not supported; write the keys out")
			continue
		}
		f := joinField(field, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.at(k, f, "duplicate key; first defined at line %d", first.Line)
			continue
		}
		seen[k.Value] = k
		out = append(out, entry{key: k.Value, keyNode: k, val: v, field: f})
	}
	return out
}

// unknown reports a key that the section does not have.
func (d *decoder) unknown(e entry, known []string) {
	d.at(e.keyNode, e.field, "unknown key%s", didYouMean(e.key, known))
}

// describe says what a node is, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	n = deref(n)
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!null":
		return "null"
	case "!!str", "!!timestamp", "!!binary":
		v := n.Value
		if len(v) > 40 {
			v = v[:37] + "..."
		}
		return strconv.Quote(v)
	}
	return n.Value
}

// isText reports whether a scalar is written as text (a YAML timestamp is
// text too: each field that wants a time parses it itself).
func isText(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!str" || n.ShortTag() == "!!timestamp")
}

// rawText returns a string scalar as written, without interpolation.
func (d *decoder) rawText(n *yaml.Node, field string) (string, bool) {
	n = deref(n)
	if isNull(n) {
		return "", false
	}
	if !isText(n) {
		msg := "expected a string, got " + describe(n)
		if n.Kind == yaml.ScalarNode {
			msg += fmt.Sprintf(" (quote it: %q)", n.Value)
		}
		d.at(n, field, "%s", msg)
		return "", false
	}
	return n.Value, true
}

// text returns a string scalar with its ${VAR} references expanded.
func (d *decoder) text(n *yaml.Node, field string) (string, bool) {
	s, ok := d.rawText(n, field)
	if !ok {
		return "", false
	}
	return d.interpolate(deref(n), field, s)
}

// interpolate expands s, reporting a problem at n.
func (d *decoder) interpolate(n *yaml.Node, field, s string) (string, bool) {
	out, refs, err := expand(s, d.lookupEnv)
	if err != nil {
		d.at(n, field, "%v", err)
		return "", false
	}
	for _, r := range refs {
		if r.set { // a default written in the profile is no secret
			d.withRefs = append(d.withRefs, field)
			d.written[field] = asWritten{text: s, value: out}
			break
		}
	}
	if f := lookupField(topLevel(field)); f != nil && f.secret == secretFromEnv {
		for _, r := range refs {
			if r.set && len(r.value) >= minInterpolatedSecret {
				d.interpolated = append(d.interpolated, spec.NewSecret(r.ref, r.value))
			}
		}
	}
	return out, true
}

// topLevel is the top-level key of a field path: body for body.a[2].
func topLevel(field string) string {
	if i := strings.IndexAny(field, ".["); i >= 0 {
		return field[:i]
	}
	return field
}

// minInterpolatedSecret is the shortest value from the environment in a path
// or body that is treated as a secret; shorter ones ("v2", "prod") would
// blank out ordinary text everywhere.
const minInterpolatedSecret = 8

// nonEmptyText is text that must not be empty.
func (d *decoder) nonEmptyText(n *yaml.Node, field string) (string, bool) {
	s, ok := d.text(n, field)
	if ok && s == "" {
		d.at(deref(n), field, "must not be empty")
		return "", false
	}
	return s, ok
}

// integer returns an integer scalar that is at least min.
func (d *decoder) integer(n *yaml.Node, field string, min int) (int, bool) {
	n = deref(n)
	if isNull(n) {
		return 0, false
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float" && strings.Trim(n.Value, "+-0123456789") == "" {
		d.at(n, field, "integer %s is out of range", n.Value) // YAML reads a too-long integer as a float
		return 0, false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		d.at(n, field, "expected an integer, got %s", describe(n))
		return 0, false
	}
	var v int
	if err := n.Decode(&v); err != nil {
		d.at(n, field, "integer %s is out of range", n.Value)
		return 0, false
	}
	if v < min {
		d.at(n, field, "must be %d or more, got %d", min, v)
		return 0, false
	}
	return v, true
}

// number returns a non-negative integer or decimal scalar.
func (d *decoder) number(n *yaml.Node, field string) (float64, bool) {
	n = deref(n)
	if isNull(n) {
		return 0, false
	}
	tag := n.ShortTag()
	if n.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float") {
		d.at(n, field, "expected a number, got %s", describe(n))
		return 0, false
	}
	var v float64
	if err := n.Decode(&v); err != nil || v != v || v > 1e300 {
		d.at(n, field, "expected a finite number, got %s", n.Value)
		return 0, false
	}
	if v < 0 {
		d.at(n, field, "must be 0 or more, got %s", n.Value)
		return 0, false
	}
	return v, true
}

// boolean returns a true/false scalar.
func (d *decoder) boolean(n *yaml.Node, field string) (bool, bool) {
	n = deref(n)
	if isNull(n) {
		return false, false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		d.at(n, field, "expected true or false, got %s", describe(n))
		return false, false
	}
	var v bool
	_ = n.Decode(&v) // cannot fail: the tag is !!bool
	return v, true
}

// oneOf returns a string that must be one of options.
func (d *decoder) oneOf(n *yaml.Node, field string, options ...string) (string, bool) {
	s, ok := d.text(n, field)
	if !ok {
		return "", false
	}
	for _, o := range options {
		if s == o {
			return s, true
		}
	}
	d.at(deref(n), field, "expected one of %s, got %q%s", strings.Join(options, ", "), s, didYouMean(s, options))
	return "", false
}

// list returns the items of a sequence; a null n is an absent list.
func (d *decoder) list(n *yaml.Node, field string) ([]*yaml.Node, bool) {
	n = deref(n)
	if isNull(n) {
		return nil, false
	}
	if n.Kind != yaml.SequenceNode {
		d.at(n, field, "expected a list, got %s", describe(n))
		return nil, false
	}
	items := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		items[i] = deref(c)
	}
	return items, true
}

// itemField names the i-th item of a list field.
func itemField(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

// textList returns a list of non-empty strings; an empty list is nil.
func (d *decoder) textList(n *yaml.Node, field string) ([]string, bool) {
	items, ok := d.list(n, field)
	if !ok {
		return nil, false
	}
	var out []string // an empty list is nil
	if len(items) > 0 {
		out = make([]string, 0, len(items))
	}
	for i, item := range items {
		if n := deref(item); !isNull(n) && isText(n) && n.Value != "" && strings.IndexByte(n.Value, '$') < 0 {
			out = append(out, n.Value) // plain text, as text would give it, without naming the item
			continue
		}
		f := itemField(field, i)
		if isNull(item) {
			d.at(item, f, "expected a string, got null")
			ok = false
			continue
		}
		s, good := d.nonEmptyText(item, f)
		ok = ok && good
		out = append(out, s)
	}
	return out, ok
}
