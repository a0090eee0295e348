package ingest_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"siphon/ingest"
	"siphon/ingest/spec"
)

// maxAllocsPerPage bounds what one more page of 10 records costs a run in
// heap allocations, net/http's included (about 45 of them) and resty's
// request (about 15: its maps and middleware): a page cost 155 before the
// run loop was made cheap for small pages, about 105 after, 87 once the
// walk reused what it makes for every page (index entry, paginator
// response and position, archive tap, opened body, fetched page) and the
// bounded transport stopped copying resty's request.
const maxAllocsPerPage = 89

// TestSmallPagesAllocateLittle runs a walk of 10-record pages, with the
// page archive on (the default), over a loopback API that allocates
// nothing per request, and counts the heap allocations one more page
// costs: the difference between a long walk and a short one, so what a
// run costs once (its folder, files, goroutines) drops out.
func TestSmallPagesAllocateLittle(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	const short, long = 300, 1300
	base := cannedAPI(t, long, 10)
	allocs := func(pages int) uint64 {
		cfg := spec.Config{Name: "allocs", BaseURL: base, Path: "/items", Records: ".data", PrimaryKey: []string{"id"},
			Pagination: spec.PaginationConfig{Type: "cursor", Limit: 10, CursorPath: ".next", MaxPages: pages}, Output: spec.OutputConfig{RawPages: true}}
		c, err := ingest.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		r := c.Start(context.Background(), ingest.Job{Out: out})
		for range r.Events() {
		}
		runtime.ReadMemStats(&after)
		if err := r.Wait(); err != nil {
			t.Fatal(err)
		}
		if s := r.Snapshot(); s.Pages != pages || s.Records != int64(10*pages) {
			t.Fatalf("%d pages, %d records; want %d and %d", s.Pages, s.Records, pages, 10*pages)
		}
		return after.Mallocs - before.Mallocs
	}
	allocs(short) // connections, buffers and caches that last
	perPage := float64(allocs(long)-allocs(short)) / (long - short)
	t.Logf("%.1f allocations a page of 10 records", perPage)
	if perPage > maxAllocsPerPage {
		t.Errorf("a page of 10 records costs %.1f allocations, more than %d", perPage, maxAllocsPerPage)
	}
}

// cannedAPI serves n cursor pages of perPage records over plain HTTP/1.1
// on loopback, every response built beforehand: reading a request and
// writing its answer allocates nothing, so a test counting the process's
// allocations counts the client's. Page k is at ?cursor=k (none: 1).
func cannedAPI(t *testing.T, n, perPage int) string {
	t.Helper()
	responses := make([][]byte, n+1)
	for k := 1; k <= n; k++ {
		var body bytes.Buffer
		body.WriteString(`{"data":[`)
		for i := range perPage {
			if i > 0 {
				body.WriteByte(',')
			}
			id := (k-1)*perPage + i + 1
			fmt.Fprintf(&body, `{"id":%d,"name":"record %d","tags":["a","b"],"score":%d.5}`, id, id, id%97)
		}
		next := "null"
		if k < n {
			next = strconv.Itoa(k + 1)
		}
		fmt.Fprintf(&body, `],"next":%s}`, next)
		responses[k] = fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", body.Len(), body.Bytes())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	conns := make(chan net.Conn, 16)
	t.Cleanup(func() {
		ln.Close()
		close(conns)
		for c := range conns {
			c.Close()
		}
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case conns <- c:
			default:
				c.Close()
				continue
			}
			wg.Go(func() { serveCanned(c, responses) })
		}
	})
	return "http://" + ln.Addr().String()
}

// serveCanned answers one connection's requests: page k for ?cursor=k.
func serveCanned(c net.Conn, responses [][]byte) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 16<<10)
	for {
		line, err := br.ReadSlice('\n') // GET /items?cursor=k&limit=10 HTTP/1.1
		if err != nil {
			return
		}
		k := 1
		if i := bytes.Index(line, []byte("cursor=")); i >= 0 {
			k = 0
			for _, b := range line[i+len("cursor="):] {
				if b < '0' || b > '9' {
					break
				}
				k = 10*k + int(b-'0')
			}
		}
		for { // the headers, up to the blank line
			h, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(bytes.TrimSpace(h)) == 0 {
				break
			}
		}
		if k < 1 || k >= len(responses) {
			c.Write([]byte("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
			continue
		}
		if _, err := c.Write(responses[k]); err != nil {
			return
		}
	}
}
