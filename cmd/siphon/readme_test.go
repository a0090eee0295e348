package main

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tourMarker is the first line of the README block that runs as written.
const tourMarker = "# The tour, from the clone's folder"

// TestReadmeTourRunsAsWritten runs the README's tour block with bash in a
// copy of the repository, `./siphon` being this binary: every command must
// exit 0, and the copy must be unchanged but for siphon-data/, which git
// ignores.
func TestReadmeTourRunsAsWritten(t *testing.T) {
	if testing.Short() {
		t.Skip("the tour runs several backfills")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	for port := 8089; port <= 8093; port++ { // the ports the built-in profiles use
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Skipf("port %d is taken: the tour needs 8089-8093", port)
		}
		ln.Close()
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(repo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	block := tourBlock(string(readme))
	if block == "" {
		t.Fatalf("README.md has no sh block starting %q", tourMarker)
	}

	clone := filepath.Join(t.TempDir(), "clone")
	copyTree(t, repo, clone)
	shim := "#!/bin/sh\nSIPHON_TEST_AS_MAIN=1 exec '" + os.Args[0] + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(clone, "siphon"), []byte(shim), 0o700); err != nil {
		t.Fatal(err)
	}
	before := treeHashes(t, clone)

	home := t.TempDir()
	script := "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\ntrap 'echo \"tour: failed ($?): $BASH_COMMAND\" >&2' ERR\nset -e\n" + block
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = clone
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "SIPHON_PROFILES=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the tour failed: %v\n%s", err, out)
	}
	for _, want := range []string{"stopped at --max-pages", "DONE", "Saved "} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the tour's output lacks %q:\n%s", want, out)
		}
	}

	after := treeHashes(t, clone)
	for path, h := range before {
		if after[path] != h {
			t.Errorf("the tour changed or removed %s", path)
		}
	}
	for path := range after {
		if _, ok := before[path]; !ok && !strings.HasPrefix(path, "siphon-data/") {
			t.Errorf("the tour wrote %s, outside siphon-data/", path)
		}
	}
}

// tourBlock is the body of the fenced sh block that starts with tourMarker.
func tourBlock(readme string) string {
	start := strings.Index(readme, "```sh\n"+tourMarker)
	if start < 0 {
		return ""
	}
	body := readme[start+len("```sh\n"):]
	end := strings.Index(body, "```")
	if end < 0 {
		return ""
	}
	return body[:end]
}

// copyTree copies the repository's files (not .git, not outputs git ignores).
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() && (rel == ".git" || rel == "siphon-data") {
			return filepath.SkipDir
		}
		if rel == "siphon" || !d.Type().IsRegular() && !d.IsDir() {
			return nil
		}
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, _ := d.Info()
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// treeHashes maps each file below root (relative, slash-separated) to its
// SHA-256.
func treeHashes(t *testing.T, root string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		out[filepath.ToSlash(rel)] = sha256.Sum256(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
