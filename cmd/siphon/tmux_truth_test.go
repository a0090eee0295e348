package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"siphon/ingest/demoapi"
)

// exactAPI serves eight records holding what JSON tools like to round: an
// integer past 2^53 and a number written 513.00.
func exactAPI(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/fail") {
			http.Error(w, `{"error":"boom"}`, http.StatusInternalServerError)
			return
		}
		var recs []string
		for i := 1; i <= 8; i++ {
			recs = append(recs, fmt.Sprintf(`{"id":%d,"name":"row-%d","external_id":900719925474199%d,"amount":513.00}`, i, i, i))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"data":[%s],"next":null}`, strings.Join(recs, ","))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestConsoleTellsTheTruthAt80x24 drives the real binary in an 80×24
// terminal: a failed run's cause is in sight; letters typed in one write
// each move the cursor; a jq filter shows a record as the API sent it (big
// integer and 513.00 intact); n starts a finished partitioned profile over;
// after a restart, r on a finished profile shows its records.
func TestConsoleTellsTheTruthAt80x24(t *testing.T) {
	dir := t.TempDir()
	bin, socket := buildForTmux(t, dir)
	api := exactAPI(t)
	demo := demoapi.NewServer(demoapi.Options{Records: 200})
	defer demo.Close()
	writeProfile(t, dir, "exact", fmt.Sprintf(`name: exact
base_url: %s
path: /items
records: .data
primary_key: id
pagination: {type: cursor, cursor_param: cursor, cursor_path: .next}
`, api.URL))
	writeProfile(t, dir, "failing", fmt.Sprintf(`name: failing
base_url: %s
path: /fail/with/a/rather/long/path/that/pushes/the/cause/off/an/eighty/column/line
records: .data
retry: {max_attempts: 2, initial_backoff: 1ms, max_backoff: 2ms}
`, api.URL))
	writeProfile(t, dir, "parts", fmt.Sprintf(`name: parts
base_url: %s
path: /v1/offset
records: .data
primary_key: id
params: {id_gte: "${partition.value}"}
pagination: {type: offset, limit: 50, total_path: .total}
partitions: {values: ["1", "101"]}
`, demo.URL))

	c := startConsoleSized(t, bin, dir, socket, "truth", 80, 24)
	c.waitFor("exact", "failing", "parts")
	pick := func(name string) {
		c.keys("/")
		c.waitFor("filter: ")
		c.keys("C-u") // the last filter's text goes
		c.keys("-l", name)
		c.keys("Enter")
		c.waitFor("› " + name)
	}

	pick("failing")
	c.keys("Enter")
	c.waitFor("FAILED", "HTTP 500")
	c.toPicker()

	pick("exact")
	c.keys("Enter")
	c.waitFor("DONE")
	c.keys("r")
	c.waitFor("row-1", "row-8")
	c.waitFor("› 8 ")   // the view follows the newest record
	c.keys("-l", "kkk") // one write: three keys
	pane := c.waitFor("› 5 ")
	if line := selectedRow(pane); !strings.Contains(line, "row-5") {
		t.Fatalf("kkk in one write did not move three rows; the cursor is on %q:\n%s", line, pane)
	}
	c.keys("/")
	c.waitFor("/")
	c.keys("-l", "select(.id==1)")
	c.keys("Enter")
	c.keys("Enter") // open the one record
	c.waitFor("9007199254741991", "513.00")
	c.toPicker()

	pick("parts")
	c.keys("Enter")
	c.waitFor("DONE")
	before := demo.Stats().Requests
	c.toPicker()
	pick("parts")
	c.keys("n")
	c.waitFor("(y/n)")
	c.keys("y")
	c.waitFor("DONE")
	deadline := time.Now().Add(10 * time.Second)
	for demo.Stats().Requests == before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // polling the server's count, not synchronisation
	}
	if demo.Stats().Requests == before {
		t.Error("n on a finished partitioned profile sent no request")
	}
	c.keys("q")
	c.waitFor("SIPHON-EXITED-0")

	// After a restart, a finished profile's records are one key away.
	c = startConsoleSized(t, bin, dir, socket, "truth-again", 80, 24)
	c.waitFor("exact", "parts")
	pick("exact")
	c.keys("r")
	c.waitFor("row-1", "row-8", "9007199254741998")
	c.keys("q")
	c.waitFor("SIPHON-EXITED-0")
}

// toPicker presses esc until the profile list is back.
func (c *tmuxConsole) toPicker() {
	c.t.Helper()
	for i := 0; i < 6; i++ {
		if strings.Contains(c.tmux("capture-pane", "-p", "-t", c.session), "a new profile") {
			return
		}
		c.keys("Escape")
		time.Sleep(100 * time.Millisecond) // one key at a time: escapes read together are alt+esc
	}
	c.waitFor("a new profile")
}

// selectedRow is the list row the cursor is on.
func selectedRow(pane string) string {
	for _, l := range strings.Split(pane, "\n") {
		if strings.HasPrefix(l, "› ") {
			return l
		}
	}
	return ""
}
