package s3store

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"siphon/ingest/store"
	"siphon/ingest/store/s3store/s3test"
)

// TestSegbuf: bytes kept in chunks read back the same after appends,
// truncation, a part cut off the front and a tail copied out, and a
// reader seeks as the SDK needs (hash, rewind, send).
func TestSegbuf(t *testing.T) {
	for _, tc := range []struct {
		name              string
		writes            []int
		truncate, cut, tl int // truncate to, then cut off the front (whole chunks), then copy from
	}{
		{"empty", nil, 0, 0, 0},
		{"one byte", []int{1}, 1, 0, 0},
		{"a chunk exactly", []int{chunkSize}, chunkSize, chunkSize, 0},
		{"across chunks", []int{100, chunkSize, 7, 2 * chunkSize}, 3*chunkSize + 50, chunkSize, 10},
		{"truncate to a boundary", []int{2*chunkSize + 3}, 2 * chunkSize, chunkSize, chunkSize - 1},
		{"truncate to nothing", []int{chunkSize + 1}, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s segbuf
			var want []byte
			for i, n := range tc.writes {
				p := bytes.Repeat([]byte{byte('a' + i)}, n)
				s.Write(p)
				want = append(want, p...)
			}
			check := func(what string, s segbuf, want []byte) {
				t.Helper()
				r := s.reader()
				got, _ := io.ReadAll(r)
				if !bytes.Equal(got, want) || s.len() != len(want) {
					t.Fatalf("%s: read %d bytes (len %d), want %d", what, len(got), s.len(), len(want))
				}
				if _, err := r.Seek(0, io.SeekStart); err != nil {
					t.Fatal(err)
				}
				if again, _ := io.ReadAll(r); !bytes.Equal(again, want) {
					t.Fatalf("%s: read again after a rewind differs", what)
				}
			}
			check("written", s, want)
			s.truncate(tc.truncate)
			want = want[:tc.truncate]
			check("truncated", s, want)
			front := s.cutFront(tc.cut)
			check("front", front, want[:tc.cut])
			want = want[tc.cut:]
			check("rest", s, want)
			if tc.tl <= len(want) {
				check("tail", s.tail(tc.tl), want[tc.tl:])
			}
			s.release()
			front.release()
			if s.len() != 0 {
				t.Fatal("released but not empty")
			}
		})
	}
}

// TestCommitBusy: the walk is told to wait once nothing is in flight or
// the open segment reached twice its bound.
func TestCommitBusy(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	b := srv.Bucket(t, "busy")
	_, sw := claimWriter(t, store.At("s3://busy/run"), store.Options{})
	w := sw.(*writer)
	if w.CommitBusy() {
		t.Fatal("busy with nothing in flight")
	}
	cp := &store.Checkpoint{Profile: "p"}
	for i, rec := range []string{`{"id":1}`, `{"id":2}`} {
		w.BeginPage()
		if err := w.WriteRecord([]byte(rec)); err != nil {
			t.Fatal(err)
		}
		w.EndPage()
		if err := w.Commit(cp); err != nil {
			t.Fatal(err)
		}
		if w.CommitBusy() {
			t.Fatalf("busy after commit %d", i+1)
		}
	}
	if got := string(srv.Get(t, b, "run/records-000002.jsonl")); got != "{\"id\":2}\n" {
		t.Errorf("segment 2: %q", got)
	}
	// An upload in flight with the open segment at twice the bound: wait.
	w.inflight = make(chan error, 1)
	w.open[recordsStream].acc = 2 * int64(SegmentBytes)
	if w.CommitBusy() {
		t.Error("busy although the open segment reached twice its bound")
	}
	w.open[recordsStream].acc = 0
	if !w.CommitBusy() {
		t.Error("not busy with an upload in flight and room to fill")
	}
	w.inflight <- nil
	if w.CommitBusy() {
		t.Error("busy after the upload finished")
	}
	if err := w.WaitCommit(); err != nil {
		t.Fatal(err)
	}
}

// bigPage is page p's records, about 100 KiB: ids p*100 .. p*100+99.
func bigPage(p int) []string {
	pad := strings.Repeat("x", 1000)
	recs := make([]string, 100)
	for i := range recs {
		recs[i] = fmt.Sprintf(`{"id":%d,"pad":"%s"}`, p*100+i, pad)
	}
	return recs
}

