package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"siphon/ingest/demoapi"
)

// TestResumeHintResumesThatRun interrupts a run shaped by --base-url,
// --shard 1/2 and --out, runs the resume hint exactly as printed, and finds
// that shard's records exactly once, nothing of the other shard, and no
// request sent to the profile's own base_url.
func TestResumeHintResumesThatRun(t *testing.T) {
	const n = 2000
	srv := demoapi.NewServer(demoapi.Options{Records: n})
	defer srv.Close()
	decoy := demoapi.NewServer(demoapi.Options{Records: n})
	defer decoy.Close()
	dir := t.TempDir()
	writeProfile(t, dir, "shaped", windowsProfile("shaped", decoy.URL, n, 100, 1))

	cmd := siphonCmd(t, dir, "run", "shaped", "--base-url", srv.URL, "--shard", "1/2", "--out", "out dir", "--log", "json")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	sc.Buffer(nil, 1<<20)
	if !waitForPages(sc, 8) {
		t.Fatal("the run ended before it could be interrupted")
	}
	cmd.Process.Signal(syscall.SIGINT)
	var rest strings.Builder
	for sc.Scan() {
		rest.WriteString(sc.Text() + "\n")
	}
	var ee *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("interrupt: %v\n%s", err, rest.String())
	}
	_, hint, ok := strings.Cut(rest.String(), "Resume with: ")
	if !ok {
		t.Fatalf("no resume hint:\n%s", rest.String())
	}
	hint = strings.TrimSpace(strings.SplitN(hint, "\n", 2)[0])
	for _, want := range []string{"--base-url " + srv.URL, "--shard 1/2", "--out 'out dir'"} {
		if !strings.Contains(hint, want) {
			t.Errorf("the hint %q lacks %q", hint, want)
		}
	}

	// Follow the hint as a user would: `siphon` on the PATH, a shell.
	bin := filepath.Join(t.TempDir(), "bin")
	os.MkdirAll(bin, 0o700)
	shim := "#!/bin/sh\nSIPHON_TEST_AS_MAIN=1 exec '" + os.Args[0] + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "siphon"), []byte(shim), 0o700); err != nil {
		t.Fatal(err)
	}
	follow := exec.Command("sh", "-c", hint)
	follow.Dir = dir
	follow.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "SIPHON_PROFILES="+filepath.Join(dir, "profiles"))
	if out, err := follow.CombinedOutput(); err != nil {
		t.Fatalf("following the hint %q: %v\n%s", hint, err, out)
	}

	got := partitionedIDs(t, filepath.Join(dir, "out dir", "shard-1-of-2"))
	want := map[int64]int{}
	for id := int64(1); id <= n; id++ {
		if (id-1)/100%2 == 0 { // partitions 0, 2, 4…: shard 1 of 2
			want[id] = 1
		}
	}
	if len(got) != len(want) {
		t.Errorf("shard 1/2 holds %d records, want %d", len(got), len(want))
	}
	for id, c := range got {
		if want[id] != 1 || c != 1 {
			t.Fatalf("id %d seen %d times (in shard 1/2: %v)", id, c, want[id] == 1)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out dir", "shard-2-of-2")); err == nil {
		t.Error("the other shard was fetched")
	}
	if r := decoy.Stats().Requests; r != 0 {
		t.Errorf("%d requests went to the profile's own base_url, not --base-url", r)
	}
}

// TestShardWithoutPartitionsRefused: on a profile without partitions every
// shard would fetch everything; --shard is refused.
func TestShardWithoutPartitionsRefused(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 10})
	defer srv.Close()
	dir := t.TempDir()
	writeProfile(t, dir, "plain", cursorProfile("plain", srv.URL, 10))
	code, _, stderr := siphon(t, dir, "run", "plain", "--shard", "1/2")
	if code != 2 || !strings.Contains(stderr, "has no partitions to split") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if r := srv.Stats().Requests; r != 0 {
		t.Errorf("%d requests sent", r)
	}
}
