package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"siphon/ingest/demoapi"
	"siphon/ingest/store"
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

// startConsole opens `siphon ARGS...` in a new 100×30 tmux session in dir.
func startConsole(t *testing.T, bin, dir, socket, name string, args ...string) *tmuxConsole {
	return startConsoleSized(t, bin, dir, socket, name, 100, 30, args...)
}

// startConsoleSized opens `siphon ARGS...` in a new width×height tmux
// session in dir.
func startConsoleSized(t *testing.T, bin, dir, socket, name string, width, height int, args ...string) *tmuxConsole {
	c := &tmuxConsole{t: t, socket: socket, session: name}
	command := shellQuote(bin)
	for _, a := range args {
		command += " " + shellQuote(a)
	}
	shell := fmt.Sprintf("cd %s && SIPHON_PROFILES=%s %s; echo SIPHON-EXITED-$?; sleep 60", shellQuote(dir), shellQuote(filepath.Join(dir, "profiles")), command)
	c.tmux("new-session", "-d", "-s", name, "-x", strconv.Itoa(width), "-y", strconv.Itoa(height), shell)
	t.Cleanup(func() { exec.Command("tmux", "-L", socket, "kill-session", "-t", name).Run() })
	return c
}

// buildForTmux builds the binary into dir, or skips without tmux.
func buildForTmux(t *testing.T, dir string) (bin, socket string) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the console's real-terminal test needs it")
	}
	bin = filepath.Join(dir, "siphon")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	socket = fmt.Sprintf("siphon-test-%d-%s", os.Getpid(), t.Name())
	t.Cleanup(func() { exec.Command("tmux", "-L", socket, "kill-server").Run() })
	return bin, socket
}

