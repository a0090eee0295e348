package redact

import "testing"

func TestURL(t *testing.T) {
	r := New([]string{"s3cr3t", "tok/en+with space", "hunter2"}, []string{"apiid", "X-Custom-Cred"})
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"nothing to hide", "https://api.test/v1/items?limit=10&page=2", "https://api.test/v1/items?limit=10&page=2"},
		{"sensitive names", "https://api.test/x?api_key=a&access_token=b&client_secret=c&X-Amz-Signature=d&password=e&sig=f&limit=5",
			"https://api.test/x?api_key=REDACTED&access_token=REDACTED&client_secret=REDACTED&X-Amz-Signature=REDACTED&password=REDACTED&sig=REDACTED&limit=5"},
		{"names ignore case", "https://api.test/x?API_KEY=a&Token=b&PassWord=c", "https://api.test/x?API_KEY=REDACTED&Token=REDACTED&PassWord=REDACTED"},
		{"extra names", "https://api.test/x?ApiId=a&x-custom-cred=b&other=c", "https://api.test/x?ApiId=REDACTED&x-custom-cred=REDACTED&other=c"},
		{"escaped sensitive name", "https://api.test/x?api%5Fkey=a", "https://api.test/x?api%5Fkey=REDACTED"},
		{"order and encoding kept", "https://api.test/x?z=1&q=a%2Cb+c&token=t&a=%7E", "https://api.test/x?z=1&q=a%2Cb+c&token=REDACTED&a=%7E"},
		{"empty and bare sensitive params", "https://api.test/x?token=&key&a=1", "https://api.test/x?token=&key&a=1"},
		{"userinfo password", "https://bob:pa55@api.test/x", "https://bob:REDACTED@api.test/x"},
		{"userinfo user kept", "https://bob@api.test/x", "https://bob@api.test/x"},
		{"userinfo secret as user", "https://hunter2@api.test/x", "https://REDACTED@api.test/x"},
		{"secret in path", "https://api.test/keys/s3cr3t/items", "https://api.test/keys/REDACTED/items"},
		{"secret inside a path segment", "https://api.test/x/pre-s3cr3t-post", "https://api.test/x/pre-REDACTED-post"},
		{"secret in another param's value", "https://api.test/x?q=s3cr3t&a=1", "https://api.test/x?q=REDACTED&a=1"},
		{"query-escaped secret", "https://api.test/x?q=tok%2Fen%2Bwith+space", "https://api.test/x?q=REDACTED"},
		{"path-escaped secret", "https://api.test/tok%2Fen+with%20space/x", "https://api.test/REDACTED/x"},
		{"lower-case hex escapes", "https://api.test/x?q=tok%2fen%2bwith%20space", "https://api.test/x?q=REDACTED"},
		{"needlessly escaped secret", "https://api.test/%73%33cr3t?q=%73%33cr3t", "https://api.test/REDACTED?q=REDACTED"},
		{"secret in host", "https://s3cr3t.api.test/x", "https://REDACTED.api.test/x"},
		{"fragment token", "https://app.test/cb#access_token=abc&state=xyz", "https://app.test/cb#access_token=REDACTED&state=xyz"},
		{"relative URL", "/v1/items?cursor=abc&api_key=k", "/v1/items?cursor=abc&api_key=REDACTED"},
		{"scheme-relative URL", "//bob:pw@api.test/x", "//bob:REDACTED@api.test/x"},
		{"malformed URL still redacted by parts", "/x/%zz?token=abc&q=%73%33cr3t%zz&p=1", "/x/%zz?token=REDACTED&q=REDACTED&p=1"},
		{"broken escape next to an escaped secret", "/x/%zz%73%33cr3t/y?r=%zz", "/x/REDACTED/y?r=%zz"},
		{"text with spaces redacted as String", "https://api.test/%zz?token=abc s3cr3t", "https://api.test/%zz?token=REDACTED REDACTED"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.URL(tt.raw); got != tt.want {
				t.Errorf("URL(%q)\n got %q\nwant %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestNilRedactorUsesNamePatterns(t *testing.T) {
	var r *Redactor
	if got, want := r.URL("https://u:p@api.test/x?api_key=a&id=1"), "https://u:REDACTED@api.test/x?api_key=REDACTED&id=1"; got != want {
		t.Errorf("nil URL = %q; want %q", got, want)
	}
	if got, want := r.String("plain text"), "plain text"; got != want {
		t.Errorf("nil String = %q; want %q", got, want)
	}
	if r.IsSensitiveName("apiid") || !r.IsSensitiveName("X-Api-Key") {
		t.Error("nil IsSensitiveName: want only the built-in patterns")
	}
	if got := r.With("abc").String("xabcx"); got != "xREDACTEDx" {
		t.Errorf("nil With = %q", got)
	}
}

func BenchmarkURL(b *testing.B) {
	r := New([]string{"0123456789abcdef0123456789abcdef", "sk_live_51H8xyz"}, []string{"apiid"})
	raw := "https://api.example.com/v2/orders?status=all&limit=100&cursor=eyJpZCI6MTIzNDV9&api_key=0123456789abcdef0123456789abcdef"
	b.ReportAllocs()
	for b.Loop() {
		_ = r.URL(raw)
	}
}
