package redact

import "testing"

// TestNothingHiddenAllocatesNothing holds the per-page paths to no
// allocation when a URL or a name has nothing to hide: every page's URL,
// cursor and headers pass through them.
func TestNothingHiddenAllocatesNothing(t *testing.T) {
	r := New([]string{"s3cr3t-value"}, []string{"x-trace"})
	cases := []struct {
		name string
		f    func()
	}{
		{"URL", func() { r.URL("https://api.example.test/v1/items?limit=10&cursor=eyJpZCI6MTB9&Order=Asc#top") }},
		{"IsSensitiveName", func() { r.IsSensitiveName("x-request-id") }},
		{"IsCredentialName camelCase", func() { IsCredentialName("nextPageCursor") }},
	}
	for _, c := range cases {
		if n := testing.AllocsPerRun(100, c.f); n != 0 {
			t.Errorf("%s allocates %.0f times per call, want 0", c.name, n)
		}
	}
	raw := "https://api.example.test/v1/items?limit=10&cursor=abc"
	if got := r.URL(raw); got != raw {
		t.Errorf("URL(%q) = %q, want it unchanged", raw, got)
	}
	for raw, want := range map[string]string{
		"https://u:pw@h.test/p?token=abc&limit=1": "https://u:REDACTED@h.test/p?token=REDACTED&limit=1",
		"https://h.test/p?x-trace=1&sig=2":        "https://h.test/p?x-trace=REDACTED&sig=REDACTED",
		"https://h.test/s3cr3t-value?a=1":         "https://h.test/REDACTED?a=1",
	} {
		if got := r.URL(raw); got != want {
			t.Errorf("URL(%q) = %q, want %q", raw, got, want)
		}
	}
}