// TestConsoleInTmux drives the real binary in a real terminal: pick a
// profile, watch it run, pause, look at records and pages, quit (the run
// stops with its checkpoint), then start again and resume.
func TestConsoleInTmux(t *testing.T) {
	dir := t.TempDir()
	bin, socket := buildForTmux(t, dir)
	srv := demoapi.NewServer(demoapi.Options{Records: 20000, Latency: 10 * time.Millisecond})
	defer srv.Close()
	writeProfile(t, dir, "slow", cursorProfile("slow", srv.URL, 10))

	c := startConsole(t, bin, dir, socket, "first")
	c.waitFor("slow", "new", "enter start/resume")
	c.keys("Enter")
	c.waitFor("RUNNING", "pages ")
	c.keys("p")
	c.waitFor("PAUSED", "paused after the checkpoint")
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
	cp, err := store.At(filepath.Join(dir, "siphon-data", "slow")).ReadCheckpoint()
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

// TestDemoInTmux drives the real `siphon demo`: the rate-limited profile
// sleeps (with a countdown) and shows its progress against the API's total;
// pause, records, pages, quit; a second `siphon demo` on the same ports in
// the same folder resumes from the checkpoint and runs to the end.
func TestDemoInTmux(t *testing.T) {
	dir := t.TempDir()
	bin, socket := buildForTmux(t, dir)
	base := freePortRun(t, 4)
	port := strconv.Itoa(base)
	limitedURL := fmt.Sprintf("http://127.0.0.1:%d/", base+2) // the third demo server

	c := startConsole(t, bin, dir, socket, "demo-first", "demo", "--port", port)
	c.waitFor("demo-rate-limited", "enter start/resume")
	c.keys("/")
	c.waitFor("filter: ") // alone: runes read together arrive as one key
	c.keys("-l", "rate-limited")
	c.keys("Enter")
	c.waitFor("› demo-rate-limited")
	c.keys("Enter")
	// The sleeps last under a second and the run a few: pause at once.
	pane := c.waitForMatch(sleepingCountdown)
	c.keys("p")
	for _, want := range []string{limitedURL, "of 1,000 records", "rate limit "} {
		if !strings.Contains(pane, want) {
			t.Errorf("the run view lacks %q while sleeping:\n%s", want, pane)
		}
	}
	c.waitFor("PAUSED")
	c.keys("r")
	c.waitFor("email", "› ")
	c.keys("i")
	c.waitFor("cursor in → out", "200")
	c.keys("Escape")
	c.waitFor("PAUSED", "pages ")
	c.keys("q")
	c.waitFor("Stop the run and quit?")
	c.keys("y")
	c.waitFor("SIPHON-EXITED-0")
	cp, err := store.At(filepath.Join(dir, "siphon-data", "demo-rate-limited")).ReadCheckpoint()
	if err != nil || cp == nil || cp.Done || cp.Pages == 0 {
		t.Fatalf("checkpoint after quitting: %+v, %v", cp, err)
	}

	c = startConsole(t, bin, dir, socket, "demo-second", "demo", "--port", port)
	c.waitFor(fmt.Sprintf("resumable at page %d", cp.Pages+1))
	c.keys("/")
	c.waitFor("filter: ") // alone: runes read together arrive as one key
	c.keys("-l", "rate-limited")
	c.keys("Enter", "Enter")
	c.waitFor(fmt.Sprintf("resumed after page %d", cp.Pages))
	c.waitFor("DONE", "records 1,000")
	c.keys("q")
	c.waitFor("SIPHON-EXITED-0")
}

// sleepingCountdown is the run's state line while it waits out a rate limit.
var sleepingCountdown = regexp.MustCompile(`SLEEPING \d+m?s`)

// waitForMatch polls the pane until re matches it.
func (c *tmuxConsole) waitForMatch(re *regexp.Regexp) string {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var pane string
	for time.Now().Before(deadline) {
		pane = c.tmux("capture-pane", "-p", "-t", c.session)
		if re.MatchString(pane) {
			return pane
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
	c.t.Fatalf("the pane never matched %s; it shows:\n%s", re, pane)
	return ""
}

// freePortRun finds n consecutive free loopback ports and returns the first:
// the demo listens on its --port and the ones after it. A port taken in the
// meantime makes the demo pick another, which the test would notice (its URL
// and the resume would not match).
func freePortRun(t *testing.T, n int) int {
	t.Helper()
	for range 50 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if base+n > 65535 {
			continue
		}
		free := true
		for p := base; p < base+n && free; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				free = false
				continue
			}
			l.Close()
		}
		if free {
			return base
		}
	}
	t.Fatalf("found no %d consecutive free ports", n)
	return 0
}

// TestTwoRunsInTmux starts two profiles one after the other without
// stopping the first: both show live in the picker and the runs list; one
// is paused from the list while the other finishes, then resumed; each
// finishes exactly once (one history line, every record once).
func TestTwoRunsInTmux(t *testing.T) {
	dir := t.TempDir()
	bin, socket := buildForTmux(t, dir)
	const total = 4000
	srv := demoapi.NewServer(demoapi.Options{Records: total, Latency: 20 * time.Millisecond})
	defer srv.Close()
	writeProfile(t, dir, "alpha", cursorProfile("alpha", srv.URL, 20))
	writeProfile(t, dir, "beta", cursorProfile("beta", srv.URL, 20))

	c := startConsole(t, bin, dir, socket, "two", "--no-bell")
	c.waitFor("alpha", "beta", "enter start/resume")
	c.keys("Enter")
	c.waitFor("alpha http://", "RUNNING")
	c.keys("Escape")
	c.waitFor("siphon › profiles", "runs: 1 live")
	c.keys("j")
	c.waitFor("› beta")
	c.keys("Enter")
	c.waitFor("beta http://")
	c.keys("Escape")
	pane := c.waitFor("siphon › profiles", "runs: 2 live")
	if n := len(liveLine.FindAllString(pane, -1)); n != 2 {
		t.Fatalf("the picker shows %d live runs, want 2:\n%s", n, pane)
	}

	c.keys("Tab")
	c.waitFor("siphon › runs", "runs: 2 live")
	c.keys("j") // newest first: beta, then alpha
	c.keys("p")
	c.waitFor("PAUSED")
	c.waitFor("beta DONE", "runs: 1 live")
	c.keys("p")
	c.waitFor("runs: 0 live")
	c.keys("q")
	c.waitFor("SIPHON-EXITED-0")

	for _, name := range []string{"alpha", "beta"} {
		out := filepath.Join(dir, "siphon-data", name)
		h, err := store.At(out).ReadHistory(0)
		if err != nil || len(h) != 1 || h[0].Outcome != store.OutcomeDone || h[0].Records != total {
			t.Errorf("%s history: %+v, %v", name, h, err)
		}
		seen := ids(t, filepath.Join(out, "records.jsonl"))
		if len(seen) != total {
			t.Errorf("%s: %d distinct records, want %d", name, len(seen), total)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("%s: record %d written %d times", name, id, n)
				break
			}
		}
	}
}

