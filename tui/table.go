package tui

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"siphon/ingest/termsafe"
)

// tableRow is one record as table cells, its fields in the record's order.
type tableRow struct {
	keys  []string
	cells map[string]string
}

// valueColumn names the single column of rows that are not objects.
const valueColumn = "value"

// parseRow splits a record into cells: strings bare, anything else as
// compact JSON. A record that is not an object is one "value" cell. Field
// names and values are the API's: both are cleaned onto one line here, so
// the table's widths count what the terminal shows.
func parseRow(raw json.RawMessage) tableRow {
	dec := json.NewDecoder(bytes.NewReader(raw))
	row := tableRow{cells: map[string]string{}}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		row.keys, row.cells[valueColumn] = []string{valueColumn}, cellText(raw)
		return row
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		name, _ := tok.(string)
		name = termsafe.Line(name)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			break
		}
		if _, dup := row.cells[name]; !dup {
			row.keys = append(row.keys, name)
		}
		row.cells[name] = cellText(val)
	}
	return row
}

func cellText(raw json.RawMessage) string {
	var s string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return oneLine(s)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return termsafe.Line(buf.String()) // strings in it may hold C1, bidi or bytes that are not UTF-8
	}
	return oneLine(string(raw))
}

// columns is the union of the rows' fields, in order of first appearance,
// the primary key's fields first: a row is found by its key.
func columns(rows []tableRow, primaryKey []string) []string {
	seen := map[string]bool{}
	var cols []string
	for _, k := range primaryKey {
		if k = termsafe.Line(k); !seen[k] && anyHas(rows, k) {
			seen[k] = true
			cols = append(cols, k)
		}
	}
	for _, r := range rows {
		for _, k := range r.keys {
			if !seen[k] {
				seen[k] = true
				cols = append(cols, k)
			}
		}
	}
	return cols
}

func anyHas(rows []tableRow, col string) bool {
	for _, r := range rows {
		if _, ok := r.cells[col]; ok {
			return true
		}
	}
	return false
}

const (
	maxCellWidth = 28
	cellGap      = 2
)

// renderTable draws rows with a header, the columns from firstCol on that
// fit in width, the primary key's first; selected is the index of the
// highlighted row.
func renderTable(st Styles, rows []tableRow, primaryKey []string, selected, firstCol, width int) []string {
	cols := columns(rows, primaryKey)
	firstCol = min(firstCol, max(len(cols)-1, 0))
	widths := map[string]int{}
	for _, c := range cols {
		w := ansi.StringWidth(c)
		for _, r := range rows {
			w = max(w, ansi.StringWidth(r.cells[c]))
		}
		widths[c] = min(w, maxCellWidth)
	}
	// The columns that fit, at least one.
	var shown []string
	used := 2
	for _, c := range cols[firstCol:] {
		if len(shown) > 0 && used+widths[c] > width {
			break
		}
		shown = append(shown, c)
		used += widths[c] + cellGap
	}
	more := ""
	if firstCol+len(shown) < len(cols) {
		more = " →"
	}
	if firstCol > 0 {
		more = " ←" + more
	}
	line := func(cells func(c string) string) string {
		var b strings.Builder
		for i, c := range shown {
			if i > 0 {
				b.WriteString(strings.Repeat(" ", cellGap))
			}
			b.WriteString(fit(cells(c), widths[c]))
		}
		return b.String()
	}
	header := "  " + line(func(c string) string { return c })
	out := []string{st.Header.Render(cut(header, width-len(more))) + st.Faint.Render(more)}
	for i, r := range rows {
		text := cut(line(func(c string) string { return r.cells[c] }), width-2)
		if i == selected {
			out = append(out, "› "+st.Selected.Render(text))
		} else {
			out = append(out, "  "+text)
		}
	}
	return out
}
