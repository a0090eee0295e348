//go:build linux

package ingest_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// gzipped is s as one gzip member; members back to back are one gzip body.
func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	z, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	z.Write([]byte(s))
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// boundsServer answers page 1 well (one record, cursor "p2") and page 2
// with hostile; it counts the requests for page 2.
func boundsServer(t *testing.T, hostile http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	var second atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "" {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"data":[{"id":1}],"next":"p2"}`))
			return
		}
		second.Add(1)
		hostile(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &second
}

func boundsConfig(url string) spec.Config {
	return spec.Config{Name: "bounds", BaseURL: url, Records: ".data", Timeout: time.Minute,
		Pagination: spec.PaginationConfig{Type: "cursor", CursorParam: "cursor", CursorPath: ".next"},
		Retry:      spec.RetryConfig{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond},
		Output:     spec.OutputConfig{RawPages: true}}
}

// TestHostileBodiesAreBounded: page 2 of each walk is a hostile body. The
// run fails at once (no retries) with a message that names page 2 and the
// bound; page 1 stays as its checkpoint vouches (one record, one archived
// body), nothing of page 2 is left in records.jsonl or pages/, and the
// process's peak RSS stays small where the body would take gigabytes.
func TestHostileBodiesAreBounded(t *testing.T) {
	spaces := gzipped(t, strings.Repeat(" ", 1<<20)) // 1 MiB of space: about 1 KiB
	head := gzipped(t, `{"data":[{"id":2},`)
	tail := gzipped(t, `{"id":3}]}`)
	writeLoop := func(w http.ResponseWriter, chunk []byte, n int) bool {
		for i := 0; i < n; i++ {
			if _, err := w.Write(chunk); err != nil {
				return false // the client hung up: it refused the body
			}
		}
		return true
	}
	cases := []struct {
		name      string
		maxRecord string
		unpacked  string
		short     bool // runs under -short and -race too
		serve     http.HandlerFunc
		want      []string
		rss       int64 // peak RSS bound
	}{
		{name: "gzip bomb 2 MB to 2 GiB", short: true, want: []string{"page 2", "gzip body unpacked to more than 100 times", "decompression bomb"}, rss: 96 << 20,
			serve: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", "gzip")
				w.Write(head)
				if writeLoop(w, spaces, 2048) {
					w.Write(tail)
				}
			}},
		{name: "deflate bomb", short: true, want: []string{"page 2", "deflate body unpacked to more than 100 times", "decompression bomb"}, rss: 96 << 20,
			serve: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", "deflate")
				z, _ := zlib.NewWriterLevel(w, zlib.BestCompression)
				z.Write([]byte(`{"data":[{"id":2},`))
				chunk := bytes.Repeat([]byte(" "), 1<<20)
				for i := 0; i < 2048; i++ {
					if _, err := z.Write(chunk); err != nil {
						return
					}
				}
				z.Write([]byte(`{"id":3}]}`))
				z.Close()
			}},
		{name: "unsolicited zstd", short: true, want: []string{"page 2", `Content-Encoding "zstd", which siphon does not decode`}, rss: 96 << 20,
			serve: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", "zstd")
				w.Write(bytes.Repeat([]byte{0x1b, 0xff, 0x00}, 1<<20))
			}},
		{name: "endless chunked body", unpacked: "4MiB", short: true, want: []string{"page 2", "larger than max_body_unpacked (4MiB)", "raise max_body_unpacked"}, rss: 96 << 20,
			serve: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				bw := bufio.NewWriterSize(w, 64<<10)
				bw.WriteString(`{"data":[`)
				for i := 2; ; i++ {
					if _, err := fmt.Fprintf(bw, `{"id":%d,"pad":"%s"},`, i, strings.Repeat("x", 200)); err != nil {
						return
					}
				}
			}},
		{name: "gzip over max_body_unpacked", unpacked: "4MiB", short: true, want: []string{"page 2", "the gzip response body, unpacked, is larger than max_body_unpacked (4MiB)"}, rss: 96 << 20,
			serve: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", "gzip")
				z := gzip.NewWriter(w)
				z.Write([]byte(`{"data":[`))
				for i := 2; i < 200000; i++ {
					if _, err := fmt.Fprintf(z, `{"id":%d,"n":"%x"},`, i, i*7919); err != nil {
						return
					}
				}
				z.Write([]byte(`{"id":0}]}`))
				z.Close()
			}},
		{name: "200 MB record", maxRecord: "1MiB", short: true, want: []string{"page 2", "record 2 of the page (index 1)", "larger than max_record (1MiB)", "raise max_record"}, rss: 96 << 20,
			serve: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"data":[{"id":2},{"id":3,"blob":"`))
				if writeLoop(w, bytes.Repeat([]byte("a"), 1<<20), 200) {
					w.Write([]byte(`"}]}`))
				}
			}},
		{name: "100 MB record at the default bound", want: []string{"page 2", "record 1 of the page (index 0)", "larger than max_record (64MiB)"}, rss: 400 << 20,
			serve: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"data":[{"id":2,"blob":"`))
				if writeLoop(w, bytes.Repeat([]byte("a"), 1<<20), 100) {
					w.Write([]byte(`"}]}`))
				}
			}},
		{name: "10 MB header", short: true, want: []string{"page 2", "response headers are larger than 1.0 MiB"}, rss: 96 << 20,
			serve: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Big", strings.Repeat("a", 10<<20))
				w.Write([]byte(`{"data":[]}`))
			}},
		{name: "9 MB Link header", short: true, want: []string{"page 2", "response headers are larger than 1.0 MiB"}, rss: 96 << 20,
			serve: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Link", "<http://"+r.Host+"/?cursor="+strings.Repeat("a", 9<<20)+`>; rel="next"`)
				w.Write([]byte(`{"data":[]}`))
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.short && (testing.Short() || raceEnabled) {
				t.Skip("moves 100 MB")
			}
			srv, second := boundsServer(t, tc.serve)
			cfg := boundsConfig(srv.URL)
			cfg.MaxRecord, cfg.MaxBodyUnpacked = tc.maxRecord, tc.unpacked
			dir := t.TempDir()
			resetPeakRSS(t)
			_, err := run(t, cfg, ingest.Job{Out: dir})
			peak := peakRSS(t)
			if err == nil {
				t.Fatal("the run succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if n := second.Load(); n != 1 {
				t.Errorf("page 2 was asked %d times, want once (a bound is no reason to retry)", n)
			}
			checkPageOneOnly(t, dir)
			t.Logf("%s: peak RSS %d MiB; %v", tc.name, peak>>20, err)
			if !raceEnabled && peak > tc.rss {
				t.Errorf("peak RSS %d MiB, want under %d MiB", peak>>20, tc.rss>>20)
			}
		})
	}
}

