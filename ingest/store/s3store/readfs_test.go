package s3store_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"siphon/ingest/store"
	_ "siphon/ingest/store/s3store" // s3:// addresses
	"siphon/ingest/store/s3store/s3test"
)

// put writes an object as anyone with access to the bucket could.
func put(t *testing.T, srv *s3test.Server, key, body string) {
	t.Helper()
	if _, err := srv.Client().PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("lake"), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
		t.Fatalf("%q: %v", key, err)
	}
}

// writeRun writes a run into loc through its store, as the run loop does:
// segments of per pages each (every commit closes one in a bucket), one
// record a page, and page n's body.
func writeRun(t *testing.T, loc store.Location, segments, per int, body func(n int) string) {
	t.Helper()
	st, err := loc.Claim(false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Release()
	w, err := st.Open(nil, store.Options{RawPages: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cp := &store.Checkpoint{Profile: "p"}
	for s := range segments {
		for i := range per {
			n := s*per + i + 1
			w.BeginPage()
			if err := w.WriteRecord(fmt.Appendf(nil, `{"id":%d}`, n)); err != nil {
				t.Fatal(err)
			}
			if err := w.ArchivePage(&store.PageEntry{Page: n, Status: 200, Records: 1}, []byte(body(n)), false, false); err != nil {
				t.Fatal(err)
			}
			w.EndPage()
		}
		cp.Pages, cp.Records = (s+1)*per, int64((s+1)*per)
		if err := w.Commit(cp); err != nil {
			t.Fatal(err)
		}
	}
}

func bodyOf(n int) string { return fmt.Sprintf(`{"data":[{"id":%d}],"page":%d}`, n, n) }

// TestReadViewConformance: a prefix read through its view passes the
// standard library's file system checks, and reads as the same run
// written to a local folder does: the record segments joined are that
// folder's records.jsonl, and every page's body is found by its index.
func TestReadViewConformance(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "lake")
	loc := store.At("s3://lake/runs/x")
	writeRun(t, loc, 3, 2, bodyOf)
	local := store.Dir(t.TempDir())
	writeRun(t, local, 3, 2, bodyOf)

	view, err := loc.ReadFS()
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(view, "records-000001.jsonl", "records-000003.jsonl", "checkpoint.json", "pages/pages-000002.bin", "pages/index-000003.jsonl"); err != nil {
		t.Fatal(err)
	}
	localView, _ := local.ReadFS()
	for _, name := range []string{store.RecordsFile, store.PagesDir + "/" + store.IndexFile} {
		if got, want := joined(t, view, name), joined(t, localView, name); name == store.RecordsFile && got != want {
			t.Errorf("%s: the bucket's segments hold %q, the folder %q", name, got, want)
		} else if strings.Count(got, "\n") != 6 {
			t.Errorf("%s: %q", name, got)
		}
	}
	for n := 1; n <= 6; n++ {
		e, err := store.FindPage(view, n)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := store.ReadPageBody(view, e); err != nil || string(b) != bodyOf(n) {
			t.Errorf("page %d (%s at %v): %q, %v", n, e.File, e.Offset, b, err)
		}
	}
	if _, err := fs.ReadDir(view, "partitions"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a folder that is not there: %v", err)
	}
}

func joined(t *testing.T, view fs.FS, name string) string {
	t.Helper()
	j, err := store.OpenJoined(view, name)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	b, err := io.ReadAll(io.NewSectionReader(j, 0, j.Size()))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReadViewReadsOnlyWhatItIsAsked: through a proxy that counts the
// bytes the store sends, a page's body is read by its range, not with the
// segment it lies in, and the last lines of a big records segment are
// read from its end.
func TestReadViewReadsOnlyWhatItIsAsked(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "lake")
	big := func(n int) string { return fmt.Sprintf(`{"page":%d,"pad":"%s"}`, n, strings.Repeat("x", 1<<20)) }
	writeRun(t, store.At("s3://lake/big"), 1, 4, big) // one segment of 4 MiB
	records := bytes.Repeat([]byte(`{"id":1,"pad":"`+strings.Repeat("y", 1000)+`"}`+"\n"), 8<<10)
	put(t, srv, "big/partitions/a/records-000001.jsonl", string(records))

	var sent atomic.Int64
	target, _ := url.Parse(srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(r *http.Response) error {
		r.Body = countedBody{r.Body, &sent}
		return nil
	}
	front := httptest.NewServer(proxy)
	defer front.Close()
	t.Setenv("AWS_ENDPOINT_URL", front.URL)

	view, err := store.At("s3://lake/big").ReadFS()
	if err != nil {
		t.Fatal(err)
	}
	e, err := store.FindPage(view, 3)
	if err != nil {
		t.Fatal(err)
	}
	sent.Store(0)
	if b, err := store.ReadPageBody(view, e); err != nil || string(b) != big(3) {
		t.Fatalf("page 3: %d bytes, %v", len(b), err)
	}
	if n := sent.Load(); n > 1<<20+64<<10 || n < 1<<20 {
		t.Errorf("reading a 1 MiB body out of a 4 MiB segment took %d bytes from the store", n)
	}

	part, _ := store.At("s3://lake/big/partitions/a").ReadFS()
	j, err := store.OpenJoined(part, store.RecordsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	sent.Store(0)
	lines, _, err := j.Tail(j.Size(), 3, 1<<20)
	if err != nil || len(lines) != 3 {
		t.Fatalf("the last 3 lines: %d, %v", len(lines), err)
	}
	if n := sent.Load(); n > 128<<10 || n < 3000 {
		t.Errorf("the last 3 lines of an 8 MiB segment took %d bytes from the store", n)
	}
}

type countedBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countedBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestReadViewHostileObjects: objects nobody vouches for are read as
// hostile: an index line pointing past its segment (a gigabyte declared
// over ten bytes) and one naming a file with a terminal escape are clear
// errors naming the page; a key with an escape is left out of listings
// and refused by name, quoted; nothing of it reaches a message raw.
func TestReadViewHostileObjects(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "lake")
	const escape = "\x1b]0;owned\x07"
	for key, body := range map[string]string{
		"h/pages/pages-000001.bin": "0123456789",
		"h/pages/index-000001.jsonl": `{"page":1,"file":"pages-000001.bin","offset":0,"length":1073741824}` + "\n" +
			`{"page":2,"file":"pages-000001.bin","offset":5,"length":3}` + "\n" +
			`{"page":3,"file":"\u001b]0;owned\u0007.bin","offset":0,"length":1}` + "\n",
		"h/pages/" + escape + ".bin":     "x",
		"h/" + escape + "/records.jsonl": "{}\n",
	} {
		put(t, srv, key, body)
	}
	view, err := store.At("s3://lake/h").ReadFS()
	if err != nil {
		t.Fatal(err)
	}
	noEscape := func(what string, err error) {
		t.Helper()
		if err != nil && strings.ContainsAny(err.Error(), "\x1b\x07") {
			t.Errorf("%s: the message holds the escape raw: %q", what, err)
		}
	}
	for n, want := range map[int]string{1: "holds 10", 2: "", 3: `"\x1b]0;owned\a.bin"`} {
		e, err := store.FindPage(view, n)
		if err != nil {
			t.Fatal(err)
		}
		b, err := store.ReadPageBody(view, e)
		noEscape(fmt.Sprint("page ", n), err)
		switch {
		case want == "" && (err != nil || string(b) != "567"):
			t.Errorf("page %d: %q, %v", n, b, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), fmt.Sprint("page ", n))):
			t.Errorf("page %d: %q, %v; want an error saying %s", n, b, err, want)
		}
	}
	for _, dir := range []string{".", "pages"} {
		entries, err := fs.ReadDir(view, dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), "pages-") && !strings.HasPrefix(e.Name(), "index-") && e.Name() != "pages" {
				t.Errorf("%s lists %q", dir, e.Name())
			}
		}
	}
	_, err = view.Open("pages/" + escape + ".bin")
	noEscape("open", err)
	if !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("a name with an escape: %v", err)
	}
}
