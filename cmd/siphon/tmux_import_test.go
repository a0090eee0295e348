package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siphon/ingest/demoapi/shapes"
	"siphon/profiles/specimport/openapi"
)

// TestConsoleImportsOpenAPI drives the real binary: o opens the import
// screen, a GitHub-shaped description served beside its emulation lists its
// operation, enter asks for the parameters it needs, the probe confirms
// it, enter saves it; run headless, the saved profile fetches every record
// once.
func TestConsoleImportsOpenAPI(t *testing.T) {
	t.Setenv("SHAPES_TOKEN", shapesToken)
	dir := t.TempDir()
	bin, socket := buildForTmux(t, dir)
	api, err := shapes.New("github", shapes.Options{Token: shapesToken, Records: 95})
	if err != nil {
		t.Fatal(err)
	}
	srv := serveSpecBeside(t, api, "github.json")
	specURL := srv.URL + "/openapi/github.json"
	if err := os.MkdirAll(filepath.Join(dir, "profiles"), 0o700); err != nil {
		t.Fatal(err)
	}
	// The order in which the screen asks for the parameters.
	s, err := openapi.Load(context.Background(), specURL)
	if err != nil {
		t.Fatal(err)
	}
	res, err := openapi.Propose(s, openapi.Options{})
	if err != nil || len(res.Proposals) != 1 {
		t.Fatalf("propose: %v %v", res, err)
	}
	name, needs := res.Proposals[0].Name, res.Proposals[0].Needs
	values := map[string]string{"owner": "o", "repo": "r", "state": "all"}

	c := startConsoleSized(t, bin, dir, socket, "import", 80, 24)
	c.waitFor("profiles")
	c.keys("o")
	c.waitFor("Import", "description")
	c.keys(specURL, "Tab", "Tab", "SHAPES_TOKEN", "Enter")
	c.waitFor("GET", "/repos/", "needs")
	c.keys("Enter")
	c.waitFor("parameters for the probe and the profile")
	for _, n := range needs {
		v, ok := values[n]
		if !ok {
			t.Fatalf("the operation needs %q, which this test has no value for", n)
		}
		c.keys(v, "Tab")
	}
	c.keys("state=all", "Enter") // an optional parameter, in the last field
	pane := c.waitFor("confirmed by the probe", name+".yaml")
	if !strings.Contains(pane, "link_header") {
		t.Errorf("the review does not show the pagination:\n%s", pane)
	}
	c.keys("Enter")
	c.waitFor("saved")
	saved, err := os.ReadFile(filepath.Join(dir, "profiles", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(saved), shapesToken) {
		t.Fatalf("the token is in the profile:\n%s", saved)
	}
	code, _, stderr := siphon(t, dir, "run", name)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", code, stderr, saved)
	}
	if why := api.Once(shapeIDs(t, api, filepath.Join(dir, "siphon-data", name, "records.jsonl"))); why != "" {
		t.Fatalf("%s\n%s", why, saved)
	}
}
