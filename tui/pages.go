package tui

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"siphon/ingest"
	"siphon/ingest/termsafe"
)

// pageInfo is one fetched page as the inspector shows it.
type pageInfo struct {
	ingest.PageFetched // without its Sample: records live in the preview
	marks              []string
}

// pagesPane is the page inspector: one row per page; enter opens a page's
// request and response.
type pagesPane struct {
	env   *env
	sess  *runSession
	list  scrollList[pageInfo]
	width int
	shift int // cells scrolled sideways (left/right), for rows wider than the screen
}

func newPagesPane(e *env, s *runSession) pagesPane {
	return pagesPane{env: e, sess: s, list: newScrollList[pageInfo](s.pages, true, false)}
}

func (v pagesPane) Update(msg tea.KeyMsg, c *ctx) (pagesPane, tea.Cmd) {
	if l, ok := v.list.Update(msg, v.env.keys); ok {
		v.list = l
		return v, nil
	}
	if n, ok := sideways(msg, v.env.keys, v.shift); ok {
		v.shift = n
		return v, nil
	}
	if key.Matches(msg, v.env.keys.Replay) {
		r, cmd := newReplayPane(v.env, v.sess)
		return v, then(push(r), cmd)
	}
	if key.Matches(msg, v.env.keys.Enter) {
		if p, ok := v.list.Selected(); ok {
			d := newPageDetail(v.env, v.sess, p, v.width)
			return v, then(push(d), d.readTail())
		}
	}
	return v, nil
}

func (v pagesPane) SetSize(width, height int) pagesPane {
	v.width, v.list = width, v.list.SetHeight(height-1) // under the column header
	return v
}

func (v pagesPane) ShortHelp() []key.Binding  { return v.help().ShortHelp() }
func (v pagesPane) FullHelp() [][]key.Binding { return v.help().FullHelp() }
func (v pagesPane) help() bindings            { return v.env.keys.PagesHelp(v.sess.live()) }

