package profiles

import (
	"cmp"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"siphon/ingest/spec"
)

// profile decodes the root mapping into p.
func (d *decoder) profile(root *yaml.Node, p *Profile) {
	cfg := &p.Config
	for _, f := range fieldTable {
		if f.def != "" && f.types == nil {
			_ = setField(cfg, f, f.def, nil) // the table's own defaults are valid
		}
	}
	entries := d.topName(root, cfg) // first: secret errors suggest variables named after it
	d.section("", root, entries, p)
	checkTop(d, cfg)
	cfg.Secrets = sortSecrets(append(cfg.Secrets, d.interpolated...))
	markSecretFields(cfg, append(slices.Collect(maps.Keys(p.sensitive)), d.withRefs...))
	p.written = d.written
	cfg.ShownAs = shownAs(p)
	cfg.ApplyDefaults()
}

// checkTop holds the rules across top-level keys.
func checkTop(d *decoder, cfg *spec.Config) {
	if e, ok := d.entries["body"]; ok && cfg.Body != nil && cfg.Method != "POST" {
		method := cfg.Method
		if method == "" {
			method = "GET"
		}
		d.at(e.keyNode, e.field, "a body is sent only with method: POST, and the method is %s", method)
	}
	if cfg.Pagination.In == "body" && cfg.Method != "POST" {
		if e, ok := d.entries["pagination"]; ok {
			d.at(e.keyNode, joinField(e.field, "in"), "pagination parameters go in the body only with method: POST")
		}
	}
	checkPartitionRefs(d, cfg)
	checkRestart(d, cfg)
}

// shownAs is the text as written of every header, parameter and body
// value that came from a reference, by field path.
func shownAs(p *Profile) map[string]string {
	out := map[string]string{}
	for field, w := range p.written {
		out[field] = w.text
	}
	maps.Copy(out, p.sensitive)
	if len(out) == 0 {
		return nil
	}
	return out
}

// markSecretFields tells the client which headers, params and body hold a
// reference (or are credentials), from their field paths.
func markSecretFields(cfg *spec.Config, fields []string) {
	for _, f := range fields {
		switch {
		case strings.HasPrefix(f, "headers."):
			cfg.SecretHeaders = append(cfg.SecretHeaders, strings.TrimPrefix(f, "headers."))
		case strings.HasPrefix(f, "params."):
			cfg.SecretParams = append(cfg.SecretParams, strings.TrimPrefix(f, "params."))
		case f == "body" || strings.HasPrefix(f, "body.") || strings.HasPrefix(f, "body["):
			cfg.SecretBody = true
		}
	}
	slices.Sort(cfg.SecretHeaders)
	slices.Sort(cfg.SecretParams)
	cfg.SecretHeaders = slices.Compact(cfg.SecretHeaders)
	cfg.SecretParams = slices.Compact(cfg.SecretParams)
}

// validNamePattern is what a profile name may be.
const validNamePattern = `^[a-z0-9._-]+$`

var validName = regexp.MustCompile(validNamePattern)

// CheckName says what is wrong with a profile name, or returns nil: tools
// that write profiles (siphon import curl) check theirs with it.
func CheckName(s string) error {
	if why := checkName(s); why != "" {
		return fmt.Errorf("invalid profile name %q: %s", s, why)
	}
	return nil
}

// checkName reports what is wrong with a profile name, or "".
func checkName(s string) string {
	switch {
	case !validName.MatchString(s):
		return "expected lower-case letters, digits, '.', '_' and '-'"
	case s == "." || s == "..":
		return "must not be . or .. (it names a folder)"
	}
	return ""
}

// name sets cfg.Name from the name key, else from the file name.
func (d *decoder) name(root *yaml.Node, e entry, cfg *spec.Config) {
	if e.val != nil && !isNull(e.val) {
		if s, ok := d.text(e.val, e.field); ok {
			if why := checkName(s); why != "" {
				d.at(e.val, e.field, "%s, got %q", why, s)
			} else {
				cfg.Name = s
			}
		}
	} else {
		base := filepath.Base(d.file)
		base = strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml")
		if checkName(base) == "" && d.file != "" {
			cfg.Name = base
		} else {
			d.at(root, "name", "missing, and the file name %q is not a valid profile name; add name: with lower-case letters, digits, '.', '_' and '-'", filepath.Base(d.file))
		}
	}
	d.profileName = cfg.Name
	if d.profileName == "" {
		d.profileName = "siphon"
	}
}

// topName decodes the profile's name from root's top-level keys, which it
// returns: a load does this first, and finding a profile by name does
// only this.
func (d *decoder) topName(root *yaml.Node, cfg *spec.Config) []entry {
	entries := d.mapping(root, "")
	var name entry
	for _, e := range entries {
		if e.key == "name" {
			name = e
		}
	}
	d.name(root, name, cfg)
	return entries
}

