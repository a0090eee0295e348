package specimport

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Namer hands out profile names, unique among those it gave.
type Namer struct{ used map[string]bool }

var (
	notNameChars = regexp.MustCompile(`[^a-z0-9._-]+`)
	camelBreak   = regexp.MustCompile(`([a-z0-9])([A-Z])`)
)

// Name makes a profile name ([a-z0-9._-]) from an operation's id, else
// from its method and path: listCustomers gives list-customers, GET
// /repos/{owner}/{repo}/issues gives get-repos-owner-repo-issues.
func (n *Namer) Name(operationID, method, path string) string {
	if n.used == nil {
		n.used = map[string]bool{}
	}
	base := Slug(operationID)
	if base == "" {
		base = Slug(method + " " + path)
	}
	if base == "" {
		base = "operation"
	}
	name := base
	for i := 2; n.used[name]; i++ {
		name = base + "-" + strconv.Itoa(i)
	}
	n.used[name] = true
	return name
}

// Slug turns text into a profile name's characters: camelCase and
// separators become '-', letters lower case; "" when nothing is left.
func Slug(s string) string {
	s = camelBreak.ReplaceAllString(s, "$1-$2")
	s = strings.Map(func(r rune) rune {
		if r > unicode.MaxASCII {
			return '-'
		}
		return unicode.ToLower(r)
	}, s)
	s = notNameChars.ReplaceAllString(s, "-")
	s = strings.Trim(s, "-._")
	if len(s) > 64 {
		s = strings.TrimRight(s[:64], "-._")
	}
	return s
}
