package transport

import (
	"net/url"
	"strings"
)

// KeepEscapes gives u, joined from base and path, the path exactly as
// written, escapes kept: a partition value's %2F must reach the server as
// %2F, inside its segment, not as a '/' that starts a new one.
func KeepEscapes(u *url.URL, base, path string) {
	b, err1 := url.Parse(base)
	p, err2 := url.Parse(path)
	if err1 != nil || err2 != nil {
		return
	}
	raw := strings.TrimSuffix(b.EscapedPath(), "/") + "/" + strings.TrimPrefix(p.EscapedPath(), "/")
	if dec, err := url.PathUnescape(raw); err == nil && dec == u.Path {
		u.RawPath = raw
	}
}