// params reads the query parameters: any scalar becomes its text.
func (d *decoder) params(e entry, p *Profile) map[string]string {
	out := map[string]string{}
	for _, kv := range d.mapping(e.val, e.field) {
		n := kv.val
		switch {
		case kv.key == "":
			d.at(kv.keyNode, kv.field, "a parameter name must not be empty")
		case isSensitiveName(kv.key):
			if v, ok := d.sensitive(kv, p, "params."); ok {
				out[kv.key] = v
			}
		case isNull(n):
			d.at(n, kv.field, "expected a value, got null (write \"\" for an empty parameter)")
		case n.Kind != yaml.ScalarNode:
			d.at(n, kv.field, "expected a string or number, got %s", describe(n))
		case isText(n):
			if v, ok := d.interpolate(n, kv.field, n.Value); ok {
				out[kv.key] = v
			}
		default:
			out[kv.key] = n.Value
		}
	}
	return nilIfEmpty(out)
}

// headers reads the request headers, string to string.
func (d *decoder) headers(e entry, p *Profile) map[string]string {
	out := map[string]string{}
	seen := map[string]int{} // lower-case name → line, since header names ignore case
	for _, kv := range d.mapping(e.val, e.field) {
		if !validHeaderName(kv.key) {
			d.at(kv.keyNode, kv.field, "invalid header name: expected letters, digits and !#$%%&'*+-.^_`|~")
			continue
		}
		if line, dup := seen[strings.ToLower(kv.key)]; dup {
			d.at(kv.keyNode, kv.field, "duplicate header (names ignore case); first defined at line %d", line)
			continue
		}
		seen[strings.ToLower(kv.key)] = kv.keyNode.Line
		var v string
		var ok bool
		if isSensitiveName(kv.key) {
			v, ok = d.sensitive(kv, p, "headers.")
		} else {
			v, ok = d.text(kv.val, kv.field)
			if !ok && isNull(kv.val) {
				d.at(deref(kv.val), kv.field, "expected a string, got null")
			}
		}
		if !ok {
			continue
		}
		if strings.ContainsAny(v, "\r\n") {
			d.at(deref(kv.val), kv.field, "a header value must not contain a line break")
			continue
		}
		out[kv.key] = v
	}
	return nilIfEmpty(out)
}

// sensitive reads a sensitive header or parameter value and records its
// secrets and its text as written.
func (d *decoder) sensitive(kv entry, p *Profile, prefix string) (string, bool) {
	v, secrets, written, ok := d.sensitiveValue(kv.val, kv.field, kv.key)
	if !ok {
		return "", false
	}
	p.Config.Secrets = append(p.Config.Secrets, secrets...)
	p.sensitive[prefix+kv.key] = written
	return v, true
}

// ValidHeaderName reports whether s is an HTTP header field name (RFC 9110 token).
func ValidHeaderName(s string) bool { return validHeaderName(s) }

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		ok := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strings.ContainsRune("!#$%&'*+-.^_`|~", c)
		if !ok {
			return false
		}
	}
	return true
}

// primaryKey reads a field name or a list of them.
func (d *decoder) primaryKey(e entry) []string {
	n := deref(e.val)
	if n != nil && n.Kind == yaml.SequenceNode {
		keys, _ := d.textList(n, e.field)
		return keys
	}
	if n != nil && n.Kind == yaml.MappingNode {
		d.at(n, e.field, "expected a field name or a list of them, got a mapping")
		return nil
	}
	if s, ok := d.nonEmptyText(n, e.field); ok {
		return []string{s}
	}
	return nil
}

// allowedHosts reads the hosts that next-page links may lead to.
func (d *decoder) allowedHosts(e entry) []string {
	items, _ := d.list(e.val, e.field)
	var out []string
	for i, item := range items {
		f := itemField(e.field, i)
		h, ok := d.nonEmptyText(item, f)
		if !ok {
			if isNull(item) {
				d.at(item, f, "expected a host, got null")
			}
			continue
		}
		if err := hostPort(h); err != nil {
			d.at(item, f, "%v, got %q", err, h)
			continue
		}
		out = append(out, h)
	}
	return out
}

// sortSecrets orders the secrets by reference and drops repeats, so that
// equal profiles give equal configs whatever their key order.
func sortSecrets(s []spec.Secret) []spec.Secret {
	if len(s) == 0 {
		return nil
	}
	slices.SortFunc(s, func(a, b spec.Secret) int {
		return cmp.Or(strings.Compare(a.Ref(), b.Ref()), strings.Compare(a.Reveal(), b.Reveal()))
	})
	return slices.CompactFunc(s, func(a, b spec.Secret) bool {
		return a.Ref() == b.Ref() && a.Reveal() == b.Reveal()
	})
}

// nilIfEmpty keeps "none given" as nil, so loaded and formatted profiles compare equal.
func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}
