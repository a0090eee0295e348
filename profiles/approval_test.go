package profiles

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"siphon/ingest/page"
)

// stranger is the setting of a shared profile: a folder of its own, a home
// with secrets next to it, and siphon's config in a folder of the test's.
type stranger struct {
	home, profileDir, secret string
	approvals                *Approvals
}

func newStranger(t *testing.T) stranger {
	t.Helper()
	root := t.TempDir()
	s := stranger{
		home:       filepath.Join(root, "home"),
		profileDir: filepath.Join(root, "home", "src", "recipes"),
		approvals:  &Approvals{Path: filepath.Join(root, "config", "siphon", "approved.jsonl")},
	}
	t.Setenv("HOME", s.home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(root, "config"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(root, "cache"))
	s.secret = filepath.Join(s.home, ".ssh", "id_rsa")
	for _, d := range []string{s.profileDir, filepath.Dir(s.secret)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(s.secret, []byte("-----BEGIN PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.home, ".bashrc"), []byte("rt-in-bashrc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s stranger) load(t *testing.T, path string) (*Profile, error) {
	t.Helper()
	return Loader{CheckExpr: page.Check, Approvals: s.approvals, LookupEnv: env(map[string]string{"TOKEN": "t0ken-from-env"})}.LoadFile(path)
}

const oauthBase = `name: shared
base_url: https://api.example.com
records: .data
auth:
  type: oauth2
  grant: client_credentials
  token_url: https://auth.example.com/token
  client_id: app
`

// TestStrangersProfileIsContained: what a profile reads, runs or writes
// outside its folder waits for the user's approval, and nothing of it happens
// before.
func TestStrangersProfileIsContained(t *testing.T) {
	cases := []struct {
		name, yaml string
		pending    string // what the refusal must name
	}{
		{"file: to ~/.ssh", oauthBase + "  client_secret: file:~/.ssh/id_rsa\n", "reads HOME/.ssh/id_rsa (auth.client_secret)"},
		{"file: to /etc", "name: etc\nbase_url: https://api.example.com\nauth: {type: bearer, token: file:/etc/hostname}\n", "reads /etc/hostname (auth.token)"},
		{"file: to /proc/self/environ", "name: environ\nbase_url: https://api.example.com\nheaders: {X-Api-Key: file:/proc/self/environ}\n", "reads /proc/self/environ (headers.X-Api-Key)"},
		{"refresh token written outside", strings.Replace(oauthBase, "client_credentials", "refresh_token", 1) + "  client_secret: ${TOKEN}\n  refresh_token: file:~/.bashrc\n", "reads HOME/.bashrc (auth.refresh_token)"},
		{"cmd: anywhere", "name: cmd\nbase_url: https://api.example.com\nauth: {type: bearer, token: \"cmd:touch MARKER; echo tok\"}\n", "runs `touch MARKER; echo tok` (auth.token)"},
		{"output.dir outside", "name: out\nbase_url: https://api.example.com\noutput: {dir: ~/.config/autostart}\n", "writes ~/.config/autostart (output.dir)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStranger(t)
			marker := filepath.Join(s.profileDir, "MARKER")
			text := strings.ReplaceAll(c.yaml, "MARKER", marker)
			path := filepath.Join(s.profileDir, "shared.yaml")
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := s.load(t, path)
			var ae *ApprovalError
			if !errors.As(err, &ae) {
				t.Fatalf("loaded without approval: %v", err)
			}
			want := strings.ReplaceAll(strings.ReplaceAll(c.pending, "HOME", s.home), "MARKER", marker)
			if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "siphon profiles trust "+path) {
				t.Errorf("refusal does not name %q and the command:\n%v", want, err)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Fatal("a cmd: reference ran before approval")
			}

			// Approved, the same content loads; changed, it asks again.
			if err := s.approvals.ApproveFile(path); err != nil {
				t.Fatal(err)
			}
			if _, err := s.load(t, path); err != nil {
				t.Fatalf("approved profile refused: %v", err)
			}
			if err := os.WriteFile(path, []byte(text+"description: changed\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := s.load(t, path); !errors.As(err, &ae) {
				t.Fatalf("a changed profile did not ask again: %v", err)
			}
		})
	}
}

// TestOwnFolderNeedsNoApproval: references inside the profile's folder and
// siphon's folders are the profile's own; a link inside pointing out is not.
func TestOwnFolderNeedsNoApproval(t *testing.T) {
	s := newStranger(t)
	if err := os.WriteFile(filepath.Join(s.profileDir, "client.secret"), []byte("s3cret-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgDir := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "siphon")
	os.MkdirAll(cfgDir, 0o700)
	os.WriteFile(filepath.Join(cfgDir, "shared.token"), []byte("rt-value\n"), 0o600)
	path := filepath.Join(s.profileDir, "own.yaml")
	os.WriteFile(path, []byte(strings.Replace(oauthBase, "client_credentials", "refresh_token", 1)+
		"  client_secret: file:client.secret\n  refresh_token: file:"+filepath.Join(cfgDir, "shared.token")+"\noutput: {dir: data/shared}\n"), 0o600)
	p, err := s.load(t, path)
	if err != nil {
		t.Fatalf("own folder refused: %v", err)
	}
	if got := p.Config.Auth.ClientSecret.Reveal(); got != "s3cret-value" {
		t.Errorf("client secret %q", got)
	}
	if len(p.Pending()) != 0 {
		t.Errorf("pending %v", p.Pending())
	}

	// A link in the profile's folder to ~/.ssh is outside it.
	if err := os.Symlink(s.secret, filepath.Join(s.profileDir, "innocent.secret")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte(oauthBase+"  client_secret: file:innocent.secret\n"), 0o600)
	var ae *ApprovalError
	if _, err := s.load(t, path); !errors.As(err, &ae) {
		t.Fatalf("a link out of the folder was read without approval: %v", err)
	}
}

// TestProfileInHomeIsNotItsOwnFolder: a profile saved in ~ does not thereby
// reach everything under ~.
func TestProfileInHomeIsNotItsOwnFolder(t *testing.T) {
	s := newStranger(t)
	path := filepath.Join(s.home, "p.yaml")
	os.WriteFile(path, []byte(oauthBase+"  client_secret: file:.ssh/id_rsa\n"), 0o600)
	var ae *ApprovalError
	if _, err := s.load(t, path); !errors.As(err, &ae) {
		t.Fatalf("a profile in ~ read ~/.ssh without approval: %v", err)
	}
}

// TestTrustedContentNeedsNoApproval: built-in profiles are the binary's own.
func TestTrustedContentNeedsNoApproval(t *testing.T) {
	s := newStranger(t)
	data := []byte("name: cmd\nbase_url: https://api.example.com\nauth: {type: bearer, token: \"cmd:echo tok\"}\n")
	p, err := Loader{CheckExpr: page.Check, Approvals: s.approvals, Trusted: true}.LoadBytes(filepath.Join(s.profileDir, "b.yaml"), data)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Config.Auth.Token.Reveal(); got != "tok" {
		t.Errorf("token %q", got)
	}
}

// TestCmdReferences: a command's output is the secret; a command that fails,
// prints nothing, prints too much or hangs is a clear error naming the key.
func TestCmdReferences(t *testing.T) {
	defer func(old time.Duration) { CmdTimeout = old }(CmdTimeout)
	cases := []struct{ name, cmd, want string }{
		{"output", "printf 'abc\\n'", ""},
		{"fails", "echo 'vault: permission denied' >&2; exit 3", "failed (exit status 3): vault: permission denied"},
		{"silent", "true", "printed nothing"},
		{"hangs", "sleep 30", "did not finish within 300ms"},
		{"too much", "head -c 100000 /dev/zero | tr '\\0' x", "printed more than 64 KiB"},
		{"hostile stderr", "printf '\\033]52;c;eA==\\007oops' >&2; exit 1", `\u001b]52;c;eA==\u0007oops`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Only the hanging command meets the short bound: on a busy
			// machine the others take their time and must still finish.
			CmdTimeout = 30 * time.Second
			if c.name == "hangs" {
				CmdTimeout = 300 * time.Millisecond
			}
			s := newStranger(t)
			path := filepath.Join(s.profileDir, "c.yaml")
			os.WriteFile(path, []byte("name: c\nbase_url: https://api.example.com\nauth: {type: bearer, token: \"cmd:"+strings.ReplaceAll(c.cmd, `\`, `\\`)+"\"}\n"), 0o600)
			if err := s.approvals.ApproveFile(path); err != nil {
				t.Fatal(err)
			}
			p, err := s.load(t, path)
			if c.want == "" {
				if err != nil || p.Config.Auth.Token.Reveal() != "abc" {
					t.Fatalf("token: %v", err)
				}
				if strings.Contains(p.Config.Auth.Token.String(), "abc") {
					t.Error("a cmd: secret shows its value")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "auth.token") {
				t.Fatalf("want an error with %q at auth.token, got %v", c.want, err)
			}
			if strings.ContainsRune(err.Error(), 0x1b) {
				t.Errorf("a command's stderr reached the message raw: %q", err)
			}
		})
	}
}

// TestSendsLine names what leaves, and where.
func TestSendsLine(t *testing.T) {
	s := newStranger(t)
	os.WriteFile(filepath.Join(s.profileDir, "cs"), []byte("v\n"), 0o600)
	path := filepath.Join(s.profileDir, "s.yaml")
	os.WriteFile(path, []byte(strings.Replace(oauthBase, "client_id: app", "client_id: app\n  client_secret: file:cs", 1)+"headers: {X-Api-Key: \"${TOKEN}\"}\n"), 0o600)
	p, err := s.load(t, path)
	if err != nil {
		t.Fatal(err)
	}
	line := p.SendsLine()
	for _, want := range []string{"file:" + filepath.Join(s.profileDir, "cs") + " to https://auth.example.com", "${TOKEN} to https://api.example.com"} {
		if !strings.Contains(line, want) {
			t.Errorf("sends line %q lacks %q", line, want)
		}
	}
}

// TestOversizedProfileRefused: a profile over the bound is refused from its
// size, without parsing it.
func TestOversizedProfileRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("name: big\nbase_url: https://api.example.com\ndescription: \"")
	f.Write([]byte(strings.Repeat("x", MaxProfileSize)))
	f.WriteString("\"\n")
	f.Close()
	_, err = Loader{CheckExpr: page.Check}.LoadFile(path)
	if err == nil || !strings.Contains(err.Error(), "a profile is at most 1024 KiB") {
		t.Fatalf("got %v", err)
	}
}
