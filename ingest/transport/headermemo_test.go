package transport

import (
	"maps"
	"net/http"
	"strings"
	"testing"

	"siphon/ingest/redact"
	"siphon/ingest/textbound"
)

// TestHeaderMemoShowsWhatShownHeadersShows feeds one memo a walk's worth of
// headers that repeat, change, grow, shrink and switch redactors, and
// holds every answer to the uncached one.
func TestHeaderMemoShowsWhatShownHeadersShows(t *testing.T) {
	plain := redact.New([]string{"s3cr3t-value"}, nil)
	more := redact.New([]string{"s3cr3t-value", "req-42"}, []string{"x-trace"})
	long := strings.Repeat("v", textbound.MaxKept+10)
	pages := []struct {
		name string
		red  *redact.Redactor
		h    http.Header
	}{
		{"first", plain, http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req-41"}, "Set-Cookie": {"a=b", ""}}},
		{"same again", plain, http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req-41"}, "Set-Cookie": {"a=b", ""}}},
		{"one value changes", plain, http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req-42"}, "Set-Cookie": {"a=b", ""}}},
		{"secret in a value", plain, http.Header{"Content-Type": {"application/json"}, "Link": {"<https://x.test/?t=s3cr3t-value>; rel=next"}}},
		{"redactor grows", more, http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req-42"}, "X-Trace": {"abc"}}},
		{"a name gains a value", more, http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req-42", "req-43"}, "X-Trace": {"abc"}}},
		{"no values", more, http.Header{"Content-Type": {"application/json"}, "X-Empty": {}}},
		{"overlong value", more, http.Header{"Content-Type": {"application/json"}, "X-Big": {long}}},
		{"overlong name", more, http.Header{long: {"x"}}},
		{"back to short", more, http.Header{"Content-Type": {"application/json"}}},
		{"empty", more, http.Header{}},
		{"nil", more, nil},
	}
	var m HeaderMemo
	for _, p := range pages {
		want := ShownHeaders(p.red, p.h)
		if got := m.Show(p.red, p.h); !maps.Equal(got, want) {
			t.Errorf("%s: memo shows %q, want %q", p.name, got, want)
		}
	}
}
