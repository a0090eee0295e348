package tui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// TestHeldKeysWaitForASlowedCommand: keys typed after a key whose command
// is out wait for it, and a redraw tick lets them go only once the command
// has taken slowCommand (a probe), not because a tick happened to come
// first (a busy machine).
func TestHeldKeysWaitForASlowedCommand(t *testing.T) {
	c := &clock{t: t0}
	m := New(Options{Styles: asciiStyles(), Now: c.now, Profiles: testProfiles(t.TempDir())})
	m.holding, m.heldAt = true, c.t
	m.held = []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("j")}}
	for _, tc := range []struct {
		after   time.Duration
		holding bool
	}{
		{time.Millisecond, true},
		{slowCommand - time.Millisecond, true},
		{slowCommand, false},
	} {
		c.t = t0.Add(tc.after)
		next, _ := m.Update(tickMsg(c.t))
		if got := next.(Model).holding; got != tc.holding {
			t.Errorf("a tick %v after the key: holding %v, want %v", tc.after, got, tc.holding)
		}
	}
}
