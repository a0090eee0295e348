package profiles

// stringMap reads a mapping of string to string.
func (d *decoder) stringMap(e entry) map[string]string {
	out := map[string]string{}
	for _, kv := range d.mapping(e.val, e.field) {
		if isNull(kv.val) {
			d.at(deref(kv.val), kv.field, "expected a string, got null")
			continue
		}
		if v, ok := d.text(kv.val, kv.field); ok {
			out[kv.key] = v
		}
	}
	return nilIfEmpty(out)
}
