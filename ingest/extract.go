package ingest

import "siphon/ingest/page"

// Bodies and jq expressions are read by package page; these short names
// serve the run's own messages.

// errNotJSON marks a body that is not valid JSON (worth a retry).
var errNotJSON = page.ErrNotJSON

// snippet is the start of b, on one line, for error messages.
func snippet(b []byte, max int) string { return page.Snippet(b, max) }
