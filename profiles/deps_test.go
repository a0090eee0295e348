package profiles

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLoaderLinksNoEngine: loading a profile needs none of the engine's
// modules (HTTP client, jq, OAuth, rate limiter, JSON Schema), so a tool
// that only reads profiles stays small and the loader cannot come to
// depend on the engine unnoticed.
func TestLoaderLinksNoEngine(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	out, err := exec.Command(goBin, "list", "-deps", "siphon/profiles").Output()
	if err != nil {
		t.Fatalf("go list -deps siphon/profiles: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, module := range []string{"github.com/go-resty/resty", "github.com/itchyny/gojq", "golang.org/x/oauth2", "golang.org/x/time/rate", "github.com/santhosh-tekuri/jsonschema"} {
		for _, d := range deps {
			if d == module || strings.HasPrefix(d, module+"/") {
				t.Errorf("siphon/profiles depends on %s", d)
			}
		}
	}
	for _, d := range deps {
		if d == "siphon/ingest" {
			t.Error("siphon/profiles depends on the engine, siphon/ingest")
		}
	}
}