// checkPageOneOnly: the folder holds page 1 as the checkpoint vouches for
// it, and nothing of page 2.
func checkPageOneOnly(t *testing.T, dir string) {
	t.Helper()
	cp, err := store.At(dir).ReadCheckpoint()
	if err != nil || cp == nil {
		t.Fatalf("checkpoint: %v, %v", cp, err)
	}
	recs, err := os.ReadFile(filepath.Join(dir, store.RecordsFile))
	if err != nil {
		t.Fatal(err)
	}
	if cp.Pages != 1 || cp.Records != 1 || string(recs) != "{\"id\":1}\n" || cp.RecordsBytes != int64(len(recs)) {
		t.Errorf("checkpoint says %d pages, %d records, %d bytes; records.jsonl is %.100q", cp.Pages, cp.Records, cp.RecordsBytes, recs)
	}
	ents, err := os.ReadDir(filepath.Join(dir, store.PagesDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "index.jsonl pages-000001.bin" {
		t.Errorf("pages/ holds %v, want the index and one segment", names)
	}
	seg, err := os.Stat(filepath.Join(dir, store.PagesDir, "pages-000001.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if cp.PagesFile != "pages-000001.bin" || seg.Size() != cp.PagesBytes {
		t.Errorf("the segment holds %d bytes, the checkpoint vouches for %d of %s: want page 1's body only", seg.Size(), cp.PagesBytes, cp.PagesFile)
	}
}

// TestKeptStringsBoundedAndEscaped: a long header and a long cursor are
// cut, visibly, in pages/index.jsonl; C1 and bidi controls in a header and
// a cursor are written as \u escapes in the index and the checkpoint,
// which still resumes with the cursor exactly as sent; a next URL too long
// to resume from fails its page with a message that says so.
func TestKeptStringsBoundedAndEscaped(t *testing.T) {
	const cursor = "p2\u0085\u202e\u009bx"
	long := strings.Repeat("t", 100<<10)
	var sent atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if c := r.URL.Query().Get("cursor"); c != "" {
			sent.Store(c)
			w.Write([]byte(`{"data":[{"id":2}],"next":null}`))
			return
		}
		w.Header().Set("X-Trace", long)
		w.Header().Set("X-Note", "a\u0085b\u202ec")
		fmt.Fprintf(w, `{"data":[{"id":1}],"next":%q}`, cursor)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := boundsConfig(srv.URL)
	if _, err := run(t, cfg, ingest.Job{Out: dir, MaxPages: 1}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{filepath.Join(store.PagesDir, store.IndexFile), store.CheckpointFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range []string{"\u0085", "\u202e", "\u009b"} {
			if bytes.Contains(b, []byte(raw)) {
				t.Errorf("%s holds a raw %U", name, []rune(raw)[0])
			}
		}
		if !bytes.Contains(b, []byte(`\u0085`)) || !bytes.Contains(b, []byte(`\u202e`)) {
			t.Errorf("%s does not escape the controls: %.300s", name, b)
		}
		if name != store.CheckpointFile {
			if len(b) > 24<<10 || !bytes.Contains(b, []byte("…[cut: 100.0 KiB]")) {
				t.Errorf("index line is %d bytes, want the 100 KiB header cut with a mark", len(b))
			}
		}
	}
	if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
		t.Fatal(err)
	}
	if got, _ := sent.Load().(string); got != cursor {
		t.Errorf("resumed with cursor %q, want %q", got, cursor)
	}

	// A next URL longer than the checkpoint keeps.
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "<http://"+r.Host+"/?page="+strings.Repeat("a", 200<<10)+`>; rel="next"`)
		w.Write([]byte(`{"data":[{"id":1}]}`))
	}))
	defer srv2.Close()
	cfg2 := boundsConfig(srv2.URL)
	cfg2.Pagination = spec.PaginationConfig{Type: "link_header", Rel: "next"}
	_, err := run(t, cfg2, ingest.Job{Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "page 1: the next URL is 200.") || !strings.Contains(err.Error(), "more than the 64.0 KiB siphon keeps") || len(err.Error()) > 2<<10 {
		t.Errorf("got %.500v, want a short error naming the next URL's length and the bound", err)
	}
}
