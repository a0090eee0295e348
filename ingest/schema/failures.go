package schema

import (
	"math/big"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// rootLabel names the record itself in a reason, where its JSON Pointer is "".
const rootLabel = "(root)"

// failure is one failing instance location and why it failed.
type failure struct {
	path string // JSON Pointer
	why  string
}

// summarize flattens a validation error tree into one line ("path: why; ...",
// sorted by path, since the library visits properties in map order) and the
// distinct failing paths.
func summarize(verr *jsonschema.ValidationError) (reason string, paths []string) {
	failures := collectFailures(verr, nil)
	slices.SortStableFunc(failures, func(a, b failure) int { return strings.Compare(a.path, b.path) })
	var sb strings.Builder
	for i, f := range failures {
		if i > 0 {
			sb.WriteString("; ")
		}
		if f.path == "" {
			sb.WriteString(rootLabel)
		} else {
			sb.WriteString(f.path)
		}
		sb.WriteString(": ")
		sb.WriteString(f.why)
		if len(paths) == 0 || paths[len(paths)-1] != f.path {
			paths = append(paths, f.path)
		}
	}
	return sb.String(), paths
}

// collectFailures walks the tree down to the errors that say something about
// the data. Missing and forbidden properties are pinned on the property
// itself. anyOf, oneOf and not are reported where they apply: their
// branches' errors are not failures of their own.
func collectFailures(e *jsonschema.ValidationError, out []failure) []failure {
	at := pointer(e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, name := range k.Missing {
			out = append(out, failure{at + "/" + escapePointer(name), "missing"})
		}
		return out
	case *kind.AdditionalProperties:
		for _, name := range k.Properties {
			out = append(out, failure{at + "/" + escapePointer(name), "not allowed"})
		}
		return out
	case *kind.AnyOf:
		return append(out, failure{at, "matches no anyOf alternative" + alternatives(e, at)})
	case *kind.OneOf:
		if len(k.Subschemas) == 0 {
			return append(out, failure{at, "matches no oneOf alternative" + alternatives(e, at)})
		}
		return append(out, failure{at, kindMessage(k)})
	case *kind.Not:
		return append(out, failure{at, kindMessage(k)})
	case *kind.Minimum:
		return append(out, failure{at, boundMessage(">=", k.Want, k.Got)})
	case *kind.Maximum:
		return append(out, failure{at, boundMessage("<=", k.Want, k.Got)})
	case *kind.ExclusiveMinimum:
		return append(out, failure{at, boundMessage(">", k.Want, k.Got)})
	case *kind.ExclusiveMaximum:
		return append(out, failure{at, boundMessage("<", k.Want, k.Got)})
	case *kind.MultipleOf:
		return append(out, failure{at, boundMessage("a multiple of", k.Want, k.Got)})
	}
	if len(e.Causes) == 0 {
		return append(out, failure{at, kindMessage(e.ErrorKind)})
	}
	for _, cause := range e.Causes {
		out = collectFailures(cause, out)
	}
	return out
}

// alternatives explains why each branch of an anyOf or oneOf failed, as
// " (why | why)", when all branches failed on the value itself (such as
// ["string", "null"] types); nested complaints would not fit on one line.
func alternatives(e *jsonschema.ValidationError, at string) string {
	var whys []string
	for _, cause := range e.Causes {
		for _, f := range collectFailures(cause, nil) {
			if f.path != at {
				return ""
			}
			whys = append(whys, f.why)
		}
	}
	if len(whys) == 0 {
		return ""
	}
	return " (" + strings.Join(whys, " | ") + ")"
}

// kindMessage is the library's English text for one error kind, without the
// location prefix it adds (which we write ourselves).
func kindMessage(k jsonschema.ErrorKind) string {
	text := (&jsonschema.ValidationError{ErrorKind: k}).Error()
	return oneLine(strings.TrimPrefix(text, "at '': "))
}

// boundMessage words a numeric limit exactly: the library's own text goes
// through float64, which misreports big integers ("got 9.007e15, want
// 9.007e15" for a value one past the limit).
func boundMessage(relation string, want, got *big.Rat) string {
	return "must be " + relation + " " + exactNumber(want) + ", got " + exactNumber(got)
}

// exactNumber prints r in decimal without rounding when it has a finite
// decimal expansion (every JSON number has), else as a fraction.
func exactNumber(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	scaled := new(big.Rat).Set(r)
	ten := big.NewRat(10, 1)
	for places := 1; places <= 400; places++ {
		scaled.Mul(scaled, ten)
		if scaled.IsInt() {
			return r.FloatString(places)
		}
	}
	return r.RatString()
}

// pointer joins instance location tokens into a JSON Pointer.
func pointer(tokens []string) string {
	var sb strings.Builder
	for _, tok := range tokens {
		sb.WriteByte('/')
		sb.WriteString(escapePointer(tok))
	}
	return sb.String()
}

// escapePointer escapes one JSON Pointer token (RFC 6901).
func escapePointer(tok string) string {
	if !strings.ContainsAny(tok, "~/") {
		return tok
	}
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// oneLine keeps a message on one line, whatever values it quotes.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