func (v pagesPane) View() string {
	st, width := v.env.styles, v.width
	if v.list.Len() == 0 {
		return st.Subtle.Render(fmt.Sprintf("No pages yet: the last %d pages show here with their requests and responses.", pageCapacity))
	}
	top, end := v.list.Window()
	cur := v.list.Current()
	header := fmt.Sprintf("%5s %4s %3s %7s %9s %5s  %s", "page", "HTTP", "try", "time", "bytes", "recs", "cursor in → out   marks")
	lines := []string{st.Header.Render(cut("  "+shifted(header, v.shift), width))}
	for pos := top; pos < end; pos++ {
		p, _ := v.list.rows.at(pos)
		text := shifted(pageRow(p), v.shift)
		if pos == cur {
			lines = append(lines, "› "+st.Selected.Render(cut(text, width-2)))
			continue
		}
		line := "  " + cut(text, width-2)
		if len(p.marks) > 0 {
			line = "  " + st.Warn.Render(cut(text, width-2))
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// pageRow is a page's line in the inspector. Cursors, the stop reason and
// the marks are the API's words: cleaned before they are measured.
func pageRow(p pageInfo) string {
	cursor := shortCursor(p.CursorIn) + " → " + shortCursor(p.CursorOut)
	if p.StopReason != "" {
		cursor = shortCursor(p.CursorIn) + " → stop: " + termsafe.Line(p.StopReason)
	}
	marks := ""
	if len(p.marks) > 0 {
		marks = "  ⚠ " + termsafe.Line(strings.Join(p.marks, "; "))
	}
	return fmt.Sprintf("%5d %4d %3d %7s %9s %5d  %s%s", p.Page, p.Status, p.Attempts, formatDuration(p.Duration), formatBytes(p.Bytes), p.Records, cursor, marks)
}

// shortCursor is a cursor as the server sent it, cleaned and cut short.
func shortCursor(c string) string {
	if c == "" {
		return "–"
	}
	return cut(termsafe.Line(c), 18)
}

// pageDetail is a page's request and response as lines: headers sorted,
// the body pretty-printed and highlighted when it is JSON. Everything in it
// but the numbers came from the API (or the profile): each is cleaned
// before it is styled or cut.
//
// A body longer than the event's preview ends with the archived body's
// last bytes (tail, read from the output folder), so that what is at the
// end of a page (its pagination block) can be seen.
func pageDetail(st Styles, p pageInfo, width int, tail bodyTail) []string {
	lines := []string{
		st.Title.Render(fmt.Sprintf("Page %d", p.Page)) + st.Subtle.Render(fmt.Sprintf(" · HTTP %d · %s · %s · %s · %s", p.Status, counted(p.Attempts, "attempt", "attempts"), formatDuration(p.Duration), formatBytes(p.Bytes), counted(p.Records, "record", "records"))),
		"cursor " + shortCursor(p.CursorIn) + " → " + shortCursor(p.CursorOut),
	}
	if p.StopReason != "" {
		lines = append(lines, "stopped here: "+termsafe.Line(p.StopReason))
	}
	for _, m := range p.marks {
		lines = append(lines, st.Warn.Render("⚠ "+termsafe.Line(m)))
	}
	req, resp := p.Request, p.Response
	lines = append(lines, "", st.Header.Render("Request"))
	// The whole URL, wrapped: its end (the cursor, the page) is often what
	// matters, and a cut one loses it.
	lines = append(lines, strings.Split(ansi.Hardwrap(termsafe.Line(req.Method+" "+req.URL), max(width, 1), false), "\n")...)
	lines = append(lines, httpHeaderLines(req.Headers)...)
	lines = append(lines, "", st.Header.Render(fmt.Sprintf("Response %d", resp.Status)))
	lines = append(lines, httpHeaderLines(resp.Headers)...)
	note := fmt.Sprintf("Body (%s)", formatBytes(resp.BodyBytes))
	if int64(len(resp.Body)) < resp.BodyBytes {
		note = fmt.Sprintf("Body (first %s of %s)", formatBytes(int64(len(resp.Body))), formatBytes(resp.BodyBytes))
	}
	lines = append(lines, "", st.Header.Render(note))
	isJSON := looksLikeJSON(resp.ContentType, resp.Body)
	if isJSON {
		lines = append(lines, highlightJSON(indentJSON(resp.Body), st)...) // cleaned there
	} else {
		for _, l := range strings.Split(termsafe.Text(string(resp.Body)), "\n") {
			lines = append(lines, cut(l, width))
		}
	}
	if shown := int64(len(resp.Body)); shown < resp.BodyBytes {
		lines = append(lines, tailLines(st, tail, shown, resp.BodyBytes, isJSON, width)...)
	}
	return lines
}

// tailLines is the end of a body cut after its first shown bytes: what
// was skipped, then the archived body's last bytes, laid out as the
// start was; or why the end cannot show.
func tailLines(st Styles, t bodyTail, shown, size int64, isJSON bool, width int) []string {
	switch {
	case !t.read:
		return []string{st.Faint.Render("… reading the body's end from the output folder's pages/ …")}
	case errors.Is(t.err, fs.ErrNotExist):
		return []string{st.Faint.Render("… cut here; the body was not archived (output.raw_pages is off, or its folder moved)")}
	case t.err != nil:
		return []string{st.Error.Render("… cut here; its end could not be read: " + oneLine(t.err.Error()))}
	}
	var lines []string
	frag := t.bytes
	if t.from > shown {
		lines = append(lines, st.Faint.Render(fmt.Sprintf("… %s skipped; the last %s (G: the end) …", formatBytes(t.from-shown), formatBytes(int64(len(frag))))))
		// Start at a boundary, not mid-line or mid-value.
		if i := bytes.IndexByte(frag, '\n'); i >= 0 && i < len(frag)-1 {
			frag = frag[i+1:]
		} else if i := bytes.IndexByte(frag, ','); isJSON && i >= 0 {
			frag = frag[i+1:]
		}
	}
	if isJSON {
		lines = append(lines, highlightJSON(indentJSON(frag), st)...) // cleaned there
	} else {
		for _, l := range strings.Split(termsafe.Text(string(frag)), "\n") {
			lines = append(lines, strings.Split(ansi.Hardwrap(l, max(width, 1), false), "\n")...)
		}
	}
	return append(lines, st.Faint.Render(fmt.Sprintf("— end of the body (%s) —", formatBytes(size))))
}

func httpHeaderLines(h map[string]string) []string {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, termsafe.Line(n+": "+h[n]))
	}
	return out
}

func looksLikeJSON(contentType string, body []byte) bool {
	if strings.Contains(contentType, "json") {
		return true
	}
	trimmed := strings.TrimSpace(string(body[:min(len(body), 64)]))
	return strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[")
}
