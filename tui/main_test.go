package tui

import (
	"os"
	"testing"

	"siphon/profiles/configtest"
)

// TestMain keeps the console's tests out of the user's config folder: the
// new-profile and approval screens save and approve profiles there.
func TestMain(m *testing.M) { os.Exit(configtest.Run(m)) }
