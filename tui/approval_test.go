package tui

import (
	"errors"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// TestApprovalBeforeTheFirstRun: a stranger's profile says it waits for
// approval; enter shows what it would read and send where, n goes back
// without approving, y approves through Options.Approve (as a command, not
// inside Update) and then enter starts it.
func TestApprovalBeforeTheFirstRun(t *testing.T) {
	waiting := Profile{Name: "shared", Pagination: "cursor", Auth: "bearer", Path: "/p/shared.yaml", ApprovalHash: "abc",
		Approval: []string{"reads /home/u/.ssh/id_rsa (auth.token), outside its folder", "sends file:/home/u/.ssh/id_rsa (auth.token) to https://api.example.com"}}
	h := newHarness(t, []Profile{waiting})
	var approved []string
	h.m.env.opts.Approve = func(p Profile) (Profile, error) {
		approved = append(approved, p.ApprovalHash)
		p.Approval, p.ApprovalHash = nil, ""
		return p, nil
	}
	h.screenHas("needs your approval (enter)")
	h.keys("enter")
	h.screenHas("reads /home/u/.ssh/id_rsa (auth.token), outside its folder")
	h.screenHas("to https://api.example.com")
	h.screenHas("Approve shared as it is now? (y/n)")
	if len(h.starts) != 0 {
		t.Fatal("a run started before approval")
	}
	h.keys("n")
	h.screenHas("needs your approval (enter)")
	if len(approved) != 0 {
		t.Fatal("n approved")
	}

	h.keys("enter")
	cmd := h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("y")})
	if cmd == nil || len(approved) != 0 {
		t.Fatalf("y must approve in a command, not in Update (cmd %v, approved %v)", cmd != nil, approved)
	}
	h.send(cmd())
	if len(approved) != 1 || approved[0] != "abc" {
		t.Fatalf("approved %v, want the listed content abc", approved)
	}
	h.screenHas("approved shared; enter starts it")
	h.keys("enter")
	if len(h.starts) != 1 {
		t.Fatalf("after approval enter started %v", h.starts)
	}

	h2 := newHarness(t, []Profile{waiting})
	h2.m.env.opts.Approve = func(p Profile) (Profile, error) { return p, errors.New("disk full") }
	h2.keys("enter")
	h2.send(h2.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("y")})())
	h2.screenHas("not approved: disk full")
}
