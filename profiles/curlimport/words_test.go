package curlimport

import (
	"slices"
	"testing"
)

func TestSplitBash(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`curl -H 'a b' "c d" e\ f`, []string{"curl", "-H", "a b", "c d", "e f"}},
		{"curl \\\n  -s \\\r\n  x", []string{"curl", "-s", "x"}},
		{`'it'\''s' "say \"hi\" \$5 \q"`, []string{"it's", `say "hi" $5 \q`}},
		{`$'a\tb\x41\u00e9\101\'\n'`, []string{"a\tbAéA'\n"}},
		{`"a"'b'c$'d'`, []string{"abcd"}},
		{`x # a comment` + "\n" + `y`, []string{"x", "y"}},
		{`a | b`, []string{"a"}},
		{`a && b; c`, []string{"a"}},
		{`a>out 2>&1 b`, []string{"a", "b"}},
		{`$HOME ${USER} "$X/y" '$Z'`, []string{varMarker("HOME"), varMarker("USER"), varMarker("X") + "/y", "$Z"}},
		{"$(cat token) `id -u` ${N:-7} $1 $", []string{cmdMarker("cat token"), cmdMarker("id -u"), varMarker("N"), "$1", "$"}},
		{"a&b", []string{"a&b"}},
	}
	for _, tc := range tests {
		words, _, err := splitBash(tc.in)
		if err != nil {
			t.Errorf("splitBash(%q): %v", tc.in, err)
			continue
		}
		if got := texts(words); !slices.Equal(got, tc.want) {
			t.Errorf("splitBash(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSplitCmd(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"curl ^\"https://x/?a=1^&b=2^\" ^\n  -H ^\"k: v^\"", []string{"curl", "https://x/?a=1&b=2", "-H", "k: v"}},
		{`curl "a b" "say \"hi\"" "x""y" c\d`, []string{"curl", "a b", `say "hi"`, `x"y`, `c\d`}},
		{`"a\\" b`, []string{`a\`, "b"}},
		{"x ^\"line1^\n\nline2^\"", []string{"x", "line1\nline2"}},
		{"\"^\"", []string{"^"}}, // inside quotes ^ is literal
	}
	for _, tc := range tests {
		words, err := splitCmd(tc.in)
		if err != nil {
			t.Errorf("splitCmd(%q): %v", tc.in, err)
			continue
		}
		if got := texts(words); !slices.Equal(got, tc.want) {
			t.Errorf("splitCmd(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIsCmdSyntax(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"curl x ^\n -H y", true},
		{"curl ^\"x^\"", true},
		{"curl x \\\n -H y", false},
		{"curl 'x' -d '^\"'", false},
		{"curl x", false},
	}
	for _, tc := range tests {
		if got := isCmdSyntax(tc.in); got != tc.want {
			t.Errorf("isCmdSyntax(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestProfileText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"${x} $$ $a", "$${x} $$$ $a"},
		{"a$" + varMarker("X"), "a$$${X}"},
		{"cost $" + cmdMarker("date"), "cost $$$(date)"},
	}
	for _, tc := range tests {
		if got := profileText(tc.in); got != tc.want {
			t.Errorf("profileText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func texts(words []word) []string {
	out := []string{}
	for _, w := range words {
		out = append(out, w.text)
	}
	return out
}
