package tui

import (
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
)

// detail is one record's or one page's whole text, scrolled in a viewport.
// A page's detail copies its request as curl and opens the selector
// playground on its body.
type detail struct {
	plain
	env    *env
	sess   *runSession
	title  string
	suffix string    // what the title line says after the scroll position
	page   *pageInfo // nil for a record
	vp     viewport.Model
}

func newDetail(e *env, s *runSession, title, suffix, content string, page *pageInfo) detail {
	vp := viewport.New(0, 0)
	k := e.keys
	vp.KeyMap = viewport.KeyMap{Up: k.Up, Down: k.Down, PageUp: k.PageUp, PageDown: k.PageDown, Left: k.Left, Right: k.Right,
		HalfPageUp: key.NewBinding(key.WithDisabled()), HalfPageDown: key.NewBinding(key.WithDisabled())}
	vp.SetContent(content)
	return detail{env: e, sess: s, title: title, suffix: suffix, page: page, vp: vp}
}

// bodyReadMsg is a page's archived body, read for the playground.
type bodyReadMsg struct {
	page int
	body []byte
	err  error
}

// clipboardMsg says whether a copy reached the terminal.
type clipboardMsg struct{ err error }

func (d detail) Update(msg tea.Msg, c *ctx) (detail, tea.Cmd) {
	k := d.env.keys
	switch msg := msg.(type) {
	case bodyReadMsg:
		if d.page != nil && msg.page == d.page.Page {
			pg := newPlayground(d.env, d.sess, *d.page, msg.body, msg.err)
			pg, cmd := pg.evaluate()
			c.push(pg)
			return d, cmd
		}
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, k.Back):
			c.pop()
		case key.Matches(msg, k.Pause):
			d.sess.togglePause()
		case key.Matches(msg, k.Copy) && d.page != nil:
			c.say(fmt.Sprintf("copied page %d's request as a curl command (OSC 52; secrets stay REDACTED)", d.page.Page), false)
			return d, copyToClipboard(d.env.term, curlCommand(d.page.Request, d.sess.profile.References))
		case key.Matches(msg, k.Selectors) && d.page != nil:
			return d, readBody(d.sess.out, d.page.Page)
		case key.Matches(msg, k.Top):
			d.vp.GotoTop()
		case key.Matches(msg, k.Bottom):
			d.vp.GotoBottom()
		default:
			var cmd tea.Cmd
			d.vp, cmd = d.vp.Update(msg)
			return d, cmd
		}
	}
	return d, nil
}

// bodyFile is where a run archives a page's body (output.raw_pages).
func bodyFile(out string, page int) string {
	return filepath.Join(out, "pages", fmt.Sprintf("%06d.body", page))
}

// readBody reads a page's archived body in a command: it can be big.
func readBody(out string, page int) tea.Cmd {
	return func() tea.Msg {
		body, err := os.ReadFile(bodyFile(out, page))
		return bodyReadMsg{page: page, body: body, err: err}
	}
}

// copyToClipboard sends text to the terminal's clipboard (OSC 52, which
// tmux and ssh pass on where the terminal allows it). Bubble Tea v1 has no
// message for it, so the command writes the sequence itself, in one write:
// it moves no cursor, so the renderer's frame stays as drawn.
func copyToClipboard(term io.Writer, text string) tea.Cmd {
	return func() tea.Msg {
		if term == nil {
			return clipboardMsg{err: fmt.Errorf("no terminal to copy through")}
		}
		_, err := io.WriteString(term, osc52(text))
		return clipboardMsg{err: err}
	}
}

// osc52 is the terminal sequence that puts text on the clipboard.
func osc52(text string) string {
	return "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(text)) + "\a"
}

func (d detail) SetSize(width, height int) detail {
	d.vp.Width, d.vp.Height = width, max(height-1, 1)
	return d
}

func (d detail) update(msg tea.Msg, c *ctx) (screen, tea.Cmd) { return d.Update(msg, c) }
func (d detail) resize(w, h int) screen                       { return d.SetSize(w, h) }
func (d detail) session() *runSession                         { return d.sess }
func (d detail) ShortHelp() []key.Binding                     { return d.env.keys.DetailHelp(d.page != nil).ShortHelp() }
func (d detail) FullHelp() [][]key.Binding                    { return d.env.keys.DetailHelp(d.page != nil).FullHelp() }

func (d detail) View() string {
	title := d.env.styles.Subtle.Render(cut(fmt.Sprintf("%s · %d%% · %s", d.title, int(d.vp.ScrollPercent()*100), d.suffix), d.vp.Width))
	return title + "\n" + d.vp.View()
}
