package curlimport_test

import (
	"bytes"
	"strings"
	"testing"

	"siphon/ingest/page"
	"siphon/profiles"
	"siphon/profiles/curlimport"
)

// FuzzParse checks that Parse never panics, that what it returns loads as
// a profile, and that a secret it found is in neither the YAML nor the
// notes.
func FuzzParse(f *testing.F) {
	for _, tc := range cases {
		f.Add(tc.command)
	}
	f.Fuzz(func(t *testing.T, command string) {
		res, err := curlimport.Parse(command, "fuzz")
		if err != nil {
			return
		}
		env := map[string]string{}
		for _, v := range res.Vars {
			env[v.Name] = "https://set.example" // fits anywhere, base_url too
			if v.Value != "" && !strings.ContainsAny(v.Value, "\r\n") {
				env[v.Name] = v.Value
			}
		}
		if _, err := (profiles.Loader{CheckExpr: page.Check, LookupEnv: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		}}).LoadBytes("fuzz.yaml", res.YAML); err != nil {
			t.Fatalf("the profile does not load: %v\n%s", err, res.YAML)
		}
		for _, v := range res.Vars {
			// A value found once in the command, where it was taken from,
			// has no innocent reason to be in the output. Short values
			// turn up anywhere by chance.
			if len(v.Value) < 8 || strings.Count(command, v.Value) != 1 {
				continue
			}
			if bytes.Contains(res.YAML, []byte(v.Value)) {
				t.Fatalf("the YAML holds the value of %s:\n%s", v.Name, res.YAML)
			}
			for _, n := range res.Notes {
				if strings.Contains(n, v.Value) {
					t.Fatalf("note %q holds the value of %s", n, v.Name)
				}
			}
		}
	})
}
