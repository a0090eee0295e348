package redact

import (
	"bytes"
	"strings"
	"testing"
)

// TestWriterMatchesValues: text written in pieces of any size comes out as
// Values makes it of the whole, secrets across piece boundaries included.
func TestWriterMatchesValues(t *testing.T) {
	r := New([]string{"s3cr3t-token-value", "abcd", "cdef"}, nil)
	// Pads of every length put every part of a secret at a flush point.
	var sb strings.Builder
	for i := 0; i < 400; i++ {
		sb.WriteString(`{"next":"https://x/?t=s3cr3t-token-value","a":"abcdef","b":"abcdabcd","pad":"` + strings.Repeat("z", 300+i) + `"}`)
	}
	text := sb.String()
	want := r.Values(text)
	for _, piece := range []int{1, 3, 7, 17, 4096, 70000, len(text)} {
		var out bytes.Buffer
		w := r.Writer(&out)
		for i := 0; i < len(text); i += piece {
			if _, err := w.Write([]byte(text[i:min(len(text), i+piece)])); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Fatalf("pieces of %d: output differs from Values (%d vs %d bytes)", piece, out.Len(), len(want))
		}
	}
	var out bytes.Buffer
	w := New(nil, nil).Writer(&out)
	w.Write([]byte("nothing to hide"))
	w.Close()
	if out.String() != "nothing to hide" {
		t.Errorf("without secrets: %q", out.String())
	}
}
