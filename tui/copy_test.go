package tui

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// Copy as curl never fails silently: OSC 52 may be dropped (tmux's default
// set-clipboard external) and siphon cannot know, so the command is also
// shown, and saved to a file only the user can read, and the screen says
// where and how to let OSC 52 through tmux.
func TestCopyAsCurlShowsAndSavesTheCommand(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter")
	h.events(samplePage(1, t0), samplePage(2, t0))
	h.keys("i", "enter")
	var term strings.Builder
	h.m.env.term = &term
	copyCmd := h.send(runes("c"))

	page, _ := h.m.runs.latest().pages.at(1)
	want := curlScript(page.Request, nil)
	path := filepath.Join(h.m.env.opts.CacheDir, "curl", "demo-cursor-page-2.sh")
	h.screenHas("page 2's request as curl", "set -g set-clipboard on", "curl \\", "-H 'Accept: application/json' \\", "Saved to "+h.m.env.opts.CacheDir)
	h.screenHas("copied page 2's request as a curl command (OSC 52, saved to") // the path goes on

	msg := copyCmd().(clipboardMsg)
	if msg.err != nil || msg.saveErr != nil || msg.saved != path {
		t.Fatalf("copy: %+v", msg)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want+"\n" {
		t.Fatalf("the file holds %q (%v), want %q", got, err, want+"\n")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("the file is %v, want 0600", fi.Mode().Perm())
	}
	if term.String() != osc52(curlCommand(page.Request, nil)) {
		t.Errorf("the terminal got %q", term.String())
	}
	sent, _ := base64.StdEncoding.DecodeString(strings.TrimSuffix(strings.TrimPrefix(term.String(), "\x1b]52;c;"), "\a"))
	if !strings.HasPrefix(string(sent), "curl -H 'Accept: application/json'") {
		t.Errorf("the clipboard got %q", sent)
	}
	h.keys("esc")
	h.screenHas("Page 2", "Authorization: REDACTED")
}

func TestCopyAsCurlSaysWhatFailed(t *testing.T) {
	h := newHarness(t, testProfiles(t.TempDir()))
	h.keys("enter")
	h.events(samplePage(1, t0))
	h.keys("i", "enter")
	// A link planted where the command goes is replaced, not written through.
	dir := filepath.Join(h.m.env.opts.CacheDir, "curl")
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, "demo-cursor-page-1.sh")); err != nil {
		t.Fatal(err)
	}
	msg := h.send(runes("c"))().(clipboardMsg) // no terminal: OSC 52 cannot go
	if msg.err == nil || msg.saveErr != nil {
		t.Fatalf("copy: %+v", msg)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the link's target was written: %q", b)
	}
	h.send(msg)
	h.send(tea.WindowSizeMsg{Width: 200, Height: 30})
	h.screenHas("not copied: no terminal to copy through; the command is on screen and in " + dir)
}
