package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"siphon/ingest/paginate"
	"siphon/ingest/textbound"
)

// PageEntry is one line of pages/index.jsonl.
type PageEntry struct {
	Page      int               `json:"page"`
	Time      time.Time         `json:"time"`
	Method    string            `json:"method"`
	URL       string            `json:"url"` // redacted
	Status    int               `json:"status"`
	Attempts  int               `json:"attempts"`
	Duration  string            `json:"duration"`
	Bytes     int64             `json:"bytes"`
	Records   int               `json:"records"`
	CursorIn  string            `json:"cursor_in,omitempty"`
	CursorOut string            `json:"cursor_out,omitempty"`
	File      string            `json:"file"`
	Headers   map[string]string `json:"headers,omitempty"` // response headers, redacted
	// Position is the paginator's position before this page, so that
	// `siphon state rewind` can go back to it (absent in older archives).
	Position *paginate.Position `json:"position,omitempty"`
}

// PageFileName names page n's body in the archive.
func PageFileName(n int) string { return fmt.Sprintf("%06d.body", n) }

// MarshalJSON writes an index line with its strings bounded and its
// control characters escaped (see textbound).
func (e *PageEntry) MarshalJSON() ([]byte, error) {
	type plain PageEntry
	c := plain(*e)
	c.URL, c.CursorIn, c.CursorOut = textbound.Keep(c.URL), textbound.Keep(c.CursorIn), textbound.Keep(c.CursorOut)
	if c.Headers != nil {
		h := make(map[string]string, len(c.Headers))
		for k, v := range c.Headers {
			h[k] = v
		}
		c.Headers = textbound.Headers(h)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // & in URLs stays readable
	if err := enc.Encode(&c); err != nil {
		return nil, err
	}
	return textbound.EscapeControls(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}
