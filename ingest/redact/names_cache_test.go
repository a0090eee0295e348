package redact

import (
	"fmt"
	"testing"
)

// TestCredentialNamesRemembered: IsCredentialName answers the same with
// its memo as without, and the memo stays bounded whatever names an API
// sends.
func TestCredentialNamesRemembered(t *testing.T) {
	for _, name := range []string{"api_key", "limit", "cursor", "X-Auth-Token", "page_token", "sort"} {
		want := isCredentialName(name)
		for range 3 { // the first asks, the others hit the memo
			if got := IsCredentialName(name); got != want {
				t.Fatalf("IsCredentialName(%q) = %v, want %v", name, got, want)
			}
		}
	}
	for i := range 5000 {
		name := fmt.Sprintf("param%d", i)
		if i%2 == 0 {
			name = fmt.Sprintf("secret%d", i)
		}
		if got, want := IsCredentialName(name), isCredentialName(name); got != want {
			t.Fatalf("IsCredentialName(%q) = %v, want %v", name, got, want)
		}
	}
	if kept := credentialNames.Len(); kept > 1024 {
		t.Fatalf("the memo holds %d names, want at most 1024", kept)
	}
}
