package profiles

import (
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"siphon/ingest/spec"
)

// section reads the entries of a mapping against the table's keys under
// sec ("" for the top level). anchor is where "required" errors point
// when the section has no type to point at.
func (d *decoder) section(sec string, anchor *yaml.Node, entries []entry, p *Profile) {
	c := &p.Config
	tf, gf := typeKey(sec), grantKey(sec)
	var typ, grant string
	typeKnown, typeGiven, grantKnown := true, false, true
	if tf != nil {
		typ = tf.def
		for _, e := range entries {
			if e.key == leafKey(tf.key) && !isNull(e.val) {
				anchor, typeGiven = e.val, true
				typ, typeKnown = d.oneOf(e.val, e.field, tf.options...)
			}
		}
		*tf.ptr(c).(*string) = typ
	}
	if gf != nil && gf.appliesTo(typ, "") {
		grant = gf.def
		for _, e := range entries {
			if e.key == leafKey(gf.key) && !isNull(e.val) {
				grant, grantKnown = d.oneOf(e.val, e.field, gf.options...)
			}
		}
		*gf.ptr(c).(*string) = grant
	}

	given := map[string]bool{}
	for _, e := range entries {
		given[e.key] = !isNull(e.val)
		f := lookupField(joinField(sec, e.key))
		if f != nil {
			d.entries[f.key] = e
		}
		switch {
		case f == nil:
			d.unknown(e, suggestions(sec))
		case f == tf || (f == gf && gf.appliesTo(typ, "")):
			// read above
		case f.types != nil && !slices.Contains(f.types, typ):
			if typeKnown {
				d.at(e.keyNode, e.field, "%s", misplaced(e.key, sec, ordered(f.types, tf.options), typ, typeGiven))
			}
		case f.grants != nil && !slices.Contains(f.grants, grant):
			if grantKnown {
				owners := ordered(f.grants, gf.options)
				d.at(e.keyNode, e.field, "%s applies to %s %s %s, not %s", e.key, gf.types[0], plural(leafKey(gf.key), len(owners)), andList(owners), grant)
			}
		default:
			if d.decodeField(f, e, p) {
				d.ok[f.key] = true
			}
		}
	}

	// What cannot be left out: by the type, or by the grant where there is one.
	need, what := "", ""
	switch {
	case tf == nil || !typeKnown:
	case gf != nil && gf.appliesTo(typ, ""):
		if grantKnown {
			need, what = grant, gf.types[0]+" "+leafKey(gf.key)+" "+grant
		}
	default:
		need, what = typ, sec+" type "+typ
	}
	for _, f := range children(sec) {
		switch {
		case f.missing != "" && !given[leafKey(f.key)]:
			d.at(anchor, f.key, "%s", f.missing)
		case need != "" && slices.Contains(f.requiredFor, need) && !given[leafKey(f.key)] && (f.or == "" || !given[f.or]):
			d.at(anchor, f.key, "required for %s", what)
		}
	}
	if s := lookupField(sec); s != nil && s.check != nil {
		s.check(d, c)
	}
}

// suggestions are the keys a misspelt key in sec may have meant: in table
// order, or sorted for sections with types (as their keys mix).
func suggestions(sec string) []string {
	var keys []string
	for _, f := range children(sec) {
		keys = append(keys, leafKey(f.key))
	}
	if typeKey(sec) != nil {
		slices.Sort(keys)
	}
	return keys
}

// ordered lists the names of subset in the order of all.
func ordered(subset, all []string) []string {
	var out []string
	for _, s := range all {
		if slices.Contains(subset, s) {
			out = append(out, s)
		}
	}
	return out
}

// decodeField reads one key that applies, by its kind; false after
// reporting a problem (or when the value is null).
func (d *decoder) decodeField(f *field, e entry, p *Profile) bool {
	if f.decode != nil {
		return f.decode(d, e, p)
	}
	c := &p.Config
	if f.kind == kSection {
		d.section(f.key, deref(e.val), d.mapping(e.val, e.field), p)
		return true
	}
	switch ptr := f.ptr(c).(type) {
	case *string:
		var s string
		var ok bool
		switch f.kind {
		case kName:
			s, ok = d.nonEmptyText(e.val, e.field)
		case kURL:
			s, ok = d.httpURL(e.val, e.field)
		case kJQ:
			s, ok = d.jq(e.val, e.field)
		case kEnum:
			s, ok = d.oneOf(e.val, e.field, f.options...)
		case kFile:
			s, ok = d.existingFile(e.val, e.field)
		default:
			s, ok = d.text(e.val, e.field)
		}
		if ok {
			*ptr = s
		}
		return ok
	case *int:
		v, ok := d.integer(e.val, e.field, f.min)
		if ok {
			*ptr = v
		}
		return ok
	case *float64:
		v, ok := d.number(e.val, e.field)
		if ok {
			*ptr = v
		}
		return ok
	case *bool:
		v, ok := d.boolean(e.val, e.field)
		if ok {
			*ptr = v != f.negate
		}
		return ok
	case *time.Duration:
		v, ok := d.duration(e.val, e.field)
		if ok {
			*ptr = v
		}
		return ok
	case *spec.Secret:
		v, ok := d.secret(e.val, e.field, e.key, secretOptions{})
		if ok {
			*ptr = v
		}
		return ok
	case *[]string:
		v, ok := d.textList(e.val, e.field)
		*ptr = v
		return ok
	case *map[string]string:
		*ptr = d.stringMap(e)
		return true
	}
	return false
}

