package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siphon/ingest/remedy"
	"siphon/ingest/store"
)

// TestCommandSaysEveryRemedy: each remedy the engine can offer has the
// command's words, so none is printed in the engine's plain words.
func TestCommandSaysEveryRemedy(t *testing.T) {
	for r := range remedy.Plain {
		if cliRemedies[r] == "" {
			t.Errorf("remedy %d (%q) has no command-line spelling", r, r.Say())
		}
	}
}

// TestRemediesPrintedAsFlags: what the engine offers is printed as the
// flag that does it, through a wrapping and through a message cut to text.
func TestRemediesPrintedAsFlags(t *testing.T) {
	damaged := remedy.New(fmt.Errorf("%w: out/checkpoint.json fails its checksum (edited or torn)", store.ErrCheckpointDamaged), remedy.StartOver)
	want := "siphon: run orders: checkpoint damaged: out/checkpoint.json fails its checksum (edited or torn); run with --fresh to start over (the old output is moved aside, not deleted)\n"
	for _, err := range []error{fmt.Errorf("run orders: %w", damaged), fmt.Errorf("run orders: %v", damaged)} {
		var stderr bytes.Buffer
		if code := exitCode(err, &stderr); code != exitFailed {
			t.Errorf("exit %d, want %d", code, exitFailed)
		}
		if stderr.String() != want {
			t.Errorf("printed\n %q\nwant\n %q", stderr.String(), want)
		}
	}
}

// TestHeldFolderSaysOut: a run on a folder another run holds is told to
// wait or pick another --out, in the command's words, by the real binary's
// path through the store.
func TestHeldFolderSaysOut(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), []byte("name: p\nbase_url: http://127.0.0.1:1\nrecords: .data\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	held, err := store.Dir(out).Claim(false)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	code, _, stderr := siphon(t, dir, "run", filepath.Join(dir, "p.yaml"), "--out", out)
	if code == 0 || !strings.Contains(stderr, "is held by") || !strings.Contains(stderr, "wait for it to end (or stop it), or pick an empty or new folder for --out (or output.dir)") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
