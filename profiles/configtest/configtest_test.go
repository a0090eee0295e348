package configtest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestIsolate: the config folder is a new one until restore, which puts
// the old one back and removes the new; Go's settings stay the user's.
func TestIsolate(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("GOENV", "")
	user, _ := os.UserConfigDir()
	restore, err := Isolate()
	if err != nil {
		t.Fatal(err)
	}
	now, _ := os.UserConfigDir()
	if now == user {
		t.Fatal("the config folder is still the user's")
	}
	if entries, err := os.ReadDir(now); err != nil || len(entries) != 0 {
		t.Fatalf("the new config folder is not an empty folder: %v, %d entries", err, len(entries))
	}
	if got, want := os.Getenv("GOENV"), filepath.Join(user, "go", "env"); got != want {
		t.Fatalf("GOENV = %q, want the user's %q", got, want)
	}
	restore()
	if back, _ := os.UserConfigDir(); back != user {
		t.Fatalf("restored to %q, want %q", back, user)
	}
	if _, err := os.Stat(now); !os.IsNotExist(err) {
		t.Fatalf("the test config folder is still there: %v", err)
	}
}
