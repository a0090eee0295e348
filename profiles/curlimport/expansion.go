package curlimport

import (
	"strings"

	"siphon/profiles"
)

// The shell would expand $NAME, ${NAME}, $(cmd) and `cmd` before curl ever
// saw them. The splitter keeps them as markers inside the words, so that the
// profile can read $NAME from the environment as ${NAME} and so that a
// secret written as $TOKEN is not mistaken for the secret itself. The
// marker runes are private-use code points; any in the input are replaced
// first, so a marker always comes from the splitter.
const (
	markOpen  = '\uE000'
	markClose = '\uE001'
	cmdPrefix = '(' // a payload starting with ( is a command, else a variable name
)

// varMarker marks a shell variable reference.
func varMarker(name string) string {
	return string(markOpen) + name + string(markClose)
}

// cmdMarker marks a command substitution.
func cmdMarker(command string) string {
	return string(markOpen) + string(cmdPrefix) + command + string(markClose)
}

// scrubMarkers replaces marker runes in user input, which must not pass
// for markers.
func scrubMarkers(s string) string {
	return strings.NewReplacer(string(markOpen), "\uFFFD", string(markClose), "\uFFFD").Replace(s)
}

// expansion is one marker found in a string.
type expansion struct {
	start, end int    // byte offsets of the whole marker
	name       string // variable name, for $NAME
	command    string // command text, for $(cmd)
}

// expansions lists the markers in s, in order.
func expansions(s string) []expansion {
	var out []expansion
	for i := 0; i < len(s); {
		open := strings.IndexRune(s[i:], markOpen)
		if open < 0 {
			break
		}
		open += i
		body := open + len(string(markOpen))
		closeAt := strings.IndexRune(s[body:], markClose)
		if closeAt < 0 {
			break
		}
		closeAt += body
		e := expansion{start: open, end: closeAt + len(string(markClose))}
		if payload := s[body:closeAt]; strings.HasPrefix(payload, string(cmdPrefix)) {
			e.command = payload[1:]
		} else {
			e.name = payload
		}
		out = append(out, e)
		i = e.end
	}
	return out
}

// onlyVariable returns NAME when s is exactly one $NAME reference.
func onlyVariable(s string) (string, bool) {
	ex := expansions(s)
	if len(ex) == 1 && ex[0].start == 0 && ex[0].end == len(s) && ex[0].name != "" {
		return ex[0].name, true
	}
	return "", false
}

// onlyCommand returns the command when s is exactly one $(cmd).
func onlyCommand(s string) (string, bool) {
	ex := expansions(s)
	if len(ex) == 1 && ex[0].start == 0 && ex[0].end == len(s) && ex[0].name == "" {
		return ex[0].command, true
	}
	return "", false
}

// hasExpansion reports whether s holds any marker.
func hasExpansion(s string) bool { return strings.ContainsRune(s, markOpen) }

// profileText writes s as a profile string that expands back to what the
// shell would have passed: literal text with $ escaped, $NAME as ${NAME},
// and a command substitution as literal text (siphon runs no commands).
func profileText(s string) string { return profileTextBefore(s, false) }

// profileTextBefore is profileText for text followed by a ${...}
// reference (refFollows), where a trailing literal $ must be escaped too.
func profileTextBefore(s string, refFollows bool) string {
	var b strings.Builder
	at := 0
	for _, e := range expansions(s) {
		b.WriteString(escapeLiteral(s[at:e.start], true)) // every marker is written starting with $
		if e.name != "" {
			b.WriteString("${" + e.name + "}")
		} else {
			b.WriteString(profiles.EscapeDollars("$(" + e.command + ")"))
		}
		at = e.end
	}
	b.WriteString(escapeLiteral(s[at:], refFollows))
	return b.String()
}

// escapeLiteral is escapeDollars for text that may be followed by a $.
func escapeLiteral(s string, dollarFollows bool) string {
	if !dollarFollows {
		return profiles.EscapeDollars(s)
	}
	e := profiles.EscapeDollars(s + "{") // as if a ${ followed
	return e[:len(e)-1]
}

// shellForm writes s back the way the shell command had it: $NAME, $(cmd).
func shellForm(s string) string {
	var b strings.Builder
	at := 0
	for _, e := range expansions(s) {
		b.WriteString(s[at:e.start])
		if e.name != "" {
			b.WriteString("$" + e.name)
		} else {
			b.WriteString("$(" + e.command + ")")
		}
		at = e.end
	}
	b.WriteString(s[at:])
	return b.String()
}
