package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siphon/ingest/demoapi"
	"siphon/ingest/demoapi/shapes"
)

// serveSpecBeside serves the API with the description at /openapi/FILE, as
// many APIs publish theirs: the description's relative server URLs then
// point at the API.
func serveSpecBeside(t *testing.T, api http.Handler, file string) *httptest.Server {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "openapi", file))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/openapi/"+file, func(w http.ResponseWriter, r *http.Request) { w.Write(data) })
	mux.Handle("/", api)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// importSaved runs siphon import openapi URL --save and returns the names
// of the profiles it saved.
func importSaved(t *testing.T, dir, specURL string, args ...string) (names []string, stdout string) {
	t.Helper()
	code, stdout, stderr := siphon(t, dir, append([]string{"import", "openapi", specURL, "--save"}, args...)...)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, line := range strings.Split(stdout, "\n") {
		if path, ok := strings.CutPrefix(line, "Saved "); ok {
			names = append(names, strings.TrimSuffix(filepath.Base(path), ".yaml"))
		}
	}
	if len(names) == 0 {
		t.Fatalf("nothing saved:\n%s\n%s", stdout, stderr)
	}
	return names, stdout
}

// TestImportOpenAPIDemo: the petstore-shaped 3.0 and 3.1 descriptions and a
// Swagger 2.0 one, served beside the demo API; every saved proposal is
// confirmed by the probe and, run unedited, fetches every record once.
func TestImportOpenAPIDemo(t *testing.T) {
	const n = 730
	for _, tc := range []struct {
		file  string
		want  map[string]string // proposal name → pagination type
		extra []string
	}{
		{"petstore-3.0.yaml", map[string]string{"list-pets": "link_header"}, nil},
		{"petstore-3.1.yaml", map[string]string{"list-pets-by-cursor": "cursor", "list-pets-by-offset": "offset"}, nil},
		{"pages-swagger2.json", map[string]string{"list-items": "page"}, nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			srv := serveSpecBeside(t, demoapi.New(demoapi.Options{Records: n}), tc.file)
			dir := t.TempDir()
			names, stdout := importSaved(t, dir, srv.URL+"/openapi/"+tc.file, tc.extra...)
			if len(names) != len(tc.want) {
				t.Fatalf("saved %v, want %v\n%s", names, tc.want, stdout)
			}
			if strings.Contains(stdout, "not confirmed") || strings.Contains(stdout, "corrected") {
				t.Errorf("the probe did not confirm the description:\n%s", stdout)
			}
			for _, name := range names {
				saved, _ := os.ReadFile(filepath.Join(dir, "profiles", name+".yaml"))
				if !strings.Contains(string(saved), "  type: "+tc.want[name]+"\n") {
					t.Errorf("%s: want pagination %s:\n%s", name, tc.want[name], saved)
				}
				code, _, stderr := siphon(t, dir, "run", name)
				if code != 0 {
					t.Fatalf("run %s: exit %d\n%s\nprofile:\n%s", name, code, stderr, saved)
				}
				checkExactlyOnce(t, ids(t, filepath.Join(dir, "siphon-data", name, "records.jsonl")), n)
			}
		})
	}
}

// importShapes are descriptions shaped like well-known APIs' published
// ones, each served beside the emulation of that API.
var importShapes = []struct {
	shape, file string
	args        []string
}{
	{"stripe", "stripe.yaml", nil}, // bearer from the description: STRIPE_API_TOKEN
	{"github", "github.json", []string{"--set", "owner=o", "--set", "repo=r", "--set", "state=all", "--bearer-env", "SHAPES_TOKEN"}},
	{"slack", "slack.yaml", []string{"--bearer-env", "SHAPES_TOKEN"}},     // Swagger 2.0, host slack.com: --base-url below
	{"jira", "jira.yaml", []string{"--bearer-env", "SHAPES_TOKEN"}},       // offset (startAt, maxResults)
	{"twitter", "twitter.yaml", []string{"--set", "id=2244994945"}},       // bearer from the description: TWITTER_API_V2_TOKEN
	{"msgraph", "msgraph.yaml", []string{"--bearer-env", "SHAPES_TOKEN"}}, // absolute @odata.nextLink
}

// TestImportOpenAPIShapes: descriptions shaped like Stripe's, GitHub's,
// Slack's, Jira's, X's and Microsoft Graph's, served beside emulations of
// those APIs: the saved proposals, run unedited, fetch every record once.
func TestImportOpenAPIShapes(t *testing.T) {
	t.Setenv("SHAPES_TOKEN", shapesToken)
	t.Setenv("STRIPE_API_TOKEN", shapesToken)
	t.Setenv("TWITTER_API_V2_TOKEN", shapesToken)
	for _, tc := range importShapes {
		t.Run(tc.shape, func(t *testing.T) {
			api, err := shapes.New(tc.shape, shapes.Options{Token: shapesToken, Records: 612})
			if err != nil {
				t.Fatal(err)
			}
			srv := serveSpecBeside(t, api, tc.file)
			args := tc.args
			if tc.shape == "slack" {
				args = append(args, "--base-url", srv.URL+"/api")
			}
			dir := t.TempDir()
			names, stdout := importSaved(t, dir, srv.URL+"/openapi/"+tc.file, args...)
			if len(names) != 1 {
				t.Fatalf("saved %v, want one profile\n%s", names, stdout)
			}
			if strings.Contains(stdout, "not confirmed") {
				t.Errorf("the probe did not confirm:\n%s", stdout)
			}
			prof := filepath.Join(dir, "profiles", names[0]+".yaml")
			saved, _ := os.ReadFile(prof)
			if strings.Contains(string(saved), shapesToken) {
				t.Fatalf("the token is in the profile:\n%s", saved)
			}
			code, _, stderr := siphon(t, dir, "run", names[0])
			if code != 0 {
				t.Fatalf("run: exit %d\n%s\nimport said:\n%s\nprofile:\n%s", code, stderr, stdout, saved)
			}
			got := shapeIDs(t, api, filepath.Join(dir, "siphon-data", names[0], "records.jsonl"))
			if why := api.Once(got); why != "" {
				t.Fatalf("%s\nimport said:\n%s\nprofile:\n%s", why, stdout, saved)
			}
			t.Logf("%s: %s", tc.shape, summary(string(saved)))
		})
	}
}
