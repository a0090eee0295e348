package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
	"siphon/ingest/store"
)

// bigBody is a JSON page of about size bytes whose pagination block, as
// many APIs send it, comes last.
func bigBody(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"data":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"Customer %d","note":"%s"}`, i, i, strings.Repeat("x", 60))
	}
	b.WriteString(`],"pagination":{"next_cursor":"END-OF-THE-PAGE"}}`)
	return []byte(b.String())
}

func TestPageDetailReachesTheEndOfABigBody(t *testing.T) {
	profiles := testProfiles(t.TempDir())
	out := profiles[0].Out
	body := bigBody(200 << 10)
	if err := os.MkdirAll(filepath.Join(out, store.PagesDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, bodyFile(out, 1)), body, 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, profiles)
	h.keys("enter")
	p := samplePage(1, t0)
	p.Response.Body, p.Response.BodyBytes = body[:ingest.BodyPreviewBytes], int64(len(body))
	h.events(p)
	h.keys("i")
	h.settle(h.send(tea.KeyMsg{Type: tea.KeyEnter}))
	h.keys("G")
	h.screenHas("END-OF-THE-PAGE", "end of the body (200", "100%")
	h.keys("g")
	h.screenHas("Page 1", "Body (first 16")
	if strings.Contains(h.m.View(), "END-OF-THE-PAGE") {
		t.Error("the top of the page shows its end")
	}
	d := h.m.top().(detail)
	if int64(len(d.tail.bytes)) > bodyTailBytes {
		t.Errorf("the detail holds %d bytes of the body's end", len(d.tail.bytes))
	}
	if !strings.Contains(d.vp.View()+strings.Join(pageDetail(h.m.env.styles, *d.page, 80, d.tail), "\n"), "KiB skipped") {
		t.Error("the detail does not say what it skipped")
	}
}

func TestPageDetailSaysWhenTheBodyWasNotArchived(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter")
	p := samplePage(1, t0)
	body := bigBody(40 << 10)
	p.Response.Body, p.Response.BodyBytes = body[:ingest.BodyPreviewBytes], int64(len(body))
	h.events(p)
	h.keys("i")
	h.settle(h.send(tea.KeyMsg{Type: tea.KeyEnter}))
	h.keys("G")
	h.screenHas("the body was not archived")
}
