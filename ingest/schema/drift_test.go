package schema

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// page builds a page of records from fmt templates; %d is the record number.
func page(n int, templates ...string) []json.RawMessage {
	recs := make([]json.RawMessage, 0, n)
	for i := range n {
		tpl := templates[i%len(templates)]
		if strings.Contains(tpl, "%d") {
			tpl = fmt.Sprintf(tpl, i)
		}
		recs = append(recs, json.RawMessage(tpl))
	}
	return recs
}

// pages repeats one page.
func pages(count int, p []json.RawMessage) [][]json.RawMessage {
	out := make([][]json.RawMessage, count)
	for i := range out {
		out[i] = p
	}
	return out
}

// learned returns a Tracker whose baseline is done, built from baseline
// pages; it fails t if the baseline pages reported anything.
func learned(t *testing.T, baseline [][]json.RawMessage) *Tracker {
	t.Helper()
	tr := NewTracker()
	for i, p := range baseline {
		if got := tr.Observe(p); got != nil {
			t.Fatalf("baseline page %d reported %v", i+1, got)
		}
	}
	if tr.learning {
		t.Fatalf("still learning after %d baseline pages", len(baseline))
	}
	return tr
}

const order = `{"id":%d,"amount":12.5,"status":"paid","customer":{"name":"Ann","address":{"country":"SE","geo":{"lat":1}}},"items":[{"sku":"a"}]}`

func TestObserveDrift(t *testing.T) {
	stable := pages(3, page(100, order))
	tests := []struct {
		name     string
		baseline [][]json.RawMessage
		after    [][]json.RawMessage
		want     []Drift
	}{
		{
			name:     "no drift on stable data",
			baseline: stable,
			after:    pages(5, page(100, order)),
		},
		{
			name:     "new field",
			baseline: stable,
			after: [][]json.RawMessage{page(10, order,
				`{"id":1,"amount":1,"status":"x","customer":{"name":"B","address":{"country":"NO","geo":{}}},"items":[],"coupon":"SPRING"}`)},
			want: []Drift{{Field: "coupon", Change: ChangeNew, Now: "string", Example: `"SPRING"`}},
		},
		{
			name:     "type changed",
			baseline: stable,
			after: [][]json.RawMessage{page(3, order,
				`{"id":%d,"amount":"12.50","status":"paid","customer":{"name":"Ann","address":{"country":"SE","geo":{}}},"items":[]}`)},
			want: []Drift{{Field: "amount", Change: ChangeType, Was: "number", Now: "string", Example: `"12.50"`}},
		},
		{
			name:     "null where never null is a type change",
			baseline: stable,
			after: [][]json.RawMessage{page(2, order,
				`{"id":%d,"amount":null,"status":"paid","customer":{"name":"Ann","address":{"country":"SE","geo":{}}},"items":[]}`)},
			want: []Drift{{Field: "amount", Change: ChangeType, Was: "number", Now: "null", Example: "null"}},
		},
		{
			name:     "null seen in the baseline is not drift, a new type lists both",
			baseline: pages(3, page(100, `{"id":%d,"note":"hi"}`, `{"id":%d,"note":null}`)),
			after: [][]json.RawMessage{
				page(10, `{"id":%d,"note":null}`),
				page(10, `{"id":%d,"note":7}`),
			},
			want: []Drift{{Field: "note", Change: ChangeType, Was: "string|null", Now: "number", Example: "7"}},
		},
		{
			name:     "vanished",
			baseline: stable,
			after: [][]json.RawMessage{page(50,
				`{"id":%d,"amount":12.5,"customer":{"name":"Ann","address":{"country":"SE","geo":{"lat":1}}},"items":[]}`)},
			want: []Drift{{Field: "status", Change: ChangeVanished, Was: "string"}},
		},
		{
			name:     "present in some records of the page is not vanished",
			baseline: stable,
			after: [][]json.RawMessage{page(50, order,
				`{"id":%d,"amount":12.5,"customer":{"name":"Ann","address":{"country":"SE","geo":{"lat":1}}},"items":[]}`)},
		},
		{
			name:     "a field missing from some baseline records never vanishes",
			baseline: pages(3, page(100, `{"id":%d,"opt":1}`, `{"id":%d}`)),
			after:    [][]json.RawMessage{page(50, `{"id":%d}`)},
		},
		{
			name:     "an empty page vanishes nothing",
			baseline: stable,
			after:    [][]json.RawMessage{{}, page(3, `not json`, `[1]`)},
		},
		{
			name:     "nested fields",
			baseline: stable,
			after: [][]json.RawMessage{page(5,
				`{"id":%d,"amount":12.5,"status":"paid","customer":{"name":"Ann","address":{"country":46,"zip":"123","geo":{"lat":"deep changes are not tracked","new":1}}},"items":[]}`)},
			want: []Drift{
				{Field: "customer.address.country", Change: ChangeType, Was: "string", Now: "number", Example: "46"},
				{Field: "customer.address.zip", Change: ChangeNew, Now: "string", Example: `"123"`},
			},
		},
		{
			name:     "a nested object turned into a string",
			baseline: stable,
			after: [][]json.RawMessage{page(5,
				`{"id":%d,"amount":12.5,"status":"paid","customer":"Ann","items":[]}`)},
			want: []Drift{
				{Field: "customer", Change: ChangeType, Was: "object", Now: "string", Example: `"Ann"`},
				{Field: "customer.name", Change: ChangeVanished, Was: "string"},
				{Field: "customer.address", Change: ChangeVanished, Was: "object"},
				{Field: "customer.address.country", Change: ChangeVanished, Was: "string"},
				{Field: "customer.address.geo", Change: ChangeVanished, Was: "object"},
			},
		},
		{
			name:     "array contents are not descended",
			baseline: stable,
			after: [][]json.RawMessage{page(5,
				`{"id":%d,"amount":12.5,"status":"paid","customer":{"name":"Ann","address":{"country":"SE","geo":{"lat":1}}},"items":[1,"two",{"sku":null}]}`)},
		},
		{
			name:     "each change reported once per run",
			baseline: stable,
			after: [][]json.RawMessage{
				page(5, `{"id":%d,"amount":"1","extra":1}`),
				page(5, `{"id":%d,"amount":"1","extra":1}`),
				page(5, `{"id":%d,"amount":true,"extra":"x"}`),
			},
			want: []Drift{
				{Field: "amount", Change: ChangeType, Was: "number", Now: "string", Example: `"1"`},
				{Field: "extra", Change: ChangeNew, Now: "number", Example: "1"},
				{Field: "status", Change: ChangeVanished, Was: "string"},
				{Field: "customer", Change: ChangeVanished, Was: "object"},
				{Field: "customer.name", Change: ChangeVanished, Was: "string"},
				{Field: "customer.address", Change: ChangeVanished, Was: "object"},
				{Field: "customer.address.country", Change: ChangeVanished, Was: "string"},
				{Field: "customer.address.geo", Change: ChangeVanished, Was: "object"},
				{Field: "items", Change: ChangeVanished, Was: "array"},
			},
		},
		{
			name:     "malformed records are skipped",
			baseline: stable,
			after:    [][]json.RawMessage{append(page(5, order), json.RawMessage(`{"id":1,"surprise":`), nil, json.RawMessage(`"x"`))},
		},
		{
			name:     "escaped keys are the same field",
			baseline: pages(3, page(100, `{"amount":1}`)),
			after:    [][]json.RawMessage{page(5, `{"\u0061mount":2}`)},
		},
		{
			name:     "long examples are cut",
			baseline: pages(3, page(100, `{"id":1}`)),
			after:    [][]json.RawMessage{page(1, `{"id":1,"blob":"`+strings.Repeat("é", 100)+`"}`)},
			want: []Drift{{Field: "blob", Change: ChangeNew, Now: "string",
				Example: `"` + strings.Repeat("é", 28) + "..."}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := learned(t, tt.baseline)
			var got []Drift
			for _, p := range tt.after {
				got = append(got, tr.Observe(p)...)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("drift:\n got %s\nwant %s", describeDrifts(got), describeDrifts(tt.want))
			}
		})
	}
}

