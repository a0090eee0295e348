package textbound

import (
	"strings"
	"testing"
)

// TestEscapeControls: C1 and bidi controls become \u escapes wherever
// they stand (the ASCII run before them read eight bytes at a time or
// one by one), and text without them comes back as it is.
func TestEscapeControls(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{``, ``},
		{`{"url":"https://api.test/v1?cursor=abc"}`, `{"url":"https://api.test/v1?cursor=abc"}`},
		{"\u0085", `\u0085`},
		{"1234567\u0085", `1234567\u0085`},
		{"12345678\u0085", `12345678\u0085`},
		{"123456789\u202eab", `123456789\u202eab`},
		{strings.Repeat("a", 17) + "é\u009f€" + strings.Repeat("b", 9), strings.Repeat("a", 17) + `é\u009f€` + strings.Repeat("b", 9)},
		{"\u2066x\u2069", `\u2066x\u2069`},
	} {
		if got := string(EscapeControls([]byte(tc.in))); got != tc.want {
			t.Errorf("EscapeControls(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
