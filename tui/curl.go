package tui

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"siphon/ingest"
	"siphon/ingest/spec"
	"siphon/ingest/termsafe"
)

// curlCommand writes a page's request as a curl command line for bash or
// zsh. The request is already redacted. Everything in it is taken by the
// shell as it is written, in single quotes: the URL (a server's next link),
// cursors, header values and the body can hold $, `, ${VAR} or quotes, and
// none of it is expanded. Only the profile's own references stay for the
// shell to fill, as "${VAR}" outside the single quotes: refs (see
// RequestReferences) says where a request shows them, and a reference
// counts only there, as the whole value the profile wrote, so that an API
// that echoes ${AWS_SECRET_ACCESS_KEY} in a cursor gets it back literally.
// After exporting the variables, the command sends what the run sent.
// Controls, C1 and bidi characters are written as $'\xHH' bytes, so the
// clipboard never carries them to a terminal either.
func curlCommand(req ingest.PageRequest, refs map[string]string) string {
	return strings.Join(curlLines(req, refs), " ")
}

// curlScript is the same command over several lines, one option to a
// line, joined by backslash-newlines: for a person to read and select, and
// for a file the shell runs.
func curlScript(req ingest.PageRequest, refs map[string]string) string {
	return strings.Join(curlLines(req, refs), " \\\n  ")
}

// curlLines is the command's words, an option with its value as one.
func curlLines(req ingest.PageRequest, refs map[string]string) []string {
	parts := []string{"curl"}
	if req.Method != "" && req.Method != "GET" {
		parts = append(parts, "-X "+literalWord(req.Method))
	}
	names := make([]string, 0, len(req.Headers))
	for name := range req.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		value := req.Headers[name]
		var w shellWord
		w.literal(name + ": ")
		if text, ok := refs["headers."+strings.ToLower(name)]; ok && text == value {
			w.withRefs(value)
		} else {
			w.literal(value)
		}
		parts = append(parts, "-H "+w.String())
	}
	if req.Body != "" {
		parts = append(parts, "--data-raw "+literalWord(req.Body))
	}
	return append(parts, urlWord(req.URL, refs))
}

// RequestReferences is where a profile's page requests show its references,
// for the curl command: "headers.NAME" (NAME in lower case) or
// "params.NAME", to the text shown there ("Bearer ${TOKEN}"). A console's
// Profile carries it as References.
func RequestReferences(cfg spec.Config) map[string]string {
	out := map[string]string{}
	for field, text := range cfg.ShownAs {
		switch {
		case strings.HasPrefix(field, "headers."):
			out["headers."+strings.ToLower(strings.TrimPrefix(field, "headers."))] = text
		case strings.HasPrefix(field, "params."):
			out[field] = text
		}
	}
	a := cfg.Auth
	switch {
	case a.Type == spec.AuthBearer && a.Token.Ref() != "":
		out["headers.authorization"] = "Bearer " + a.Token.Ref()
	case a.Type == spec.AuthAPIKey && a.In == "query" && a.Value.Ref() != "":
		out["params."+a.Name] = a.Value.Ref()
	case a.Type == spec.AuthAPIKey && a.Value.Ref() != "":
		out["headers."+strings.ToLower(a.Name)] = a.Value.Ref()
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// urlWord is the URL as one shell word: literal, but for a query parameter
// whose value is the profile's reference for it.
func urlWord(u string, refs map[string]string) string {
	var w shellWord
	base, query, hasQuery := strings.Cut(u, "?")
	if !hasQuery || len(refs) == 0 {
		w.literal(u)
		return w.String()
	}
	query, fragment, hasFragment := strings.Cut(query, "#")
	w.literal(base + "?")
	for i, part := range strings.Split(query, "&") {
		if i > 0 {
			w.literal("&")
		}
		key, value, hasValue := strings.Cut(part, "=")
		name, err := url.QueryUnescape(key)
		if text, ok := refs["params."+name]; ok && err == nil && hasValue && value == text {
			w.literal(key + "=")
			w.withRefs(value)
			continue
		}
		w.literal(part)
	}
	if hasFragment {
		w.literal("#" + fragment)
	}
	return w.String()
}

// reference is a ${VAR} reference as profiles write them.
var reference = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*\}`)

// literalWord is s as one shell word that the shell takes as it is.
func literalWord(s string) string {
	var w shellWord
	w.literal(s)
	return w.String()
}

// shellWord builds one shell word from literal text and references.
type shellWord struct {
	out     strings.Builder
	pending strings.Builder // literal text not written yet
}

// literal adds text the shell must take as it is.
func (w *shellWord) literal(s string) {
	w.pending.WriteString(s)
}

// withRefs adds the profile's text: each ${VAR} in it is expanded by the
// shell, the rest is literal.
func (w *shellWord) withRefs(s string) {
	last := 0
	for _, m := range reference.FindAllStringIndex(s, -1) {
		w.literal(s[last:m[0]])
		w.flush()
		w.out.WriteString(`"` + s[m[0]:m[1]] + `"`)
		last = m[1]
	}
	w.literal(s[last:])
}

// bare are the bytes a word may hold without quotes: none is special to
// a shell, alone or next to another.
const bare = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+%"

// flush writes the pending literal text: bare when nothing in it is
// special, else in single quotes (a quote in it closes them, is escaped,
// and opens them again), with controls, C1, bidi characters and bytes
// that are not UTF-8 as $'\xHH'.
func (w *shellWord) flush() {
	s := w.pending.String()
	w.pending.Reset()
	if s == "" {
		return
	}
	if strings.Trim(s, bare) == "" {
		w.out.WriteString(s)
		return
	}
	for s != "" {
		n := printableRun(s)
		if n > 0 {
			w.out.WriteString("'" + strings.ReplaceAll(s[:n], "'", `'\''`) + "'")
			s = s[n:]
			continue
		}
		n = unprintableRun(s)
		w.out.WriteString("$'")
		for i := 0; i < n; i++ {
			w.out.WriteString(`\x`)
			w.out.WriteByte("0123456789abcdef"[s[i]>>4])
			w.out.WriteByte("0123456789abcdef"[s[i]&0xf])
		}
		w.out.WriteString("'")
		s = s[n:]
	}
}

// printableRun is the length of the run of s that a terminal shows as is.
func printableRun(s string) int {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n <= 1) || termsafe.Unsafe(r) {
			break
		}
		i += n
	}
	return i
}

// unprintableRun is the length of the run of s that it does not.
func unprintableRun(s string) int {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !(r == utf8.RuneError && n <= 1) && !termsafe.Unsafe(r) {
			break
		}
		i += n
	}
	return i
}

func (w *shellWord) String() string {
	w.flush()
	if w.out.Len() == 0 {
		return "''"
	}
	return w.out.String()
}
