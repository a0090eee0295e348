package tui

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// screen is one layer of the console. The root keeps screens in a stack:
// the top one has the keys and the help, the topmost one that is not a
// question draws the body, and every screen sees the other messages
// (results of commands), taking those that are its own.
//
// Each screen is a concrete type with Update(msg, *ctx) returning its own
// type, View, SetSize and a help.KeyMap; update and resize are the one-line
// adapters that put it in the stack.
type screen interface {
	update(msg tea.Msg, c *ctx) (screen, tea.Cmd)
	resize(width, height int) screen
	View() string
	help.KeyMap
	// crumbs is the title's path with this screen on it.
	crumbs(path []string) []string
	// typing says the screen takes every key (a text field or a question
	// has the focus): q and ? are then its own.
	typing() bool
	// prompt is a question for the status line; the screen below then
	// draws the body.
	prompt() string
	// session is the run the screen shows, whose header goes above it.
	session() *runSession
	// scrolled is where the screen's list is ("11/12") when it does not
	// all show, for the title line; "" otherwise.
	scrolled() string
}

// plain gives a screen the answers most screens give.
type plain struct{}

func (plain) typing() bool               { return false }
func (plain) prompt() string             { return "" }
func (plain) session() *runSession       { return nil }
func (plain) scrolled() string           { return "" }
func (plain) crumbs(p []string) []string { return p }

// env is what every screen reads and none changes: keys, styles, clock,
// the console's options, the terminal (for the clipboard and the bell),
// and the session's runs (which only the root adds to).
type env struct {
	opts   Options
	keys   KeyMap
	styles Styles
	now    func() time.Time
	term   io.Writer // where OSC sequences go; nil: no terminal
	runs   *runSet
	// listen reads a run's next events (waitEvents); the model tests,
	// which hand the events in themselves, read none.
	listen func(s *runSession) tea.Cmd
}

// newInput is a one-line text field in the console's styles.
func (e *env) newInput(prompt, placeholder string) textinput.Model {
	in := textinput.New()
	in.Prompt, in.Placeholder = prompt, placeholder
	in.PlaceholderStyle = e.styles.Faint
	in.Cursor.Style = e.styles.Selected
	in.Cursor.SetMode(cursor.CursorStatic) // no blink: a frame changes only when something does
	return in
}

// inputView draws a text field without the padding textinput adds to
// its width.
func inputView(in textinput.Model) string { return strings.TrimRight(in.View(), " ") }

// ctx is what a screen's Update reads: keys, styles, clock, options and
// the session's runs. A screen changes nothing outside itself through it:
// it asks the root for what it wants (open or close a screen, say
// something, start, open or stop a run, quit) by returning a command whose
// message is the ask (actions.go), and the root's Update handles each ask
// as it comes, in order, however many one key makes.
type ctx struct {
	*env
}

// question is a pending yes/no.
type question int

const (
	askQuit    question = iota // stop every live run and quit
	askStopRun                 // stop one run
	askFresh                   // start a profile over
)

// dialog asks a question in the status line and waits for y or n.
type dialog struct {
	plain
	keys KeyMap
	q    question
	item pickerItem  // askFresh: the profile
	sess *runSession // askStopRun: the run
	live int         // askQuit: how many runs are live
	// answered: y or n came; keys typed before the root closes the
	// question do not answer it twice.
	answered bool
}

func newDialog(k KeyMap, q question, it pickerItem) dialog { return dialog{keys: k, q: q, item: it} }

func (d dialog) Update(msg tea.Msg, c *ctx) (dialog, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok || d.answered {
		return d, nil // a question waits for its answer, and takes one
	}
	switch {
	case key.Matches(km, d.keys.Yes):
		d.answered = true
		switch d.q {
		case askQuit:
			return d, then(pop(), ask(quitMsg{}))
		case askStopRun:
			return d, then(pop(), ask(stopMsg{d.sess}))
		case askFresh:
			return d, then(pop(), startAsk(d.item, true))
		}
		return d, pop()
	case key.Matches(km, d.keys.No):
		d.answered = true
		return d, pop()
	}
	return d, nil
}

func (d dialog) update(msg tea.Msg, c *ctx) (screen, tea.Cmd) { return d.Update(msg, c) }
func (d dialog) SetSize(int, int) dialog                      { return d }
func (d dialog) resize(w, h int) screen                       { return d.SetSize(w, h) }
func (d dialog) View() string                                 { return "" }
func (d dialog) typing() bool                                 { return true }
func (d dialog) ShortHelp() []key.Binding                     { return d.keys.ConfirmHelp().ShortHelp() }
func (d dialog) FullHelp() [][]key.Binding                    { return d.keys.ConfirmHelp().FullHelp() }

func (d dialog) prompt() string {
	switch d.q {
	case askQuit:
		if d.live > 1 {
			return fmt.Sprintf("Stop the %d live runs and quit? Every checkpoint is saved; start them again to resume. (y/n)", d.live)
		}
		return "Stop the run and quit? Its checkpoint is saved; start it again to resume. (y/n)"
	case askStopRun:
		return "Stop " + d.item.profile.Name + "? Its checkpoint is saved; R or enter in the profiles resumes it. (y/n)"
	}
	what := "Start " + d.item.profile.Name + " over?"
	if cp := d.item.cp; cp != nil && cp.Done {
		what = fmt.Sprintf("%s is complete (%s). Start over?", d.item.profile.Name, counted(cp.Pages, "page", "pages"))
	} else if done, total := d.item.partsDone(); total > 0 && done == total {
		what = fmt.Sprintf("%s is complete (%d %s). Start over?", d.item.profile.Name, total, plural(total, "partition", "partitions"))
	}
	return what + " The old output is moved aside, not deleted. (y/n)"
}
