package demoapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCursorPage measures building one 100-record cursor page.
func BenchmarkCursorPage(b *testing.B) {
	a := New(Options{Records: 10_000})
	req := httptest.NewRequest(http.MethodGet, "/v1/cursor?limit=100&cursor="+encodeCursor(cursorPos{5000, 51}), nil)
	h := http.Header{}
	b.ReportAllocs()
	var size int
	for b.Loop() {
		body, err := a.serveCursor(req, h)
		if err != nil {
			b.Fatal(err)
		}
		size = len(body)
	}
	b.SetBytes(int64(size))
}

// BenchmarkCursorOverLoopback measures a whole request, client included.
func BenchmarkCursorOverLoopback(b *testing.B) {
	s := NewServer(Options{Records: 10_000})
	defer s.Close()
	c := &http.Client{}
	defer c.CloseIdleConnections()
	url := s.URL + "/v1/cursor?limit=100&cursor=" + encodeCursor(cursorPos{5000, 51})
	b.ReportAllocs()
	for b.Loop() {
		resp, err := c.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		b.SetBytes(n)
	}
}
