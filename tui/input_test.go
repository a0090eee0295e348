package tui

import (
	"fmt"
	"testing"
)

// Letters that arrive in one read are keys, one each: "jjj" moves three
// rows wherever j moves one, and text once a field has the keys.
func TestLettersInOneReadAreKeys(t *testing.T) {
	var profiles []Profile
	for i := range 6 {
		profiles = append(profiles, Profile{Name: fmt.Sprintf("p%d", i), Pagination: "cursor", Auth: "none", Out: t.TempDir()})
	}
	h := newHarness(t, profiles)
	h.send(runes("jjj"))
	if got := h.picker().list.Current(); got != 3 {
		t.Fatalf("picker: jjj in one read moved to row %d, want 3", got)
	}
	h.send(runes("jjk"))
	if got := h.picker().list.Current(); got != 4 {
		t.Fatalf("picker: jjk moved to row %d, want 4", got)
	}

	h.keys("enter")
	h.events(samplePage(1, t0), samplePage(2, t0))
	h.keys("r")
	h.send(runes("kkk"))
	if got := h.runView().records.list.Current(); got != 2 {
		t.Fatalf("records: kkk from the last of 6 rows is row %d, want 2", got)
	}

	// "/" opens the filter: what follows in the same read is its text.
	h.send(runes("/.id"))
	r := h.runView()
	if !r.records.typing || r.records.input.Value() != ".id" {
		t.Fatalf("after /.id in one read: typing %v, field %q", r.records.typing, r.records.input.Value())
	}
	h.send(runes("jj")) // text in the field, not moves
	if got := h.runView().records.input.Value(); got != ".idjj" {
		t.Fatalf("field %q, want .idjj", got)
	}
}
