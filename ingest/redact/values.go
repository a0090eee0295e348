package redact

// Values hides only the known secret values in s, leaving names and
// patterns alone: for state that must keep pagination tokens usable (a
// checkpoint's next URL) yet never hold a credential.
func (r *Redactor) Values(s string) string { return r.hideSecrets(s) }

// HidesValues reports whether Values can change anything: false when no
// secret is known, so a caller may skip the copy a string costs.
func (r *Redactor) HidesValues() bool { return r != nil && len(r.forms) > 0 }
