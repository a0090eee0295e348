package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"siphon/ingest/store/s3store/s3test"
)

// fatPages serves pages of 50 records of about 10 KiB each (half a MiB a
// page), so that a few pages fill a multipart upload's 5 MiB part.
func fatPages(t *testing.T, pages int) *httptest.Server {
	pad := strings.Repeat("p", 10<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		var b strings.Builder
		b.WriteString(`{"data":[`)
		for i := range 50 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":%d,"pad":"%s"}`, p*50+i+1, pad)
		}
		next := "null"
		if p+1 < pages {
			next = strconv.Quote(strconv.Itoa(p + 1))
		}
		fmt.Fprintf(&b, `],"next":%s}`, next)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, b.String())
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestS3KilledWhilePartsAreUp: runs whose segments are large enough to
// go up in parts, killed with SIGKILL at random moments (with parts of an
// open segment in the bucket) and resumed (four kills: each run reads
// 6 MiB or more, slow under -race; TestS3ExactlyOnceThroughKills kills
// more often, between small segments): the next run aborts the dead
// run's uploads and says so, no part is ever seen by a reader, and the
// bucket ends with every record exactly once and no upload left.
func TestS3KilledWhilePartsAreUp(t *testing.T) {
	const pages = 40
	s3srv := s3test.Start(t)
	s3srv.Bucket(t, "lake")
	api := fatPages(t, pages)
	dir, home := t.TempDir(), t.TempDir()
	writeProfile(t, dir, "fat", fmt.Sprintf("name: fat\nbase_url: %s\npath: /items\nrecords: .data\nprimary_key: id\npagination:\n  type: cursor\n  cursor_param: cursor\n  cursor_path: .next\n", api.URL))
	rng := rand.New(rand.NewPCG(7, 8))
	var aborted bool
	killed, tries := 0, killTries{}
	for killed < 4 {
		tries.check(t, killed)
		// No segment closes by age: every run dies with its open segment's
		// parts up (from page 11 on) and nothing vouched for, so the data
		// never runs out before the kills do.
		cmd := s3Cmd(t, s3srv, dir, home, "run", "fat", "--out", "s3://lake/fat", "--log", "json")
		cmd.Env = append(cmd.Env, "SIPHON_S3_SEGMENT_AGE=1h")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var seen strings.Builder
		sc := bufio.NewScanner(io.TeeReader(stderr, &seen))
		sc.Buffer(nil, 1<<20)
		if waitForPages(sc, 12+rng.IntN(12)) {
			cmd.Process.Kill()
			io.Copy(io.Discard, stderr)
			cmd.Wait()
			killed++
		} else {
			cmd.Wait()
			tries.count(held(seen.String()))
		}
		aborted = aborted || strings.Contains(seen.String(), "incomplete uploads")
	}
	s3RunToEnd(t, s3srv, dir, home, "run", "fat", "--out", "s3://lake/fat")
	if !aborted {
		t.Error("no run said it aborted a killed run's uploads")
	}
	checkExactlyOnce(t, s3IDs(t, s3srv, "lake", "fat"), pages*50)
	ups, err := s3srv.Client().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String("lake"), Prefix: aws.String("fat/")})
	if err != nil || len(ups.Uploads) != 0 {
		t.Errorf("uploads left in progress: %d, %v", len(ups.Uploads), err)
	}
	var cp struct{ Segments int }
	if err := json.Unmarshal(s3srv.Get(t, "lake", "fat/checkpoint.json"), &cp); err != nil || cp.Segments == 0 {
		t.Errorf("checkpoint: %+v, %v", cp, err)
	}
}
