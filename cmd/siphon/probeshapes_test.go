package main

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"siphon/ingest/demoapi"
	"siphon/ingest/demoapi/shapes"
)

const shapesToken = "tok-Probe-9931"

// probeShapes says how each public API's emulation is probed from a URL:
// the path and query a user would paste, and the flags that carry its
// credentials and (for POST APIs) its request.
var probeShapes = []struct {
	name, url string
	args      []string
}{
	{"github", "/repos/o/r/issues?state=all", nil},
	{"stripe", "/v1/customers", nil},
	{"shopify", "/admin/api/2024-01/orders.json?status=any", []string{"--api-key-env", "SHAPES_TOKEN", "--api-key-name", "X-Shopify-Access-Token"}},
	{"slack", "/api/conversations.list", nil},
	{"notion", "/v1/databases/897e5a76-ae52-4b48-9fdf-e71f5945d1af/query", []string{"--method", "POST", "--data", "{}", "--header", "Notion-Version: 2022-06-28"}},
	{"hubspot", "/crm/v3/objects/contacts", nil},
	{"salesforce", "/services/data/v59.0/query?q=SELECT+Id,Name+FROM+Contact", nil},
	{"jira", "/rest/api/3/search?jql=project+%3D+PRJ", []string{"--basic-user", "me@example.com", "--basic-password-env", "SHAPES_TOKEN"}},
	{"zendesk", "/api/v2/incremental/tickets/cursor.json?start_time=0", nil},
	{"twitter", "/2/users/2244994945/tweets", nil},
	{"airtable", "/v0/appEmuLat0r12345/tblOrders0000001", nil},
	{"elasticsearch", "/events/_search?scroll=1m", []string{"--method", "POST", "--data", `{"size":500,"sort":["_doc"]}`}},
	{"msgraph", "/v1.0/users", nil},
	{"graphql", "/graphql", []string{"--method", "POST", "--data-file", "graphql.json"}},
	{"ndjson", "/export/events.ndjson", nil},
	{"csv", "/v1/reports/orders.csv", nil},
	{"s3", "/siphon-exports?list-type=2", nil},
}

const graphqlProbeBody = `{"query":"query($first:Int!,$after:String){repository(owner:\"o\",name:\"r\"){issues(first:$first,after:$after){totalCount edges{cursor node{id number title createdAt}} pageInfo{hasNextPage endCursor}}}}","variables":{"first":100}}`

