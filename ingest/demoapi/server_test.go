package demoapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestServerListensOnLoopback(t *testing.T) {
	s := NewServer(Options{})
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Errorf("URL %q is not on 127.0.0.1", s.URL)
	}
	if s.Len() != DefaultRecords {
		t.Errorf("Len() = %d, want the default %d", s.Len(), DefaultRecords)
	}
	getOK(t, newClient(t), s.URL+"/v1/keyset?limit=1")
	s.Close()
	s.Close() // a second Close is harmless
	if _, err := newClient(t).Get(s.URL + "/healthz"); err == nil {
		t.Fatal("the server still answers after Close")
	}
}

func TestListenReportsABadAddress(t *testing.T) {
	if s, err := Listen("256.0.0.1:0", Options{}); err == nil {
		s.Close()
		t.Fatal("Listen on an impossible address succeeded")
	} else if !strings.Contains(err.Error(), "256.0.0.1:0") {
		t.Fatalf("error %q does not name the address", err)
	}
}

// TestConcurrentReadsAndAppends is for the race detector: pages are built
// while records are appended, and every page is a valid, gap-free run of ids.
func TestConcurrentReadsAndAppends(t *testing.T) {
	s := startServer(t, Options{Records: 100})
	c := &http.Client{}
	t.Cleanup(c.CloseIdleConnections)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 15 {
				resp, err := c.Get(s.URL + "/v1/keyset?limit=1000&since_id=" + [...]string{"0", "50"}[(g+i)%2])
				if err != nil {
					errs <- err.Error()
					return
				}
				var page struct{ Data []struct{ ID int64 } }
				err = json.NewDecoder(resp.Body).Decode(&page)
				resp.Body.Close()
				if err != nil {
					errs <- err.Error()
					return
				}
				for j := 1; j < len(page.Data); j++ {
					if page.Data[j].ID != page.Data[j-1].ID+1 {
						errs <- "gap in ids"
						return
					}
				}
			}
		}()
	}
	for range 20 {
		s.Append(5)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if s.Len() != 200 {
		t.Fatalf("Len() = %d, want 200", s.Len())
	}
	if st := s.Stats(); st.Requests != 60 || st.ByStatus[200] != 60 {
		t.Fatalf("stats %+v, want 60 requests answered 200", st)
	}
}
