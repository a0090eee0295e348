package tui

import (
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// clipboardMsg says how a copy went: whether the terminal took the OSC 52
// sequence, and whether the command reached its file.
type clipboardMsg struct {
	err     error  // writing to the terminal
	saved   string // the file the command was saved to ("" when none)
	saveErr error
}

// copyCurl copies a page's request as a curl command three ways, since
// none alone is sure: to the terminal's clipboard (OSC 52, which a
// terminal, or tmux under its default set-clipboard external, may drop
// without a word, so siphon cannot know), onto a screen that shows the
// command to read and select, and into a file in siphon's cache folder,
// readable by the user only. The screen says where the file is and how to
// let OSC 52 through tmux.
func copyCurl(c *ctx, s *runSession, p pageInfo) tea.Cmd {
	refs := s.profile.References
	script := curlScript(p.Request, refs)
	path := curlFile(c.env, s.profile.Name, p.Page)
	var b strings.Builder
	b.WriteString("Sent to the terminal's clipboard (OSC 52). A terminal may drop it without a word, and so does tmux unless its ~/.tmux.conf has: set -g set-clipboard on\n")
	if path != "" {
		fmt.Fprintf(&b, "Saved to %s (readable by you only).\n", path)
	} else {
		b.WriteString("Not saved: this system has no cache folder for siphon.\n")
	}
	b.WriteString("Secrets stay REDACTED; the profile's ${VAR} references are left for the shell to fill.\n\n")
	b.WriteString(script)
	where := ""
	if path != "" {
		where = ", saved to " + path
	}
	term := c.env.term
	command := curlCommand(p.Request, refs)
	return then(
		push(newTextDetail(c.env, s, fmt.Sprintf("page %d's request as curl", p.Page), b.String())),
		say(fmt.Sprintf("copied page %d's request as a curl command (OSC 52%s; secrets stay REDACTED)", p.Page, where), false),
		func() tea.Msg {
			msg := clipboardMsg{err: writeClipboard(term, command)}
			if path != "" {
				msg.saved, msg.saveErr = path, saveCommand(path, script+"\n")
			}
			return msg
		})
}

// cacheDir is siphon's cache folder: Options.CacheDir, else the user's
// cache folder's siphon ("" when the system has none).
func (e *env) cacheDir() string {
	if e.opts.CacheDir != "" {
		return e.opts.CacheDir
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "siphon")
}

// curlFile is where a page's copied command is saved: one file per
// profile and page, named from the profile's name in safe letters.
func curlFile(e *env, profile string, page int) string {
	dir := e.cacheDir()
	if dir == "" {
		return ""
	}
	name := strings.Map(func(r rune) rune {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return r
		}
		return '_'
	}, profile)
	return filepath.Join(dir, "curl", fmt.Sprintf("%s-page-%d.sh", strings.TrimLeft(name, "."), page))
}

// saveCommand writes the command to a new file (0600) and renames it over
// path: a link planted at path is replaced, never followed.
func saveCommand(path, text string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".curl-*")
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}

// writeClipboard sends text to the terminal's clipboard (OSC 52). Bubble
// Tea v1 has no message for it, so the command writes the sequence itself,
// in one write: it moves no cursor, so the renderer's frame stays as drawn.
func writeClipboard(term io.Writer, text string) error {
	if term == nil {
		return fmt.Errorf("no terminal to copy through")
	}
	_, err := io.WriteString(term, osc52(text))
	return err
}

// osc52 is the terminal sequence that puts text on the clipboard.
func osc52(text string) string {
	return "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(text)) + "\a"
}
