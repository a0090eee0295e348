package profiles

import "siphon/ingest"

var tlsKeys = []string{"ca_file", "cert_file", "key_file", "insecure_skip_verify"}

// tls reads the tls section; files are relative to the profile's folder.
func (d *decoder) tls(sec entry, t *ingest.TLSConfig) {
	var cert, key *entry
	for _, e := range d.mapping(sec.val, sec.field) {
		switch e.key {
		case "ca_file":
			t.CAFile, _ = d.existingFile(e.val, e.field)
		case "cert_file":
			t.CertFile, _ = d.existingFile(e.val, e.field)
			cert = &e
		case "key_file":
			t.KeyFile, _ = d.existingFile(e.val, e.field)
			key = &e
		case "insecure_skip_verify":
			t.InsecureSkipVerify, _ = d.boolean(e.val, e.field)
		default:
			d.unknown(e, tlsKeys)
		}
	}
	given := func(e *entry) bool { return e != nil && !isNull(e.val) && deref(e.val).Value != "" }
	switch {
	case given(cert) && !given(key):
		d.at(cert.keyNode, cert.field, "a client certificate needs key_file too")
	case given(key) && !given(cert):
		d.at(key.keyNode, key.field, "a client key needs cert_file too")
	}
}

var schemaKeys = []string{"on_drift", "file", "on_invalid"}

// schema reads the schema section.
func (d *decoder) schema(sec entry, s *ingest.SchemaConfig) {
	for _, e := range d.mapping(sec.val, sec.field) {
		switch e.key {
		case "on_drift":
			s.OnDrift, _ = d.oneOf(e.val, e.field, "warn", "fail")
		case "file":
			s.File, _ = d.existingFile(e.val, e.field)
		case "on_invalid":
			s.OnInvalid, _ = d.oneOf(e.val, e.field, "reject", "fail")
		default:
			d.unknown(e, schemaKeys)
		}
	}
}

var outputKeys = []string{"dir", "raw_pages"}

// output reads the output section; dir stays as written (the runner
// resolves it against the working folder).
func (d *decoder) output(sec entry, o *ingest.OutputConfig) {
	for _, e := range d.mapping(sec.val, sec.field) {
		switch e.key {
		case "dir":
			o.Dir, _ = d.text(e.val, e.field)
		case "raw_pages":
			if v, ok := d.boolean(e.val, e.field); ok {
				o.RawPages = v
			}
		default:
			d.unknown(e, outputKeys)
		}
	}
}
