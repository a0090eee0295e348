package profiles

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"siphon/ingest/page"
)

// TestSecretFieldsAreMarked: the loader tells the client which headers,
// params and body hold a reference, so that they stay at base_url's origin,
// and accepts an explicit plain-http origin in allowed_hosts.
func TestSecretFieldsAreMarked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "marked.yaml")
	os.WriteFile(path, []byte(`name: marked
base_url: https://api.example.com
method: POST
headers: {X-Api-Token: "${TOK}", X-Tenant: "${TENANT}", X-Plain: "v", X-Default: "${UNSET:-d}"}
params: {q: "${Q}", status: all}
body: {filter: {owner: "${OWNER}"}}
allowed_hosts: ["http://127.0.0.1:8080"]
`), 0o600)
	p, err := Loader{CheckExpr: page.Check, LookupEnv: env(map[string]string{"TOK": "t0ken-value", "TENANT": "acme", "Q": "query-value", "OWNER": "owner-value"})}.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := p.Config
	if want := []string{"X-Api-Token", "X-Tenant"}; !reflect.DeepEqual(c.SecretHeaders, want) {
		t.Errorf("SecretHeaders = %v, want %v", c.SecretHeaders, want)
	}
	if want := []string{"q"}; !reflect.DeepEqual(c.SecretParams, want) {
		t.Errorf("SecretParams = %v, want %v", c.SecretParams, want)
	}
	if !c.SecretBody {
		t.Error("the body holds a reference but is not marked")
	}
	if want := []string{"http://127.0.0.1:8080"}; !reflect.DeepEqual(c.AllowedHosts, want) {
		t.Errorf("AllowedHosts = %v", c.AllowedHosts)
	}
}
