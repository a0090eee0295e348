package redact

import (
	"bytes"
	"io"
	"sort"
)

// streamFlush is how much a Writer gathers before it writes what no later
// byte can change.
const streamFlush = 64 << 10

// Writer passes text on to w with every secret value hidden, as Values does
// on the whole text, holding back only the bytes a secret might still
// start in (its longest form, less one). Close writes the rest; it does not
// close w.
func (r *Redactor) Writer(w io.Writer) io.WriteCloser {
	s := &streamWriter{w: w}
	if r != nil {
		for _, f := range r.forms {
			s.forms = append(s.forms, []byte(f))
			s.longest = max(s.longest, len(f))
		}
	}
	return s
}

type streamWriter struct {
	w       io.Writer
	forms   [][]byte
	longest int
	buf     []byte
	spans   []span
	err     error
}

func (s *streamWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.longest == 0 {
		return s.w.Write(p) // nothing to hide
	}
	s.buf = append(s.buf, p...)
	if len(s.buf) >= streamFlush {
		s.flush(false)
	}
	return len(p), s.err
}

func (s *streamWriter) Close() error {
	if s.err == nil && len(s.buf) > 0 {
		s.flush(true)
	}
	return s.err
}

// flush writes the buffer up to a point no later byte can change (all of
// it when final): every secret that starts before it lies whole in the
// buffer, and none ends at or crosses it, so it is hidden exactly as
// Values hides it in the whole text.
func (s *streamWriter) flush(final bool) {
	b := s.buf
	s.spans = s.spans[:0]
	for _, form := range s.forms {
		for from := 0; from < len(b); {
			i := bytes.Index(b[from:], form)
			if i < 0 {
				break
			}
			start := from + i
			s.spans = append(s.spans, span{start, start + len(form)})
			from = start + 1
		}
	}
	safe := len(b)
	if !final {
		// A secret starting from here on may go on in the next write.
		safe = len(b) - (s.longest - 1)
		for moved := true; moved; {
			moved = false
			for _, sp := range s.spans {
				if sp.start < safe && sp.end >= safe {
					safe, moved = sp.start, true
				}
			}
		}
	}
	sort.Slice(s.spans, func(i, j int) bool { return s.spans[i].start < s.spans[j].start })
	var out bytes.Buffer
	out.Grow(safe)
	last := 0
	for i := 0; i < len(s.spans) && s.spans[i].start < safe; {
		cur := s.spans[i]
		for i++; i < len(s.spans) && s.spans[i].start <= cur.end; i++ {
			cur.end = max(cur.end, s.spans[i].end)
		}
		out.Write(b[last:cur.start])
		out.WriteString(Placeholder)
		last = cur.end
	}
	out.Write(b[last:safe])
	if _, err := s.w.Write(out.Bytes()); err != nil {
		s.err = err
	}
	s.buf = b[:copy(b, b[safe:])]
}
