// Package lastref reads the ${last.FIELD} references of
// pagination.restart.params: a field of the last record written, filled in
// when a walk restarts. It links no engine, so the profile loader checks
// them with the same rules the walk fills them by.
package lastref

import (
	"fmt"
	"strings"
)

// Refs returns the fields a value refers to, in order, or says what is
// wrong with it: any other ${...} is refused (environment variables are
// not filled in here).
func Refs(v string) ([]string, error) {
	var fields []string
	_, err := Fill(v, func(field string) (string, bool) {
		fields = append(fields, field)
		return "", true
	})
	return fields, err
}

// Fill replaces each ${last.FIELD} in s with value(FIELD); false from value
// is an error naming the field.
func Fill(s string, value func(field string) (string, bool)) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("unclosed ${ in %q", s)
		}
		ref := s[i+2 : i+end]
		field, ok := strings.CutPrefix(ref, "last.")
		if !ok || !validField(field) {
			return "", fmt.Errorf("${%s}: only ${last.FIELD} (a field of the last record written, dotted for nested ones) is filled in here", ref)
		}
		v, ok := value(field)
		if !ok {
			return "", fmt.Errorf("no value for ${last.%s}", field)
		}
		b.WriteString(v)
		s = s[i+end+1:]
	}
}

// validField is a dotted path of non-empty names without blanks or $.
func validField(f string) bool {
	if f == "" || strings.ContainsAny(f, " \t\r\n${}") {
		return false
	}
	for _, part := range strings.Split(f, ".") {
		if part == "" {
			return false
		}
	}
	return true
}
