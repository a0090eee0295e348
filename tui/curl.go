package tui

import (
	"regexp"
	"sort"
	"strings"

	"siphon/ingest"
)

// curlCommand writes a page's request as a curl command line. The request is
// already redacted, and values that came from references show as those
// references, double-quoted so the shell fills them in: after exporting
// the variables, the command sends what the run sent.
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
	if req.Body != "" {
		parts = append(parts, "--data-raw", shellQuote(req.Body))
	}
	parts = append(parts, shellQuote(req.URL))
	return strings.Join(parts, " ")
}

// reference is a ${VAR} reference as profiles write them.
var reference = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*\}`)

// shellQuote quotes s for a POSIX shell when it needs it: in single quotes,
// or in double quotes when it holds ${VAR} references to expand.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+%") == "" {
		return s
	}
	if !reference.MatchString(s) {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteByte('"')
	last := 0
	for _, m := range reference.FindAllStringIndex(s, -1) {
		b.WriteString(escapeDoubleQuoted(s[last:m[0]]))
		b.WriteString(s[m[0]:m[1]])
		last = m[1]
	}
	b.WriteString(escapeDoubleQuoted(s[last:]))
	b.WriteByte('"')
	return b.String()
}

// escapeDoubleQuoted escapes what a shell reads specially inside double
// quotes.
func escapeDoubleQuoted(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`")
	return r.Replace(s)
}
