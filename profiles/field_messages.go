package profiles

import "strings"

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
