package redact

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestStringHidesSecrets(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
		in      string
		want    string
	}{
		{"plain", []string{"abc123"}, "key abc123 used twice: abc123", "key REDACTED used twice: REDACTED"},
		{"empty secrets skipped", []string{"", "abc"}, "x abc y", "x REDACTED y"},
		{"secret containing another hidden whole", []string{"abc", "xxabcxx"}, "[xxabcxx] [abc]", "[REDACTED] [REDACTED]"},
		{"overlapping secrets hidden as one span", []string{"abcd", "cdef"}, "-abcdef-", "-REDACTED-"},
		{"overlapping occurrences of one secret", []string{"aa"}, "baaab", "bREDACTEDb"},
		{"query-escaped form", []string{"a b/c"}, "sent a+b%2Fc", "sent REDACTED"},
		{"no secrets", nil, "nothing here", "nothing here"},
		{"embedded URL", nil, `visit https://h.test/x?token=abc&a=1. Then stop`, `visit https://h.test/x?token=REDACTED&a=1. Then stop`},
		{"several URLs in any case", nil, `HTTP://a.test/?key=1 and <https://b.test/?secret=2>`, `HTTP://a.test/?key=REDACTED and <https://b.test/?secret=REDACTED>`},
		{"non-http URL untouched", nil, "ftp://a.test/?key=1", "ftp://a.test/?key=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := New(tt.secrets, nil).String(tt.in); got != tt.want {
				t.Errorf("String(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestErrorURLRoundTrip(t *testing.T) {
	// A real transport failure: the server is gone by the time we call it.
	srv := httptest.NewServer(http.NotFoundHandler())
	target := srv.URL + "/items/tok3n-path?api_key=k3y-value&page=2"
	srv.Close()

	_, err := http.Get(target)
	var urlErr *url.Error
	if !errors.As(err, &urlErr) {
		t.Fatalf("want a *url.Error, got %T: %v", err, err)
	}
	r := New([]string{"tok3n-path"}, nil)
	red := r.Error(err)
	msg := red.Error()
	for _, leak := range []string{"k3y-value", "tok3n-path"} {
		if strings.Contains(msg, leak) {
			t.Errorf("redacted error %q leaks %q", msg, leak)
		}
	}
	if !strings.Contains(msg, "/items/REDACTED?api_key=REDACTED&page=2") {
		t.Errorf("redacted error %q lost the URL's shape", msg)
	}
	if !errors.As(red, &urlErr) || !errors.Is(red, err) || errors.Unwrap(red) != err {
		t.Error("redacted error does not unwrap to the original")
	}
	if wrapped := fmt.Errorf("page 3: %w", red); strings.Contains(wrapped.Error(), "k3y-value") {
		t.Errorf("wrapping leaks: %v", wrapped)
	}
	if r.Error(nil) != nil {
		t.Error("Error(nil) != nil")
	}
}

func TestHeader(t *testing.T) {
	r := New([]string{"sess-9f8e"}, []string{"X-Tenant-Secretish", "apiid"})
	in := http.Header{
		"Authorization":             {"Bearer abc"},
		"Proxy-Authorization":       {"Basic Zm9vOmJhcg=="},
		"Cookie":                    {"a=1; b=2"},
		"Set-Cookie":                {"sid=xyz; HttpOnly", "other=1"},
		"X-Forwarded-Authorization": {"Bearer fwd"},
		"X-Api-Key":                 {"k"},
		"X-Csrf-Token":              {"t"},
		"Apiid":                     {"id-1"},
		"Location":                  {"https://api.test/next?access_token=abc&page=3"},
		"Link":                      {`<https://api.test/x?page=2&signature=zz>; rel="next"`},
		"X-Request-Id":              {"req sess-9f8e"},
		"Content-Type":              {"application/json"},
		"Authorization-Empty":       {""},
	}
	want := http.Header{
		"Authorization":             {"REDACTED"},
		"Proxy-Authorization":       {"REDACTED"},
		"Cookie":                    {"REDACTED"},
		"Set-Cookie":                {"REDACTED", "REDACTED"},
		"X-Forwarded-Authorization": {"REDACTED"},
		"X-Api-Key":                 {"REDACTED"},
		"X-Csrf-Token":              {"REDACTED"},
		"Apiid":                     {"REDACTED"},
		"Location":                  {"https://api.test/next?access_token=REDACTED&page=3"},
		"Link":                      {`<https://api.test/x?page=2&signature=REDACTED>; rel="next"`},
		"X-Request-Id":              {"req REDACTED"},
		"Content-Type":              {"application/json"},
		"Authorization-Empty":       {""},
	}
	before := in.Clone()
	got := r.Header(in)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Header\n got %v\nwant %v", got, want)
	}
	if !reflect.DeepEqual(in, before) {
		t.Error("Header modified its input")
	}
	if r.Header(nil) != nil {
		t.Error("Header(nil) != nil")
	}
}

func TestWithAddsSecretsAndKeepsTheOriginal(t *testing.T) {
	base := New([]string{"first"}, []string{"apiid"})
	more := base.With("second", "")
	if got := more.String("first second"); got != "REDACTED REDACTED" {
		t.Errorf("With: String = %q", got)
	}
	if !more.IsSensitiveName("APIID") {
		t.Error("With lost the extra names")
	}
	if got := base.String("first second"); got != "REDACTED second" {
		t.Errorf("With changed the original: %q", got)
	}
}

func TestIsSensitiveName(t *testing.T) {
	r := New(nil, []string{"Tenant"})
	for name, want := range map[string]bool{
		"api_key": true, "X-API-Key": true, "access_token": true, "client_secret": true,
		"X-Amz-Signature": true, "password": true, "db_password": true, "sig": true,
		"TENANT": true, "limit": false, "cursor": false, "page": false, "signed": false, "": false,
	} {
		if got := r.IsSensitiveName(name); got != want {
			t.Errorf("IsSensitiveName(%q) = %v; want %v", name, got, want)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	r := New([]string{"abc"}, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if got := r.URL("https://h.test/abc?token=1"); got != "https://h.test/REDACTED?token=REDACTED" {
					t.Errorf("URL = %q", got)
					return
				}
				_ = r.Header(http.Header{"Cookie": {"x"}})
				_ = r.With("def")
			}
		})
	}
	wg.Wait()
}
