// Package recordtail keeps the last records a page wrote, back to back in
// one buffer reused from page to page, for the page event's sample: at
// most the last n, within Budget bytes (the last record always kept).
package recordtail

import (
	"bytes"
	"encoding/json"
)

// Budget bounds the bytes of the records kept for a page's sample (but
// the last record is always kept, up to max_record).
const Budget = 8 << 20

// Tail is a page's last records.
type Tail struct {
	buf    []byte
	ends   []int
	starts []int64 // where each record kept starts in the page's body
}

// Reset empties the tail for a new attempt at a page.
func (t *Tail) Reset() {
	t.buf, t.ends, t.starts = t.buf[:0], t.ends[:0], t.starts[:0]
	if cap(t.buf) > 2*Budget {
		t.buf = nil // one huge record does not stay pinned
	}
}

// Size is the bytes the tail holds room for.
func (t *Tail) Size() int { return cap(t.buf) }

// Add keeps rec, which starts at byte at of the page's body, and at least
// the n records before it within Budget.
func (t *Tail) Add(rec []byte, at int64, n int) {
	if len(t.ends) >= 2*n {
		t.dropFirst(len(t.ends) - n) // keep the last n
	}
	t.buf = append(t.buf, rec...)
	t.ends = append(t.ends, len(t.buf))
	t.starts = append(t.starts, at)
	if len(t.buf) > Budget && len(t.ends) > 1 {
		// Large records: the sample keeps fewer of them, the last always.
		j := 1
		for j < len(t.ends)-1 && len(t.buf)-t.ends[j-1] > Budget {
			j++
		}
		t.dropFirst(j)
	}
}

// dropFirst forgets the first j records kept, moving the rest to the front.
func (t *Tail) dropFirst(j int) {
	from := t.ends[j-1]
	t.buf = t.buf[:copy(t.buf, t.buf[from:])]
	t.ends = t.ends[:copy(t.ends, t.ends[j:])]
	t.starts = t.starts[:copy(t.starts, t.starts[j:])]
	for i := range t.ends {
		t.ends[i] -= from
	}
}

// Verbatim says whether each of the last n records kept is in body, the
// page's whole body, byte for byte where it started (a compact body, as
// most APIs send): then PartsOf gives them as parts of a copy of body,
// which the event's sample and preview share. It is false for a record
// that lost white space, or a body converted from another format.
func (t *Tail) Verbatim(body []byte, n int) bool {
	for i := max(len(t.ends)-n, 0); i < len(t.ends); i++ {
		rec, at := t.record(i)
		if at < 0 || at > int64(len(body)-len(rec)) || !bytes.Equal(body[at:at+int64(len(rec))], rec) {
			return false
		}
	}
	return true
}

// PartsOf is the last n records kept as parts of body, where Verbatim
// found them in the body body copies.
func (t *Tail) PartsOf(body []byte, n int) []json.RawMessage {
	k := max(len(t.ends)-n, 0)
	recs := make([]json.RawMessage, len(t.ends)-k)
	for i := range recs {
		rec, at := t.record(k + i)
		end := at + int64(len(rec))
		recs[i] = body[at:end:end]
	}
	return recs
}

// record is the i-th record kept and where it started in the body.
func (t *Tail) record(i int) ([]byte, int64) {
	start := 0
	if i > 0 {
		start = t.ends[i-1]
	}
	return t.buf[start:t.ends[i]], t.starts[i]
}

// LastSize is the bytes of the last n records kept.
func (t *Tail) LastSize(n int) int {
	return len(t.buf) - t.from(n)
}

// LastIn is the last n records kept, copied into dst, which holds
// LastSize(n) bytes: the event carrying them outlives the page, and its
// caller puts them in one buffer with the event's other texts.
func (t *Tail) LastIn(dst []byte, n int) []json.RawMessage {
	ends := t.ends
	if len(ends) > n {
		ends = ends[len(ends)-n:]
	}
	if len(ends) == 0 {
		return nil
	}
	from := t.from(n)
	return Split(dst[:copy(dst, t.buf[from:])], ends, from)
}

// from is where the last n records kept begin in buf.
func (t *Tail) from(n int) int {
	if len(t.ends) <= n {
		return 0
	}
	return t.ends[len(t.ends)-n-1]
}

// Split cuts buf into records ending at ends (offsets less base).
func Split(buf []byte, ends []int, base int) []json.RawMessage {
	recs := make([]json.RawMessage, len(ends))
	start := 0
	for i, end := range ends {
		end -= base
		recs[i] = buf[start:end:end]
		start = end
	}
	return recs
}
