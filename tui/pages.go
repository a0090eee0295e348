package tui

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
)

// pageCapacity bounds the pages whose details the inspector keeps.
const pageCapacity = 300

// pageInfo is one fetched page as the inspector shows it.
type pageInfo struct {
	ingest.PageFetched // without its Sample: records live in the preview
	marks              []string
}

// pagesView is the page inspector: one row per page, and a page's request
// and response.
type pagesView struct {
	pages   *ring[pageInfo]
	pending map[int][]string // marks for pages not fetched yet
	cursor  int
	top     int
	follow  bool

	detail     bool
	detailPage pageInfo
	detailView viewport.Model
}

func newPagesView() pagesView {
	return pagesView{pages: newRing[pageInfo](pageCapacity), pending: map[int][]string{}, follow: true}
}

func (v pagesView) add(p ingest.PageFetched) {
	p.Sample = nil
	// The preview is a slice of the page's whole body: copy it, so that
	// the inspector's pages hold 16 KiB each, not their bodies.
	p.Response.Body = bytes.Clone(p.Response.Body)
	info := pageInfo{PageFetched: p, marks: v.pending[p.Page]}
	delete(v.pending, p.Page)
	v.pages.push(info)
}

// mark notes an anomaly or drift on a page, fetched or not yet.
func (v pagesView) mark(page int, what string) {
	for pos := v.pages.end() - 1; pos >= v.pages.first(); pos-- {
		if p := v.pages.ptr(pos); p.Page == page {
			p.marks = append(p.marks, what)
			return
		}
	}
	if len(v.pending) >= pageCapacity {
		clear(v.pending) // marks for pages that never came; keep memory bounded
	}
	v.pending[page] = append(v.pending[page], what)
}

func (v pagesView) current() int {
	first, end := v.pages.first(), v.pages.end()
	if v.follow {
		return max(end-1, first)
	}
	return min(max(v.cursor, first), max(end-1, first))
}

func (v pagesView) update(msg tea.KeyMsg, k KeyMap, st Styles, width, height int) (pagesView, tea.Cmd) {
	if v.detail {
		if keyMatches(msg, k.Back) {
			v.detail = false
			return v, nil
		}
		var cmd tea.Cmd
		v.detailView, cmd = v.detailView.Update(msg)
		return v, cmd
	}
	first, end := v.pages.first(), v.pages.end()
	rows := max(height-1, 1)
	cur := v.current()
	if moved, ok := moveCursor(msg, k, cur, first, end, rows); ok {
		cur = moved
	}
	switch {
	case keyMatches(msg, k.Enter):
		if p, ok := v.pages.at(cur); ok {
			v.detail, v.detailPage = true, p
			v.detailView = viewport.New(width, max(height-1, 1))
			v.detailView.SetContent(strings.Join(pageDetail(st, p, width), "\n"))
		}
		return v, nil
	}
	v.cursor, v.follow, v.top = placeCursor(cur, first, end, v.top, rows)
	return v, nil
}

// selectedRequest is the request of the page on show, for copying.
func (v pagesView) selectedRequest() (ingest.PageRequest, bool) {
	if !v.detail {
		return ingest.PageRequest{}, false
	}
	return v.detailPage.Request, true
}

func (v pagesView) view(st Styles, width, height int) string {
	if v.detail {
		dv := v.detailView
		dv.Width, dv.Height = width, max(height-1, 1)
		title := st.Subtle.Render(cut(fmt.Sprintf("page %d · %d%% · c copies the request as curl · esc back", v.detailPage.Page, int(dv.ScrollPercent()*100)), width))
		return title + "\n" + dv.View()
	}
	first, end := v.pages.first(), v.pages.end()
	if first == end {
		return st.Subtle.Render(fmt.Sprintf("No pages yet: the last %d pages show here with their requests and responses.", pageCapacity))
	}
	rows := max(height-1, 1)
	cur := v.current()
	top := scrollTop(v.top, cur, rows)
	if v.follow {
		top = max(end-rows, first)
	}
	top = min(max(top, first), max(end-rows, first))
	lines := []string{st.Header.Render(cut(fmt.Sprintf("  %5s %4s %3s %7s %9s %5s  %s", "page", "HTTP", "try", "time", "bytes", "recs", "cursor in → out   marks"), width))}
	for pos := top; pos < end && pos < top+rows; pos++ {
		p, _ := v.pages.at(pos)
		text := pageRow(p)
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

// pageRow is a page's line in the inspector.
func pageRow(p pageInfo) string {
	cursor := shortCursor(p.CursorIn) + " → " + shortCursor(p.CursorOut)
	if p.StopReason != "" {
		cursor = shortCursor(p.CursorIn) + " → stop: " + p.StopReason
	}
	marks := ""
	if len(p.marks) > 0 {
		marks = "  ⚠ " + strings.Join(p.marks, "; ")
	}
	return fmt.Sprintf("%5d %4d %3d %7s %9s %5d  %s%s", p.Page, p.Status, p.Attempts, formatDuration(p.Duration), formatBytes(p.Bytes), p.Records, cursor, marks)
}

func shortCursor(c string) string {
	if c == "" {
		return "–"
	}
	return cut(c, 18)
}

// pageDetail is a page's request and response as lines: headers sorted,
// the body pretty-printed and highlighted when it is JSON.
func pageDetail(st Styles, p pageInfo, width int) []string {
	lines := []string{
		st.Title.Render(fmt.Sprintf("Page %d", p.Page)) + st.Subtle.Render(fmt.Sprintf(" · HTTP %d · %d attempt(s) · %s · %s · %d records", p.Status, p.Attempts, formatDuration(p.Duration), formatBytes(p.Bytes), p.Records)),
		"cursor " + shortCursor(p.CursorIn) + " → " + shortCursor(p.CursorOut),
	}
	if p.StopReason != "" {
		lines = append(lines, "stopped here: "+p.StopReason)
	}
	for _, m := range p.marks {
		lines = append(lines, st.Warn.Render("⚠ "+m))
	}
	req, resp := p.Request, p.Response
	lines = append(lines, "", st.Header.Render("Request"), req.Method+" "+req.URL)
	lines = append(lines, httpHeaderLines(req.Headers)...)
	lines = append(lines, "", st.Header.Render(fmt.Sprintf("Response %d", resp.Status)))
	lines = append(lines, httpHeaderLines(resp.Headers)...)
	note := fmt.Sprintf("Body (%s)", formatBytes(resp.BodyBytes))
	if int64(len(resp.Body)) < resp.BodyBytes {
		note = fmt.Sprintf("Body (first %s of %s)", formatBytes(int64(len(resp.Body))), formatBytes(resp.BodyBytes))
	}
	lines = append(lines, "", st.Header.Render(note))
	body := string(resp.Body)
	if looksLikeJSON(resp.ContentType, resp.Body) {
		lines = append(lines, highlightJSON(indentJSON(resp.Body), st)...)
	} else {
		for _, l := range strings.Split(body, "\n") {
			lines = append(lines, cut(l, width))
		}
	}
	if int64(len(resp.Body)) < resp.BodyBytes {
		lines = append(lines, st.Faint.Render("… cut here; the whole body is in the output folder's pages/ (with raw_pages)"))
	}
	return lines
}

func httpHeaderLines(h map[string]string) []string {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, n+": "+h[n])
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
