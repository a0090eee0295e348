package shapes_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"testing"

	"siphon/ingest/demoapi/shapes"
)

// TestNDJSONStreamsLarge reads a large export line by line as it streams.
func TestNDJSONStreamsLarge(t *testing.T) {
	n := 20_000
	if testing.Short() {
		n = 2_000
	}
	api, srv := serve(t, "ndjson", shapes.Options{Records: n})
	resp, err := http.Get(srv.URL + "/export/events.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ContentLength != -1 {
		t.Fatalf("Content-Length %d: the export should stream", resp.ContentLength)
	}
	want := api.ExpectedIDs()
	sc := bufio.NewScanner(resp.Body)
	i := 0
	for sc.Scan() {
		var ev struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if i >= n || ev.ID != want[i] {
			t.Fatalf("line %d: id %q", i+1, ev.ID)
		}
		i++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if i != n {
		t.Fatalf("%d lines, want %d", i, n)
	}
}
