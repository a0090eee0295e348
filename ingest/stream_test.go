//go:build linux

package ingest_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"siphon/ingest"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// streamToken is the access token of the archived case, echoed in its body.
const streamToken = "tok-9f8e7d6c5b4a39281706"

// streamRecord is record i of the generated bodies: escapes, non-ASCII, a
// big integer and a decimal that must come through byte for byte.
func streamRecord(b []byte, i int) []byte {
	b = fmt.Appendf(b, `{"id":%d,"name":"record \"%d\"","city":"Zürich ☃","big":98765432109876543210,"price":1.50,"tags":["a","\u00e9"],"pad":"`, i, i)
	b = append(b, strings.Repeat("x", 100)...)
	return append(b, `"}`...)
}

// TestHugeBodiesStream: a single JSON array and an NDJSON export, each far
// larger than what is held whole, go to records.jsonl record by record with
// every record exactly once, as sent, and memory stays flat. The bodies are
// generated while they are sent, so the test holds none of them either.
// 100 MB each without -short and the race detector; 8 MB otherwise.
func TestHugeBodiesStream(t *testing.T) {
	size := 8 << 20
	if !testing.Short() && !raceEnabled {
		size = 100 << 20
	}
	for _, tc := range []struct {
		name, ctype, records string
		head, sep, tail      string
	}{
		{"array", "application/json", ".data", `{"meta":{"kind":"export"},"data":[`, ",\n", `],"next":null}`},
		{"ndjson", "application/x-ndjson", ".", "", "\n", "\n"},
		{"ndjson undeclared", "text/plain", ".", "", "\n", "\n"},
		// archived: the body goes to pages/ as it streams, the token the
		// API echoes in it hidden
		{"array archived", "application/json", ".data", `{"meta":{"next":"https://api.test/x?access_token=` + streamToken + `"},"data":[`, ",\n", `]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := size / len(streamRecord(nil, 1000000))
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				bw := bufio.NewWriterSize(w, 64<<10)
				bw.WriteString(tc.head)
				var rec []byte
				for i := 1; i <= n; i++ {
					if i > 1 {
						bw.WriteString(tc.sep)
					}
					rec = streamRecord(rec[:0], i)
					bw.Write(rec)
				}
				bw.WriteString(tc.tail)
				bw.Flush()
			}))
			defer srv.Close()
			cfg := spec.Config{Name: "export", BaseURL: srv.URL, Records: tc.records, PrimaryKey: []string{"id"},
				Pagination: spec.PaginationConfig{Type: "none"}, MaxBody: "1MiB"}
			archived := strings.HasSuffix(tc.name, "archived")
			if archived {
				cfg.Output.RawPages = true
				cfg.Auth = spec.AuthConfig{Type: spec.AuthBearer, Token: spec.NewSecret("${STREAM_TOKEN}", streamToken)}
			}
			dir := t.TempDir()
			resetPeakRSS(t)
			evs, err := run(t, cfg, ingest.Job{Out: dir})
			if err != nil {
				t.Fatal(err)
			}
			peak := peakRSS(t)
			f, err := os.Open(filepath.Join(dir, store.RecordsFile))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			i := 0
			var want []byte
			for sc.Scan() {
				i++
				if want = streamRecord(want[:0], i); !bytes.Equal(sc.Bytes(), want) {
					t.Fatalf("line %d is %.120s, want %.120s", i, sc.Bytes(), want)
				}
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
			if i != n {
				t.Fatalf("%d records written, want %d", i, n)
			}
			if fin, _ := lastEvent[ingest.Finished](evs); fin.Records != int64(n) {
				t.Errorf("finished with %d records, want %d", fin.Records, n)
			}
			if archived {
				e, err := store.FindPage(os.DirFS(dir), 1)
				if err != nil {
					t.Fatal(err)
				}
				a, err := store.ReadPageBody(os.DirFS(dir), e)
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(a, []byte(streamToken)) || !bytes.Contains(a, []byte("access_token=REDACTED")) {
					t.Errorf("the archived body does not hide the token: %.200s", a)
				}
				want := len(tc.head) + len(tc.tail) + (n-1)*len(tc.sep) - len(streamToken) + len("REDACTED")
				for i := 1; i <= n; i++ {
					want += len(streamRecord(nil, i))
				}
				if len(a) != want {
					t.Errorf("archived body is %d bytes, want %d", len(a), want)
				}
			}
			t.Logf("%d records, %d MB body, peak RSS %d MB", n, size>>20, peak>>20)
			if peak > 64<<20 && !raceEnabled { // the race detector's shadow memory is not the run's
				t.Errorf("peak RSS %d MB, want under 64 MB", peak>>20)
			}
		})
	}
}

// resetPeakRSS lowers the heap to what is live and resets the kernel's
// high-water mark of this process's resident memory.
func resetPeakRSS(t *testing.T) {
	// The peak is of live memory, not of the collector's slack: without a
	// limit the heap may grow to twice what is live before a collection,
	// and the in-process test server's garbage counts too. A body held
	// whole would still pass any limit and show here.
	old := debug.SetMemoryLimit(40 << 20)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS: %v", err)
	}
}

// peakRSS is the process's resident high-water mark (VmHWM).
func peakRSS(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}
