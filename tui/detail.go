package tui

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"siphon/ingest/termsafe"
)

// detail is one record's or one page's whole text, or one whole message
// (an event, a past run, a copied command), scrolled in a viewport. A
// page's detail copies its request as curl and opens the selector
// playground on its body.
type detail struct {
	plain
	env    *env
	sess   *runSession
	title  string
	suffix string    // what the title line says after the scroll position
	page   *pageInfo // nil for a record
	text   string    // a message, wrapped to the width ("" for laid-out content)
	tail   bodyTail  // a page's: its archived body's end
	pageW  int       // a page's: the width it was laid out for
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

// newTextDetail shows a whole message, cleaned of controls and wrapped to
// the screen's width (again whenever the width changes): nothing is cut.
func newTextDetail(e *env, s *runSession, title, text string) detail {
	d := newDetail(e, s, title, "esc back", "", nil)
	d.text = termsafe.Text(text)
	return d
}

// newPageDetail shows a page's request and response; a body longer than
// its preview shows its end once readTail's command has read it.
func newPageDetail(e *env, s *runSession, p pageInfo, width int) detail {
	d := newDetail(e, s, fmt.Sprintf("page %d", p.Page), "c copies the request as curl · esc back", "", &p)
	d.pageW = width
	d.tail.read = !d.cut()
	if d.cut() && (s == nil || s.out == "") {
		d.tail = bodyTail{read: true, err: fs.ErrNotExist} // no folder to read it from
	}
	d.vp.SetContent(strings.Join(pageDetail(e.styles, p, width, d.tail), "\n"))
	return d
}

// cut says the page's body is longer than what its event carried.
func (d detail) cut() bool {
	return d.page != nil && int64(len(d.page.Response.Body)) < d.page.Response.BodyBytes
}

// readTail reads the end of a cut body from the output folder.
func (d detail) readTail() tea.Cmd {
	if d.tail.read {
		return nil
	}
	return readBodyTail(d.sess.out, d.page.Page, int64(len(d.page.Response.Body)))
}

// bodyReadMsg is a page's archived body, read for the playground.
type bodyReadMsg struct {
	page int
	file string // where the archive keeps it, relative to the output folder
	body []byte
	err  error
}

func (d detail) Update(msg tea.Msg, c *ctx) (detail, tea.Cmd) {
	k := d.env.keys
	switch msg := msg.(type) {
	case bodyTailMsg:
		if d.page != nil && d.sess != nil && msg.page == d.page.Page && msg.out == d.sess.out && !d.tail.read {
			d.tail = msg.tail
			if len(d.page.Response.Body) == 0 && len(msg.tail.head) > 0 {
				page := *d.page // a past run's page: its start came with its end
				page.Response.Body = msg.tail.head
				d.page = &page
			}
			d.vp.SetContent(strings.Join(pageDetail(d.env.styles, *d.page, d.pageW, d.tail), "\n"))
		}
	case bodyReadMsg:
		if d.page != nil && msg.page == d.page.Page {
			pg := newPlayground(d.env, d.sess, *d.page, msg.file, msg.body, msg.err)
			pg, cmd := pg.evaluate()
			return d, then(push(pg), cmd)
		}
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, k.Back):
			return d, pop()
		case key.Matches(msg, k.Pause):
			d.sess.togglePause()
		case key.Matches(msg, k.Copy) && d.page != nil:
			return d, copyCurl(c, d.sess, *d.page)
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

func (d detail) SetSize(width, height int) detail {
	d.vp.Width, d.vp.Height = width, max(height-1, 1)
	if d.text != "" {
		d.vp.SetContent(ansi.Wrap(d.text, max(width, 1), ""))
	}
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
