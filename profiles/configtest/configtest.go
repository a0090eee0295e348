// Package configtest keeps a test binary out of the user's config folder:
// siphon keeps approvals, saved profiles and tokens there, and a suite
// that approves thousands of temporary profiles would otherwise leave
// them in ~/.config/siphon/approved.jsonl, which every later siphon
// command reads.
package configtest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Run runs a package's tests with a config folder of their own and
// returns their exit code: a TestMain's os.Exit(configtest.Run(m)).
func Run(m *testing.M) int {
	restore, err := Isolate()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer restore()
	return m.Run()
}

// Isolate points XDG_CONFIG_HOME (and so os.UserConfigDir, in this process
// and the subprocesses it starts) at a new empty folder, and returns what
// removes it. Go's own settings file stays the user's (GOENV), so that a
// test that builds with the go command builds as the user would.
func Isolate() (restore func(), err error) {
	if os.Getenv("GOENV") == "" {
		if d, err := os.UserConfigDir(); err == nil {
			os.Setenv("GOENV", filepath.Join(d, "go", "env"))
		}
	}
	dir, err := os.MkdirTemp("", "siphon-test-config-")
	if err != nil {
		return nil, err
	}
	old, had := os.LookupEnv("XDG_CONFIG_HOME")
	os.Setenv("XDG_CONFIG_HOME", dir)
	return func() {
		if had {
			os.Setenv("XDG_CONFIG_HOME", old)
		} else {
			os.Unsetenv("XDG_CONFIG_HOME")
		}
		os.RemoveAll(dir)
	}, nil
}
