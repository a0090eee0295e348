package termsafe

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// attacks are the sequences a hostile API sends to drive a terminal.
var attacks = map[string]string{
	"osc52 clipboard": "\x1b]52;c;cm0gLXJmIH4gIyBwd25lZA==\x07",
	"osc0 title":      "\x1b]0;owned\x1b\\",
	"osc8 link":       "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\",
	"csi clear":       "\x1b[2J\x1b[H",
	"csi alt screen":  "\x1b[?1049l",
	"sgr conceal":     "\x1b[8mhidden",
	"bel":             "ding\x07",
	"c1 csi":          "\u009b2J",
	"c1 osc":          "\u009d0;title\u009c",
	"raw 8-bit csi":   "\x9b2J",
	"bidi override":   "abc\u202edcba",
	"bidi isolate":    "\u2066x\u2069",
	"carriage return": "safe\rrm -rf ~",
	"dcs":             "\x1bP+q\x1b\\",
	"del":             "a\x7fb",
}

func TestLineShowsEveryControl(t *testing.T) {
	for name, in := range attacks {
		t.Run(name, func(t *testing.T) {
			out := Line(in)
			assertClean(t, out, false)
			if strings.ContainsRune(in, 0x1b) && !strings.Contains(out, `\u001b`) {
				t.Errorf("ESC not shown visibly: %q", out)
			}
		})
	}
}

func TestText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a\r\nb", "a\nb"},
		{"a\tb", "a    b"},
		{"a\x1b[31mb\n", `a\u001b[31mb` + "\n"},
		{"x\ry", `x\u000dy`},
		{"\x9b", `\x9b`},
	}
	for _, c := range cases {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestLine(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain text, ünïcode 日本", "plain text, ünïcode 日本"},
		{"a\nb\tc", "a b c"},
		{"\x1b]52;c;x\x07", `\u001b]52;c;x\u0007`},
		{"\u009b", `\u009b`},
		{"\u202e", `\u202e`},
	}
	for _, c := range cases {
		if got := Line(c.in); got != c.want {
			t.Errorf("Line(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestClip(t *testing.T) {
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"abcdefghij", 6, "abc…"},
		{"ab\x1bcdefgh", 8, "ab…"}, // never half of \u001b
		{"日本語", 5, "…"},
		{"x", 1, "x"},
		{"xyz", 2, ""},
	}
	for _, c := range cases {
		if got := Clip(c.in, c.max); got != c.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

func TestKeepStyle(t *testing.T) {
	in := "\x1b[1;31mred\x1b[0m plain\n\x1b]52;c;eA==\x07 \x1b[2J \u009b \x9b"
	want := "\x1b[1;31mred\x1b[0m plain\n" + `\u001b]52;c;eA==\u0007 \u001b[2J \u009b \x9b`
	if got := KeepStyle(in); got != want {
		t.Errorf("KeepStyle:\n got %q\nwant %q", got, want)
	}
	plain := "\x1b[38;2;1;2;3mok\x1b[m\nline"
	if got := KeepStyle(plain); got != plain {
		t.Errorf("styled text changed: %q", got)
	}
}

func TestWriterSplitsRunesAcrossWrites(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	in := []byte("é日\u009b\x1b[2Jend\n\tok")
	for i := range in { // one byte a write: every rune arrives in pieces
		if _, err := w.Write(in[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	want := "é日" + `\u009b\u001b[2Jend` + "\n\tok"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	if err := w.Control("\r\x1b[2K"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), "\r\x1b[2K") {
		t.Error("Control changed siphon's own sequence")
	}
	if NewWriter(w) != w || Underlying(NewWriter(w)) != &out {
		t.Error("wrapping twice should give the same writer over the same file")
	}
}

// assertClean fails when s holds anything a terminal would act on.
func assertClean(t *testing.T, s string, newlines bool) {
	t.Helper()
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			t.Fatalf("invalid UTF-8 byte %#x at %d in %q", s[i], i, s)
		}
		if Unsafe(r) && !(newlines && r == '\n') {
			t.Fatalf("control %U at %d in %q", r, i, s)
		}
		i += n
	}
}

func FuzzLine(f *testing.F) {
	for _, a := range attacks {
		f.Add(a, 12)
	}
	f.Add("", 0)
	f.Fuzz(func(t *testing.T, s string, max int) {
		out := Line(s)
		assertClean(t, out, false)
		if len(out) > 6*len(s) {
			t.Fatalf("Line grew %d bytes to %d", len(s), len(out))
		}
		assertClean(t, Text(s), true)
		if max < 0 || max > 1<<16 {
			return
		}
		c := Clip(s, max)
		assertClean(t, c, false)
		if len(c) > max {
			t.Fatalf("Clip(%q, %d) is %d bytes", s, max, len(c))
		}
		var buf bytes.Buffer
		w := NewWriter(&buf)
		half := len(s) / 2
		w.Write([]byte(s[:half]))
		w.Write([]byte(s[half:]))
		for _, line := range strings.Split(buf.String(), "\n") {
			assertClean(t, strings.ReplaceAll(line, "\t", " "), false)
		}
		ks := KeepStyle(s)
		for _, part := range strings.Split(ks, "\n") {
			// strip the SGR it keeps; what is left must be clean
			for {
				i := strings.Index(part, "\x1b")
				if i < 0 {
					break
				}
				n := sgrLen(part[i:])
				if n == 0 {
					t.Fatalf("KeepStyle left a non-SGR escape in %q", ks)
				}
				part = part[:i] + part[i+n:]
			}
			assertClean(t, part, false)
		}
	})
}