// TestProbeShapes probes each API emulation from a bare URL, saves what the
// probe proposes, and runs that profile unedited: every record must come
// exactly once. It logs a table of what was proposed.
func TestProbeShapes(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "graphql.json"), []byte(graphqlProbeBody), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SHAPES_TOKEN", shapesToken)
	var table []string
	for _, tc := range probeShapes {
		t.Run(tc.name, func(t *testing.T) {
			api, err := shapes.New(tc.name, shapes.Options{Token: shapesToken, LockOut: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(api)
			defer srv.Close()
			args := append([]string{"probe", srv.URL + tc.url, "--name", "s-" + tc.name, "--save"}, tc.args...)
			if !strings.Contains(strings.Join(tc.args, " "), "-env") {
				args = append(args, "--bearer-env", "SHAPES_TOKEN")
			}
			code, stdout, stderr := siphon(t, dir, args...)
			prof := filepath.Join(dir, "profiles", "s-"+tc.name+".yaml")
			saved, _ := os.ReadFile(prof)
			if f, ok := map[string]string{"csv": "csv", "s3": "xml"}[tc.name]; ok && !strings.Contains(string(saved), "\nformat: "+f+"\n") {
				t.Errorf("the proposal does not say format: %s:\n%s", f, saved)
			}
			proposed := summary(string(saved))
			row := func(ok string) {
				table = append(table, fmt.Sprintf("| %s | %s | %s |", tc.name, proposed, ok))
			}
			if code != 0 {
				row("probe failed")
				t.Fatalf("probe: exit %d\n%s\n%s", code, stdout, stderr)
			}
			code, _, stderr = siphon(t, dir, "run", prof)
			text, _ := os.ReadFile(prof)
			if code != 0 {
				row("run failed")
				t.Fatalf("run: exit %d: %s\nprobe said:\n%s\nprofile:\n%s", code, stderr, stdout, text)
			}
			got := shapeIDs(t, api, filepath.Join(dir, "siphon-data", "s-"+tc.name, "records.jsonl"))
			if why := api.Once(got); why != "" {
				row("no: " + why)
				t.Fatalf("%s\nprobe said:\n%s\nprofile:\n%s", why, stdout, text)
			}
			row(fmt.Sprintf("yes, %d records once each", len(got)))
		})
	}
	t.Logf("\n| API | probe proposes | unedited run |\n|---|---|---|\n%s", strings.Join(table, "\n"))
}

var summaryKeys = regexp.MustCompile(`(?m)^(records|error_when|  type|  (cursor|offset|limit)_param|  (cursor|next_url|total)_path|  (cursor|next_url)_header|  stop_when|  cursor_repeats|  in|  next|    path|    in|    cursor_param): (.*)$`)

// summary is the probe's proposal in one line, from the profile it saved.
func summary(profile string) string {
	var parts []string
	seenRecords := false // auth's keys come before records
	for _, m := range summaryKeys.FindAllStringSubmatch(profile, -1) {
		k := strings.TrimSpace(m[1])
		seenRecords = seenRecords || k == "records"
		if !seenRecords || k == "limit_param" && m[5] == "limit" || k == "in" && m[5] == "query" || k == "next" {
			continue
		}
		parts = append(parts, "`"+k+": "+strings.ReplaceAll(m[5], "|", `\|`)+"`")
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

// TestProbeOAuthAndPOST: probe takes OAuth2 client credentials from flags
// and a POST body from --data-file; the proposal keeps the page archive
// and names the secret only as a reference.
func TestProbeOAuthAndPOST(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 120, OAuth: &demoapi.OAuth{ClientID: "cli", ClientSecret: "probe-oauth-secret-77"}})
	defer srv.Close()
	dir := t.TempDir()
	t.Setenv("DEMO_SECRET", "probe-oauth-secret-77")
	code, stdout, stderr := siphon(t, dir, "probe", srv.URL+"/v1/cursor?limit=50", "--name", "oa",
		"--token-url", srv.URL+demoapi.TokenPath, "--client-id", "cli", "--client-secret-env", "DEMO_SECRET", "--scope", "read")
	if code != 0 {
		t.Fatalf("probe: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"type: oauth2", "client_secret: ${DEMO_SECRET}", "Pagination: cursor"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("probe output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "raw_pages: false") { // the archive is the default: kept by saying nothing
		t.Errorf("the proposal turns the page archive off:\n%s", stdout)
	}
	if strings.Contains(stdout+stderr, "probe-oauth-secret-77") {
		t.Fatal("the secret shows")
	}
	if err := os.WriteFile(filepath.Join(dir, "body.json"), []byte(`{"q":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// The demo API takes no POST: what matters is that one was sent.
	code, stdout, _ = siphon(t, dir, "probe", srv.URL+"/v1/cursor", "--data-file", "body.json", "--token-url", srv.URL+demoapi.TokenPath,
		"--client-id", "cli", "--client-secret-env", "DEMO_SECRET")
	if !strings.HasPrefix(stdout, "POST "+srv.URL+"/v1/cursor") {
		t.Errorf("exit %d; --data-file did not make a POST:\n%s", code, stdout)
	}
	for _, bad := range [][]string{{"--method", "PUT"}, {"--data", "{nope"}, {"--token-url", "http://x"}} {
		if code, _, stderr := siphon(t, dir, append([]string{"probe", srv.URL + "/v1/cursor"}, bad...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", bad, code, stderr)
		}
	}
}

// shapeIDs reads the ids of a records.jsonl, none when there is none.
func shapeIDs(t *testing.T, api *shapes.API, path string) []string {
	t.Helper()
	ids, err := api.IDsInFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}
