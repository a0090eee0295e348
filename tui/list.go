package tui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// rowSource is what a scrollList scrolls over: rows at absolute positions
// [first, end). A ring keeps its positions as old rows fall out, so a list
// holds its place while a run goes on.
type rowSource[T any] interface {
	span() (first, end int)
	at(pos int) (T, bool)
}

// sliceRows is a plain slice as a row source.
type sliceRows[T any] []T

func (s sliceRows[T]) span() (int, int) { return 0, len(s) }

func (s sliceRows[T]) at(pos int) (T, bool) {
	var zero T
	if pos < 0 || pos >= len(s) {
		return zero, false
	}
	return s[pos], true
}

// scrollList is the console's one scrolling list: a cursor (or, for a log,
// just a window), following the newest row until the user moves away, and
// a window of height rows: only those are ever rendered. It holds no rows
// of its own, so its memory is what its source bounds.
type scrollList[T any] struct {
	rows   rowSource[T]
	height int
	cursor int // absolute position of the selected row
	top    int // absolute position of the first row shown
	follow bool

	tail     bool // follow the newest row when the cursor reaches it
	noCursor bool // a log: the keys move the window, no row is selected
}

// newScrollList is a list over rows; tail makes it follow new rows (and
// start following), noCursor makes it a log.
func newScrollList[T any](rows rowSource[T], tail, noCursor bool) scrollList[T] {
	return scrollList[T]{rows: rows, height: 1, tail: tail, follow: tail, noCursor: noCursor}
}

// SetHeight sets the rows on screen.
func (l scrollList[T]) SetHeight(h int) scrollList[T] {
	l.height = max(h, 1)
	return l
}

// SetRows swaps the source (a filter's results for the whole ring) and
// starts at its top, or following its tail.
func (l scrollList[T]) SetRows(rows rowSource[T], follow bool) scrollList[T] {
	l.rows, l.cursor, l.top, l.follow = rows, 0, 0, follow
	return l
}

// Select puts the cursor on a position.
func (l scrollList[T]) Select(pos int) scrollList[T] {
	first, end := l.rows.span()
	l.cursor = clamp(pos, first, max(end-1, first))
	l.follow = l.tail && end > first && l.cursor >= end-1
	return l
}

// Len is the number of rows on offer.
func (l scrollList[T]) Len() int {
	first, end := l.rows.span()
	return end - first
}

// Current is the cursor's position: the newest row while following.
func (l scrollList[T]) Current() int {
	first, end := l.rows.span()
	if l.follow {
		return max(end-1, first)
	}
	return clamp(l.cursor, first, max(end-1, first))
}

// Selected is the row under the cursor.
func (l scrollList[T]) Selected() (T, bool) { return l.rows.at(l.Current()) }

// Window is the positions shown: [top, end).
func (l scrollList[T]) Window() (top, end int) {
	first, last := l.rows.span()
	h := l.height
	switch {
	case l.follow:
		top = max(last-h, first)
	case l.noCursor:
		top = l.top
	default:
		top = scrollTop(l.top, l.Current(), h)
	}
	top = clamp(top, first, max(last-h, first))
	return top, min(top+h, last)
}

// Position says where the list is when not every row shows: "11/12", the
// cursor's row of all (for a log, the last row shown); "" when all show.
func (l scrollList[T]) Position() string {
	n := l.Len()
	if n <= l.height {
		return ""
	}
	first, _ := l.rows.span()
	at := l.Current()
	if l.noCursor {
		_, end := l.Window()
		at = end - 1
	}
	return fmt.Sprintf("%d/%d", at-first+1, n)
}

// Update moves the cursor (or the window) for a movement key of k; ok is
// false for any other key.
func (l scrollList[T]) Update(msg tea.KeyMsg, k KeyMap) (scrollList[T], bool) {
	first, end := l.rows.span()
	h := l.height
	at := l.Current()
	if l.noCursor {
		at, _ = l.Window()
	}
	switch {
	case key.Matches(msg, k.Up):
		at--
	case key.Matches(msg, k.Down):
		at++
	case key.Matches(msg, k.PageUp):
		at -= h
	case key.Matches(msg, k.PageDown):
		at += h
	case key.Matches(msg, k.Top):
		at = first
	case key.Matches(msg, k.Bottom):
		if l.noCursor {
			l.follow = true
			return l, true
		}
		at = end - 1
	default:
		return l, false
	}
	if l.noCursor {
		l.top = clamp(at, first, max(end-h, first))
		l.follow = l.tail && l.top >= end-h
		return l, true
	}
	l.cursor = clamp(at, first, max(end-1, first))
	l.follow = l.tail && l.cursor >= end-1
	l.top = scrollTop(l.top, l.cursor, h)
	return l, true
}

// scrollTop moves a window of size rows so that cursor is in it.
func scrollTop(top, cursor, size int) int {
	if cursor < top {
		return cursor
	}
	if cursor >= top+size {
		return cursor - size + 1
	}
	return max(top, 0)
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }
