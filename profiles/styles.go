package profiles

import (
	"slices"
	"strings"
)

// styleKeys says which keys each type of a section (pagination types,
// auth types, oauth2 grants) has of its own.
type styleKeys map[string][]string

// owners lists the types a key belongs to, in the given order.
func (s styleKeys) owners(key string, order []string) []string {
	var out []string
	for _, t := range order {
		if slices.Contains(s[t], key) {
			out = append(out, t)
		}
	}
	return out
}

// all lists every key of every type, plus common ones, for suggestions.
func (s styleKeys) all(common []string) []string {
	out := slices.Clone(common)
	for _, keys := range s {
		for _, k := range keys {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

// misplaced is the message for a key of another type: "cursor_path applies
// to pagination type cursor, not offset". When the type was left out, it
// says which to set.
func misplaced(key, what string, owners []string, actual string, typeGiven bool) string {
	msg := key + " applies to " + what + " " + plural("type", len(owners)) + " " + andList(owners) + ", not " + actual
	if !typeGiven {
		msg += " (set type: " + owners[0] + ")"
	}
	return msg
}

// andList joins words as "a, b and c".
func andList(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// plural adds an s to word unless n is 1.
func plural(word string, n int) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
