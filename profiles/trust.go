package profiles

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"siphon/ingest/termsafe"
)

// A profile found in a recipe, a gist or a colleague's repository is
// somebody else's text. What it may do beyond describing requests (read a
// file, run a command, write a file) it may do freely only inside its own
// folder and siphon's folders; anywhere else needs the user's word, given
// once per profile content (see Trust).

// AccessKind is what a profile does outside the requests it describes.
type AccessKind string

const (
	Reads  AccessKind = "reads"  // a file: reference, or a file a key names
	Runs   AccessKind = "runs"   // a cmd: reference
	Writes AccessKind = "writes" // a file siphon writes for the profile (a rotated token, the output folder)
	Sends  AccessKind = "sends"  // a ${VAR}, file: or cmd: value sent with requests
)

// Destination is where a sent value goes: base_url's origin, or the OAuth2
// token endpoint's.
type Destination string

const (
	ToBaseURL  Destination = "base_url"
	ToTokenURL Destination = "token_url"
)

// Access is one thing a profile does beyond its requests.
type Access struct {
	Kind  AccessKind
	Field string // the key, e.g. auth.client_secret
	What  string // the file's absolute path, the command, or the reference (${VAR}, file:PATH, cmd:…)
	// Contained: inside the profile's folder or siphon's own folders (or, for
	// the output folder, the working folder): needs no approval.
	Contained bool
	To        Destination // for Sends
}

// NeedsApproval reports whether this access waits for the user's word.
func (a Access) NeedsApproval() bool {
	return (a.Kind == Reads || a.Kind == Writes || a.Kind == Runs) && !a.Contained
}

// Describe is one line for a report: "reads /etc/passwd (auth.token)".
// Paths and commands come from the profile: the line is safe for a terminal.
func (a Access) Describe() string {
	what := termsafe.Line(a.What)
	switch a.Kind {
	case Runs:
		what = "`" + what + "`"
	case Sends:
		return fmt.Sprintf("sends %s (%s) to %s", what, a.Field, a.To)
	}
	return fmt.Sprintf("%s %s (%s)", a.Kind, what, a.Field)
}

// ApprovalError is returned by the loader for a profile that reads, runs or
// writes outside its folder and that the user has not approved. Nothing was
// read, run or written.
type ApprovalError struct {
	Path    string   // the profile file
	Pending []Access // what waits for approval
	// Profile is the profile as loaded without what waits (its Hash and
	// Accesses say what approval is for); its secrets are not all resolved.
	Profile *Profile
}

func (e *ApprovalError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "profile %s needs your approval before it runs: it", termsafe.Line(e.Path))
	for i, a := range e.Pending {
		if i > 0 {
			b.WriteString(";")
		}
		b.WriteString(" ")
		b.WriteString(a.Describe())
		switch a.Kind {
		case Runs:
			b.WriteString(", a command")
		default:
			b.WriteString(", outside its folder")
		}
	}
	fmt.Fprintf(&b, ". If you trust it, approve this content with: siphon profiles trust %s", shellQuote(e.Path))
	return b.String()
}

// shellQuote quotes a path for a command line only when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == '~' || r == '+' || r == ':' || r == '@' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(termsafe.Line(s), "'", `'\''`) + "'"
}

// ContentHash is what an approval is keyed by: a changed profile asks again.
func ContentHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// SiphonDirs are siphon's own folders: a profile may read and write there
// without approval (its config folder, with the saved profiles and tokens,
// and its cache folder).
func SiphonDirs() []string {
	var dirs []string
	if d, err := os.UserConfigDir(); err == nil {
		dirs = append(dirs, filepath.Join(d, "siphon"))
	}
	if d, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(d, "siphon"))
	}
	return dirs
}

// within reports whether path lies in dir (or is dir), both as written and
// with links resolved: a link in the profile's folder to ~/.ssh is outside.
func within(path, dir string) bool {
	if !lexicallyWithin(path, dir) {
		return false
	}
	rp, err1 := resolveExisting(path)
	rd, err2 := resolveExisting(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	return lexicallyWithin(rp, rd)
}

func lexicallyWithin(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)))
}

