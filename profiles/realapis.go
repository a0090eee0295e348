package profiles

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"siphon/ingest/spec"
)

// Decoders and writers of the keys for APIs as they are: pagination.next,
// anomalies, and the rules across pagination keys.

func decodeNextMethod(d *decoder, e entry, p *Profile) bool {
	m, ok := d.text(e.val, e.field)
	if !ok {
		return false
	}
	p.Config.Pagination.Next.Method = strings.ToUpper(m)
	if !slices.Contains(lookupField(e.field).options, p.Config.Pagination.Next.Method) {
		d.at(e.val, e.field, "expected GET or POST, got %q", m)
		return false
	}
	return true
}

func decodeNextParams(d *decoder, e entry, p *Profile) bool {
	m := d.params(e, p)
	if m == nil {
		m = map[string]string{} // {} is meaningful: follow-ups send none of params
	}
	p.Config.Pagination.Next.Params = m
	return true
}

func decodeNextHeaders(d *decoder, e entry, p *Profile) bool {
	p.Config.Pagination.Next.Headers = d.headers(e, p)
	return true
}

func decodeNextBody(d *decoder, e entry, p *Profile) bool {
	p.Config.Pagination.Next.Body = d.body(e.val, e.field)
	return p.Config.Pagination.Next.Body != nil
}

// writeNextParams writes {} too: it means "none of params" (nil: params).
func writeNextParams(f formatter, c *spec.Config) *yaml.Node {
	if c.Pagination.Next.Params == nil {
		return nil
	}
	return f.values("params.", c.Pagination.Next.Params)
}

func writeNextHeaders(f formatter, c *spec.Config) *yaml.Node {
	return f.values("headers.", c.Pagination.Next.Headers)
}

func writeNextBody(f formatter, c *spec.Config) *yaml.Node { return f.body(c.Pagination.Next.Body) }

// decodeAnomalies reads anomalies: {NAME: warn|fail}.
func decodeAnomalies(d *decoder, e entry, p *Profile) bool {
	out := map[string]string{}
	for _, kv := range d.mapping(e.val, e.field) {
		if !slices.Contains(spec.AnomalyNames, kv.key) {
			d.unknown(kv, spec.AnomalyNames)
			continue
		}
		if v, ok := d.oneOf(kv.val, kv.field, "fail", "warn"); ok {
			out[kv.key] = v
		}
	}
	p.Config.Anomalies = nilIfEmpty(out)
	return true
}

// sectionSet reports whether any key under section holds a value.
func sectionSet(c *spec.Config, section string) bool {
	if section == "pagination.next" {
		return c.Pagination.Next.IsSet() // params: {} alone sets it
	}
	for _, f := range children(section) {
		if f.kind == kSection && sectionSet(c, f.key) || f.kind != kSection && f.ptr != nil && !isZero(c, f) {
			return true
		}
	}
	return false
}
