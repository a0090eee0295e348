package shapes_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi/shapes"
	"siphon/ingest/page"
	"siphon/ingest/spec"
	"siphon/ingest/store"
	"siphon/profiles"
)

// wrongTokenSays is what a wrong-token run's error must quote of the API's
// own message, for the APIs that answer errors with HTTP 200.
var wrongTokenSays = map[string]string{
	"slack":   "invalid_auth",
	"graphql": "This endpoint requires you to be authenticated.",
}

// loadProfile reads testdata/profiles/NAME.yaml pointed at srv.
func loadProfile(t *testing.T, name, token, base string) spec.Config {
	t.Helper()
	l := profiles.Loader{CheckExpr: page.Check, LookupEnv: func(k string) (string, bool) {
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

// runResult is what a run left: its finish event, anomalies, the ids in
// records.jsonl and the last snapshot.
type runResult struct {
	fin       ingest.Finished
	anomalies []string
	learned   []ingest.RateLearned
	snap      ingest.Snapshot
}

// runProfile runs cfg to its end and returns the finish event and the ids
// in records.jsonl.
func runProfile(t *testing.T, cfg spec.Config, api *shapes.API) (ingest.Finished, []string, error) {
	res, ids, err := runProfileFull(t, cfg, api)
	return res.fin, ids, err
}

// runProfileFull runs cfg to its end.
func runProfileFull(t *testing.T, cfg spec.Config, api *shapes.API) (runResult, []string, error) {
	t.Helper()
	c, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run := c.Start(ctx, ingest.Job{Out: out})
	var res runResult
	for ev := range run.Events() {
		switch e := ev.(type) {
		case ingest.Finished:
			res.fin = e
		case ingest.Anomaly:
			res.anomalies = append(res.anomalies, e.What)
		case ingest.RateLearned:
			res.learned = append(res.learned, e)
		}
	}
	werr := run.Wait()
	res.snap = run.Snapshot()
	return res, recordIDs(t, api, filepath.Join(out, store.RecordsFile)), werr
}

// recordIDs reads the ids of a records.jsonl, none when the run wrote
// nothing.
func recordIDs(t *testing.T, api *shapes.API, path string) []string {
	t.Helper()
	ids, err := api.IDsInFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestSiphonProfiles runs each shape's profile with today's siphon and
// checks that it fetches every record exactly once.
func TestSiphonProfiles(t *testing.T) {
	for _, name := range shapes.Names() {
		t.Run(name, func(t *testing.T) {
			// A short lock-out, so a rate-limit mistake costs seconds, not 30.
			api, err := shapes.New(name, shapes.Options{Token: testToken, LockOut: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(api)
			defer srv.Close()
			res, ids, err := runProfileFull(t, loadProfile(t, name, testToken, srv.URL), api)
			fin := res.fin
			if err != nil {
				t.Fatalf("run failed: %v", err)
			}
			exactlyOnce(t, api, ids)
			for _, a := range res.anomalies {
				t.Errorf("anomaly: %s", a)
			}
			for _, r := range api.Requests() {
				if r.Query.Has("scroll_id") {
					t.Errorf("%s %s: the scroll id went in the query string (deprecated)", r.Method, r.Path)
				}
			}
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
			api, err := shapes.New(name, shapes.Options{Token: testToken, LockOut: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(api)
			defer srv.Close()
			cfg := loadProfile(t, name, "wrong-token", srv.URL)
			fin, ids, err := runProfile(t, cfg, api)
			if err == nil {
				t.Fatalf("the run succeeded with %d records (stop %q)", len(ids), fin.StopReason)
			}
			if strings.Contains(err.Error(), "wrong-token") {
				t.Fatalf("the error shows the token: %v", err)
			}
			if says, ok := wrongTokenSays[name]; ok && !strings.Contains(err.Error(), says) {
				t.Fatalf("the error does not give the API's message %q: %v", says, err)
			}
			t.Logf("%s: %v", name, err)
		})
	}
}

// TestAirtableLockOut: a 5 requests/s API that locks a client out (here for
// 2 s; 30 s in the real API) after the limit, with no Retry-After, and a
// profile without rate_limit: the run learns a rate under the limit,
// completes with every record once, and shows the learned rate.
func TestAirtableLockOut(t *testing.T) {
	lockOut := 2 * time.Second
	if s := os.Getenv("SHAPES_AIRTABLE_LOCKOUT"); s != "" { // e.g. 30s, the real API's, for a one-off run
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		lockOut = d
	}
	api, err := shapes.New("airtable", shapes.Options{Token: testToken, LockOut: lockOut})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	cfg := loadProfile(t, "airtable", testToken, srv.URL)
	cfg.RateLimit = spec.RateLimitConfig{} // no client-side budget: it must be learned
	cfg.Pagination.Limit = 50              // 25 pages
	res, ids, err := runProfileFull(t, cfg, api)
	if err != nil {
		t.Fatalf("run failed: %v", err)
	}
	exactlyOnce(t, api, ids)
	statuses := map[int]int{}
	for _, r := range api.Requests() {
		statuses[r.Status]++
	}
	if statuses[429] == 0 {
		t.Fatalf("no 429 at all (statuses %v): the test did not meet the limit", statuses)
	}
	if len(res.learned) == 0 || res.snap.LearnedRate <= 0 {
		t.Fatalf("no learned rate: events %v, snapshot %g", res.learned, res.snap.LearnedRate)
	}
	if first := res.learned[0].RequestsPerSecond; first > 5 {
		t.Errorf("first learned rate %g req/s is above the API's 5", first)
	}
	t.Logf("airtable lock-out: %d records in %d pages, %d requests by status %v, learned rates %v, final %.2f req/s, %s",
		res.fin.Records, res.fin.Pages, len(api.Requests()), statuses, rates(res.learned), res.snap.LearnedRate, res.fin.Elapsed.Round(time.Millisecond))
}

func rates(ls []ingest.RateLearned) []string {
	var out []string
	for _, l := range ls {
		out = append(out, fmt.Sprintf("%.2f", l.RequestsPerSecond))
	}
	return out
}

// TestRecipesAreTheTestedProfiles: docs/recipes.md shows each profile that
// TestSiphonProfiles runs, verbatim, so every recipe is tested.
func TestRecipesAreTheTestedProfiles(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "recipes.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range shapes.Names() {
		b, err := os.ReadFile(filepath.Join("testdata", "profiles", name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(doc), "```yaml\n"+string(b)+"```") {
			t.Errorf("docs/recipes.md lacks testdata/profiles/%s.yaml as a yaml block (copy it there)", name)
		}
	}
}
