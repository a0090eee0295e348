package tui

import (
	"fmt"
	"os"
	"testing"

	"siphon/profiles/configtest"
)

// TestMain keeps the console's tests out of the user's config folder: the
// new-profile and approval screens save and approve profiles there.
func TestMain(m *testing.M) {
	restore, err := configtest.Isolate()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	restore()
	os.Exit(code)
}
