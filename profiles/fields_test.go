package profiles

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"siphon/ingest/page"
	"siphon/ingest/spec"
)

// TestFieldTable checks the table against itself: each key's Config field
// has the Go type its kind says, sections exist, and the types, grants and
// requirements name real ones.
func TestFieldTable(t *testing.T) {
	var c spec.Config
	for _, f := range fieldTable {
		if sec := parentKey(f.key); sec != "" {
			if s := lookupField(sec); s == nil || s.kind != kSection {
				t.Errorf("%s: section %s is not in the table", f.key, sec)
			}
		}
		if f.kind == kSection {
			if f.ptr != nil {
				t.Errorf("%s: a section points at a Config field", f.key)
			}
			continue
		}
		if f.ptr == nil {
			if f.decode == nil || f.show != showNever {
				t.Errorf("%s: no Config field, so it needs its own decoder and show: showNever", f.key)
			}
			continue
		}
		var want any
		switch f.kind {
		case kInt:
			want = (*int)(nil)
		case kNumber:
			want = (*float64)(nil)
		case kBool:
			want = (*bool)(nil)
		case kDuration:
			want = (*time.Duration)(nil)
		case kSecret:
			want = (*spec.Secret)(nil)
		case kList, kHosts, kKeys:
			want = (*[]string)(nil)
		case kStatuses:
			want = (*[]int)(nil)
		case kMap, kValues:
			want = (*map[string]string)(nil)
		case kJSON:
			want = (*json.RawMessage)(nil)
		default:
			want = (*string)(nil)
		}
		if got := f.ptr(&c); typeName(got) != typeName(want) {
			t.Errorf("%s: points at a %s, its kind wants a %s", f.key, typeName(got), typeName(want))
		}
		if f.secret == secretRef && f.kind != kSecret {
			t.Errorf("%s: a reference-only secret must be of kind kSecret", f.key)
		}
		sec := parentKey(f.key)
		tf, gf := typeKey(sec), grantKey(sec)
		var typesAndGrants []string
		if tf != nil {
			typesAndGrants = append(typesAndGrants, tf.options...)
		}
		if gf != nil {
			typesAndGrants = append(typesAndGrants, gf.options...)
		}
		for _, name := range slices.Concat(f.types, f.grants, f.requiredFor) {
			if !slices.Contains(typesAndGrants, name) {
				t.Errorf("%s: %q is not a type or grant of %s", f.key, name, sec)
			}
		}
		if (f.types != nil && tf == nil) || (f.grants != nil && gf == nil) {
			t.Errorf("%s: types or grants in a section that has none", f.key)
		}
		if f.selector && sec != "pagination" {
			t.Errorf("%s: the selector editor edits pagination keys only", f.key)
		}
	}
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }

