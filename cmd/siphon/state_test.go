package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"siphon/ingest/demoapi"
	"siphon/ingest/store"
)

// TestStateRewind: after a finished run, rewinding 3 pages moves their
// records aside; the next run sends 3 or 4 requests and every record is in
// records.jsonl exactly once. Rewinding past the first page is refused.
func TestStateRewind(t *testing.T) {
	const n = 500
	srv := demoapi.NewServer(demoapi.Options{Records: n})
	defer srv.Close()
	dir := t.TempDir()
	writeProfile(t, dir, "rw", cursorProfile("rw", srv.URL, 50))
	if code, _, stderr := siphon(t, dir, "run", "rw"); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	records := filepath.Join(dir, "siphon-data", "rw", "records.jsonl")

	code, stdout, stderr := siphon(t, dir, "state", "show", "rw")
	var v struct {
		Pages   int   `json:"pages"`
		Records int64 `json:"records"`
		Done    bool  `json:"done"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &v) != nil || v.Pages != 10 || v.Records != n || !v.Done {
		t.Fatalf("state show: exit %d %+v\n%s%s", code, v, stdout, stderr)
	}

	if code, _, stderr := siphon(t, dir, "state", "rewind", "rw", "11"); code == 0 || !strings.Contains(stderr, "cannot rewind 11 pages") {
		t.Fatalf("rewind past the first page: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr = siphon(t, dir, "state", "rewind", "rw", "3")
	if code != 0 || !strings.Contains(stdout, "starts at page 8") || !strings.Contains(stdout, "aside") {
		t.Fatalf("rewind: exit %d\n%s%s", code, stdout, stderr)
	}
	if got := len(ids(t, records)); got != n-150 {
		t.Errorf("after the rewind records.jsonl holds %d records, want %d", got, n-150)
	}
	before := srv.Stats().Requests
	if code, _, stderr := siphon(t, dir, "run", "rw"); code != 0 {
		t.Fatalf("run after rewind: exit %d\n%s", code, stderr)
	}
	if sent := srv.Stats().Requests - before; sent < 3 || sent > 4 {
		t.Errorf("the run after rewinding 3 pages sent %d requests", sent)
	}
	checkExactlyOnce(t, ids(t, records), n)
	checkArchiveWhole(t, filepath.Join(dir, "siphon-data", "rw", store.PagesDir), 10)

	h, _ := os.ReadFile(filepath.Join(dir, "siphon-data", "rw", "history.jsonl"))
	if !strings.Contains(string(h), `"outcome":"state"`) || !strings.Contains(string(h), "before:") {
		t.Errorf("the history does not keep the rewind and the state before it:\n%s", h)
	}
}

// checkArchiveWhole: the archive's index lists pages 1 to n once each, in
// order, their bodies lie end to end in one segment with nothing between
// or after them (a rewind moved its pages' bodies aside), and each is a
// page of records.
func checkArchiveWhole(t *testing.T, pages string, n int) {
	t.Helper()
	idx, err := os.ReadFile(filepath.Join(pages, store.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(idx)), "\n")
	if len(lines) != n {
		t.Fatalf("the index has %d lines, want %d", len(lines), n)
	}
	var end int64
	for i, line := range lines {
		var e store.PageEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil || e.Page != i+1 || e.Offset == nil || *e.Offset != end {
			t.Fatalf("index line %d: %+v, %v (want page %d at %d)", i+1, e, err, i+1, end)
		}
		end += e.Length
		body, err := store.ReadPageBody(os.DirFS(filepath.Dir(pages)), &e)
		var pg struct{ Data []json.RawMessage }
		if err != nil || json.Unmarshal(body, &pg) != nil || len(pg.Data) == 0 {
			t.Errorf("page %d's body: %v %.80q", e.Page, err, body)
		}
	}
	if fi, err := os.Stat(filepath.Join(pages, "pages-000001.bin")); err != nil || fi.Size() != end {
		t.Errorf("the segment: %v, %v; want %d bytes", fi, err, end)
	}
}

// TestStateRefusedWhileARunHoldsTheFolder: a change waits for no run; it is
// refused, naming the holder.
func TestStateRefusedWhileARunHoldsTheFolder(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 5000, Latency: 20 * time.Millisecond})
	defer srv.Close()
	dir := t.TempDir()
	writeProfile(t, dir, "busy", cursorProfile("busy", srv.URL, 10))
	cmd := siphonCmd(t, dir, "run", "busy", "--log", "json")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	sc := bufio.NewScanner(stderr)
	if !waitForPages(sc, 3) {
		t.Fatal("the run ended early")
	}
	go func() {
		for sc.Scan() { // keep the pipe drained
		}
	}()
	code, _, errText := siphon(t, dir, "state", "rewind", "busy", "1")
	if code != 1 || !strings.Contains(errText, "in use") {
		t.Fatalf("rewind during a run: exit %d\n%s", code, errText)
	}
}

// TestStateSet: a high-water mark is checked against the style and kept.
func TestStateSet(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 300})
	defer srv.Close()
	dir := t.TempDir()
	writeProfile(t, dir, "ks", fmt.Sprintf(`name: ks
base_url: %s
path: /v1/keyset
records: .data
primary_key: id
pagination: {type: keyset, limit: 50, param: since_id, field: id}
`, srv.URL))
	if code, _, stderr := siphon(t, dir, "run", "ks"); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	for _, bad := range [][]string{{"offset", "10"}, {"color", "red"}, {"high_water", ""}} {
		if code, _, stderr := siphon(t, dir, "state", "set", "ks", bad[0], bad[1]); code != 2 {
			t.Errorf("state set %s %q: exit %d\n%s", bad[0], bad[1], code, stderr)
		}
	}
	if code, stdout, stderr := siphon(t, dir, "state", "set", "ks", "high_water", "250"); code != 0 {
		t.Fatalf("state set high_water: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ := siphon(t, dir, "state", "show", "ks")
	if code != 0 || !strings.Contains(stdout, `"high_water": "250"`) {
		t.Fatalf("state show after set:\n%s", stdout)
	}
}

// TestStateResetPartition: one partition starts over, the others are left;
// the union still holds every record once.
func TestStateResetPartition(t *testing.T) {
	const n = 400
	srv := demoapi.NewServer(demoapi.Options{Records: n})
	defer srv.Close()
	dir := t.TempDir()
	writeProfile(t, dir, "wp", windowsProfile("wp", srv.URL, n, 100, 2))
	if code, _, stderr := siphon(t, dir, "run", "wp"); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	code, stdout, _ := siphon(t, dir, "state", "show", "wp")
	var v struct {
		Partitions []struct {
			Key   string `json:"key"`
			Pages int    `json:"pages"`
		} `json:"partitions"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &v) != nil || len(v.Partitions) != 4 {
		t.Fatalf("state show: %s", stdout)
	}
	key := v.Partitions[1].Key
	if code, _, stderr := siphon(t, dir, "state", "reset", "wp"); code != 2 || !strings.Contains(stderr, "--partition") {
		t.Errorf("reset without a partition: exit %d\n%s", code, stderr)
	}
	if code, stdout, stderr := siphon(t, dir, "state", "reset", "wp", "--partition", key); code != 0 {
		t.Fatalf("reset: exit %d\n%s%s", code, stdout, stderr)
	}
	before := srv.Stats().Requests
	if code, _, stderr := siphon(t, dir, "run", "wp"); code != 0 {
		t.Fatalf("run after reset: exit %d\n%s", code, stderr)
	}
	if sent := srv.Stats().Requests - before; sent != int64(v.Partitions[1].Pages) {
		t.Errorf("the run after resetting one partition of %d pages sent %d requests", v.Partitions[1].Pages, sent)
	}
	checkExactlyOnce(t, partitionedIDs(t, filepath.Join(dir, "siphon-data", "wp")), n)
}

