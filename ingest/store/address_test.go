package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAddressesChooseTheStore: a path is a local folder, a registered
// scheme its store, and any other scheme:// is refused everywhere without
// a local folder being made for it.
func TestAddressesChooseTheStore(t *testing.T) {
	RegisterScheme("test-only", func(addr string) (Location, error) { return Dir("served:" + addr), nil })
	cases := []struct {
		addr    string
		want    string // the Location's String, "" when refused
		refused bool
	}{
		{addr: "siphon-data/x", want: "siphon-data/x"},
		{addr: "/abs/out", want: "/abs/out"},
		{addr: "a:b/c", want: "a:b/c"}, // a colon alone is a name
		{addr: "test-only://b/p", want: "served:test-only://b/p"},
		{addr: "TEST-ONLY://b/p", want: "served:TEST-ONLY://b/p"},
		{addr: "gs://lake/runs/x", refused: true},
		{addr: "ftp://host/x", refused: true},
	}
	for _, tc := range cases {
		t.Run(tc.addr, func(t *testing.T) {
			loc, err := Resolve(tc.addr)
			if tc.refused {
				if !errors.Is(err, ErrUnknownScheme) || !strings.Contains(err.Error(), tc.addr) || !strings.Contains(err.Error(), "test-only://") {
					t.Fatalf("Resolve(%q) = %v, %v; want ErrUnknownScheme naming the address and the schemes served", tc.addr, loc, err)
				}
				return
			}
			if err != nil || loc.String() != tc.want {
				t.Fatalf("Resolve(%q) = %v, %v; want %s", tc.addr, loc, err, tc.want)
			}
		})
	}
}

// TestUnknownSchemeMakesNoFolder: every use of a refused address fails
// with the refusal, and nothing is created locally (asked for s3://...
// without the s3 store, siphon once made a folder named "s3:").
func TestUnknownSchemeMakesNoFolder(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	loc := At("nosuch://lake/runs/x")
	if _, err := loc.Claim(false); !errors.Is(err, ErrUnknownScheme) {
		t.Errorf("Claim: %v", err)
	}
	if _, err := loc.Shard(1, 2).Partition("k").Claim(true); !errors.Is(err, ErrUnknownScheme) {
		t.Errorf("Claim of a partition: %v", err)
	}
	if err := loc.AppendHistory(HistoryEntry{}); !errors.Is(err, ErrUnknownScheme) {
		t.Errorf("AppendHistory: %v", err)
	}
	if _, err := loc.ReadCheckpoint(); !errors.Is(err, ErrUnknownScheme) {
		t.Errorf("ReadCheckpoint: %v", err)
	}
	if _, err := loc.MoveAside(); !errors.Is(err, ErrUnknownScheme) {
		t.Errorf("MoveAside: %v", err)
	}
	names, _ := os.ReadDir(dir)
	if len(names) != 0 {
		t.Errorf("made locally: %v", names)
	}
	if _, err := os.Stat(filepath.Join(dir, "nosuch:")); err == nil {
		t.Error("a folder named nosuch: was made")
	}
}
