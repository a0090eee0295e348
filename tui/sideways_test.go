package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
)

// TestSidewaysScrolling: right shows the end of an event line wider than
// the screen, left brings its start back.
func TestSidewaysScrolling(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter")
	wide := "begins here " + strings.Repeat("x", 300) + " ends here"
	h.events(
		ingest.Started{At: ingest.At{T: t0}, Profile: "demo-cursor", URL: "http://127.0.0.1:8089/v1/cursor?limit=3", Out: "out/demo-cursor"},
		ingest.Warning{At: ingest.At{T: t0}, What: wide},
	)
	h.keys("e")
	h.screenHas("begins here")
	for i := 0; i < 40; i++ {
		h.send(tea.KeyMsg{Type: tea.KeyRight})
	}
	h.screenHas("ends here")
	for i := 0; i < 40; i++ {
		h.send(tea.KeyMsg{Type: tea.KeyLeft})
	}
	h.screenHas("begins here")
}
