package curlimport_test

import (
	"strings"
	"testing"

	"siphon/profiles/curlimport"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, command, profile string
		want                   []string // substrings of the message
		never                  string   // must not be in the message
	}{
		{name: "empty", command: " \\\n ", want: []string{"the command is empty"}},
		{name: "no URL", command: "curl -sS -H 'Accept: application/json'", want: []string{"no URL found"}},
		{name: "only noise", command: "curl foo bar", want: []string{"no URL found"}},
		{name: "unclosed single quote", command: "curl https://x.example.com \\\n  -H 'Authorization: Bearer abcdefgh", want: []string{"unbalanced quotes", "'", "line 2, column 6", "'Authorization…"}, never: "abcdefgh"},
		{name: "unclosed double quote", command: `curl "https://x.example.com/a`, want: []string{"unbalanced quotes", "line 1, column 6", `(it starts "https://x.example.com/a)`}},
		{name: "unclosed ANSI-C quote", command: `curl https://x.example.com -d $'{"a":1}`, want: []string{"unbalanced quotes", "$'", "column 31"}},
		{name: "unclosed command substitution", command: `curl https://x.example.com -H "X-Id: $(uuidgen"`, want: []string{"$(", "never closed"}},
		{name: "unclosed quote in cmd", command: "curl ^\"https://x.example.com/^\" ^\n -H \"accept: json", want: []string{"unbalanced quotes", "line 2, column 5", `"accept…`}},
		{name: "not http", command: "curl ftp://user:hunter22@files.example.com/report.csv", want: []string{"unsupported URL", "ftp://REDACTED@files.example.com/report.csv", "line 1, column 6", "http and https"}, never: "hunter22"},
		{name: "file URL", command: "curl --url file:///etc/passwd", want: []string{"unsupported URL", `"file:///etc/passwd"`, "column 12"}},
		{name: "no host", command: "curl https:///v1/items", want: []string{"no host", "column 6"}},
		{name: "bad host", command: "curl 'https://exa mple.com/v1'", want: []string{"invalid host"}},
		{name: "bad profile name", command: "curl https://api.example.com", profile: "My Orders", want: []string{`invalid profile name "My Orders"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := curlimport.Parse(tc.command, tc.profile)
			if err == nil {
				t.Fatalf("no error; YAML:\n%s", res.YAML)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if tc.never != "" && strings.Contains(err.Error(), tc.never) {
				t.Errorf("error %q shows %q", err, tc.never)
			}
		})
	}
}

// TestNotes covers what is dropped or guessed without failing.
func TestNotes(t *testing.T) {
	tests := []struct {
		name, command string
		want          []string
	}{
		{"unknown options", "curl --frobnicate -Q1 https://api.example.com", []string{"dropped unknown option --frobnicate", "dropped -Q"}},
		{"option without value at the end", "curl https://api.example.com -H", []string{"ignored -H at the end"}},
		{"no scheme", "curl api.example.com/v1/items", []string{"no scheme: used http://"}},
		{"several URLs", "curl https://a.example.com https://b.example.com", []string{"2 URLs"}},
		{"--next", "curl https://a.example.com --next -d x=1 https://b.example.com", []string{"only the first request"}},
		{"data from a file", "curl https://api.example.com -d @body.json", []string{"dropped -d @file"}},
		{"multipart", "curl https://api.example.com -F file=@a.txt", []string{"dropped -F: multipart"}},
		{"HEAD", "curl -I https://api.example.com", []string{"dropped -I/--head"}},
		{"GET with a body", "curl -X GET https://es.example.com/_search -d '{\"query\":{}}'", []string{"curl sent GET with a body"}},
		{"redirection", "curl https://api.example.com > out.json 2>&1", []string{"redirection"}},
		{"fragment", "curl https://api.example.com/#/home", []string{"#fragment"}},
		{"repeated parameter", "curl 'https://api.example.com/?id=1&id=2'", []string{"keep their first value (a profile holds one per name): id"}},
		{"cert files", "curl --cacert ca.pem --cert c.pem --key k.pem https://api.example.com", []string{"dropped --cacert: set tls.ca_file", "dropped --cert", "dropped --key"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := curlimport.Parse(tc.command, "notes")
			if err != nil {
				t.Fatal(err)
			}
			load(t, res)
			all := strings.Join(res.Notes, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("no note says %q; notes:\n%s", w, all)
				}
			}
		})
	}
}
