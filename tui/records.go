package tui

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest/store"
	"siphon/ingest/termsafe"
)

// recordsPane is the table of the latest records, with a jq filter over
// them; enter opens a record's pretty JSON.
type recordsPane struct {
	env  *env
	sess *runSession
	list scrollList[json.RawMessage]
	col  int // first column shown

	input     textinput.Model
	typing    bool
	filter    string
	filterErr string
	built     int // results the filter built rather than kept from a record

	width, height int
}

func newRecordsPane(e *env, s *runSession) recordsPane {
	return recordsPane{env: e, sess: s, list: newScrollList[json.RawMessage](s.records, true, false),
		input: e.newInput("jq> ", `select(.id > 10) | {id, name}`)}
}

func (v recordsPane) Update(msg tea.KeyMsg, c *ctx) (recordsPane, tea.Cmd) {
	k := v.env.keys
	if v.typing {
		switch {
		case key.Matches(msg, k.Back):
			v.typing = false
			v.input.Blur()
			return v.sized(), nil
		case key.Matches(msg, k.Enter):
			v.typing = false
			v.input.Blur()
			return v.applyFilter(strings.TrimSpace(v.input.Value())), nil
		}
		var cmd tea.Cmd
		v.input, cmd = v.input.Update(msg)
		return v, cmd
	}
	if l, ok := v.list.Update(msg, k); ok {
		v.list = l
		return v, nil
	}
	switch {
	case key.Matches(msg, k.Left):
		v.col = max(v.col-1, 0)
	case key.Matches(msg, k.Right):
		v.col++
	case key.Matches(msg, k.Filter):
		v.typing = true
		v.input.SetValue(v.filter)
		cmd := v.input.Focus()
		return v.sized(), cmd
	case key.Matches(msg, k.Enter):
		if rec, ok := v.list.Selected(); ok {
			st := v.env.styles
			title := fmt.Sprintf("record %d", v.list.Current()+1)
			return v, push(newDetail(v.env, v.sess, title, "esc back", strings.Join(highlightJSON(indentJSON(rec), st), "\n"), nil))
		}
	}
	return v, nil
}

// applyFilter runs a jq filter over the records held now; an empty filter
// clears it. A bad filter keeps the table as it was and says why.
func (v recordsPane) applyFilter(expr string) recordsPane {
	v.filterErr = ""
	if expr == "" {
		v.filter = ""
		v.list = v.list.SetRows(v.sess.records, true)
		return v.sized()
	}
	results, err := runJQ(expr, v.sess.records.values())
	if err != nil {
		v.filterErr = err.Error()
		return v.sized()
	}
	rows := make(sliceRows[json.RawMessage], len(results))
	v.built = 0
	for i, r := range results {
		rows[i] = r.raw
		if r.built {
			v.built++
		}
	}
	v.filter = expr
	v.list = v.list.SetRows(rows, false)
	return v.sized()
}

// clearFilter is esc on a filtered table.
func (v recordsPane) clearFilter() recordsPane { return v.applyFilter("") }

func (v recordsPane) SetSize(width, height int) recordsPane {
	v.width, v.height = width, height
	v.input.Width = max(width-len(v.input.Prompt)-1, 1)
	return v.sized()
}

// sized fits the table under its head lines and its header.
func (v recordsPane) sized() recordsPane {
	v.list = v.list.SetHeight(v.height - len(v.head()) - 1)
	return v
}

// head is the lines above the table: the filter being typed or applied,
// and a filter's error.
func (v recordsPane) head() []string {
	st, width := v.env.styles, v.width
	var head []string
	if v.typing {
		head = append(head, cut(inputView(v.input), width))
	} else if v.filter != "" {
		line := fmt.Sprintf("jq %s → %s from the %s held", v.filter, counted(v.list.Len(), "result", "results"), counted(v.sess.records.len(), "record", "records"))
		if v.built > 0 {
			// Kept values are the API's bytes; built ones are jq's.
			line += fmt.Sprintf(" (%d built by jq: keys in the record's order)", v.built)
		}
		head = append(head, st.Status.Render(cut(termsafe.Line(line+" (/ to change, esc to clear)"), width)))
	}
	if v.filterErr != "" {
		head = append(head, st.Error.Render(cut("jq: "+oneLine(v.filterErr), width)))
	}
	return head
}

func (v recordsPane) ShortHelp() []key.Binding  { return v.help().ShortHelp() }
func (v recordsPane) FullHelp() [][]key.Binding { return v.help().FullHelp() }

func (v recordsPane) help() bindings {
	if v.typing {
		return v.env.keys.FilterHelp()
	}
	return v.env.keys.ListHelp(true, true, true, v.sess.live())
}

func (v recordsPane) View() string {
	st := v.env.styles
	head := v.head()
	if v.list.Len() == 0 {
		msg := "No records yet: the latest " + fmt.Sprint(recordCapacity) + " show here as they arrive."
		switch {
		case v.filter != "":
			msg = "The filter matched nothing."
		case v.sess.from != "":
			name := store.RecordsFile
			if store.Scheme(v.sess.from) != "" {
				name = "records-*.jsonl" // object stores write segments
			}
			msg = "No records in " + v.sess.from + "/" + name + "."
		}
		return strings.Join(append(head, st.Subtle.Render(msg)), "\n")
	}
	top, end := v.list.Window()
	var visible []tableRow
	for pos := top; pos < end; pos++ {
		raw, _ := v.list.rows.at(pos)
		visible = append(visible, parseRow(raw))
	}
	table := renderTable(st, visible, v.sess.profile.PrimaryKey, v.list.Current()-top, v.col, v.width)
	return strings.Join(append(head, table...), "\n")
}
