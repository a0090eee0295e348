// Package redact hides secrets in everything siphon writes or shows: URLs,
// headers, free text and errors. It is the one place that decides what a
// secret looks like, so every output path redacts the same way.
package redact

import (
	"net/url"
	"sort"
	"strings"
)

// Placeholder is what every hidden value shows as.
const Placeholder = "REDACTED"

// Redactor hides known secret values and sensitive names. It is immutable
// after New and safe for concurrent use. A nil *Redactor is usable: only the
// built-in name patterns apply.
type Redactor struct {
	secrets []string            // raw secret values, longest first
	forms   []string            // secrets plus their percent-encoded forms, longest first
	names   map[string]struct{} // extra sensitive names, lower-cased
}

// New returns a Redactor hiding the given secret values wherever they appear
// (empty ones are skipped) and treating the given names as sensitive query
// parameter and header names, case-insensitively, on top of the built-in
// patterns (see IsSensitiveName).
//
// Callers using basic auth pass the base64 "user:password" value themselves
// when it can appear in text.
func New(secrets []string, names []string) *Redactor {
	r := &Redactor{names: map[string]struct{}{}}
	for _, n := range names {
		if n = strings.ToLower(strings.TrimSpace(n)); n != "" {
			r.names[n] = struct{}{}
		}
	}
	r.secrets = uniqueLongestFirst(secrets)
	var forms []string
	for _, s := range r.secrets {
		// Secrets travel in URLs escaped; hide the escaped spellings too.
		forms = append(forms, s, url.QueryEscape(s), url.PathEscape(s))
	}
	r.forms = uniqueLongestFirst(forms)
	return r
}

// With returns a new Redactor that also hides these secrets, e.g. tokens
// obtained during a run. r is left unchanged.
func (r *Redactor) With(secrets ...string) *Redactor {
	if r == nil {
		return New(secrets, nil)
	}
	names := make([]string, 0, len(r.names))
	for n := range r.names {
		names = append(names, n)
	}
	return New(append(append([]string(nil), r.secrets...), secrets...), names)
}

// IsSensitiveName reports whether a query parameter or header of this name
// holds a credential: its name contains token, key, secret, signature or
// password (or passwd), is one of sig, pwd, auth and jwt, or is one of the
// extra names given to New. Case is ignored.
func (r *Redactor) IsSensitiveName(name string) bool {
	lower := strings.ToLower(name)
	for _, part := range sensitiveParts {
		if strings.Contains(lower, part) {
			return true
		}
	}
	if _, ok := sensitiveExact[lower]; ok {
		return true
	}
	if r != nil {
		_, ok := r.names[lower]
		return ok
	}
	return false
}

// sensitiveParts are substrings that mark a credential's name. The contract
// names the first five; passwd is their obvious sibling.
var sensitiveParts = []string{"token", "key", "secret", "signature", "password", "passwd"}

// sensitiveExact are short credential names too generic to match as
// substrings: sig is Azure SAS's signature parameter.
var sensitiveExact = map[string]struct{}{"sig": {}, "pwd": {}, "auth": {}, "jwt": {}}

func uniqueLongestFirst(values []string) []string {
	seen := map[string]struct{}{}
	var out []string
	for _, v := range values {
		if _, dup := seen[v]; v == "" || dup {
			continue
		}
		seen[v] = struct{}{}
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}