// resolveExisting resolves links in the longest part of p that exists, so
// a file not written yet is judged by the folder it will be written in.
func resolveExisting(p string) (string, error) {
	rest := ""
	for {
		r, err := filepath.EvalSymlinks(p)
		if err == nil {
			return filepath.Join(r, rest), nil
		}
		if !os.IsNotExist(err) {
			return "", err
		}
		parent := filepath.Dir(p)
		if parent == p {
			return "", err
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// profileFolderCounts says whether the profile's folder may stand for "its
// own folder": not the home folder, nor a folder above it (a profile saved
// in ~ must not thereby reach ~/.ssh), nor the root.
func profileFolderCounts(dir string) bool {
	if dir == "" || dir == string(filepath.Separator) {
		return false
	}
	if home, err := os.UserHomeDir(); err == nil && lexicallyWithin(home, dir) {
		return false
	}
	return true
}

// contained reports whether a profile in folder dir may read or write path
// without approval.
func contained(path, dir string) bool {
	if dir != "" && profileFolderCounts(dir) && within(path, dir) {
		return true
	}
	for _, d := range SiphonDirs() {
		if within(path, d) {
			return true
		}
	}
	return false
}

// outputContained reports whether the profile's output.dir stays where a
// run may write without approval: under the working folder (as relative
// paths do unless they climb out), the profile's folder or siphon's.
func outputContained(dir, profileDir string) bool {
	if !filepath.IsAbs(dir) && !strings.HasPrefix(dir, "~") {
		clean := filepath.Clean(dir)
		return clean != ".." && !strings.HasPrefix(clean, ".."+string(filepath.Separator))
	}
	abs := dir
	if strings.HasPrefix(dir, "~") {
		home, err := os.UserHomeDir()
		if err != nil {
			return false
		}
		abs = filepath.Join(home, dir[1:])
	}
	if wd, err := os.Getwd(); err == nil && within(abs, wd) && profileFolderCounts(wd) {
		return true
	}
	return contained(abs, profileDir)
}

// Accesses lists what the profile does beyond its requests, in a stable
// order: reads, runs, writes, then what it sends.
func (p *Profile) Accesses() []Access {
	out := append([]Access(nil), p.accesses...)
	order := map[AccessKind]int{Reads: 0, Runs: 1, Writes: 2, Sends: 3}
	sort.SliceStable(out, func(i, j int) bool { return order[out[i].Kind] < order[out[j].Kind] })
	return out
}

// Pending is what waits for approval.
func (p *Profile) Pending() []Access {
	var out []Access
	for _, a := range p.Accesses() {
		if a.NeedsApproval() {
			out = append(out, a)
		}
	}
	return out
}

// Origin is where a destination points for this profile as configured now
// (after --base-url), e.g. https://api.example.com.
func (p *Profile) Origin(to Destination) string {
	raw := p.Config.BaseURL
	if to == ToTokenURL {
		raw = p.Config.Auth.TokenURL
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return termsafe.Line(raw)
	}
	return u.Scheme + "://" + u.Host
}

// SendsLine names every environment variable, file and command whose value
// the profile sends, with its destination origin; "" when it sends none.
func (p *Profile) SendsLine() string {
	byDest := map[string][]string{}
	var dests []string
	seen := map[string]bool{}
	for _, a := range p.Accesses() {
		if a.Kind != Sends {
			continue
		}
		o := p.Origin(a.To)
		key := o + "\x00" + a.What
		if seen[key] {
			continue
		}
		seen[key] = true
		if _, ok := byDest[o]; !ok {
			dests = append(dests, o)
		}
		byDest[o] = append(byDest[o], termsafe.Line(a.What))
	}
	if len(dests) == 0 {
		return ""
	}
	parts := make([]string, 0, len(dests))
	for _, o := range dests {
		parts = append(parts, strings.Join(byDest[o], ", ")+" to "+o)
	}
	return "sends " + strings.Join(parts, "; ")
}