// TestStateSetWrongType: a value of the wrong type for the field is
// refused, saying what the field takes, and the checkpoint is unchanged.
func TestStateSetWrongType(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 120})
	defer srv.Close()
	dir := t.TempDir()
	writeProfile(t, dir, "off", fmt.Sprintf(`name: off
base_url: %s
path: /v1/offset
records: .data
primary_key: id
pagination: {type: offset, limit: 50, total_path: .total}
`, srv.URL))
	if code, _, stderr := siphon(t, dir, "run", "off"); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	cp := filepath.Join(dir, "siphon-data", "off", "checkpoint.json")
	before, _ := os.ReadFile(cp)
	for _, tc := range []struct{ field, value, want string }{
		{"offset", "abc", `offset is a whole number of 0 or more, not "abc"`},
		{"offset", "1.5", `offset is a whole number of 0 or more, not "1.5"`},
		{"page", "3", "page is a field of page pagination; this run pages by offset"},
	} {
		code, _, stderr := siphon(t, dir, "state", "set", "off", tc.field, tc.value)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("state set %s %q: exit %d\n%s\nwant %q", tc.field, tc.value, code, stderr, tc.want)
		}
	}
	if after, _ := os.ReadFile(cp); string(after) != string(before) {
		t.Errorf("a refused state set changed the checkpoint")
	}
}
