package probe

import (
	"regexp"
	"strings"

	"siphon/ingest/httphdr"
	"siphon/ingest/spec"
)

// Detectors for APIs that say where the next page is: in a Link header,
// another header, or a field of the body.

var nextURLKey = regexp.MustCompile(`(?i)^(next|next_?page|@odata\.nextlink|next.*(url|uri|link|href))$`)

// cursorHeaders are the headers some APIs put the next page's URL or
// cursor in.
var cursorHeaders = []string{"X-Next-Cursor", "X-Continuation", "X-Next-Page-Cursor"}

// linkHeader finds an RFC 8288 Link header with rel="next".
func linkHeader(s *session) (f finding) {
	if next, ok := httphdr.FindLink(s.header, "next"); ok {
		f.saw("a Link header with rel=\"next\": %s", s.red().URL(next))
		return f.propose(spec.PaginationConfig{Type: spec.PageLinkHeader})
	}
	return f
}

// headerCursor finds the next page's URL in a header, or a cursor that a
// second request confirms.
func headerCursor(s *session) (f finding) {
	for _, h := range cursorHeaders {
		v := s.header.Get(h)
		if v == "" {
			continue
		}
		if strings.HasPrefix(v, "/") || strings.HasPrefix(v, "http") {
			f.saw("the %s header holds the next page's URL", h)
			return f.propose(spec.PaginationConfig{Type: spec.PageNextURL, NextURLHeader: h})
		}
		for _, param := range s.candidates(h) {
			if s.tryCursor(&f, spec.PaginationConfig{Type: spec.PageCursor, CursorHeader: h}, param, v) {
				f.saw("the %s header holds a cursor, sent back as %s", h, param)
				return f
			}
		}
	}
	return f
}

// nextURLField finds the next page's URL in a field of the body.
func nextURLField(s *session) (f finding) {
	for _, sp := range s.scalars {
		if v, ok := sp.value.(string); ok && nextURLKey.MatchString(sp.key) && isURLOrPath(v) {
			f.saw("%s holds the next page's URL: %s", sp.path, s.red().URL(v))
			return f.propose(spec.PaginationConfig{Type: spec.PageNextURL, NextURLPath: sp.path})
		}
	}
	return f
}

// isURLOrPath reports a value that reads as a URL: absolute, a path or a
// query.
func isURLOrPath(v string) bool {
	for _, prefix := range []string{"http://", "https://", "/", "?"} {
		if strings.HasPrefix(v, prefix) {
			return true
		}
	}
	return false
}