func TestSetFieldAndFieldText(t *testing.T) {
	tests := []struct {
		key, text string
		want      string // FieldText afterwards; the text itself when ""
		err       string
	}{
		{key: "records", text: ".items as $x | $x"},
		{key: "records", text: ".data | ${odd}", want: ".data | ${odd}", err: `records: invalid jq expression ".data | ${odd}"`},
		{key: "pagination.cursor_path", text: ".meta.next"},
		{key: "pagination.cursor_path", text: ".meta[", err: `pagination.cursor_path: invalid jq expression ".meta["`},
		{key: "pagination.cursor_param", text: "after"},
		{key: "pagination.type", text: "cursor"},
		{key: "pagination.type", text: "curser", err: `pagination.type: expected one of none, offset, page, cursor, next_url, link_header, keyset, timestamp, got "curser"; did you mean cursor?`},
		{key: "pagination.limit", text: "50"},
		{key: "pagination.limit", text: "abc", err: `pagination.limit: expected an integer, got "abc"`},
		{key: "pagination.limit", text: "", want: "0"},
		{key: "rate_limit.respect_headers", text: "false"},
		{key: "rate_limit.requests_per_second", text: "2.5"},
		{key: "timeout", text: "15m"},
		{key: "timeout", text: "15", err: "timeout: expected a duration such as 30s or 250ms, got 15 (a duration needs a unit)"},
		{key: "method", text: "post", want: "POST"},
		{key: "base_url", text: "ftp://x", err: `base_url: expected an absolute http or https URL with a host, got "ftp://x"`},
		{key: "description", text: "costs $5 or ${X}"},
		{key: "auth.token", text: "abc", err: "auth.token: a secret is set by a ${VAR} or file:PATH reference in the profile"},
		{key: "params", text: "a", err: "params: not a single value"},
		{key: "pagination", text: "a", err: "pagination: not a single value"},
		{key: "rate_limit.requests_per_minute", text: "6", err: "rate_limit.requests_per_minute: has no value of its own"},
		{key: "pagination.cursr_path", text: "x", err: "pagination.cursr_path: not a profile key; did you mean pagination.cursor_path?"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.text, func(t *testing.T) {
			c := spec.Config{Records: ".before", Pagination: spec.PaginationConfig{Limit: 7}}
			err := (Loader{CheckExpr: page.Check}).SetField(&c, tt.key, tt.text)
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				if c.Records != ".before" || c.Pagination.Limit != 7 {
					t.Errorf("a refused value changed the config: %+v", c)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == "" {
				want = tt.text
			}
			if got, err := FieldText(&c, tt.key); err != nil || got != want {
				t.Errorf("FieldText = %q, %v; want %q", got, err, want)
			}
		})
	}
	c := spec.Config{}
	if err := (Loader{CheckExpr: page.Check}).SetField(&c, "rate_limit.respect_headers", "false"); err != nil || !c.RateLimit.IgnoreHeaders {
		t.Errorf("respect_headers: false gave IgnoreHeaders %v (%v)", c.RateLimit.IgnoreHeaders, err)
	}
}

// TestSelectorKeys: what the selector editor shows per pagination type,
// the keys read from the body first.
func TestSelectorKeys(t *testing.T) {
	want := map[string][]string{
		spec.PageNone:       nil,
		spec.PageCursor:     {"pagination.cursor_path", "pagination.cursor_param"},
		spec.PageNextURL:    {"pagination.next_url_path"},
		spec.PageOffset:     {"pagination.total_path", "pagination.offset_param"},
		spec.PagePage:       {"pagination.total_pages_path", "pagination.total_path", "pagination.page_param"},
		spec.PageLinkHeader: {"pagination.rel"},
		spec.PageKeyset:     {"pagination.param", "pagination.field"},
		spec.PageTimestamp:  {"pagination.param", "pagination.field"},
	}
	for style, keys := range want {
		if got := SelectorKeys(style); !slices.Equal(got, keys) {
			t.Errorf("SelectorKeys(%s) = %q, want %q", style, got, keys)
		}
	}
	// The editor's round trip: read each key's text, write it back.
	c := spec.Config{Pagination: spec.PaginationConfig{Type: spec.PageCursor, CursorPath: ".next", CursorParam: "after"}}
	for _, k := range SelectorKeys(c.Pagination.Type) {
		v, err := FieldText(&c, k)
		if err != nil {
			t.Fatal(err)
		}
		if err := (Loader{CheckExpr: page.Check}).SetField(&c, k, v+"2"); err != nil {
			t.Fatal(err)
		}
	}
	if c.Pagination.CursorPath != ".next2" || c.Pagination.CursorParam != "after2" {
		t.Errorf("got %+v", c.Pagination)
	}
}

func TestDocPutsKeysInTableOrder(t *testing.T) {
	doc := NewDoc()
	for _, kv := range [][2]string{
		{"timeout", "5s"}, {"pagination.cursor_path", ".next"}, {"pagination.type", "cursor"},
		{"records", ".data"}, {"base_url", "https://api.example.com"}, {"name", "x"}, {"pagination.limit", "10"},
	} {
		if err := doc.SetText(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	doc.Comment("records", "where")
	want := "name: x\nbase_url: https://api.example.com\nrecords: .data # where\npagination:\n  type: cursor\n  limit: 10\n  cursor_path: .next\ntimeout: 5s\n"
	if got := string(doc.Bytes()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if err := doc.SetText("pagination.cursr_path", "x"); err == nil {
		t.Error("an unknown key was written")
	}
	if _, err := (Loader{CheckExpr: page.Check}).LoadBytes("x.yaml", doc.Bytes()); err != nil {
		t.Error(err)
	}
}
