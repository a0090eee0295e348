package profiles

import (
	"maps"
	"slices"

	"go.yaml.in/yaml/v3"

	"siphon/ingest/paginate/lastref"
	"siphon/ingest/spec"
)

// decodeRestartParams reads pagination.restart.params as written: their
// ${last.FIELD} references are filled in at each restart, not from the
// environment.
func decodeRestartParams(d *decoder, e entry, p *Profile) bool {
	out := map[string]string{}
	ok, refers := true, false
	for _, kv := range d.mapping(e.val, e.field) {
		v, good := d.rawText(kv.val, kv.field)
		if !good {
			ok = false
			continue
		}
		refs, err := lastref.Refs(v)
		if err != nil {
			d.at(deref(kv.val), kv.field, "%v", err)
			ok = false
			continue
		}
		refers = refers || len(refs) > 0
		out[kv.key] = v
	}
	p.Config.Pagination.Restart.Params = out
	if ok && !refers {
		d.at(deref(e.val), e.field, "none refers to the last record (${last.FIELD}); a restart would fetch the same records again")
		return false
	}
	return ok
}

// checkRestart holds pagination.restart's rules across keys: what a
// restart needs besides its own section.
func checkRestart(d *decoder, cfg *spec.Config) {
	r := &cfg.Pagination.Restart
	e, ok := d.entries["pagination.restart"]
	if !ok || !r.IsSet() || (cfg.Pagination.Type != spec.PageOffset && cfg.Pagination.Type != spec.PagePage) {
		return
	}
	switch {
	case r.After == 0 && !d.ok["pagination.restart.after"]:
		if _, given := d.entries["pagination.restart.after"]; !given {
			d.at(e.keyNode, e.field+".after", "required: the records the API serves in one walk")
		}
	case len(r.Params) == 0 && !d.ok["pagination.restart.params"]:
		if _, given := d.entries["pagination.restart.params"]; !given {
			d.at(e.keyNode, e.field+".params", "required: the parameters that filter past the last record, e.g. {id_gte: \"${last.id}\"}")
		}
	case len(cfg.PrimaryKey) == 0:
		d.at(e.keyNode, e.field, "needs primary_key: the records at the boundary come again and are dropped by it")
	case cfg.Pagination.Limit <= 0:
		d.at(e.keyNode, e.field, "needs pagination.limit (the page size) to tell where the cap falls")
	case r.After > 0 && r.After < cfg.Pagination.Limit:
		a := d.entries["pagination.restart.after"]
		d.at(deref(a.val), a.field, "must be at least pagination.limit (%d): no page fits under the cap", cfg.Pagination.Limit)
	}
	if s := r.OnError.Status; s > 599 {
		a := d.entries["pagination.restart.on_error.status"]
		d.at(deref(a.val), a.field, "must be 400 to 599, got %d", s)
	}
}

// writeRestartParams writes the params as read: their ${last.FIELD} stay
// references (escaping the dollar would change what they mean).
func writeRestartParams(_ formatter, c *spec.Config) *yaml.Node {
	m := mapping()
	for _, k := range slices.Sorted(maps.Keys(c.Pagination.Restart.Params)) {
		m.add(k, scalar("!!str", c.Pagination.Restart.Params[k]))
	}
	return m.node
}
