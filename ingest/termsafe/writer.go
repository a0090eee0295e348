package termsafe

import (
	"bytes"
	"io"
	"sync"
	"unicode/utf8"
)

// Writer passes a stream to a terminal with every control but newline and tab
// shown visibly. siphon's own escapes (the progress line's "\r\x1b[2K") go
// through Control, never through Write, so a server cannot send one.
type Writer struct {
	mu    sync.Mutex
	w     io.Writer
	carry []byte // the start of a rune split across writes
	buf   bytes.Buffer
}

// NewWriter wraps w. Wrapping a Writer again returns it as it is.
func NewWriter(w io.Writer) *Writer {
	if sw, ok := w.(*Writer); ok {
		return sw
	}
	return &Writer{w: w}
}

// Write cleans p and writes it. It reports len(p) on success: a caller
// counting bytes counts what it gave.
func (sw *Writer) Write(p []byte) (int, error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	data := p
	if len(sw.carry) > 0 {
		data = append(sw.carry, p...)
		sw.carry = nil
	}
	// keep an incomplete rune at the end for the next write
	if tail := incompleteTail(data); tail > 0 {
		sw.carry = append([]byte(nil), data[len(data)-tail:]...)
		data = data[:len(data)-tail]
	}
	sw.buf.Reset()
	appendClean(&sw.buf, string(data), writeMode)
	if _, err := sw.w.Write(sw.buf.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Control writes siphon's own terminal sequence as it is.
func (sw *Writer) Control(seq string) error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	_, err := io.WriteString(sw.w, seq)
	return err
}

// Unwrap is the writer underneath (for a terminal check, or for the console,
// which draws the screen itself and cleans what it draws).
func (sw *Writer) Unwrap() io.Writer { return sw.w }

// Underlying returns the writer beneath any number of Writers.
func Underlying(w io.Writer) io.Writer {
	for {
		sw, ok := w.(*Writer)
		if !ok {
			return w
		}
		w = sw.w
	}
}

// incompleteTail is how many bytes at the end of p begin a rune that is not
// complete yet (0 when p ends on a whole rune or on bytes that are no rune).
func incompleteTail(p []byte) int {
	for n := 1; n <= utf8.UTFMax-1 && n <= len(p); n++ {
		c := p[len(p)-n]
		if !utf8.RuneStart(c) {
			continue
		}
		if c < 0x80 {
			return 0
		}
		need := 0
		switch {
		case c&0xe0 == 0xc0:
			need = 2
		case c&0xf0 == 0xe0:
			need = 3
		case c&0xf8 == 0xf0:
			need = 4
		}
		if need > n && !utf8.FullRune(p[len(p)-n:]) {
			return n
		}
		return 0
	}
	return 0
}
