package tui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
)

// recordCapacity bounds the records the preview keeps, however long the run.
const recordCapacity = 500

// recordsView is the table of the latest records, with a jq filter over
// them and the pretty JSON of one.
type recordsView struct {
	records *ring[json.RawMessage]
	cursor  int // absolute position (records) or index (filter results)
	top     int
	follow  bool
	col     int // first column shown

	input     lineInput
	typing    bool
	filter    string
	results   []json.RawMessage // the filter's output, when filtering
	filterErr string

	detail     bool
	detailView viewport.Model
}

func newRecordsView() recordsView {
	in := lineInput{prompt: "jq> ", placeholder: `select(.id > 10) | {id, name}`}
	return recordsView{records: newRing[json.RawMessage](recordCapacity), follow: true, input: in}
}

// addLatest keeps a batch of pages' records, oldest page first. Only the
// last recordCapacity of them can stay, so only those are copied (copied,
// so that a page's body is not held alive).
func (v recordsView) addLatest(samples [][]json.RawMessage) {
	skip := -recordCapacity
	for _, s := range samples {
		skip += len(s)
	}
	v.records.drop(skip) // positions still count every record received
	for _, sample := range samples {
		if skip >= len(sample) {
			skip -= len(sample)
			continue
		}
		for _, rec := range sample[max(skip, 0):] {
			v.records.push(bytes.Clone(rec))
		}
		skip = 0
	}
}

// span is the range of row positions on offer.
func (v recordsView) span() (first, end int) {
	if v.filter != "" {
		return 0, len(v.results)
	}
	return v.records.first(), v.records.end()
}

func (v recordsView) row(pos int) (json.RawMessage, bool) {
	if v.filter != "" {
		if pos < 0 || pos >= len(v.results) {
			return nil, false
		}
		return v.results[pos], true
	}
	return v.records.at(pos)
}

// current is the cursor's position, following the newest row if asked.
func (v recordsView) current() int {
	first, end := v.span()
	if v.follow {
		return max(end-1, first)
	}
	return min(max(v.cursor, first), max(end-1, first))
}

func (v recordsView) update(msg tea.KeyMsg, k KeyMap, st Styles, width, height int) (recordsView, tea.Cmd) {
	switch {
	case v.typing:
		return v.updateInput(msg)
	case v.detail:
		if keyMatches(msg, k.Back) {
			v.detail = false
			return v, nil
		}
		var cmd tea.Cmd
		v.detailView, cmd = v.detailView.Update(msg)
		return v, cmd
	}
	first, end := v.span()
	rows := max(height-1, 1)
	cur := v.current()
	if moved, ok := moveCursor(msg, k, cur, first, end, rows); ok {
		cur = moved
	}
	switch {
	case keyMatches(msg, k.Left):
		v.col = max(v.col-1, 0)
	case keyMatches(msg, k.Right):
		v.col++
	case keyMatches(msg, k.Filter):
		v.typing, v.input.focused = true, true
		v.input.setValue(v.filter)
		return v, nil
	case keyMatches(msg, k.Enter):
		if rec, ok := v.row(cur); ok {
			v.detail = true
			v.detailView = viewport.New(width, height-1)
			v.detailView.SetContent(strings.Join(highlightJSON(indentJSON(rec), st), "\n"))
			v.detailView.SetYOffset(0)
		}
		return v, nil
	}
	v.cursor, v.follow, v.top = placeCursor(cur, first, end, v.top, rows)
	return v, nil
}

func (v recordsView) updateInput(msg tea.KeyMsg) (recordsView, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEsc:
		v.typing, v.input.focused = false, false
		return v, nil
	case tea.KeyEnter:
		v.typing, v.input.focused = false, false
		return v.applyFilter(strings.TrimSpace(v.input.text())), nil
	}
	v.input, _ = v.input.update(msg)
	return v, nil
}

// applyFilter runs a jq filter over the records held now; an empty filter
// clears it. A bad filter keeps the table as it was and says why.
func (v recordsView) applyFilter(expr string) recordsView {
	v.filterErr = ""
	if expr == "" {
		v.filter, v.results, v.follow = "", nil, true
		return v
	}
	results, err := runJQ(expr, v.records.values())
	if err != nil {
		v.filterErr = err.Error()
		return v
	}
	v.filter, v.results, v.cursor, v.top, v.follow = expr, results, 0, 0, false
	return v
}

// clearFilter is esc on a filtered table.
func (v recordsView) clearFilter() recordsView { return v.applyFilter("") }

func (v recordsView) view(st Styles, width, height int) string {
	var head []string
	if v.typing {
		head = append(head, v.input.view(st, width))
	} else if v.filter != "" {
		head = append(head, st.Status.Render(cut(fmt.Sprintf("jq %s → %d results from the %d records held (/ to change, esc to clear)", v.filter, len(v.results), v.records.len()), width)))
	}
	if v.filterErr != "" {
		head = append(head, st.Error.Render(cut("jq: "+oneLine(v.filterErr), width)))
	}
	height -= len(head)
	if v.detail {
		dv := v.detailView
		dv.Width, dv.Height = width, max(height-1, 1)
		title := st.Subtle.Render(cut(fmt.Sprintf("record %d · %d%% · esc back", v.current()+1, int(dv.ScrollPercent()*100)), width))
		return strings.Join(append(head, title, dv.View()), "\n")
	}
	first, end := v.span()
	if first == end {
		msg := "No records yet: the latest " + fmt.Sprint(recordCapacity) + " show here as they arrive."
		if v.filter != "" {
			msg = "The filter matched nothing."
		}
		return strings.Join(append(head, st.Subtle.Render(msg)), "\n")
	}
	rows := max(height-1, 1)
	cur := v.current()
	top := scrollTop(v.top, cur, rows)
	if v.follow {
		top = max(end-rows, first)
	}
	top = min(max(top, first), max(end-rows, first))
	var visible []tableRow
	for pos := top; pos < end && pos < top+rows; pos++ {
		raw, _ := v.row(pos)
		visible = append(visible, parseRow(raw))
	}
	table := renderTable(st, visible, cur-top, v.col, width)
	return strings.Join(append(head, table...), "\n")
}
