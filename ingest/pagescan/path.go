package pagescan

import (
	"fmt"
	"strings"
)

// Path is a plain path into a body: a chain of object keys, optionally
// ending in [] (iterate the array, or the object's values, found there).
// "." is the body itself, ".[]" its elements.
type Path struct {
	Keys []string
	Iter bool
}

// ParsePath reads ".", ".[]", ".data", ".data[]", ".a.b", ".a.b[]": jq's
// plainest expressions. Keys are identifiers ([A-Za-z_][A-Za-z0-9_]*);
// surrounding white space is allowed. Anything else is an error, and the
// caller keeps using a full jq engine for it.
func ParsePath(src string) (Path, error) {
	s := strings.TrimSpace(src)
	var p Path
	if rest, ok := strings.CutSuffix(s, "[]"); ok {
		p.Iter = true
		s = rest
	}
	if s == "." {
		return p, nil
	}
	if !strings.HasPrefix(s, ".") {
		return Path{}, fmt.Errorf("path %q: not a plain path (it must start with a dot)", src)
	}
	for _, k := range strings.Split(s[1:], ".") {
		if !isIdent(k) {
			return Path{}, fmt.Errorf("path %q: %q is not a plain key (letters, digits, _)", src, k)
		}
		p.Keys = append(p.Keys, k)
	}
	return p, nil
}

// IsPlain says whether ParsePath accepts src.
func IsPlain(src string) bool {
	_, err := ParsePath(src)
	return err == nil
}

func (p Path) String() string {
	s := "." + strings.Join(p.Keys, ".")
	if p.Iter {
		s += "[]"
	}
	return s
}

func isIdent(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9' {
			continue
		}
		return false
	}
	return true
}
