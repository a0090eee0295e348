package tui

import (
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"siphon/ingest"
	"siphon/ingest/spec"
	"siphon/ingest/termsafe"
)

// sentinel is what the secret variables hold while the copied commands
// run: it must never show in what the shell hands curl, but where the
// profile's own reference is.
const sentinel = "SENTINEL-SECRET-7f3a"

// shellArgs runs a copied curl command through bash, with curl a function
// that prints its arguments, and returns them as the shell expanded them.
// marker is a file that a command substitution in the command would make.
func shellArgs(t *testing.T, command, marker string) []string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash on this machine")
	}
	script := `curl() { for a in "$@"; do printf '%s\0' "$a"; done; }` + "\n" + command + "\n"
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", script)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "AWS_SECRET_ACCESS_KEY=" + sentinel, "TOKEN=" + sentinel + "-token", "MARKER=" + marker}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("bash: %v: %s\ncommand: %s", err, stderr.String(), command)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatalf("the command ran a substitution: %s", command)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}

// TestCurlKeepsServerTextLiteral copies requests whose URL, cursor,
// headers and body hold what a hostile server sends, runs each command
// through bash with the secret variables set, and checks that curl gets
// exactly the text the run sent: nothing expanded, nothing run, and no
// secret in sight.
func TestCurlKeepsServerTextLiteral(t *testing.T) {
	profileRefs := map[string]string{"headers.authorization": "Bearer ${TOKEN}", "params.api_key": "${TOKEN}"}
	cases := []struct {
		name string
		req  ingest.PageRequest
	}{
		{"secret in a next link's cursor", ingest.PageRequest{URL: "http://127.0.0.1:1/v1?cursor=${AWS_SECRET_ACCESS_KEY}&limit=3"}},
		{"the profile's own variable echoed in a cursor", ingest.PageRequest{URL: "http://127.0.0.1:1/v1?cursor=${TOKEN}&api_key=REDACTED"}},
		{"bare $VAR in a path", ingest.PageRequest{URL: "http://127.0.0.1:1/$AWS_SECRET_ACCESS_KEY/x"}},
		{"command substitution in a link", ingest.PageRequest{URL: "http://127.0.0.1:1/v1?c=$(touch${IFS}$MARKER)&d=`touch $MARKER`"}},
		{"quote breaking out of a link", ingest.PageRequest{URL: "http://127.0.0.1:1/v1?c=x'$(touch $MARKER)'y"}},
		{"cursor in a header", ingest.PageRequest{URL: "http://127.0.0.1:1/v1", Headers: map[string]string{"X-Cursor": "${AWS_SECRET_ACCESS_KEY}'; touch \"$MARKER\"; '"}}},
		{"a profile header with a server's value", ingest.PageRequest{URL: "http://127.0.0.1:1/v1", Headers: map[string]string{"Authorization": "Bearer ${AWS_SECRET_ACCESS_KEY}"}}},
		{"cursor in a POST body", ingest.PageRequest{Method: "POST", URL: "http://127.0.0.1:1/v1", Body: `{"cursor":"${AWS_SECRET_ACCESS_KEY}","x":"$(touch $MARKER)"}`}},
		{"escape sequences in a header", ingest.PageRequest{URL: "http://127.0.0.1:1/v1", Headers: map[string]string{"X-Cursor": "\x1b]52;c;cm0gLXJmIH4gIyBwd25lZA==\x07\x1b[2J"}}},
		{"C1, bidi and a raw 0x9b in a body", ingest.PageRequest{Method: "POST", URL: "http://127.0.0.1:1/v1", Body: "a\u009b2J\u009d0;t\u009c\u202eb\x9bc'"}},
		{"history expansion and globs", ingest.PageRequest{URL: "http://127.0.0.1:1/v1?q=!!*?[a]{b,c}~"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			marker := filepath.Join(t.TempDir(), "ran")
			command := curlCommand(c.req, profileRefs)
			if !termsafe.Safe(command) {
				t.Errorf("the command carries controls to the clipboard: %q", command)
			}
			args := shellArgs(t, command, marker)
			if joined := strings.Join(args, " "); strings.Contains(joined, sentinel) {
				t.Fatalf("a secret was expanded: %q\ncommand: %s", joined, command)
			}
			want := []string{}
			if c.req.Method != "" && c.req.Method != "GET" {
				want = append(want, "-X", c.req.Method)
			}
			for _, name := range slices.Sorted(maps.Keys(c.req.Headers)) {
				want = append(want, "-H", name+": "+c.req.Headers[name])
			}
			if c.req.Body != "" {
				want = append(want, "--data-raw", c.req.Body)
			}
			want = append(want, c.req.URL)
			if !slices.Equal(args, want) {
				t.Errorf("curl got\n %q\nwant\n %q\ncommand: %s", args, want, command)
			}
		})
	}
}

// TestCurlExpandsTheProfilesReferences checks the other side: where the
// request shows the profile's reference, the shell fills it in.
func TestCurlExpandsTheProfilesReferences(t *testing.T) {
	refs := map[string]string{"headers.authorization": "Bearer ${TOKEN}", "params.api_key": "${TOKEN}"}
	req := ingest.PageRequest{URL: "http://127.0.0.1:1/v1?api_key=${TOKEN}&cursor=${TOKEN}",
		Headers: map[string]string{"Authorization": "Bearer ${TOKEN}", "X-Echo": "${TOKEN}"}}
	args := shellArgs(t, curlCommand(req, refs), filepath.Join(t.TempDir(), "ran"))
	want := []string{"-H", "Authorization: Bearer " + sentinel + "-token", "-H", "X-Echo: ${TOKEN}",
		"http://127.0.0.1:1/v1?api_key=" + sentinel + "-token&cursor=${TOKEN}"}
	if !slices.Equal(args, want) {
		t.Errorf("curl got\n %q\nwant\n %q", args, want)
	}
}

func TestRequestReferences(t *testing.T) {
	cfg := spec.Config{ShownAs: map[string]string{"headers.X-Team": "${TEAM}", "params.org": "${ORG}", "body.token": "${B}"}}
	got := RequestReferences(cfg)
	want := map[string]string{"headers.x-team": "${TEAM}", "params.org": "${ORG}"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	if RequestReferences(spec.Config{}) != nil {
		t.Error("a profile without references should give none")
	}
}
