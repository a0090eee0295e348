package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siphon/ingest/demoapi"
)

// TestImportProbeRun is the exploring user's path: paste a curl command,
// probe the saved profile to fill in records and pagination, run it.
func TestImportProbeRun(t *testing.T) {
	const token = "imp-token-5566aa"
	srv := demoapi.NewServer(demoapi.Options{Records: 230, Auth: demoapi.Auth{BearerToken: token}})
	defer srv.Close()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "profiles"), 0o700)
	curl := `curl -sS -H 'Authorization: Bearer ` + token + `' -H 'Accept: application/json' '` + srv.URL + `/v1/cursor?limit=40'`
	code, stdout, stderr := siphon(t, dir, "import", "curl", curl, "--name", "imp", "--save")
	if code != 0 || !strings.Contains(stderr, "export IMP_TOKEN=") {
		t.Fatalf("import: exit %d\n%s\n%s", code, stdout, stderr)
	}
	saved, _ := os.ReadFile(filepath.Join(dir, "profiles", "imp.yaml"))
	if strings.Contains(string(saved)+stdout+stderr, token) {
		t.Fatalf("the token leaked:\n%s", saved)
	}

	probe := siphonCmd(t, dir, "probe", "imp", "--save")
	probe.Env = append(probe.Env, "IMP_TOKEN="+token)
	out, err := probe.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Pagination: cursor") || strings.Contains(string(out), token) {
		t.Fatalf("probe: %v\n%s", err, out)
	}
	runCmd := siphonCmd(t, dir, "run", "imp")
	runCmd.Env = append(runCmd.Env, "IMP_TOKEN="+token)
	if out, err := runCmd.CombinedOutput(); err != nil {
		b, _ := os.ReadFile(filepath.Join(dir, "profiles", "imp.yaml"))
		t.Fatalf("run: %v\n%s\nprofile:\n%s", err, out, b)
	}
	checkExactlyOnce(t, ids(t, filepath.Join(dir, "siphon-data", "imp", "records.jsonl")), 230)
}
