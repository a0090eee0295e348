package schema

import "unicode/utf8"

// maxExample bounds Drift.Example, so one huge value cannot flood an event.
const maxExample = 60

// shortExample returns raw as text, cut to at most maxExample bytes on a
// rune boundary, with "..." marking the cut.
func shortExample(raw []byte) string {
	if len(raw) <= maxExample {
		return string(raw)
	}
	const ellipsis = "..."
	cut := maxExample - len(ellipsis)
	// Back up over continuation bytes so a multi-byte rune is not split.
	for cut > 0 && !utf8.RuneStart(raw[cut]) {
		cut--
	}
	return string(raw[:cut]) + ellipsis
}
