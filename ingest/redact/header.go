package redact

import (
	"net/http"
	"strings"
)

// Header returns a copy of h in which credential headers show as
// Placeholder (Authorization, Proxy-Authorization, Cookie, Set-Cookie, any
// name containing "authorization" or "cookie", and sensitive names as
// IsSensitiveName says) and every other value is redacted as String does,
// so URLs in Location or Link lose their tokens too. Empty values stay
// empty: they hide nothing and tell a reader that nothing was sent.
func (r *Redactor) Header(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for name, values := range h {
		hide := r.HidesHeader(name)
		copied := make([]string, len(values))
		for i, v := range values {
			switch {
			case v == "":
			case hide:
				copied[i] = Placeholder
			default:
				copied[i] = r.String(v)
			}
		}
		out[name] = copied
	}
	return out
}

// HidesHeader reports whether Header shows every value of a header of
// this name as Placeholder.
func (r *Redactor) HidesHeader(name string) bool {
	return isCredentialHeader(name) || r.IsSensitiveName(name)
}

// isCredentialHeader covers Authorization, Proxy-Authorization, Cookie and
// Set-Cookie, and the proxies' variants such as X-Forwarded-Authorization.
func isCredentialHeader(name string) bool {
	lower := strings.ToLower(name)
	return strings.Contains(lower, "authorization") || strings.Contains(lower, "cookie")
}
