package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/x/ansi"
)

// helpLine is the short help fitted to width: the screen's keys in their
// order, the last ones dropped until the line fits, but "? help" kept
// (it lists the rest). Nothing is ever cut mid-word.
func helpLine(st Styles, bs []key.Binding, width int) string {
	const sep = " • "
	var items []string
	helpItem := ""
	for _, b := range bs {
		if !b.Enabled() || b.Help().Key == "" {
			continue
		}
		item := st.Key.Render(b.Help().Key) + " " + st.Subtle.Render(b.Help().Desc)
		if b.Help().Key == "?" {
			helpItem = item
			continue
		}
		items = append(items, item)
	}
	room := width
	if helpItem != "" {
		room -= ansi.StringWidth(helpItem) + len(sep)
	}
	var kept []string
	used := 0
	for _, it := range items {
		w := ansi.StringWidth(it)
		if len(kept) > 0 {
			w += len(sep)
		}
		if used+w > room {
			break
		}
		kept, used = append(kept, it), used+w
	}
	if helpItem != "" {
		kept = append(kept, helpItem)
	}
	return cut(strings.Join(kept, st.Faint.Render(sep)), width)
}

// helpTable is the full help in columns, side by side while they fit in
// width; the columns that do not fit go in a block beneath, so that no
// key is lost off the right edge.
func helpTable(st Styles, groups [][]key.Binding, width int) string {
	type column struct {
		lines []string
		width int
	}
	var cols []column
	for _, g := range groups {
		keyW := 0
		for _, b := range g {
			if b.Enabled() {
				keyW = max(keyW, ansi.StringWidth(b.Help().Key))
			}
		}
		var c column
		for _, b := range g {
			if !b.Enabled() {
				continue
			}
			line := st.Key.Render(fit(b.Help().Key, keyW)) + " " + st.Subtle.Render(b.Help().Desc)
			c.lines = append(c.lines, line)
			c.width = max(c.width, ansi.StringWidth(line))
		}
		if len(c.lines) > 0 {
			c.width = min(c.width, width)
			cols = append(cols, c)
		}
	}
	const gap = 3
	var blocks []string
	for len(cols) > 0 {
		n, used := 0, 0
		for n < len(cols) && (n == 0 || used+gap+cols[n].width <= width) {
			if n > 0 {
				used += gap
			}
			used += cols[n].width
			n++
		}
		rows := 0
		for _, c := range cols[:n] {
			rows = max(rows, len(c.lines))
		}
		var block []string
		for r := range rows {
			var b strings.Builder
			for i, c := range cols[:n] {
				cell := ""
				if r < len(c.lines) {
					cell = c.lines[r]
				}
				if i < n-1 {
					b.WriteString(fit(cell, c.width) + strings.Repeat(" ", gap))
				} else {
					b.WriteString(cut(cell, c.width))
				}
			}
			block = append(block, strings.TrimRight(b.String(), " "))
		}
		blocks = append(blocks, strings.Join(block, "\n"))
		cols = cols[n:]
	}
	return strings.Join(blocks, "\n\n")
}
