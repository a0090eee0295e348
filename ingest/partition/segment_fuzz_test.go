package partition_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"siphon/ingest/partition"
)

// FuzzPathSegment: whatever the value, what goes into the path is
// one segment (no '/'), never a dot segment however often it is decoded,
// holds no control byte, and decodes back to the value; or the value is
// refused, and then only for being empty, a dot segment, or CR/LF/NUL.
func FuzzPathSegment(f *testing.F) {
	for _, s := range []string{"acme", "a/b", "..", ".", "%2e%2e", ".%2E", "%252e%252e", "../../../admin/delete-all",
		"x\r\nX-Evil: 1", "nul\x00", "", "q?x=1#frag", "%", "%zz", "ü/ñ", "\x7f\x1b[31m", " ", "~", "..."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		seg, err := partition.PathSegment(v)
		if err != nil {
			if !errors.Is(err, partition.ErrUnsafeValue) {
				t.Fatalf("%q: refused with %v, not ErrUnsafeValue", v, err)
			}
			if v != "" && !strings.ContainsAny(v, "\r\n\x00") && !decodesToDots(v) {
				t.Fatalf("%q refused but it is not empty, a dot segment or a control: %v", v, err)
			}
			return
		}
		if strings.Contains(seg, "/") {
			t.Fatalf("%q -> %q holds a /", v, seg)
		}
		for i := 0; i < len(seg); i++ {
			if seg[i] < 0x20 || seg[i] == 0x7f {
				t.Fatalf("%q -> %q holds control byte %#x", v, seg, seg[i])
			}
		}
		if decodesToDots(seg) {
			t.Fatalf("%q -> %q is a dot segment", v, seg)
		}
		back, err := url.PathUnescape(seg)
		if err != nil || back != v {
			t.Fatalf("%q -> %q decodes to %q, %v", v, seg, back, err)
		}
		// As a server sees it: the segment stays one segment of the path.
		u, err := url.Parse("http://h/repos/" + seg + "/issues")
		if err != nil {
			t.Fatalf("%q -> %q: %v", v, seg, err)
		}
		if parts := strings.Split(u.EscapedPath(), "/"); len(parts) != 4 || parts[2] != seg {
			t.Fatalf("%q -> %q: path %s has other segments", v, seg, u.EscapedPath())
		}
	})
}

// decodesToDots reports whether s is . or .., as it is or after rounds of
// percent-decoding.
func decodesToDots(s string) bool {
	for {
		if s == "." || s == ".." {
			return true
		}
		d, err := url.PathUnescape(s)
		if err != nil || d == s {
			return false
		}
		s = d
	}
}
