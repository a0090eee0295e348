package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siphon/ingest/demoapi"
)

// TestRunRefusesFoldersThatAreNotSiphons: `siphon run` with --out naming
// the current folder, or a folder of the user's, exits 2 with a message
// that names the folder and says what to pick, and changes nothing there.
func TestRunRefusesFoldersThatAreNotSiphons(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 20})
	defer srv.Close()
	dir := t.TempDir()
	writeProfile(t, dir, "plain", cursorProfile("plain", srv.URL, 10))
	mine := filepath.Join(dir, "documents")
	if err := os.Mkdir(mine, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mine, "taxes.pdf"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"cwd", []string{"run", "plain", "--out", "."}, []string{"output folder . is the current folder", "pick an empty or new folder for --out"}},
		{"cwd fresh", []string{"run", "plain", "--out", ".", "--fresh"}, []string{"output folder . is the current folder"}},
		{"user folder", []string{"run", "plain", "--out", mine}, []string{mine, "is not a siphon output folder", `"taxes.pdf"`, "pick an empty or new folder"}},
		{"user folder fresh", []string{"run", "plain", "--out", mine, "--fresh"}, []string{mine, "is not a siphon output folder"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := siphon(t, dir, tc.args...)
			if code != 2 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, stderr)
				}
			}
			if strings.Contains(stderr, "Resume with") {
				t.Errorf("a refused folder is not a run to resume: %s", stderr)
			}
		})
	}
	names, _ := os.ReadDir(mine)
	if st, _ := os.Stat(mine); len(names) != 1 || st.Mode().Perm() != 0o755 {
		t.Errorf("the user's folder changed: %v, mode %v", names, st.Mode())
	}
	if names, _ := os.ReadDir(dir); len(names) != 2 { // profiles/ and documents/
		t.Errorf("files written in the current folder: %v", names)
	}
}

// TestRunRefusesUnknownSchemes: --out with a scheme:// no store serves
// exits 2 naming it, and makes no local folder named after the scheme
// (once, --out s3://x made a folder "s3:" and reported DONE).
func TestRunRefusesUnknownSchemes(t *testing.T) {
	srv := demoapi.NewServer(demoapi.Options{Records: 20})
	defer srv.Close()
	dir := t.TempDir()
	writeProfile(t, dir, "plain", cursorProfile("plain", srv.URL, 10))
	for _, out := range []string{"gs://lake/runs/x", "ftp://host/x", "file:///tmp/x"} {
		t.Run(out, func(t *testing.T) {
			code, _, stderr := siphon(t, dir, "run", "plain", "--out", out)
			if code != 2 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			scheme := strings.SplitN(out, ":", 2)[0]
			if !strings.Contains(stderr, out) || !strings.Contains(stderr, "unknown output scheme") || !strings.Contains(stderr, scheme+"://") {
				t.Errorf("stderr does not name the refused address: %s", stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, scheme+":")); err == nil {
				t.Errorf("a local folder %s: was made", scheme)
			}
		})
	}
}
