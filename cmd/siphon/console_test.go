package main

import (
	"strings"
	"testing"
)

func TestConsoleWithoutTerminalListsProfiles(t *testing.T) {
	dir := t.TempDir()
	writeProfile(t, dir, "listed", cursorProfile("listed", "http://127.0.0.1:1", 10))
	code, stdout, stderr := siphon(t, dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"the console opens when stdout is a terminal", "listed", "cursor", "siphon run NAME"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}
