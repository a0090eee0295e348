package profiles

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"siphon/ingest/page"
)

// TestCompactLoadsTheSame: a compact profile holds no key at its default,
// and loads to the same configuration as the full one.
func TestCompactLoadsTheSame(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	if len(files) == 0 {
		t.Fatal("no profiles in testdata/valid")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			l := Loader{LookupEnv: env(testEnv), SkipSecrets: true, CheckExpr: page.Check}
			p, err := l.LoadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			out := Compact(p)
			for _, noise := range []string{"insecure_skip_verify: false", "max_pages: 0", "burst: 1\n", "requests_per_second: 0", "respect_headers: true"} {
				if strings.Contains(string(out), noise) {
					t.Errorf("the compact profile writes a default (%q):\n%s", noise, out)
				}
			}
			again, err := l.LoadBytes(filepath.Join(t.TempDir(), "compact.yaml"), out)
			if err != nil {
				t.Fatalf("the compact profile does not load: %v\n%s", err, out)
			}
			want, got := p.Config, again.Config
			want.ApplyDefaults()
			got.ApplyDefaults()
			want.ShownAs, got.ShownAs = nil, nil
			// nil and empty lists and maps load alike: compare what they say
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
				t.Errorf("compact round trip differs:\n got %+v\nwant %+v\n%s", got, want, out)
			}
		})
	}
}
