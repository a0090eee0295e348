package tui

import (
	"sort"
	"strings"

	"siphon/ingest"
)

// curlCommand writes a page's request as a curl command line. The request is
// already redacted, so the command carries REDACTED where secrets were.
func curlCommand(req ingest.PageRequest) string {
	parts := []string{"curl"}
	if req.Method != "" && req.Method != "GET" {
		parts = append(parts, "-X", shellQuote(req.Method))
	}
	names := make([]string, 0, len(req.Headers))
	for name := range req.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		parts = append(parts, "-H", shellQuote(name+": "+req.Headers[name]))
	}
	parts = append(parts, shellQuote(req.URL))
	return strings.Join(parts, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
