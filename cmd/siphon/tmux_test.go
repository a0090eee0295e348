package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/apitest"
)

// tmuxConsole is a siphon console running in a detached tmux session.
type tmuxConsole struct {
	t       *testing.T
	socket  string
	session string
}

func (c *tmuxConsole) tmux(args ...string) string {
	c.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", c.socket}, args...)...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("tmux %v: %v: %s", args, err, out)
	}
	return string(out)
}

func (c *tmuxConsole) keys(keys ...string) {
	c.t.Helper()
	c.tmux(append([]string{"send-keys", "-t", c.session}, keys...)...)
}

// waitFor polls the pane until it shows all of texts.
func (c *tmuxConsole) waitFor(texts ...string) string {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var pane string
	for time.Now().Before(deadline) {
		pane = c.tmux("capture-pane", "-p", "-t", c.session)
		missing := false
		for _, text := range texts {
			if !strings.Contains(pane, text) {
				missing = true
			}
		}
		if !missing {
			return pane
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not synchronisation
	}
	c.t.Fatalf("the pane never showed %q; it shows:\n%s", texts, pane)
	return ""
}

// startConsole opens `siphon` in a new 100×30 tmux session in dir.
func startConsole(t *testing.T, bin, dir, socket, name string) *tmuxConsole {
	c := &tmuxConsole{t: t, socket: socket, session: name}
	shell := fmt.Sprintf("cd %s && SIPHON_PROFILES=%s %s; echo SIPHON-EXITED-$?; sleep 60", shellQuote(dir), shellQuote(filepath.Join(dir, "profiles")), shellQuote(bin))
	c.tmux("new-session", "-d", "-s", name, "-x", "100", "-y", "30", shell)
	t.Cleanup(func() { exec.Command("tmux", "-L", socket, "kill-session", "-t", name).Run() })
	return c
}

// TestConsoleInTmux drives the real binary in a real terminal: pick a
// profile, watch it run, pause, look at records and pages, quit (the run
// stops with its checkpoint), then start again and resume.
func TestConsoleInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the console's real-terminal test needs it")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "siphon")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	srv := apitest.NewServer(apitest.Options{Records: 20000, Latency: 10 * time.Millisecond})
	defer srv.Close()
	writeProfile(t, dir, "slow", cursorProfile("slow", srv.URL, 10))
	socket := fmt.Sprintf("siphon-test-%d", os.Getpid())
	t.Cleanup(func() { exec.Command("tmux", "-L", socket, "kill-server").Run() })

	c := startConsole(t, bin, dir, socket, "first")
	c.waitFor("slow", "new", "enter start/resume")
	c.keys("Enter")
	c.waitFor("RUNNING", "pages ")
	c.keys("p")
	c.waitFor("PAUSED", "checkpoint:")
	c.keys("r")
	c.waitFor("email", "› ")
	c.keys("i")
	c.waitFor("cursor in → out", "200")
	c.keys("Enter")
	c.waitFor("Request", "GET "+srv.URL)
	c.keys("Escape") // alone: an escape followed at once by q reads as alt+q
	c.waitFor("cursor in → out")
	c.keys("q")
	c.waitFor("Stop the run and quit?")
	c.keys("y")
	c.waitFor("SIPHON-EXITED-0")
	cp, err := ingest.ReadCheckpoint(filepath.Join(dir, "siphon-data", "slow"))
	if err != nil || cp == nil || cp.Done || cp.Pages == 0 {
		t.Fatalf("checkpoint after quitting: %+v, %v", cp, err)
	}

	c = startConsole(t, bin, dir, socket, "second")
	c.waitFor("resumable at page")
	c.keys("Enter")
	c.waitFor(fmt.Sprintf("resumed after page %d", cp.Pages))
	c.keys("q")
	c.waitFor("Stop the run and quit?")
	c.keys("y")
	c.waitFor("SIPHON-EXITED-0")
}
