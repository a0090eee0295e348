package tui

import (
	"encoding/json"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// exactRecord has what a float64 or a Go map loses: an integer past 2^53,
// a number's trailing zeros, a number past float64, unicode keys, and keys
// in no sorted order.
const exactRecord = `{"name":"Ada","id":1000,"external_id":9007199254741993,"price":513.00,"big":1e400,"ünïcødé":"ü","z":{"b":1,"a":2.50},"tags":["x","y","z"]}`

func TestJQShowsRecordsAsSent(t *testing.T) {
	other := `{"name":"Bob","id":7,"price":1.0}`
	recs := []json.RawMessage{json.RawMessage(other), json.RawMessage(exactRecord)}
	tests := []struct {
		expr  string
		want  []string
		built bool
	}{
		{`select(.id==1000)`, []string{exactRecord}, false},
		{`.`, []string{other, exactRecord}, false},
		{`select(.id==1000) | .external_id`, []string{`9007199254741993`}, false},
		{`select(.id==1000) | .price, .big`, []string{`513.00`, `1e400`}, false},
		{`select(.id==1000) | .z`, []string{`{"b":1,"a":2.50}`}, false},
		{`select(.id==1000) | .["ünïcødé"]`, []string{`"ü"`}, false},
		{`select(.id==1000) | .tags[1:]`, []string{`["y","z"]`}, false},
		{`select(.id==1000) | .tags[-1]`, []string{`"z"`}, false},
		{`select(.id==1000) | .missing.deeper`, []string{`null`}, false},
		{"select(.id == 7) # Bob", []string{other}, false},
		// Built values: numbers passed on keep their text, keys come in
		// the record's order, whatever order the filter named them in.
		{`select(.id==1000) | {price, big, id, name}`, []string{`{"name":"Ada","id":1000,"price":513.00,"big":1e400}`}, true},
		{`select(.id==1000) | {zz: .z, id}`, []string{`{"id":1000,"zz":{"b":1,"a":2.50}}`}, true},
		{`select(.id==1000) | .external_id + 1`, []string{`9007199254741994`}, true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got, err := runJQ(tt.expr, recs)
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, r := range got {
				texts = append(texts, string(r.raw))
				if r.built != tt.built {
					t.Errorf("%s: built %v, want %v", r.raw, r.built, tt.built)
				}
			}
			if strings.Join(texts, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(texts, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestJQErrorsSayWhichRecord(t *testing.T) {
	_, err := runJQ(`.name | ltrimstr(1) | error`, []json.RawMessage{json.RawMessage(exactRecord)})
	if err == nil || !strings.Contains(err.Error(), "record 1 of 1") {
		t.Errorf("error %v", err)
	}
	if _, err := runJQ(`select(`, nil); err == nil {
		t.Error("a filter that does not parse was taken")
	}
}

// The records view filters by the API's bytes: a big integer and 513.00
// shown as sent, the table's columns in the record's order with the
// primary key first, filtered or not.
func TestRecordsFilterKeepsTheBytes(t *testing.T) {
	profiles := testProfiles(t.TempDir())
	profiles[0].PrimaryKey = []string{"id"}
	h := newHarness(t, profiles)
	h.send(tea.WindowSizeMsg{Width: 160, Height: 30})
	h.keys("enter")
	page := samplePage(1, t0)
	page.Sample = append(page.Sample, json.RawMessage(exactRecord))
	h.events(page)
	h.keys("r")
	header := func() string {
		for _, l := range strings.Split(h.m.View(), "\n") {
			if strings.Contains(l, "name") && strings.Contains(l, "id") {
				return strings.TrimSpace(l) // the columns are padded to their widths
			}
		}
		t.Fatalf("no table header:\n%s", h.m.View())
		return ""
	}
	if got := header(); !strings.HasPrefix(got, "id  ") || strings.Index(got, "name") > strings.Index(got, "email") {
		t.Errorf("unfiltered header %q: want id first, then the records' order", got)
	}
	h.keys("/", "select(.id==1000)", "enter")
	h.screenHas("1 result from", "9007199254741993", "513.00", "1e400")
	if got := strings.Join(strings.Fields(header()), " "); !strings.HasPrefix(got, "id name external_id price big ünïcødé z tags") {
		t.Errorf("filtered header %q: want id, then the record's order", got)
	}
	h.keys("enter")
	h.screenHas(`"external_id": 9007199254741993`, `"price": 513.00`, `"big": 1e400`, `"ünïcødé": "ü"`)
	if v := h.m.View(); strings.Index(v, `"b": 1`) > strings.Index(v, `"a": 2.50`) {
		t.Errorf("the nested keys were reordered:\n%s", v)
	}
	h.keys("esc", "/")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU}) // the field holds the filter applied
	h.keys("select(.id==1000) | {price, id}", "enter")
	h.screenHas("built by jq", "513.00")
}
