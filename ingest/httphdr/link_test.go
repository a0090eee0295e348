package httphdr

import (
	"net/http"
	"reflect"
	"testing"
)

func TestParseLinks(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   []Link
	}{
		{
			name:   "github pagination",
			values: []string{`<https://api.github.com/repositories/1300192/issues?page=2>; rel="next", <https://api.github.com/repositories/1300192/issues?page=515>; rel="last"`},
			want: []Link{
				{URL: "https://api.github.com/repositories/1300192/issues?page=2", Rel: []string{"next"}, Params: map[string]string{"rel": "next"}},
				{URL: "https://api.github.com/repositories/1300192/issues?page=515", Rel: []string{"last"}, Params: map[string]string{"rel": "last"}},
			},
		},
		{
			name:   "several fields",
			values: []string{`</a>; rel=prev`, `</b>; rel=next`},
			want: []Link{
				{URL: "/a", Rel: []string{"prev"}, Params: map[string]string{"rel": "prev"}},
				{URL: "/b", Rel: []string{"next"}, Params: map[string]string{"rel": "next"}},
			},
		},
		{
			name:   "quoted commas, semicolons and escaped quotes",
			values: []string{`</a>; title="a, b; \"c\""; rel=next, </b>; rel=last`},
			want: []Link{
				{URL: "/a", Rel: []string{"next"}, Params: map[string]string{"rel": "next", "title": `a, b; "c"`}},
				{URL: "/b", Rel: []string{"last"}, Params: map[string]string{"rel": "last"}},
			},
		},
		{
			name:   "several rel values, upper case, odd whitespace",
			values: []string{"  <https://x.test/p?cursor=a,b>\t ;\tREL = \"Next  Last\" ; Type=\"application/json\" ,"},
			want: []Link{
				{URL: "https://x.test/p?cursor=a,b", Rel: []string{"next", "last"}, Params: map[string]string{"rel": "Next  Last", "type": "application/json"}},
			},
		},
		{
			name:   "first rel wins, valueless parameter kept",
			values: []string{`</a>; rel=next; rel=prev; crossorigin`},
			want:   []Link{{URL: "/a", Rel: []string{"next"}, Params: map[string]string{"rel": "next", "crossorigin": ""}}},
		},
		{
			name:   "link without rel",
			values: []string{`</a>`},
			want:   []Link{{URL: "/a", Params: map[string]string{}}},
		},
		{
			name:   "malformed links skipped, good ones kept",
			values: []string{`garbage, </a>; rel=next junk, </b> rel=x, </c>; "q", <>; rel=next, </d>; rel=last`},
			want:   []Link{{URL: "/d", Rel: []string{"last"}, Params: map[string]string{"rel": "last"}}},
		},
		{
			name:   "unterminated url",
			values: []string{`</a; rel=next`},
			want:   nil,
		},
		{
			name:   "unterminated quote",
			values: []string{`</a>; rel="next, </b>; rel=last`},
			want:   nil,
		},
		{
			name:   "garbage containing angle brackets and quotes",
			values: []string{`x <a, b> "c, d", </e>; rel=next`},
			want:   []Link{{URL: "/e", Rel: []string{"next"}, Params: map[string]string{"rel": "next"}}},
		},
		{name: "empty", values: []string{"", " , ,"}, want: nil},
		{name: "no values", values: nil, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseLinks(tt.values)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseLinks(%q)\n got %#v\nwant %#v", tt.values, got, tt.want)
			}
		})
	}
}

func TestFindLink(t *testing.T) {
	h := http.Header{}
	h.Add("Link", `</first>; rel="first", </prev>; rel="prev"`)
	h.Add("link", `</next>; rel="next last", </next2>; rel=next`)
	tests := []struct {
		rel    string
		want   string
		wantOK bool
	}{
		{"next", "/next", true},
		{"NEXT", "/next", true},
		{"last", "/next", true},
		{"first", "/first", true},
		{"self", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := FindLink(h, tt.rel)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("FindLink(%q) = %q, %v; want %q, %v", tt.rel, got, ok, tt.want, tt.wantOK)
		}
	}
	if got, ok := FindLink(nil, "next"); ok || got != "" {
		t.Errorf("FindLink(nil) = %q, %v; want no link", got, ok)
	}
}
