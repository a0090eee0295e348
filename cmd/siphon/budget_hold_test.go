package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"siphon/ingest/budget"
)

// holdLog is what the server of TestRetryAfterHoldsEveryProcess saw: each
// request's arrival, by process, in order.
type holdLog struct {
	mu       sync.Mutex
	arrivals []arrival
	at429    time.Time
}

type arrival struct {
	who    string
	at     time.Time
	status int
}

// TestRetryAfterHoldsEveryProcess runs two `siphon run` processes on one
// origin. The server parks one request of process b, answers process a
// with 429 and Retry-After: 3 (once), and lets b's request go once a's hold
// is in the shared state file. From then on neither process may send
// anything until 3 s after the 429: the server's own log says so.
func TestRetryAfterHoldsEveryProcess(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache")) // both processes and this one meet here
	var log holdLog
	parked := make(chan struct{})  // b has a request waiting at the server
	release := make(chan struct{}) // b's parked request may be answered
	var parkOnce, holdOnce sync.Once
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")[0]
		page, _ := strconv.Atoi(r.URL.Query().Get("cursor")) // "": page 0
		status := http.StatusOK
		switch who {
		case "b":
			if page == 1 {
				parkOnce.Do(func() {
					log.note(who, status)
					close(parked)
					<-release
					status = 0 // noted already
				})
			}
		case "a":
			<-parked // a goes once b is parked: b cannot be sending at that moment
			holdOnce.Do(func() {
				status = http.StatusTooManyRequests
				go func() { // let b go once a's hold is where b reads it
					waitForHold(t, budget.DefaultDir(), budget.Origin(srv.URL))
					close(release)
				}()
			})
		}
		if status != 0 {
			log.note(who, status)
		}
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		next := "null"
		if page < 5 {
			next = strconv.Quote(strconv.Itoa(page + 1))
		}
		fmt.Fprintf(w, `{"data":[{"id":%d}],"next":%s}`, page, next)
	}))
	defer srv.Close()
	for _, who := range []string{"a", "b"} {
		writeProfile(t, dir, who, fmt.Sprintf(`name: %s
base_url: %s
path: /%s/items
records: .data
primary_key: id
pagination:
  type: cursor
  cursor_path: .next
retry:
  max_attempts: 5
  initial_backoff: 1ms
  max_retry_after: 1m
`, who, srv.URL, who))
	}
	var cmds []*exec.Cmd
	var errs []*bytes.Buffer
	for _, who := range []string{"a", "b"} {
		c := siphonCmd(t, dir, "run", who, "--out", filepath.Join(dir, "out-"+who))
		errs = append(errs, new(bytes.Buffer))
		c.Stderr = errs[len(errs)-1]
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("siphon run: %v\n%s", err, errs[i])
		}
	}

	log.mu.Lock()
	defer log.mu.Unlock()
	if log.at429.IsZero() {
		t.Fatal("the server never answered 429")
	}
	var after []string
	sentAfter := map[string]bool{}
	for _, a := range log.arrivals {
		if !a.at.After(log.at429) {
			continue
		}
		sentAfter[a.who] = true
		if a.at.Before(log.at429.Add(3 * time.Second)) {
			after = append(after, fmt.Sprintf("%s %s after the 429", a.who, a.at.Sub(log.at429)))
		}
	}
	var seen []string
	for _, a := range log.arrivals {
		seen = append(seen, fmt.Sprintf("%s %d %+.3fs", a.who, a.status, a.at.Sub(log.at429).Seconds()))
	}
	t.Logf("arrivals, from the 429: %s", strings.Join(seen, ", "))
	if len(after) > 0 {
		t.Errorf("requests during the 3 s hold: %v", after)
	}
	if !sentAfter["a"] || !sentAfter["b"] {
		t.Errorf("both processes should go on after the hold; went on: %v", sentAfter)
	}
}

func (l *holdLog) note(who string, status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.arrivals = append(l.arrivals, arrival{who: who, at: now, status: status})
	if status == http.StatusTooManyRequests {
		l.at429 = now
	}
}

// waitForHold returns once the origin's state file holds a hold.
func waitForHold(t *testing.T, dir, origin string) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		if states, _ := budget.ReadFiles(dir, origin); len(states) == 1 && states[0].Hold != nil {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Error("no hold in the state file 10 s after the 429")
			return
		}
	}
}
