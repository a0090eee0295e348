package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"siphon/ingest/demoapi"
	"siphon/ingest/store/s3store/s3test"
)

// s3Siphon runs `siphon args...` against the S3 test server to its end;
// env is added last (it wins over s3Env's).
func s3Siphon(t *testing.T, srv *s3test.Server, dir, home string, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := s3Cmd(t, srv, dir, home, args...)
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// walkTable is replay's walks, without the lines that name where the
// pages were read and where the replayed records went.
func walkTable(stdout string) string {
	_, rest, _ := strings.Cut(stdout, "\n")
	rest, _, _ = strings.Cut(rest, "Replayed records are in")
	return rest
}

// TestS3Replay: a run written to a bucket, in several segments, replays
// to the same walk, page for page, as the same run written to a local
// folder, offline; --write into the bucket writes the same records; a
// hostile index line is a clear exit 2 naming its object and line.
func TestS3Replay(t *testing.T) {
	s3srv := s3test.Start(t)
	s3srv.Bucket(t, "lake")
	api := demoapi.NewServer(demoapi.Options{Records: 250})
	defer api.Close()
	dir, home := t.TempDir(), t.TempDir()
	writeProfile(t, dir, "cur", cursorProfile("cur", api.URL, 50))
	if code, _, stderr := siphon(t, dir, "run", "cur"); code != 0 {
		t.Fatalf("local run: exit %d\n%s", code, stderr)
	}
	// In three runs: a segment each at least.
	for _, limit := range []string{"2", "2", "0"} {
		if code, _, stderr := s3Siphon(t, s3srv, dir, home, nil, "run", "cur", "--out", "s3://lake/cur", "--max-pages", limit); code != 0 {
			t.Fatalf("s3 run: exit %d\n%s", code, stderr)
		}
	}
	segments := 0
	for key := range s3srv.Objects(t, "lake", "cur/") {
		if segmentKey.MatchString(strings.TrimPrefix(key, "cur/")) {
			segments++
		}
	}
	if segments < 3 {
		t.Fatalf("the run wrote %d record segments; the test wants several", segments)
	}
	before := api.Stats().Requests

	code, local, stderr := siphon(t, dir, "replay", "cur")
	if code != 0 {
		t.Fatalf("local replay: exit %d\n%s%s", code, local, stderr)
	}
	code, remote, stderr := s3Siphon(t, s3srv, dir, home, nil, "replay", "cur", "--out", "s3://lake/cur", "--write", "s3://lake/replayed")
	if code != 0 || !strings.Contains(remote, "The walks agree.") || !strings.Contains(remote, "s3://lake/cur") {
		t.Fatalf("s3 replay: exit %d\n%s%s", code, remote, stderr)
	}
	if walkTable(local) != walkTable(remote) || strings.Count(remote, "\n") < 8 {
		t.Errorf("the walks differ:\nlocal:\n%s\ns3:\n%s", local, remote)
	}
	if n := api.Stats().Requests - before; n != 0 {
		t.Errorf("replay sent %d requests", n)
	}
	orig, _ := os.ReadFile(filepath.Join(dir, "siphon-data", "cur", "records.jsonl"))
	var keys []string
	for key := range s3srv.Objects(t, "lake", "replayed/") {
		if segmentKey.MatchString(strings.TrimPrefix(key, "replayed/")) {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	var again []byte
	for _, key := range keys {
		again = append(again, s3srv.Get(t, "lake", key)...)
	}
	if len(orig) == 0 || !bytes.Equal(orig, again) {
		t.Errorf("the replayed records in the bucket differ from the run's (%d and %d bytes)", len(orig), len(again))
	}

	// Someone with access to the bucket writes an index line that is no
	// JSON in a copy of the output.
	for key := range s3srv.Objects(t, "lake", "cur/") {
		body := s3srv.Get(t, "lake", key)
		if strings.HasSuffix(key, "index-000002.jsonl") {
			body = append([]byte("not an index line\n"), body...)
		}
		if _, err := s3srv.Client().PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("lake"), Key: aws.String("bad/" + strings.TrimPrefix(key, "cur/")), Body: bytes.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	code, _, stderr = s3Siphon(t, s3srv, dir, home, nil, "replay", "cur", "--out", "s3://lake/bad")
	if code != 2 || !strings.Contains(stderr, "pages/index-000002.jsonl line 1") {
		t.Fatalf("replay of a bad index: exit %d\n%s", code, stderr)
	}
}

// TestS3StateRewind: rewinding an s3:// run cuts the segment the cut
// falls in and moves what follows aside, under the prefix's lease; the
// next run fetches only what was taken back, and every record is in the
// bucket's segments exactly once. Rewinding more pages than the
// checkpoint vouches for is refused, and so is a rewind while a run holds
// the lease. The archive stays whole: a replay afterwards agrees.
func TestS3StateRewind(t *testing.T) {
	const n = 500
	s3srv := s3test.Start(t)
	s3srv.Bucket(t, "lake")
	api := demoapi.NewServer(demoapi.Options{Records: n})
	defer api.Close()
	dir, home := t.TempDir(), t.TempDir()
	writeProfile(t, dir, "rw", cursorProfile("rw", api.URL, 50))
	out := []string{"--out", "s3://lake/rw"}
	oneSegment := []string{"SIPHON_S3_SEGMENT_AGE=1h"} // the whole run in one segment: the cut falls within it
	if code, _, stderr := s3Siphon(t, s3srv, dir, home, oneSegment, append([]string{"run", "rw"}, out...)...); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := s3Siphon(t, s3srv, dir, home, nil, append([]string{"state", "rewind", "rw", "11"}, out...)...); code == 0 || !strings.Contains(stderr, "cannot rewind 11 pages") {
		t.Fatalf("rewind past the first page: exit %d\n%s", code, stderr)
	}
	rewind := func(pages string, wantStart string) {
		t.Helper()
		code, stdout, stderr := s3Siphon(t, s3srv, dir, home, nil, append([]string{"state", "rewind", "rw", pages}, out...)...)
		t.Logf("rewind %s:\n%s", pages, stdout)
		if code != 0 || !strings.Contains(stdout, wantStart) || !strings.Contains(stdout, "aside/rewound-") {
			t.Fatalf("rewind %s: exit %d\n%s%s", pages, code, stdout, stderr)
		}
	}
	rewind("3", "starts at page 8")
	if got := len(s3IDs(t, s3srv, "lake", "rw")); got != n-150 {
		t.Errorf("after the rewind the segments hold %d records, want %d", got, n-150)
	}
	code, stdout, _ := s3Siphon(t, s3srv, dir, home, nil, append([]string{"state", "show", "rw"}, out...)...)
	var v struct {
		Pages   int   `json:"pages"`
		Records int64 `json:"records"`
		Done    bool  `json:"done"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &v) != nil || v.Pages != 7 || v.Records != n-150 || v.Done {
		t.Fatalf("state show after the rewind: exit %d %+v\n%s", code, v, stdout)
	}
	resume := func(pages int64) {
		t.Helper()
		before := api.Stats().Requests
		if code, _, stderr := s3Siphon(t, s3srv, dir, home, nil, append([]string{"run", "rw"}, out...)...); code != 0 {
			t.Fatalf("run after the rewind: exit %d\n%s", code, stderr)
		}
		// the pages taken back, and perhaps one more to see the end
		if sent := api.Stats().Requests - before; sent < pages || sent > pages+1 {
			t.Errorf("the run after rewinding %d pages sent %d requests", pages, sent)
		}
		checkExactlyOnce(t, s3IDs(t, s3srv, "lake", "rw"), n)
	}
	resume(3)
	// Now pages 8, 9 and 10 in a segment each: the cut falls between
	// segments.
	rewind("3", "starts at page 8")
	for _, limit := range []string{"1", "1", "0"} {
		if code, _, stderr := s3Siphon(t, s3srv, dir, home, nil, append([]string{"run", "rw", "--max-pages", limit}, out...)...); code != 0 {
			t.Fatalf("run: exit %d\n%s", code, stderr)
		}
	}
	checkExactlyOnce(t, s3IDs(t, s3srv, "lake", "rw"), n)
	rewind("2", "starts at page 9")
	resume(2)

	// A run holds the lease: a rewind waits for no one.
	api2 := demoapi.NewServer(demoapi.Options{Records: 5000, Latency: 20e6})
	defer api2.Close()
	writeProfile(t, dir, "busy", cursorProfile("busy", api2.URL, 10))
	cmd := s3Cmd(t, s3srv, dir, home, "run", "busy", "--out", "s3://lake/busy", "--log", "json")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	if !waitForPages(sc, 3) {
		t.Fatal("the run ended early")
	}
	go func() {
		for sc.Scan() { // keep the pipe drained
		}
	}()
	code, _, errText := s3Siphon(t, s3srv, dir, home, nil, "state", "rewind", "busy", "1", "--out", "s3://lake/busy")
	cmd.Process.Kill()
	cmd.Wait()
	if code != 1 || !held(errText) {
		t.Fatalf("rewind during a run: exit %d\n%s", code, errText)
	}

	code, stdout, stderr2 := s3Siphon(t, s3srv, dir, home, nil, append([]string{"replay", "rw"}, out...)...)
	if code != 0 || !strings.Contains(stdout, "The walks agree.") || !strings.Contains(stdout, "original: 10 pages") {
		t.Fatalf("replay after the rewinds: exit %d\n%s%s", code, stdout, stderr2)
	}
}