// liveLine is a profile's line in the picker while its run is live.
var liveLine = regexp.MustCompile(`(RUNNING|SLEEPING|RETRYING|PAUSED) · `)

// TestPartitionsInTmux runs a partitioned profile against the demo API in
// a real terminal: the table shows the states; one partition is paused,
// opened (its records) and resumed; the one whose filter the API refuses
// fails, is retried while the others run and fails again; the run ends
// with every other partition DONE.
func TestPartitionsInTmux(t *testing.T) {
	dir := t.TempDir()
	bin, socket := buildForTmux(t, dir)
	srv := demoapi.NewServer(demoapi.Options{Records: 300, Latency: 30 * time.Millisecond})
	defer srv.Close()
	// id_gte=bad is answered 400: that partition fails, the others do not.
	writeProfile(t, dir, "parts", fmt.Sprintf(`name: parts
base_url: %s
path: /v1/offset
records: .data
primary_key: id
params:
  id_gte: ${partition.value}
pagination:
  type: offset
  limit: 10
  total_path: .total
partitions:
  values: ["0", "100", "200", "bad"]
concurrency: 4
`, srv.URL))

	c := startConsole(t, bin, dir, socket, "parts", "--no-bell")
	c.waitFor("parts", "enter start/resume")
	c.keys("Enter")
	c.waitFor("PARTITION", "budget ", "› 0 ")
	c.keys("p") // the first partition, 30 pages long
	c.waitFor("pausing 0 after its page")
	c.waitFor("PAUSED", "FAILED", "HTTP 400 Bad Request") // the cause first, then where

	c.keys("Enter") // open the paused partition: its records
	c.waitFor("parts › 0", "PAUSED")
	c.keys("r")
	c.waitFor("email", "parts › 0 › records")
	c.keys("Escape")
	c.waitFor("Recent events")
	c.keys("Escape")
	c.waitFor("PARTITION")

	c.keys("/")
	c.waitFor("state: ")
	c.keys("-l", "failed")
	c.keys("Enter")
	c.waitFor("› bad ")
	c.keys("R")
	c.waitFor("retrying bad from its checkpoint")
	c.waitFor("› bad ", "FAILED")
	c.keys("Escape") // clears the filter
	c.waitFor("100 ", "200 ")
	c.keys("g")
	c.waitFor("› 0 ")
	c.keys("p") // resume the first partition
	c.waitFor("resuming 0")
	pane := c.waitFor("partitions 3/4 done", "runs: 0 live · 1 failed")
	for _, line := range strings.Split(pane, "\n") {
		for _, key := range []string{"  0 ", "  100 ", "  200 "} {
			if strings.HasPrefix(strings.TrimPrefix(line, "›"), key) && !strings.Contains(line, "DONE") {
				t.Errorf("partition %q did not end DONE: %q", strings.TrimSpace(key), line)
			}
		}
	}
	c.keys("q")
	c.waitFor("SIPHON-EXITED-0")
}
