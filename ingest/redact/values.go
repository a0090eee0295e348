package redact

// Values hides only the known secret values in s, leaving names and
// patterns alone: for state that must keep pagination tokens usable (a
// checkpoint's next URL) yet never hold a credential.
func (r *Redactor) Values(s string) string { return r.hideSecrets(s) }
