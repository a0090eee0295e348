package ingest

import (
	"bytes"
	"errors"
	"hash/maphash"
	"io"
	"strings"
	"testing"
)

// slowBody hands out at most step bytes a read, then err (EOF when nil).
type slowBody struct {
	data []byte
	step int
	err  error
}

func (r *slowBody) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.step)], r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestBodyTapPeekReadsOnce: peeking, then reading, hands out every byte
// once and in order, and the tap counts, keeps and fingerprints each
// byte once, as plain reads do; reading again from the start after a
// peek gives the body whole, not the peeked bytes twice.
func TestBodyTapPeekReadsOnce(t *testing.T) {
	broken := errors.New("connection reset")
	long := []byte(strings.Repeat(`{"id":12345,"name":"someone"},`, 3000)) // past headBytes
	for _, tc := range []struct {
		name string
		body []byte
		step int
		peek int
		err  error
	}{
		{"small body, one read", []byte(`{"data":[1,2,3]}`), 1 << 20, 4, nil},
		{"small body, trickling", []byte(`{"data":[1,2,3]}`), 3, 4, nil},
		{"shorter than the peek", []byte("[]"), 1, 4, nil},
		{"empty", nil, 1, 4, nil},
		{"past the head's bound", long, 5000, 4, nil},
		{"peek past the head's bound", long, 5000, headBytes + 10, nil},
		{"broken while peeking", []byte(`{"da`), 2, 8, broken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plain := &bodyTap{r: &slowBody{data: tc.body, step: tc.step, err: tc.err}}
			plain.hash.SetSeed(bodySeed)
			want, wantErr := io.ReadAll(plain)

			tap := &bodyTap{r: &slowBody{data: tc.body, step: tc.step, err: tc.err}}
			tap.hash.SetSeed(bodySeed)
			peeked, perr := tap.Peek(tc.peek)
			if !bytes.HasPrefix(tc.body, peeked) || (perr == nil && len(peeked) != tc.peek) {
				t.Fatalf("Peek(%d) = %q, %v", tc.peek, peeked, perr)
			}
			rest, err := io.ReadAll(io.LimitReader(tap, 7)) // a few bytes, then the rest
			more, err2 := io.ReadAll(tap)
			got := append(rest, more...)
			if err == nil {
				err = err2
			}
			if !bytes.Equal(got, want) || !bytes.Equal(got, tc.body) {
				t.Errorf("read %d bytes after the peek, want the %d of the body", len(got), len(tc.body))
			}
			if !errors.Is(err, wantErr) && !errors.Is(perr, tc.err) {
				t.Errorf("error %v (peek: %v), want %v", err, perr, wantErr)
			}
			if tap.n != plain.n || !bytes.Equal(tap.head, plain.head) || tap.hash.Sum64() != plain.hash.Sum64() {
				t.Errorf("tap saw %d bytes, kept %d, hash %x; plain reads saw %d, kept %d, hash %x", tap.n, len(tap.head), tap.hash.Sum64(), plain.n, len(plain.head), plain.hash.Sum64())
			}
		})
	}
	t.Run("again after a peek", func(t *testing.T) {
		body := []byte("{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n")
		tap := &bodyTap{r: &slowBody{data: body, step: 100}}
		tap.hash.SetSeed(maphash.MakeSeed())
		tap.Peek(4)
		first := make([]byte, 5) // a first pass that stopped early
		io.ReadFull(tap, first)
		again, err := io.ReadAll(tap.again())
		if err != nil || !bytes.Equal(again, body) {
			t.Errorf("read again: %q, %v; want the body once", again, err)
		}
	})
}
