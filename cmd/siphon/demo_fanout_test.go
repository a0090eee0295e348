package main

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/spec"
	"siphon/profiles"
)

// The built-in fan-out pair works as `siphon demo` offers it: demo-groups
// first, then demo-group-items walks each group as a partition, reading the
// groups from demo-groups' own output folder.
func TestDemoFanOutProfiles(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 1000})
	defer srv.Close()
	profs, err := demoProfiles(func(k string) (string, bool) {
		if k == "SIPHON_DEMO_URL" {
			return srv.URL, true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dirOf := func(cfg spec.Config) string { return filepath.Join(root, cfg.Name) }
	linkBuiltinParents(profs, dirOf)
	byName := map[string]*profiles.Profile{}
	for _, p := range profs {
		byName[p.Config.Name] = p
	}
	for _, name := range []string{"demo-groups", "demo-group-items"} {
		p := byName[name]
		if p == nil {
			t.Fatalf("no built-in %s", name)
		}
		c, err := ingest.New(p.Config)
		if err != nil {
			t.Fatal(err)
		}
		r := c.Start(context.Background(), ingest.Job{Out: dirOf(p.Config)})
		for range r.Events() {
		}
		if err := r.Wait(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	parts, _ := filepath.Glob(filepath.Join(root, "demo-group-items", "partitions", "*", "records.jsonl"))
	lines := 0
	for _, f := range parts {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			lines++
		}
		fh.Close()
	}
	if len(parts) != demoapi.DefaultGroups || lines != 1000 {
		t.Errorf("%d partitions with %d records, want %d with 1000", len(parts), lines, demoapi.DefaultGroups)
	}
}
