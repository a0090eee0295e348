package profiles

import (
	"errors"
	"fmt"
	"strings"
)

// segment is one piece of a string with ${...} references: literal text, or
// a reference when name is set.
type segment struct {
	text   string // the literal text, or the reference as written: ${NAME} or ${NAME:-default}
	name   string
	def    string
	hasDef bool
}

// parseTemplate splits s into literal text and ${VAR} / ${VAR:-default}
// references. $$ is a literal $; any other lone $ is kept as is, so that jq
// variables ($x) need no escaping.
func parseTemplate(s string) ([]segment, error) {
	var segs []segment
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			segs = append(segs, segment{text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) || (s[i+1] != '$' && s[i+1] != '{') {
			lit.WriteByte(s[i])
			continue
		}
		if s[i+1] == '$' {
			lit.WriteByte('$')
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return nil, errors.New("unclosed ${ (write $$ for a literal $)")
		}
		ref := s[i : i+end+1]
		inner := ref[2 : len(ref)-1]
		if partitionRefs[inner] {
			// filled in per partition when the run starts
			lit.WriteString(ref)
			i += end
			continue
		}
		name, def, hasDef := strings.Cut(inner, ":-")
		if !isEnvName(name) {
			return nil, errors.New("a reference must be ${NAME} or ${NAME:-default}, NAME of letters, digits and _ (write $$ for a literal $)")
		}
		flush()
		segs = append(segs, segment{text: ref, name: name, def: def, hasDef: hasDef})
		i += end
	}
	flush()
	return segs, nil
}

// isEnvName reports whether s is a usable environment variable name.
func isEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// resolvedRef is a reference and the value it took.
type resolvedRef struct {
	ref, value string
	set        bool // the variable was set (a default was not used)
}

// expand replaces every reference in s by its value from lookup, or its
// default; a missing variable without a default is an error naming it.
func expand(s string, lookup func(string) (string, bool)) (string, []resolvedRef, error) {
	if strings.IndexByte(s, '$') < 0 {
		return s, nil, nil // no reference: s itself, not a copy (a list of 50,000 values is kept once)
	}
	segs, err := parseTemplate(s)
	if err != nil {
		return "", nil, err
	}
	var out strings.Builder
	var refs []resolvedRef
	for _, sg := range segs {
		if sg.name == "" {
			out.WriteString(sg.text)
			continue
		}
		v, ok := lookup(sg.name)
		switch {
		case ok:
		case sg.hasDef:
			v = sg.def
		default:
			return "", nil, fmt.Errorf("environment variable %s is not set (export it, or write ${%s:-default})", sg.name, sg.name)
		}
		out.WriteString(v)
		refs = append(refs, resolvedRef{ref: sg.text, value: v, set: ok})
	}
	return out.String(), refs, nil
}

// EscapeDollars writes s so that the loader's interpolation gives s back: a
// $ that would start a reference or an escape is doubled.
func EscapeDollars(s string) string { return escapeDollars(s) }

func escapeDollars(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '$' && i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '$') && !partitionRefAt(s[i:]) {
			b.WriteByte('$')
		}
	}
	return b.String()
}

// partitionRefs are the references a partitioned profile's requests use;
// the loader keeps them as written (package partition fills them in).
var partitionRefs = map[string]bool{"partition.start": true, "partition.end": true, "partition.value": true}

// partitionRefAt reports whether s starts with a partition reference.
func partitionRefAt(s string) bool {
	end := strings.IndexByte(s, '}')
	return strings.HasPrefix(s, "${") && end > 2 && partitionRefs[s[2:end]]
}
