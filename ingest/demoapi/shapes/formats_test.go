package shapes_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi/shapes"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// s3Page is what a plain client reads of a ListObjectsV2 page.
type s3Page struct {
	IsTruncated           bool
	NextContinuationToken string
	Contents              []struct{ Key string }
}

func init() {
	walks["csv"] = func(c *client) []string {
		var ids []string
		next := "/v1/reports/orders.csv?per_page=100"
		for next != "" {
			r := c.do("GET", next, nil)
			if r.status != http.StatusOK {
				c.t.Fatalf("status %d: %s", r.status, r.body)
			}
			rows := readCSV(c.t, r.body)
			for _, row := range rows[1:] {
				ids = append(ids, row[0])
			}
			next = linkNext(r.header)
		}
		return ids
	}
	walks["s3"] = func(c *client) []string {
		var ids []string
		q := url.Values{"list-type": {"2"}, "max-keys": {"100"}}
		for {
			r := c.do("GET", "/siphon-exports?"+q.Encode(), nil)
			var p s3Page
			if err := xml.Unmarshal(r.body, &p); err != nil || r.status != http.StatusOK {
				c.t.Fatalf("status %d, %v: %s", r.status, err, r.body)
			}
			for _, o := range p.Contents {
				ids = append(ids, o.Key)
			}
			if !p.IsTruncated {
				return ids
			}
			q.Set("continuation-token", p.NextContinuationToken)
		}
	}
	wrongs["csv"] = func(c *client, api *shapes.API, _ *clock) {
		wantError(c, c.do("GET", "/v1/reports/orders.csv?per_page=1000", nil), 400, "per_page must be 1 to 500")
		r := c.do("GET", "/v1/reports/orders.csv?per_page=500&page=99", nil)
		if rows := readCSV(c.t, r.body); r.status != http.StatusOK || len(rows) != 1 || linkNext(r.header) != "" {
			c.t.Fatalf("a page past the end: status %d, %d rows, next %q", r.status, len(rows), linkNext(r.header))
		}
	}
	wrongs["s3"] = func(c *client, _ *shapes.API, _ *clock) {
		wantError(c, c.do("GET", "/siphon-exports?list-type=2&continuation-token=abc", nil), 400, "InvalidArgument", "continuation token")
		wantError(c, c.do("GET", "/siphon-exports", nil), 400, "list-type=2")
	}
}

// readCSV parses a CSV page as sent (the byte order mark dropped).
func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("the page is no CSV: %v", err)
	}
	return rows
}

// wireLog keeps every response body exactly as the server put it on the
// wire, and its Content-Encoding.
type wireLog struct {
	next http.Handler
	mu   sync.Mutex
	sent []sentBody
}

type sentBody struct {
	encoding string
	body     []byte
}

type teeWriter struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	return w.ResponseWriter.Write(p)
}

func (l *wireLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tw := &teeWriter{ResponseWriter: w}
	l.next.ServeHTTP(tw, r)
	l.mu.Lock()
	l.sent = append(l.sent, sentBody{encoding: w.Header().Get("Content-Encoding"), body: tw.buf.Bytes()})
	l.mu.Unlock()
}

