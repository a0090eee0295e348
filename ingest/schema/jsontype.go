package schema

import "strings"

// jsonType is the kind of a JSON value, as told by its first byte.
type jsonType uint8

const (
	typeObject jsonType = iota
	typeArray
	typeString
	typeNumber
	typeBoolean
	typeNull
	numTypes
)

var typeNames = [numTypes]string{"object", "array", "string", "number", "boolean", "null"}

func (t jsonType) String() string {
	if t < numTypes {
		return typeNames[t]
	}
	return "invalid"
}

// typeSet is a set of jsonTypes, one bit each.
type typeSet uint8

func (s typeSet) with(t jsonType) typeSet { return s | 1<<t }

func (s typeSet) has(t jsonType) bool { return s&(1<<t) != 0 }

// String lists the members in a fixed order joined by "|", e.g. "string|null".
func (s typeSet) String() string {
	var names []string
	for t := jsonType(0); t < numTypes; t++ {
		if s.has(t) {
			names = append(names, t.String())
		}
	}
	return strings.Join(names, "|")
}
