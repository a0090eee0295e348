package spec

// Secret is a credential resolved from a ${VAR} or file:PATH reference. Its
// value is reachable only through Reveal, so formatting it anywhere (%v, %s,
// JSON) shows the reference or REDACTED, never the value.
type Secret struct {
	ref   string // the reference as written in the profile, e.g. ${API_KEY}
	value string
}

// Redacted is what every secret value shows as.
const Redacted = "REDACTED"

// NewSecret pairs a reference with the value it resolved to.
func NewSecret(ref, value string) Secret { return Secret{ref: ref, value: value} }

// Reveal returns the secret value, for the one place that sends it.
func (s Secret) Reveal() string { return s.value }

// Ref returns the reference as written in the profile.
func (s Secret) Ref() string { return s.ref }

// IsZero reports whether no secret was given.
func (s Secret) IsZero() bool { return s.ref == "" && s.value == "" }

// String never returns the value.
func (s Secret) String() string {
	if s.IsZero() {
		return ""
	}
	return Redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return s.String() }

// MarshalText keeps encoders from printing the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
