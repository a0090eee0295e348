package profiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siphon/ingest/page"
)

func TestUpdateFileKeepsTheRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.yaml")
	os.WriteFile(path, []byte(`# my orders
name: orders
base_url: https://api.example.com   # production
records: .data # where the orders are
pagination:
  type: cursor
  cursor_path: .next
`), 0o644)
	err := (Loader{CheckExpr: page.Check}).UpdateFile(path, map[string]string{"records": ".items[]", "pagination.cursor_path": ".meta.next", "pagination.limit": "50"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	got := string(b)
	for _, want := range []string{"# my orders", "# production", "records: .items[] # where the orders are", "cursor_path: .meta.next", "limit: 50"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	p, err := Loader{CheckExpr: page.Check, SkipSecrets: true}.LoadFile(path)
	if err != nil || p.Config.Pagination.Limit != 50 || p.Config.Records != ".items[]" {
		t.Fatalf("%+v %v", p, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	// An invalid change writes nothing.
	if err := (Loader{CheckExpr: page.Check}).UpdateFile(path, map[string]string{"records": ".items["}); err == nil {
		t.Fatal("a bad jq expression was saved")
	}
	if b2, _ := os.ReadFile(path); string(b2) != got {
		t.Error("the file changed after a refused update")
	}
}

func TestInterpolatedPathAndBodyValuesAreSecrets(t *testing.T) {
	env := map[string]string{"BOT": "123456:ABCdefGhIJKlmNoPQ", "PW": "hunter2-long-password", "VER": "v2"}
	p, err := Loader{CheckExpr: page.Check, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}.LoadBytes("t.yaml", []byte(`name: t
base_url: https://api.example.com
path: /${VER}/bot${BOT}/getUpdates
method: POST
body: {login: {user: me, password: "${PW}"}}
`))
	if err != nil {
		t.Fatal(err)
	}
	var hidden []string
	for _, s := range p.Config.Secrets {
		hidden = append(hidden, s.Ref())
	}
	if strings.Join(hidden, " ") != "${BOT} ${PW}" {
		t.Errorf("secrets %v, want ${BOT} and ${PW} (not the short ${VER})", hidden)
	}
	out := string(Format(p))
	if strings.Contains(out, env["BOT"]) || strings.Contains(out, env["PW"]) {
		t.Errorf("Format shows a secret value:\n%s", out)
	}
}

func TestPaginationInBodyNeedsPOST(t *testing.T) {
	_, err := Loader{CheckExpr: page.Check}.LoadBytes("p.yaml", []byte("name: p\nbase_url: https://x.example\npagination:\n  type: cursor\n  cursor_path: .next\n  in: body\n"))
	if err == nil || !strings.Contains(err.Error(), "p.yaml:3:1: pagination.in: pagination parameters go in the body only with method: POST") {
		t.Fatalf("got %v", err)
	}
	p, err := Loader{CheckExpr: page.Check}.LoadBytes("p.yaml", []byte("name: p\nbase_url: https://x.example\nmethod: POST\nbody: {q: 1}\npagination:\n  type: cursor\n  cursor_path: .next\n  in: body\n"))
	if err != nil || p.Config.Pagination.In != "body" {
		t.Fatalf("%v %v", p, err)
	}
	if !strings.Contains(string(Format(p)), "in: body") {
		t.Errorf("Format drops in: body:\n%s", Format(p))
	}
}
