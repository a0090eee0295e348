package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siphon/ingest/demoapi"
)

// TestProbeWritesProfilesThatRun probes each pagination style of the demo
// API from a bare URL, saves the profile it writes, and runs that profile
// to the end without edits: every id exactly once.
func TestProbeWritesProfilesThatRun(t *testing.T) {
	const n = 437
	srv := demoapi.NewServer(demoapi.Options{Records: n})
	defer srv.Close()
	cases := map[string]string{
		"cursor":    "/v1/cursor?limit=50",
		"offset":    "/v1/offset?limit=50",
		"page":      "/v1/pages?per_page=50",
		"next":      "/v1/next?limit=50",
		"link":      "/v1/link?per_page=50",
		"keyset":    "/v1/keyset?since_id=0&limit=50",
		"timestamp": "/v1/timestamp?updated_since=2000-01-01T00:00:00Z&limit=50",
		"none":      "/v1/none",
	}
	wantStyle := map[string]string{"cursor": "cursor", "offset": "offset", "page": "page", "next": "next_url", "link": "link_header", "keyset": "keyset", "timestamp": "timestamp", "none": "none"}
	dir := t.TempDir()
	for name, path := range cases {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := siphon(t, dir, "probe", srv.URL+path, "--name", "p-"+name, "--save")
			if code != 0 {
				t.Fatalf("probe: exit %d\n%s\n%s", code, stdout, stderr)
			}
			if !strings.Contains(stdout, "Pagination: "+wantStyle[name]) {
				t.Fatalf("probe detected the wrong style:\n%s", stdout)
			}
			saved, err := os.Stat(filepath.Join(dir, "profiles", "p-"+name+".yaml"))
			if err != nil || saved.Mode().Perm() != 0o600 {
				t.Fatalf("saved profile: %v %v", saved, err)
			}
			code, _, stderr = siphon(t, dir, "run", "p-"+name)
			if code != 0 {
				b, _ := os.ReadFile(filepath.Join(dir, "profiles", "p-"+name+".yaml"))
				t.Fatalf("run: exit %d: %s\nprofile:\n%s", code, stderr, b)
			}
			checkExactlyOnce(t, ids(t, filepath.Join(dir, "siphon-data", "p-"+name, "records.jsonl")), n)
		})
	}
}

func TestProbeReportsFailuresClearly(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 10, Auth: demoapi.Auth{BearerToken: "probe-secret-123"}})
	defer srv.Close()
	dir := t.TempDir()
	code, stdout, stderr := siphon(t, dir, "probe", srv.URL+"/v1/cursor")
	if code != 1 || !strings.Contains(stderr, "HTTP 401") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	cmd := siphonCmd(t, dir, "probe", srv.URL+"/v1/cursor", "--bearer-env", "PROBE_TOKEN")
	cmd.Env = append(cmd.Env, "PROBE_TOKEN=probe-secret-123")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), "probe-secret-123") || !strings.Contains(string(out), "token: ${PROBE_TOKEN}") {
		t.Fatalf("%v\n%s", err, out)
	}
}

// TestProbeNeverSavesAQueryKey: a key in a probed URL is used for the probe
// and saved only as a ${VAR} reference named after its parameter.
func TestProbeNeverSavesAQueryKey(t *testing.T) {
	const key = "literal-Key-5f1e9a"
	srv := demoapi.NewServer(demoapi.Options{Records: 10, Auth: demoapi.Auth{APIKey: key}})
	defer srv.Close()
	dir := t.TempDir()
	code, stdout, stderr := siphon(t, dir, "probe", srv.URL+"/v1/cursor?api_key="+key, "--name", "keyed", "--save")
	if code != 0 {
		t.Fatalf("probe: exit %d\n%s\n%s", code, stdout, stderr)
	}
	saved, err := os.ReadFile(filepath.Join(dir, "profiles", "keyed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(saved)+stdout+stderr, key) || !strings.Contains(string(saved), "api_key: ${API_KEY}") || !strings.Contains(stdout, "export API_KEY=") {
		t.Fatalf("profile:\n%s\nstdout:\n%s", saved, stdout)
	}
	cmd := siphonCmd(t, dir, "run", "keyed")
	cmd.Env = append(cmd.Env, "API_KEY="+key)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the saved profile does not run: %v\n%s", err, out)
	}
}

// probe --save on a saved profile keeps every ${VAR} reference as written,
// whatever the parameter or header is called.
func TestProbeSaveKeepsReferences(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 30})
	defer srv.Close()
	dir := t.TempDir()
	path := writeProfile(t, dir, "refs", "name: refs\nbase_url: "+srv.URL+"\npath: /v1/cursor\nparams: {team: \"${SIPHON_TEST_TEAM}\"}\nheaders: {X-Tenant: \"${SIPHON_TEST_TENANT}\"}\n")
	cmd := siphonCmd(t, dir, "probe", "refs", "--save")
	cmd.Env = append(cmd.Env, "SIPHON_TEST_TEAM=team-value-1234", "SIPHON_TEST_TENANT=tenant-value-5678")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("probe --save: %v\n%s", err, out)
	}
	saved, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(saved)
	if strings.Contains(s, "team-value-1234") || strings.Contains(s, "tenant-value-5678") ||
		!strings.Contains(s, "team: ${SIPHON_TEST_TEAM}") || !strings.Contains(s, "X-Tenant: ${SIPHON_TEST_TENANT}") || !strings.Contains(s, "records: .data") {
		t.Fatalf("saved profile:\n%s", s)
	}
}
