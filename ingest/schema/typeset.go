package schema

import (
	"strings"

	"siphon/ingest/pagescan"
)

// typeSet is a set of JSON types (pagescan's kinds), one bit each.
type typeSet uint8

func (s typeSet) with(k pagescan.Kind) typeSet { return s | 1<<k }

func (s typeSet) has(k pagescan.Kind) bool { return s&(1<<k) != 0 }

// String lists the members in a fixed order joined by "|", e.g. "string|null".
func (s typeSet) String() string {
	var names []string
	for k := pagescan.KindObject; k <= pagescan.KindNull; k++ {
		if s.has(k) {
			names = append(names, k.String())
		}
	}
	return strings.Join(names, "|")
}
