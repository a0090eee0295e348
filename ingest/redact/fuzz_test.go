package redact

import (
	"strings"
	"testing"
)

// FuzzNoLeak checks that no secret survives String or URL. The secret is
// reduced to digits so that it cannot be spelled by Placeholder's letters:
// any occurrence left in the output is then a real leak.
func FuzzNoLeak(f *testing.F) {
	f.Add("123", "https://h.test/123?q=x123y#a=1123")
	f.Add("4242", `Get "http://u:4242@h.test/p%34242?token=1": refused`)
	f.Add("77", "77777 https://h.test/%37%37")
	f.Fuzz(func(t *testing.T, secretSeed, text string) {
		secret := strings.Map(func(c rune) rune {
			if c >= '0' && c <= '9' {
				return c
			}
			return -1
		}, secretSeed)
		if secret == "" {
			return
		}
		r := New([]string{secret}, nil)
		if got := r.String(text); strings.Contains(got, secret) {
			t.Fatalf("String(%q) with secret %q = %q", text, secret, got)
		}
		if got := r.URL(text); strings.Contains(got, secret) {
			t.Fatalf("URL(%q) with secret %q = %q", text, secret, got)
		}
	})
}

// FuzzIndexURL holds indexURL, which looks for "://" first, to the plain
// scan for the first "http://" or "https://" in any case.
func FuzzIndexURL(f *testing.F) {
	for _, s := range []string{"", "http://x", "see HTTPS://a.test and http://b", "ftp://x https://y", "xhttps://", "https:/", "://http://", "hTtP://", "httphttps://"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := -1
		for i := 0; i+7 <= len(s); i++ {
			if hasPrefixFold(s[i:], "http://") || hasPrefixFold(s[i:], "https://") {
				want = i
				break
			}
		}
		if got := indexURL(s); got != want {
			t.Fatalf("indexURL(%q) = %d, want %d", s, got, want)
		}
	})
}