// TestLargeSegmentsGoUpInParts against the gateway, which holds parts to
// S3's 5 MiB least: a segment that outgrows a part is uploaded in parts
// while it fills and completed when it closes, byte for byte what was
// written, with its pages placed by offset; the object is not there for
// readers before the commit.
func TestLargeSegmentsGoUpInParts(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	b := srv.Bucket(t, "parts")
	_, w := claimWriter(t, store.At("s3://parts/run"), store.Options{RawPages: true})
	var recs, pages bytes.Buffer
	var entries []store.PageEntry
	for p := range 130 { // about 13 MiB of records, as much of pages
		w.BeginPage()
		for _, r := range bigPage(p) {
			if err := w.WriteRecord([]byte(r)); err != nil {
				t.Fatal(err)
			}
			recs.WriteString(r + "\n")
		}
		w.EndPage()
		body := []byte(`{"data":[` + strings.Join(bigPage(p), ",") + `]}`)
		e := store.PageEntry{Page: p + 1}
		if err := w.ArchivePage(&e, body, false, false); err != nil {
			t.Fatal(err)
		}
		pages.Write(body)
		entries = append(entries, e)
	}
	if got := srv.Objects(t, b, "run/records-"); len(got) != 0 {
		t.Fatalf("segment objects visible before the commit: %v", got)
	}
	ups, err := srv.Client().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(b), Prefix: aws.String("run/")})
	if err != nil || len(ups.Uploads) != 2 {
		t.Fatalf("uploads in progress before the commit: %d, %v (want the records' and the pages')", len(ups.Uploads), err)
	}
	cp := &store.Checkpoint{Profile: "p"}
	if err := w.Commit(cp); err != nil {
		t.Fatal(err)
	}
	if got := srv.Get(t, b, "run/records-000001.jsonl"); !bytes.Equal(got, recs.Bytes()) {
		t.Fatalf("records segment: %d bytes, want %d", len(got), recs.Len())
	}
	head, err := srv.Client().HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("run/records-000001.jsonl")})
	if err != nil || !strings.HasSuffix(strings.Trim(aws.ToString(head.ETag), `"`), "-3") {
		t.Errorf("the records segment went up in %v parts (ETag %s), want 3", err, aws.ToString(head.ETag))
	}
	if cp.Segments != 1 || cp.RecordsBytes != int64(recs.Len()) {
		t.Errorf("checkpoint: %d segments, %d record bytes, want 1 and %d", cp.Segments, cp.RecordsBytes, recs.Len())
	}
	archived := srv.Get(t, b, "run/pages/pages-000001.bin")
	if !bytes.Equal(archived, pages.Bytes()) {
		t.Fatalf("pages segment: %d bytes, want %d", len(archived), pages.Len())
	}
	for _, e := range entries[len(entries)-3:] {
		if e.File != "pages-000001.bin" || *e.Offset+e.Length > int64(len(archived)) || !bytes.HasPrefix(archived[*e.Offset:], []byte(`{"data":[{"id":`+fmt.Sprint((e.Page-1)*100)+`,`)) {
			t.Errorf("page %d placed at %s %d+%d, which does not hold it", e.Page, e.File, *e.Offset, e.Length)
		}
	}
	if ups, _ := srv.Client().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(b), Prefix: aws.String("run/")}); len(ups.Uploads) != 0 {
		t.Errorf("%d uploads left in progress after the commit", len(ups.Uploads))
	}
}

// TestKilledUploadsAreAborted: a run that stops with parts of its open
// segment up (killed: no Close) leaves an incomplete upload, invisible to
// readers; the next run on the prefix aborts it and says so.
func TestKilledUploadsAreAborted(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	b := srv.Bucket(t, "killed")
	loc := store.At("s3://killed/run")
	st, w := claimOpen(t, loc, store.Options{})
	for p := range 60 { // past one part
		w.BeginPage()
		for _, r := range bigPage(p) {
			w.WriteRecord([]byte(r))
		}
		w.EndPage()
	}
	if err := w.(*writer).open[recordsStream].wait(); err != nil {
		t.Fatal(err)
	}
	st.Release() // the lease goes, the writer is never closed: as if killed
	list := func() int {
		ups, err := srv.Client().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(b), Prefix: aws.String("run/")})
		if err != nil {
			t.Fatal(err)
		}
		return len(ups.Uploads)
	}
	if n := list(); n != 1 {
		t.Fatalf("%d uploads in progress after the kill, want 1", n)
	}
	if got := srv.Objects(t, b, "run/records-"); len(got) != 0 {
		t.Fatalf("a killed run's open segment is visible: %v", got)
	}
	st, _ = claimWriter(t, loc, store.Options{})
	if n := list(); n != 0 {
		t.Errorf("%d uploads left after the next run opened the prefix", n)
	}
	if notes := st.Notes(); len(notes) != 1 || !strings.Contains(notes[0], "aborted") {
		t.Errorf("notes: %v", notes)
	}
}

// TestBodyNeedsNoSignature: a body goes without its hash only where
// nothing between siphon and the store can change it.
func TestBodyNeedsNoSignature(t *testing.T) {
	for endpoint, want := range map[string]bool{
		"https://s3.example.com":        true,
		"http://127.0.0.1:9000":         true,
		"http://[::1]:9000":             true,
		"http://localhost:9000":         true,
		"http://minio.internal:9000":    false,
		"http://10.0.0.5:9000":          false,
		"http://127.0.0.1.nip.io:9000/": false,
		"::not a url":                   false,
	} {
		if got := bodyNeedsNoSignature(endpoint); got != want {
			t.Errorf("%s: %v, want %v", endpoint, got, want)
		}
	}
}