// TestCSVPagesGzipLinkHeader: CSV pages, gzip-encoded, with a Link header:
// a real run writes every row exactly once with its fields as sent. What
// the server put on the wire is unpacked and parsed here on its own, each
// page's header row giving the keys, and records.jsonl must hold exactly
// those rows, in order, every field a string as sent (quotes, line breaks,
// tabs and unicode inside fields, CRLF row ends); the raw page archive keeps the
// CSV.
func TestCSVPagesGzipLinkHeader(t *testing.T) {
	api, err := shapes.New("csv", shapes.Options{Token: testToken, Records: 1234})
	if err != nil {
		t.Fatal(err)
	}
	wire := &wireLog{next: api}
	srv := httptest.NewServer(wire)
	defer srv.Close()
	cfg := loadProfile(t, "csv", testToken, srv.URL)
	cfg.Output.RawPages = true
	out := t.TempDir()
	runInto(t, cfg, out)

	var want []map[string]string
	for i, s := range wire.sent {
		if s.encoding != "gzip" {
			t.Fatalf("page %d went with Content-Encoding %q, not gzip", i+1, s.encoding)
		}
		z, err := gzip.NewReader(bytes.NewReader(s.body))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(z)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(plain, []byte("\ufeff")) || !bytes.Contains(plain, []byte("\r\n")) {
			t.Fatalf("page %d lacks the byte order mark or CRLF the test means to send", i+1)
		}
		rows := readCSV(t, plain)
		for _, row := range rows[1:] {
			rec := map[string]string{}
			for j, k := range rows[0] {
				rec[k] = row[j]
			}
			want = append(want, rec)
		}
		archived := archivedPage(t, out, i+1)
		if !bytes.Equal(archived, plain) {
			t.Errorf("page %d: the archive holds %d bytes, not the %d CSV bytes sent", i+1, len(archived), len(plain))
		}
	}
	if len(wire.sent) < 3 || len(want) != api.Len() {
		t.Fatalf("%d pages with %d rows; the test means several pages of %d rows", len(wire.sent), len(want), api.Len())
	}
	got := readRecords(t, filepath.Join(out, store.RecordsFile))
	if len(got) != len(want) {
		t.Fatalf("records.jsonl has %d records, the server sent %d rows", len(got), len(want))
	}
	multiline := 0
	for i := range want {
		var rec map[string]string // every value a string: any other type fails here
		if err := json.Unmarshal(got[i], &rec); err != nil {
			t.Fatalf("record %d: %v: %s", i+1, err, got[i])
		}
		if len(rec) != len(want[i]) {
			t.Fatalf("record %d has %d fields, the row %d: %s", i+1, len(rec), len(want[i]), got[i])
		}
		for k, v := range want[i] {
			if rec[k] != v {
				t.Fatalf("record %d, %s: %q, sent %q", i+1, k, rec[k], v)
			}
		}
		if strings.Contains(rec["note"], "\n") {
			multiline++
		}
	}
	if multiline == 0 {
		t.Fatal("no field with a line break came through: the test does not test quoting")
	}
	exactlyOnce(t, api, idsOf(t, got, "order_id"))
}

// TestS3ListingContinuationTokens: an XML ListObjectsV2 listing of 2,001
// objects, 1,000 a page, walked by NextContinuationToken: every key
// exactly once, the last page's single <Contents> taken as one record,
// keys with XML escapes as they are.
func TestS3ListingContinuationTokens(t *testing.T) {
	api, err := shapes.New("s3", shapes.Options{Token: testToken, Records: 2001})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	out := t.TempDir()
	runInto(t, loadProfile(t, "s3", testToken, srv.URL), out)
	got := readRecords(t, filepath.Join(out, store.RecordsFile))
	ids := idsOf(t, got, "Key")
	exactlyOnce(t, api, ids)
	reqs := api.Requests()
	if len(reqs) != 3 || reqs[0].Query.Has("continuation-token") || !reqs[2].Query.Has("continuation-token") {
		t.Fatalf("%d requests; want 3, the later two with the previous page's token", len(reqs))
	}
	var last map[string]string
	if err := json.Unmarshal(got[len(got)-1], &last); err != nil || !strings.HasPrefix(last["ETag"], `"`) || last["StorageClass"] != "STANDARD" {
		t.Fatalf("the last record: %s (%v)", got[len(got)-1], err)
	}
	escaped := 0
	for _, id := range ids {
		if strings.Contains(id, "&") && strings.Contains(id, "<") {
			escaped++
		}
	}
	if escaped == 0 {
		t.Fatal("no key with & or < came through: the test does not test escapes")
	}
}

// runInto runs cfg to its end into out.
func runInto(t *testing.T, cfg spec.Config, out string) {
	t.Helper()
	c, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run := c.Start(ctx, ingest.Job{Out: out})
	for range run.Events() {
	}
	if err := run.Wait(); err != nil {
		t.Fatalf("run failed: %v", err)
	}
}

// readRecords reads records.jsonl, one raw record a line.
func readRecords(t *testing.T, path string) []json.RawMessage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []json.RawMessage
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		recs = append(recs, json.RawMessage(bytes.Clone(sc.Bytes())))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return recs
}

// idsOf is each record's field key.
func idsOf(t *testing.T, recs []json.RawMessage, key string) []string {
	t.Helper()
	ids := make([]string, len(recs))
	for i, r := range recs {
		var m map[string]any
		if err := json.Unmarshal(r, &m); err != nil {
			t.Fatal(err)
		}
		s, ok := m[key].(string)
		if !ok {
			t.Fatalf("record %d: %s is no string: %s", i+1, key, r)
		}
		ids[i] = s
	}
	return ids
}

// archivedPage is page n's body as the page archive keeps it.
func archivedPage(t *testing.T, out string, n int) []byte {
	t.Helper()
	pages := os.DirFS(out)
	e, err := store.FindPage(pages, n)
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.ReadPageBody(pages, e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
