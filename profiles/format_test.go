package profiles

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"siphon/ingest/page"
)

func TestFormatNeverShowsSecretsAndRoundTrips(t *testing.T) {
	files, err := filepath.Glob("testdata/valid/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata profiles: %v", err)
	}
	for _, file := range files {
		for _, skip := range []bool{false, true} {
			name := filepath.Base(file)
			if skip {
				name += "/skip-secrets"
			}
			t.Run(name, func(t *testing.T) {
				l := Loader{CheckExpr: page.Check, LookupEnv: env(testEnv), SkipSecrets: skip}
				p, err := l.LoadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				out := Format(p)
				for _, v := range secretValues {
					if strings.Contains(string(out), v) {
						t.Errorf("Format shows the secret value %q:\n%s", v, out)
					}
				}
				// Formatted elsewhere, it loads to the same config: paths are absolute.
				// (siphon approves the profiles it writes itself.)
				if err := DefaultApprovals().Approve(ContentHash(out), "formatted.yaml"); err != nil {
					t.Fatal(err)
				}
				again, err := l.LoadBytes(filepath.Join(t.TempDir(), "formatted.yaml"), out)
				if err != nil {
					t.Fatalf("formatted profile does not load: %v\n%s", err, out)
				}
				if !reflect.DeepEqual(again.Config, p.Config) {
					t.Errorf("round trip differs:\n got %+v\nwant %+v\n%s", again.Config, p.Config, out)
					assertSecretsEqual(t, again.Config.Secrets, p.Config.Secrets)
				}
				if second := Format(again); string(second) != string(out) {
					t.Errorf("Format is not stable:\n%s\nthen\n%s", out, second)
				}
			})
		}
	}
}

func TestFormatEscapesDollars(t *testing.T) {
	yaml := base + `description: "costs $$5, ${NOPE:-x}, $${LITERAL}"
records: '.items as $$x | $$x'
method: POST
body: {note: "$${not_a_ref}"}
`
	p, err := Loader{CheckExpr: page.Check, LookupEnv: env(nil)}.LoadBytes("t.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	if want := "costs $5, x, ${LITERAL}"; p.Config.Description != want {
		t.Fatalf("description = %q, want %q", p.Config.Description, want)
	}
	again, err := Loader{CheckExpr: page.Check, LookupEnv: env(nil)}.LoadBytes("t.yaml", Format(p))
	if err != nil {
		t.Fatalf("%v\n%s", err, Format(p))
	}
	if !reflect.DeepEqual(again.Config, p.Config) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", again.Config, p.Config)
	}
}

func TestFormatCanonical(t *testing.T) {
	p, err := Loader{CheckExpr: page.Check, LookupEnv: env(testEnv)}.LoadFile("testdata/valid/offset.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/format/offset.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := Format(p); string(got) != string(want) {
		t.Errorf("Format:\n%s\nwant (testdata/format/offset.yaml):\n%s", got, want)
	}
}

func TestFormatWithoutLoaderPutsReferencesBack(t *testing.T) {
	// A profile built in code has no record of how sensitive values were
	// written: Format swaps each known secret value for its reference.
	p, err := Loader{CheckExpr: page.Check, LookupEnv: env(testEnv)}.LoadFile("testdata/valid/cursor.yaml")
	if err != nil {
		t.Fatal(err)
	}
	built := &Profile{Config: p.Config}
	out := string(Format(built))
	if !strings.Contains(out, "Authorization: Bearer ${ORDERS_HEADER_TOKEN}") {
		t.Errorf("Authorization header not shown as its reference:\n%s", out)
	}
	for _, v := range secretValues {
		if strings.Contains(out, v) {
			t.Errorf("Format shows the secret value %q", v)
		}
	}
}

// Every value that came from a reference is written back as the reference,
// whatever its key is called; a value changed since loading is written as
// it is now.
func TestFormatKeepsEveryReference(t *testing.T) {
	vars := map[string]string{"TENANT": "acme-tenant-77", "XA": "xa-value-123", "SESS": "s1", "Q": "query-value-9", "HOST": "api.example.com"}
	src := `name: refs
base_url: https://${HOST}
path: /t/${TENANT}/items
method: POST
params: {session: "${SESS}", team: "${TENANT}", plain: "x"}
headers: {X-Auth: "${XA}", X-Session: "sess-${SESS}"}
body: {query: {id: "${Q}"}, ids: ["${Q}", "lit"]}
`
	p, err := Loader{CheckExpr: page.Check, LookupEnv: env(vars)}.LoadBytes("refs.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	out := string(Format(p))
	for _, want := range []string{"https://${HOST}", "/t/${TENANT}/items", "session: ${SESS}", "team: ${TENANT}", "X-Auth: ${XA}", "X-Session: sess-${SESS}", "id: ${Q}", "- ${Q}", "- lit", "plain: x"} {
		if !strings.Contains(out, want) {
			t.Errorf("Format lacks %q:\n%s", want, out)
		}
	}
	for _, v := range vars {
		if strings.Contains(out, v) {
			t.Errorf("Format shows the value %q:\n%s", v, out)
		}
	}
	// A value changed after loading (a probe's proposal) is the new value.
	p.Config.Params["team"] = "changed"
	if out := string(Format(p)); !strings.Contains(out, "team: changed") {
		t.Errorf("changed value not written:\n%s", out)
	}
}
