//go:build linux

package ingest_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"siphon/ingest"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// recordLines reads records.jsonl as text lines.
func recordLines(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, store.RecordsFile))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// TestBodyFormats: XML, CSV, a zip export, a brotli-encoded body, read by
// the format key or the Content-Type, streamed (a plain records path) or
// held (a jq expression); records.jsonl holds the converted records.
func TestBodyFormats(t *testing.T) {
	var zipBody bytes.Buffer
	zw := zip.NewWriter(&zipBody)
	w, _ := zw.Create("export/orders.csv")
	w.Write([]byte("\ufeffid,name\r\n1,Ann\r\n2,\"Bo, \"\"B\"\"\"\r\n"))
	zw.Close()
	var brBody bytes.Buffer
	bw := brotli.NewWriter(&brBody)
	bw.Write([]byte(`{"data":[{"id":"1"},{"id":"2"}]}`))
	bw.Close()
	xmlBody := `<?xml version="1.0"?><feed xmlns="urn:x"><entry n="1"><id>1</id></entry><entry n="2"><id>2</id><tag>a</tag><tag>b</tag></entry></feed>`
	cases := []struct {
		name, ctype, encoding, format, records string
		body                                   []byte
		want                                   []string
	}{
		{"xml by type, streamed", "application/atom+xml", "", "", ".feed.entry", []byte(xmlBody),
			[]string{`{"@n":"1","id":"1"}`, `{"@n":"2","id":"2","tag":["a","b"]}`}},
		{"xml said, held for jq", "text/plain", "", "xml", `.feed.entry | map(select(.id == "2"))`, []byte(xmlBody),
			[]string{`{"@n":"2","id":"2","tag":["a","b"]}`}},
		{"one element is one record", "application/xml", "", "", ".r.item", []byte(`<r><item><id>7</id></item></r>`),
			[]string{`{"id":"7"}`}},
		{"tsv said", "application/octet-stream", "", "tsv", ".", []byte("id\tname\n1\tA\n"),
			[]string{`{"id":"1","name":"A"}`}},
		{"zip export of a csv", "application/zip", "", "", ".", zipBody.Bytes(),
			[]string{`{"id":"1","name":"Ann"}`, `{"id":"2","name":"Bo, \"B\""}`}},
		{"brotli-encoded json", "application/json", "br", "", ".data", brBody.Bytes(),
			[]string{`{"id":"1"}`, `{"id":"2"}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				if tc.encoding != "" {
					if !strings.Contains(r.Header.Get("Accept-Encoding"), tc.encoding) {
						http.Error(w, "no "+tc.encoding+" asked for", http.StatusNotAcceptable)
						return
					}
					w.Header().Set("Content-Encoding", tc.encoding)
				}
				w.Write(tc.body)
			}))
			defer srv.Close()
			cfg := spec.Config{Name: "formats", BaseURL: srv.URL, Records: tc.records, Format: tc.format, Pagination: spec.PaginationConfig{Type: "none"}}
			cfg.Output.RawPages = true
			dir := t.TempDir()
			if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
				t.Fatal(err)
			}
			if got := recordLines(t, dir); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			pages := os.DirFS(dir)
			e, err := store.FindPage(pages, 1)
			if err != nil {
				t.Fatal(err)
			}
			archived, err := store.ReadPageBody(pages, e)
			if err != nil {
				t.Fatal(err)
			}
			if tc.encoding == "" && !bytes.Equal(archived, tc.body) {
				t.Errorf("the archive holds %.80q, not the body as sent", archived)
			}
		})
	}
}

// TestBadBodiesFailClearly: XML and CSV that do not convert fail the page
// at once (the same request brings the same body: no retry), saying what
// and where; an entity declared in a DOCTYPE is never expanded.
func TestBadBodiesFailClearly(t *testing.T) {
	cases := []struct {
		name, ctype, body, records string
		want                       []string
	}{
		{"malformed xml", "application/xml", "<r>\n<a>1</a>\n<b></c></r>", ".r.a", []string{"page 1", "XML body, line 3", "element <b> closed by </c>"}},
		{"entity bomb", "application/xml", `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><l><x>&b;</x></l>`, ".l.x", []string{"invalid character entity &b;"}},
		{"external entity", "text/xml", `<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:1/steal">]><r><x>&x;</x></r>`, ".r.x", []string{"invalid character entity &x;"}},
		{"cut off xml", "application/xml", "<r><a>1</a>", ".r.a", []string{"it ends before the document does"}},
		{"unclosed csv quote", "text/csv", "id,name\n1,\"Ann\n", ".", []string{"page 1", "CSV body, line 2", "extraneous or missing \" in quoted-field"}},
		{"held xml, malformed", "application/xml", "<r><a>1</a></x>", ".r.a | map(.)", []string{"page 1", "XML body, line 1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.Header().Set("Content-Type", tc.ctype)
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			cfg := spec.Config{Name: "bad", BaseURL: srv.URL, Records: tc.records, Pagination: spec.PaginationConfig{Type: "none"}}
			_, err := run(t, cfg, ingest.Job{Out: t.TempDir()})
			if err == nil {
				t.Fatal("the run succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error lacks %q: %v", w, err)
				}
			}
			if n := hits.Load(); n != 1 {
				t.Errorf("%d requests: a body that does not convert is not retried", n)
			}
		})
	}
}

// TestHugeXMLExportStreams: one XML export far larger than what is held
// whole goes to records.jsonl element by element, each exactly once, with
// memory flat. 48 MB without -short and the race detector; 8 MB otherwise
// (encoding/xml reads some 20 MB/s on an idle core: the request's timeout
// is raised to what such an export takes).
func TestHugeXMLExportStreams(t *testing.T) {
	size := 8 << 20
	if !testing.Short() && !raceEnabled {
		size = 48 << 20
	}
	row := func(b []byte, i int) []byte {
		return fmt.Appendf(b, `<row id="%d"><name>record &quot;%d&quot;</name><city>Zürich ☃</city><pad>%s</pad></row>`+"\n", i, i, strings.Repeat("x", 100))
	}
	n := size / len(row(nil, 1000000))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		bw := bufio.NewWriterSize(w, 64<<10)
		bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<export><meta><kind>rows</kind></meta><rows>\n")
		var b []byte
		for i := 1; i <= n; i++ {
			b = row(b[:0], i)
			bw.Write(b)
		}
		bw.WriteString("</rows></export>\n")
		bw.Flush()
	}))
	defer srv.Close()
	cfg := spec.Config{Name: "xml-export", BaseURL: srv.URL, Records: ".export.rows.row", PrimaryKey: []string{"@id"},
		Pagination: spec.PaginationConfig{Type: "none"}, MaxBody: "1MiB", Timeout: 10 * time.Minute}
	dir := t.TempDir()
	resetPeakRSS(t)
	if _, err := run(t, cfg, ingest.Job{Out: dir}); err != nil {
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
	for sc.Scan() {
		i++
		want := fmt.Sprintf(`{"@id":"%d","name":"record \"%d\"","city":"Zürich ☃","pad":"%s"}`, i, i, strings.Repeat("x", 100))
		if sc.Text() != want {
			t.Fatalf("line %d is %.120s, want %.120s", i, sc.Text(), want)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if i != n {
		t.Fatalf("%d records written, want %d", i, n)
	}
	t.Logf("%d records, %d MB of XML, peak RSS %d MB", n, size>>20, peak>>20)
	if peak > 64<<20 && !raceEnabled {
		t.Errorf("peak RSS %d MB, want under 64 MB", peak>>20)
	}
}
