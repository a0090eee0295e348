package httphdr

import "strings"

// sfMember is one member of a structured field (RFC 8941) list or
// dictionary, read leniently: Key is empty for a list item; Value is the bare
// item with quotes removed; Params holds the ;name=value parameters.
type sfMember struct {
	Key    string
	Value  string
	Params map[string]string
}

// parseSFMembers reads the members of a structured-field list or dictionary.
// It is deliberately forgiving (servers get the syntax wrong): members split
// on top-level commas, parameters on top-level semicolons, and a member that
// makes no sense comes back with empty parts rather than an error.
func parseSFMembers(field string) []sfMember {
	if field == "" {
		return nil // absent, as on most responses: nothing to split
	}
	var members []sfMember
	for _, raw := range splitOutsideQuotes(field, ',') {
		parts := splitOutsideQuotes(raw, ';')
		var m sfMember
		head := strings.TrimSpace(parts[0])
		if eq := strings.IndexByte(head, '='); eq >= 0 && !strings.HasPrefix(head, `"`) {
			m.Key = strings.ToLower(strings.TrimSpace(head[:eq]))
			head = head[eq+1:]
		}
		m.Value = unquoteSF(head)
		for _, p := range parts[1:] {
			name, value, _ := strings.Cut(p, "=")
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			if m.Params == nil {
				m.Params = map[string]string{}
			}
			if _, seen := m.Params[name]; !seen {
				m.Params[name] = unquoteSF(value)
			}
		}
		if m.Key != "" || m.Value != "" || m.Params != nil {
			members = append(members, m)
		}
	}
	return members
}

// splitOutsideQuotes splits s at sep where sep is not inside a quoted string.
func splitOutsideQuotes(s string, sep byte) []string {
	var parts []string
	inQuote, start := false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && c == sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// unquoteSF trims s and, when it is a quoted string, removes the quotes and
// backslash escapes.
func unquoteSF(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
