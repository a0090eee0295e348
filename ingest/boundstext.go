package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"siphon/ingest/paginate"
)

// maxKeptText bounds one string siphon keeps about a page or a run (in
// pages/index.jsonl, the history, events): a URL, a cursor, a header
// value, an error. Past it the string is cut, visibly.
const maxKeptText = 8 << 10

// maxResumeText bounds a cursor, next URL or high-water mark the
// checkpoint keeps: those are kept whole, since resuming needs them
// exactly, and one past this bound fails its page instead. No server
// takes a URL this long; a cursor this long is a broken API.
const maxResumeText = 64 << 10

// keepText cuts s, already redacted, to maxKeptText bytes with a marked
// cut that says how long it was: "…[cut: 9.0 MiB]". Redaction comes first,
// so a cut never leaves the start of a secret behind.
func keepText(s string) string {
	if len(s) <= maxKeptText {
		return s
	}
	mark := fmt.Sprintf("…[cut: %s]", humanSize(int64(len(s))))
	n := maxKeptText - len(mark)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + mark
}

// keepHeaders bounds each value of a flattened header map.
func keepHeaders(h map[string]string) map[string]string {
	for k, v := range h {
		if len(v) > maxKeptText || len(k) > maxKeptText {
			delete(h, k)
			h[keepText(k)] = keepText(v)
		}
	}
	return h
}

// checkResumable fails a page whose position (cursor, next URL, high-water
// mark) is too long to keep whole in the checkpoint.
func checkResumable(pos paginate.Position, pageNo int) error {
	for _, f := range []struct{ what, v string }{{"next cursor", pos.Cursor}, {"next URL", pos.NextURL}, {"high-water mark", pos.HighWater}} {
		if len(f.v) > maxResumeText {
			return fmt.Errorf("page %d: the %s is %s long, more than the %s siphon keeps in the checkpoint to resume from; the page was not saved (the API's pagination is broken, or pagination points at the wrong field)", pageNo, f.what, humanSize(int64(len(f.v))), humanSize(maxResumeText))
		}
	}
	return nil
}

// escapeControls writes the C1 controls (U+0080–U+009F) and the bidi
// controls in JSON text as \u escapes: the same JSON to any reader, and
// safe to cat to a terminal. They can only be inside strings (JSON's
// structure is ASCII), where an escape means the same character.
func escapeControls(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return b
	}
	var out []byte
	last := 0
	for i < len(b) {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if escapedRune(r) {
			if out == nil {
				out = make([]byte, 0, len(b)+16)
			}
			out = append(out, b[last:i]...)
			out = fmt.Appendf(out, `\u%04x`, r)
			last = i + size
		}
		i += size
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// escapedRune reports a C1 control or a bidi control.
func escapedRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// MarshalJSON writes an index line with its strings bounded and its
// control characters escaped (see escapeControls).
func (e *PageEntry) MarshalJSON() ([]byte, error) {
	type plain PageEntry
	c := plain(*e)
	c.URL, c.CursorIn, c.CursorOut = keepText(c.URL), keepText(c.CursorIn), keepText(c.CursorOut)
	if c.Headers != nil {
		h := make(map[string]string, len(c.Headers))
		for k, v := range c.Headers {
			h[k] = v
		}
		c.Headers = keepHeaders(h)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // & in URLs stays readable
	if err := enc.Encode(&c); err != nil {
		return nil, err
	}
	return escapeControls(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}
