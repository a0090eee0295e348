package main

import (
	"strings"
	"testing"
)

// The demo console has the screen from the start: the servers' URLs and
// where a new profile goes are in its own lines, each fitting 80 columns.
func TestDemoConsoleSaysWhereTheAPIServes(t *testing.T) {
	servers := startDemoServers(0)
	defer servers.Close()
	about := servers.about("/home/u/.config/siphon/profiles", 80)
	text := strings.Join(about, "\n")
	for _, r := range demoServerRoles {
		if !strings.Contains(text, servers.env[r.env]) {
			t.Errorf("no %s URL in %q", r.env, text)
		}
	}
	if !strings.Contains(text, "a saves a new profile in /home/u/.config/siphon/profiles") {
		t.Errorf("where a new profile goes is not said: %q", text)
	}
	for _, l := range about[:len(about)-1] {
		if len(l) > 80 {
			t.Errorf("%d columns: %q", len(l), l)
		}
	}
}