func describeDrifts(ds []Drift) string {
	var sb strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&sb, "\n  %+v", d)
	}
	if sb.Len() == 0 {
		return "none"
	}
	return sb.String()
}

// The baseline lasts until 200 records and 3 pages, whichever comes later.
func TestBaselineRule(t *testing.T) {
	const drifting = `{"id":1,"new":true}`
	tests := []struct {
		name      string
		pageSizes []int // records per page; pages before the drifting one
		learning  bool  // still learning after them
	}{
		{"3 pages of 100", []int{100, 100, 100}, false},
		{"3 pages but only 30 records", []int{10, 10, 10}, true},
		{"200 records after 20 pages", []int{10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10}, false},
		{"199 records after 19 pages", []int{10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 9}, true},
		{"500 records in 2 pages", []int{250, 250}, true},
		{"500 records in 3 pages", []int{250, 250, 1}, false},
		{"empty pages count as pages", []int{200, 0, 0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker()
			for i, n := range tt.pageSizes {
				if got := tr.Observe(page(n, `{"id":%d}`)); got != nil {
					t.Fatalf("page %d reported %v while learning", i+1, got)
				}
			}
			got := tr.Observe(page(1, drifting))
			if tt.learning && got != nil {
				t.Errorf("reported %v during the baseline", got)
			}
			if !tt.learning && len(got) != 1 {
				t.Errorf("after the baseline got %v, want the new field", got)
			}
		})
	}
}

// Malformed records do not count toward the baseline's 200 records.
func TestBaselineIgnoresMalformedRecords(t *testing.T) {
	tr := NewTracker()
	junk := page(300, `{"id":`)
	for range 3 {
		tr.Observe(junk)
	}
	if !tr.learning {
		t.Fatal("baseline finished on malformed records")
	}
}

// Keys that are data (ids as keys) must not grow the Tracker without bound.
func TestNewFieldsAreBounded(t *testing.T) {
	tr := learned(t, pages(3, page(100, `{"id":1}`)))
	var rec strings.Builder
	rec.WriteString(`{"id":1`)
	for i := range maxFields + 100 {
		fmt.Fprintf(&rec, `,"k%d":%d`, i, i)
	}
	rec.WriteString("}")
	got := tr.Observe([]json.RawMessage{json.RawMessage(rec.String())})
	if want := maxFields - 1; len(got) != want {
		t.Errorf("reported %d new fields, want %d", len(got), want)
	}
	if len(tr.fields) != maxFields {
		t.Errorf("tracking %d fields, want %d", len(tr.fields), maxFields)
	}
}

func TestShortExample(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{`"short"`, `"short"`},
		{strings.Repeat("a", 60), strings.Repeat("a", 60)},
		{strings.Repeat("a", 61), strings.Repeat("a", 57) + "..."},
		{"ab" + strings.Repeat("€", 30), "ab" + strings.Repeat("€", 18) + "..."},
	}
	for _, tt := range tests {
		got := shortExample([]byte(tt.in))
		if got != tt.want {
			t.Errorf("shortExample(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if len(got) > maxExample {
			t.Errorf("shortExample(%q) is %d bytes", tt.in, len(got))
		}
	}
}
