package profiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const envProfile = `name: shop
base_url: https://api.example.com
path: /${SHOP_ID}/orders
auth:
  type: bearer
  token: ${SHOP_TOKEN}
`

// TestEnvFiles: .env fills in what the environment leaves unset, a named
// environment overrides both, a missing named environment is an error, and
// values are never shown (show keeps the references).
func TestEnvFiles(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "shop.yaml", envProfile)
	writeFile(t, dir, ".env", "# defaults\nSHOP_ID=from-dotenv\nexport SHOP_TOKEN='tok-from-dotenv-1234'\n")
	writeFile(t, dir, "env/prod.env", "SHOP_TOKEN=\"tok-from-prod-5678\" # prod\n")
	for _, tc := range []struct {
		name, env    string
		vars         map[string]string
		path, token  string
		errSubstring string
	}{
		{"dotenv only", "", nil, "/from-dotenv/orders", "tok-from-dotenv-1234", ""},
		{"environment wins over dotenv", "", map[string]string{"SHOP_ID": "from-env"}, "/from-env/orders", "tok-from-dotenv-1234", ""},
		{"named environment wins over both", "prod", map[string]string{"SHOP_TOKEN": "tok-from-env-0000"}, "/from-dotenv/orders", "tok-from-prod-5678", ""},
		{"missing environment", "staging", nil, "", "", "environment staging"},
		{"bad name", "../prod", nil, "", "", "an environment's name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Loader{LookupEnv: env(tc.vars), Env: tc.env, Approvals: &Approvals{}}.LoadFile(path)
			if tc.errSubstring != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errSubstring) {
					t.Fatalf("err %v, want %q", err, tc.errSubstring)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Config.Path != tc.path || p.Config.Auth.Token.Reveal() != tc.token {
				t.Errorf("path %q token %q; want %q %q", p.Config.Path, p.Config.Auth.Token.Reveal(), tc.path, tc.token)
			}
			out := Format(p)
			if strings.Contains(string(out), "tok-from") || !strings.Contains(string(out), "${SHOP_TOKEN}") {
				t.Errorf("show:\n%s", out)
			}
		})
	}
}

// TestEnvFileErrorsNameTheLine: a bad line is reported with its file and
// line, never its text.
func TestEnvFileErrorsNameTheLine(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "shop.yaml", envProfile)
	writeFile(t, dir, ".env", "SHOP_ID=x\nthis line has secret-text-999 and no equals\n")
	_, err := Loader{LookupEnv: env(nil), Approvals: &Approvals{}}.LoadFile(path)
	if err == nil || !strings.Contains(err.Error(), ".env:2") || strings.Contains(err.Error(), "secret-text-999") {
		t.Fatalf("err %v", err)
	}
}

// TestEnvFileOutsideTheFolderNeedsApproval: a .env that is a symbolic
// link out of the profile's folder (to someone's credentials) is not read
// until the profile is approved.
func TestEnvFileOutsideTheFolderNeedsApproval(t *testing.T) {
	outside := t.TempDir()
	writeFile(t, outside, "credentials", "SHOP_TOKEN=users-real-token-4242\nSHOP_ID=x\n")
	dir := t.TempDir()
	path := writeFile(t, dir, "shop.yaml", envProfile)
	if err := os.Symlink(filepath.Join(outside, "credentials"), filepath.Join(dir, ".env")); err != nil {
		t.Fatal(err)
	}
	store := &Approvals{Path: filepath.Join(t.TempDir(), "approved.jsonl")}
	p, err := Loader{LookupEnv: env(nil), Approvals: store}.load(path, []byte(envProfile))
	if err == nil || strings.Contains(err.Error(), "users-real-token-4242") {
		t.Fatalf("err %v: want a failure that shows no value", err)
	}
	blocked := false
	for _, a := range p.Accesses() {
		blocked = blocked || (a.Field == DotEnvFile && a.Kind == Reads && a.NeedsApproval())
	}
	if !blocked {
		t.Fatalf("accesses %v: the .env is not listed as needing approval", p.Accesses())
	}
	if err := store.Approve(p.Hash, path); err != nil {
		t.Fatal(err)
	}
	p, err = Loader{LookupEnv: env(nil), Approvals: store}.LoadFile(path)
	if err != nil || p.Config.Auth.Token.Reveal() != "users-real-token-4242" {
		t.Fatalf("after approval: %v", err)
	}
}
