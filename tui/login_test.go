package tui

import (
	tea "github.com/charmbracelet/bubbletea"
	"os/exec"
	"testing"
)

// TestSignInFromThePicker: a profile that needs a sign-in says so, enter
// hands the terminal to the sign-in command instead of starting a run, and
// once it succeeds the profile is ready to run.
func TestSignInFromThePicker(t *testing.T) {
	profiles := []Profile{{Name: "github", Description: "issues", Pagination: "link_header", Auth: "oauth2", NeedsLogin: true, Path: "/p/github.yaml"}}
	h := newHarness(t, profiles)
	var asked []string
	h.m.env.opts.Login = func(p Profile) *exec.Cmd {
		asked = append(asked, p.Path)
		return exec.Command("true")
	}
	h.screenHas("needs sign-in (enter)")
	cmd := h.send(tea.KeyMsg{Type: tea.KeyEnter})
	if cmd == nil || len(asked) != 1 || asked[0] != "/p/github.yaml" || len(h.starts) != 0 {
		t.Fatalf("enter: cmd %v, login asked %v, runs started %v", cmd != nil, asked, h.starts)
	}
	h.send(loginDoneMsg{name: "github"})
	h.screenHas("signed in to github; enter starts it")
	h.keys("enter")
	if len(h.starts) != 1 {
		t.Fatalf("after sign-in enter started %v", h.starts)
	}

	h2 := newHarness(t, profiles)
	h2.send(loginDoneMsg{name: "github", err: exec.ErrNotFound})
	h2.screenHas("sign-in to github failed")
}
