package profiles

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestMain keeps the suite's approvals in a folder of its own, and approves
// the profiles of testdata/valid, which read secrets from testdata/files,
// outside their folder: the suite's own profiles, approved as a user would.
func TestMain(m *testing.M) {
	cfg, err := os.MkdirTemp("", "siphon-profiles-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testApprovalsFile = filepath.Join(cfg, "approved.jsonl")
	valid, _ := filepath.Glob("testdata/valid/*.yaml")
	for _, f := range valid {
		if err := DefaultApprovals().ApproveFile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(cfg)
	os.Exit(code)
}
