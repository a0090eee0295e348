package shapes_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi/shapes"
	"siphon/profiles"
)

// siphonCannot lists the shapes today's siphon cannot walk, and why.
var siphonCannot = map[string]string{
	"elasticsearch": "two-phase scroll: the follow-ups go to another path (/_search/scroll) with another body, and the scroll id never changes (siphon would see a loop)",
}

// siphonMissesWrongToken lists the shapes whose wrong-token answer today's
// siphon takes for success, and why.
var siphonMissesWrongToken = map[string]string{
	"slack": `errors in a 200 body ({"ok":false,"error":"invalid_auth"}): no error_when yet, so the run ends "done" with 0 records`,
}

// loadProfile reads testdata/profiles/NAME.yaml pointed at srv.
func loadProfile(t *testing.T, name, token, base string) ingest.Config {
	t.Helper()
	l := profiles.Loader{LookupEnv: func(k string) (string, bool) {
		if k == "SHAPES_TOKEN" {
			return token, true
		}
		return "", false
	}}
	p, err := l.LoadFile(filepath.Join("testdata", "profiles", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := p.Config
	cfg.BaseURL = base // what --base-url does
	return cfg
}

// runProfile runs cfg to its end and returns the finish event and the ids
// in records.jsonl.
func runProfile(t *testing.T, cfg ingest.Config, idField string) (ingest.Finished, []string, error) {
	t.Helper()
	c, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run := c.Start(ctx, ingest.Job{Out: out})
	var fin ingest.Finished
	for ev := range run.Events() {
		if f, ok := ev.(ingest.Finished); ok {
			fin = f
		}
	}
	werr := run.Wait()
	return fin, recordIDs(t, filepath.Join(out, ingest.RecordsFile), idField), werr
}

// recordIDs reads field (dotted) of every line of a records.jsonl.
func recordIDs(t *testing.T, path, field string) []string {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var v any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s line %d: %v", path, len(ids)+1, err)
		}
		for _, k := range strings.Split(field, ".") {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		switch x := v.(type) {
		case string:
			ids = append(ids, x)
		case float64:
			ids = append(ids, fmt.Sprintf("%.0f", x))
		default:
			t.Fatalf("%s line %d: no %s", path, len(ids)+1, field)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestSiphonProfiles runs each shape's profile with today's siphon and
// checks that it fetches every record exactly once.
func TestSiphonProfiles(t *testing.T) {
	for _, name := range shapes.Names() {
		t.Run(name, func(t *testing.T) {
			if why, ok := siphonCannot[name]; ok {
				t.Skip("siphon cannot express it yet: " + why)
			}
			// A short lock-out, so a rate-limit mistake costs seconds, not 30.
			api, err := shapes.New(name, shapes.Options{Token: testToken, LockOut: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(api)
			defer srv.Close()
			fin, ids, err := runProfile(t, loadProfile(t, name, testToken, srv.URL), api.IDField())
			if err != nil {
				t.Fatalf("run failed: %v", err)
			}
			exactlyOnce(t, ids, api.ExpectedIDs())
			statuses := map[int]int{}
			for _, r := range api.Requests() {
				statuses[r.Status]++
			}
			t.Logf("%s: %d records in %d pages, stop %q, %d requests by status %v", name, fin.Records, fin.Pages, fin.StopReason, len(api.Requests()), statuses)
		})
	}
}

// TestSiphonWrongToken runs each profile with a wrong token: the run must fail.
func TestSiphonWrongToken(t *testing.T) {
	for _, name := range shapes.Names() {
		t.Run(name, func(t *testing.T) {
			if why, ok := siphonMissesWrongToken[name]; ok {
				t.Skip("siphon takes it for success: " + why)
			}
			api, err := shapes.New(name, shapes.Options{Token: testToken, LockOut: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(api)
			defer srv.Close()
			cfg := loadProfile(t, name, "wrong-token", srv.URL)
			fin, ids, err := runProfile(t, cfg, api.IDField())
			if err == nil {
				t.Fatalf("the run succeeded with %d records (stop %q)", len(ids), fin.StopReason)
			}
			if strings.Contains(err.Error(), "wrong-token") {
				t.Fatalf("the error shows the token: %v", err)
			}
			t.Logf("%s: %v", name, err)
		})
	}
}
