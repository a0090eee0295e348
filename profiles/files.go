package profiles

import "siphon/ingest/spec"

// checkTLS: a client certificate comes with its key.
func checkTLS(d *decoder, _ *spec.Config) {
	given := func(key string) (entry, bool) {
		e, ok := d.entries[key]
		return e, ok && !isNull(e.val) && deref(e.val).Value != ""
	}
	cert, hasCert := given("tls.cert_file")
	key, hasKey := given("tls.key_file")
	switch {
	case hasCert && !hasKey:
		d.at(cert.keyNode, cert.field, "a client certificate needs key_file too")
	case hasKey && !hasCert:
		d.at(key.keyNode, key.field, "a client key needs cert_file too")
	}
}
