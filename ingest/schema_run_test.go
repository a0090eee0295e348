package ingest_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/store"
)

func drifts(evs []ingest.Event) map[string]ingest.DriftDetected {
	out := map[string]ingest.DriftDetected{}
	for _, ev := range evs {
		if d, ok := ev.(ingest.DriftDetected); ok {
			out[d.Field+" "+d.Change] = d
		}
	}
	return out
}

func TestSchemaDrift(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 800, Faults: demoapi.Faults{DriftAfter: 450}})
	defer srv.Close()
	cfg := styleConfigs(srv.URL)["keyset"]
	dir := t.TempDir()
	evs, err := run(t, cfg, ingest.Job{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, readIDs(t, dir), 800) // drift never drops a record
	got := drifts(evs)
	for _, want := range []string{"loyalty_tier new field", "amount type changed", "tags vanished"} {
		d, ok := got[want]
		if !ok {
			t.Errorf("no drift event %q in %v", want, got)
			continue
		}
		// page 5 is half drifted; a field counts as vanished once a whole page lacks it
		wantPage := map[bool]int{true: 6, false: 5}[strings.HasSuffix(want, "vanished")]
		if d.Page != wantPage {
			t.Errorf("%s reported on page %d, want %d", want, d.Page, wantPage)
		}
	}
	if n := len(got); n != 3 {
		t.Errorf("%d drift events, want each change once: %v", n, got)
	}

	cfg.Schema.OnDrift = "fail"
	dir = t.TempDir()
	_, err = run(t, cfg, ingest.Job{Out: dir})
	if err == nil || !strings.Contains(err.Error(), "page 5: schema drift") {
		t.Fatalf("got %v, want a drift failure on page 5", err)
	}
	exactlyOnce(t, readIDs(t, dir), 400)
}

func TestJSONSchemaValidation(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 300, Faults: demoapi.Faults{DriftAfter: 250}})
	defer srv.Close()
	schemaFile := filepath.Join(t.TempDir(), "customer.schema.json")
	os.WriteFile(schemaFile, []byte(`{"type": "object", "required": ["id", "amount"],
		"properties": {"id": {"type": "integer"}, "amount": {"type": "number"}}}`), 0o600)
	cfg := styleConfigs(srv.URL)["cursor"]
	cfg.Schema.File = schemaFile

	dir := t.TempDir()
	evs, err := run(t, cfg, ingest.Job{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	if ids := readIDs(t, dir); len(ids) != 250 {
		t.Errorf("%d valid records, want 250", len(ids))
	}
	f, err := os.Open(filepath.Join(dir, store.RejectedFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); n++ {
		var line struct {
			Page   int
			Reason string
			Record struct{ ID int64 }
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		if line.Record.ID != int64(251+n) || !strings.Contains(line.Reason, "/amount") || line.Page != 3 {
			t.Fatalf("rejected line %s", sc.Text())
		}
	}
	if n != 50 {
		t.Errorf("%d rejected records, want 50", n)
	}
	fin, _ := lastEvent[ingest.Finished](evs)
	if fin.Rejected != 50 || fin.Invalid["/amount"] != 50 {
		t.Errorf("Finished: rejected %d, invalid %v", fin.Rejected, fin.Invalid)
	}

	cfg.Schema.OnInvalid = "fail"
	_, err = run(t, cfg, ingest.Job{Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "record 51 fails the JSON Schema") {
		t.Fatalf("got %v", err)
	}
}