// Decoders of keys whose reading the kind alone does not say.

// decodedFirst: the name is read before the rest (secret errors suggest
// variables named after it).
func decodedFirst(*decoder, entry, *Profile) bool { return true }

func decodeMethod(d *decoder, e entry, p *Profile) bool {
	m, ok := d.text(e.val, e.field)
	if !ok {
		return false
	}
	p.Config.Method = strings.ToUpper(m)
	if !slices.Contains(lookupField(e.field).options, p.Config.Method) {
		d.at(e.val, e.field, "expected GET or POST, got %q", m)
		return false
	}
	return true
}

func decodeMaxBody(d *decoder, e entry, p *Profile) bool {
	s, ok := d.text(e.val, e.field)
	if !ok {
		return false
	}
	if _, err := spec.ParseSize(s); err != nil {
		d.at(e.val, e.field, "%v", err)
		return false
	}
	p.Config.MaxBody = s
	return true
}

// decodeSize decodes a size key (max_record, max_body_unpacked) into the
// field at.
func decodeSize(at func(*spec.Config) *string) func(*decoder, entry, *Profile) bool {
	return func(d *decoder, e entry, p *Profile) bool {
		s, ok := d.text(e.val, e.field)
		if !ok {
			return false
		}
		if _, err := spec.ParseSize(s); err != nil {
			d.at(e.val, e.field, "%v", err)
			return false
		}
		*at(&p.Config) = s
		return true
	}
}

func decodeParams(d *decoder, e entry, p *Profile) bool {
	p.Config.Params = d.params(e, p)
	return true
}

func decodeHeaders(d *decoder, e entry, p *Profile) bool {
	p.Config.Headers = d.headers(e, p)
	return true
}

func decodeBody(d *decoder, e entry, p *Profile) bool {
	p.Config.Body = d.body(e.val, e.field)
	return p.Config.Body != nil
}

func decodePrimaryKey(d *decoder, e entry, p *Profile) bool {
	p.Config.PrimaryKey = d.primaryKey(e)
	return true
}

func decodeAllowedHosts(d *decoder, e entry, p *Profile) bool {
	p.Config.AllowedHosts = d.allowedHosts(e)
	return true
}

func decodeStatuses(d *decoder, e entry, p *Profile) bool {
	p.Config.Retry.OnStatus = d.statuses(e)
	return true
}

func decodeAuthName(d *decoder, e entry, p *Profile) bool {
	s, ok := d.nonEmptyText(e.val, e.field)
	if !ok {
		return false
	}
	p.Config.Auth.Name = s
	if !validHeaderName(s) {
		d.at(e.val, e.field, "expected a header or parameter name, without spaces or separators, got %q", s)
		return false
	}
	return true
}

// decodeRefreshToken: with authorization_code, siphon auth login writes
// the token to the file, so only file:PATH will do and it may not exist yet.
func decodeRefreshToken(d *decoder, e entry, p *Profile) bool {
	a := &p.Config.Auth
	code := a.Grant == grantAuthorizationCode
	v, ok := d.secret(e.val, e.field, e.key, secretOptions{fileOnly: code, allowMissingFile: code})
	if ok {
		a.RefreshToken = v
	}
	return ok
}

func decodeStartPage(d *decoder, e entry, p *Profile) bool {
	// 0 is the config's "unset" (ApplyDefaults makes it 1), so a zero-based
	// start_page cannot be expressed yet: refuse it, loudly.
	v, ok := d.integer(e.val, e.field, 0)
	if !ok {
		return false
	}
	if v == 0 {
		d.at(e.val, e.field, "must be 1 or more: zero-based pages are not supported yet")
	}
	p.Config.Pagination.StartPage = v
	return v != 0
}

func decodeStart(d *decoder, e entry, p *Profile) bool {
	p.Config.Pagination.Start = d.start(e, p.Config.Pagination.Type)
	return p.Config.Pagination.Start != ""
}

func decodePerMinute(d *decoder, e entry, p *Profile) bool {
	v, ok := d.number(e.val, e.field)
	if ok {
		p.Config.RateLimit.RequestsPerSecond = v / 60
	}
	return ok
}
