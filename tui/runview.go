package tui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
	"siphon/ingest/partition"
)

// pane is what the run view shows below the run's header.
type pane int

const (
	paneOverview pane = iota
	paneEvents
	paneRecords
	panePages
)

// runView shows one run: the overview (the latest events) or one of its
// panes (the event log, the records, the pages), switched like tabs so that
// each keeps its place. Details and editors open over it in the stack.
type runView struct {
	plain
	env     *env
	sess    *runSession
	pane    pane
	log     logPane // the overview's tail and the events pane share it
	records recordsPane
	pages   pagesPane
	parts   partsPane // a partitioned run's overview: the table of partitions
	hasPart bool

	width, height int
}

func newRunView(e *env, s *runSession) runView {
	v := runView{env: e, sess: s, log: newLogPane(e, s), records: newRecordsPane(e, s), pages: newPagesPane(e, s)}
	if _, ok := s.partitioned(); ok {
		v.parts, v.hasPart = newPartsPane(e, s), true
	}
	return v
}

// table says the overview is the table of partitions.
func (r runView) table() bool { return r.hasPart && r.pane == paneOverview }

func (r runView) Update(msg tea.Msg, c *ctx) (runView, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return r, nil
	}
	if r.typing() {
		return r.toPane(km, c)
	}
	k := r.env.keys
	var cmd tea.Cmd
	switch {
	case r.table() && (key.Matches(km, k.Pause) || key.Matches(km, k.Restart)):
		return r.toPane(km, c)
	case r.hasPart && key.Matches(km, k.PauseAll) && !r.sess.live():
		cmd = pauseRun(c, r.sess)
	case r.hasPart && key.Matches(km, k.PauseAll):
		if r.sess.live() {
			r.sess.togglePause()
			if r.sess.pauseWanted {
				cmd = say("pausing every partition after its page", false)
			} else {
				cmd = say("resuming every partition", false)
			}
		}
	case key.Matches(km, k.Pause):
		cmd = pauseRun(c, r.sess)
	case key.Matches(km, k.Stop) && r.sess.parent != nil:
		cmd = say("x stops the whole run: esc back to it first", false)
	case key.Matches(km, k.Stop):
		cmd = askStop(c, r.sess)
	case key.Matches(km, k.Restart) && r.sess.parent != nil:
		cmd = retryPartition(c, r.sess.parent, ingest.PartitionSnapshot{Partition: partition.Partition{Key: r.sess.partKey}, Snapshot: r.sess.snap})
	case key.Matches(km, k.Restart):
		cmd = resumeRun(c, r.sess)
	case key.Matches(km, k.Runs):
		cmd = ask(toRunsMsg{})
	case key.Matches(km, k.History):
		h := newHistoryScreen(r.env, r.sess.profile)
		cmd = then(push(h), h.load())
	case key.Matches(km, k.State):
		s, read := newStateScreen(r.env, r.sess.profile.Name, r.sess.out)
		cmd = then(push(s), read)
	case key.Matches(km, k.Events):
		r = r.show(paneEvents)
	case key.Matches(km, k.Records):
		r = r.show(paneRecords)
	case key.Matches(km, k.Pages):
		r = r.show(panePages)
	case key.Matches(km, k.Back):
		switch {
		case r.pane == paneRecords && r.records.filter != "":
			r.records = r.records.clearFilter()
		case r.table() && r.parts.filter.text() != "":
			r.parts = r.parts.clearFilter()
		case r.pane != paneOverview:
			r = r.show(paneOverview)
		default:
			cmd = pop() // the run goes on
		}
	default:
		return r.toPane(km, c)
	}
	return r, cmd
}

// show switches to a pane, or back to the overview from it.
func (r runView) show(p pane) runView {
	if r.pane == p {
		p = paneOverview
	}
	r.pane = p
	return r.SetSize(r.width, r.height)
}

func (r runView) toPane(msg tea.KeyMsg, c *ctx) (runView, tea.Cmd) {
	var cmd tea.Cmd
	switch r.pane {
	case paneOverview, paneEvents:
		if r.table() {
			r.parts, cmd = r.parts.Update(msg, c)
			return r, cmd
		}
		r.log, cmd = r.log.Update(msg, c)
	case paneRecords:
		r.records, cmd = r.records.Update(msg, c)
	case panePages:
		r.pages, cmd = r.pages.Update(msg, c)
	}
	return r, cmd
}

func (r runView) SetSize(width, height int) runView {
	r.width, r.height = width, height
	logHeight := height
	if r.pane == paneOverview {
		logHeight-- // under the hint
	}
	r.log = r.log.SetSize(width, max(logHeight, 1))
	r.records = r.records.SetSize(width, height)
	r.pages = r.pages.SetSize(width, height)
	if r.hasPart {
		r.parts = r.parts.SetSize(width, height)
	}
	return r
}

func (r runView) update(msg tea.Msg, c *ctx) (screen, tea.Cmd) { return r.Update(msg, c) }
func (r runView) resize(w, h int) screen                       { return r.SetSize(w, h) }
func (r runView) session() *runSession                         { return r.sess }
func (r runView) typing() bool {
	return r.pane == paneRecords && r.records.typing || r.table() && r.parts.filter.typing
}

func (r runView) crumbs([]string) []string {
	path := []string{r.sess.profile.Name}
	if p := r.sess.parent; p != nil {
		path = []string{p.profile.Name, r.sess.partKey}
	}
	switch r.pane {
	case paneEvents:
		path = append(path, "events")
	case paneRecords:
		path = append(path, "records")
	case panePages:
		path = append(path, "pages")
	}
	return path
}

func (r runView) ShortHelp() []key.Binding  { return r.help().ShortHelp() }
func (r runView) FullHelp() [][]key.Binding { return r.help().FullHelp() }

func (r runView) help() help.KeyMap {
	switch r.pane {
	case paneEvents:
		return r.log
	case paneRecords:
		return r.records
	case panePages:
		return r.pages
	}
	if r.hasPart {
		return r.parts.help()
	}
	if r.sess.parent != nil {
		h := r.env.keys.RunHelp(r.sess.live(), r.sess.snap.State == ingest.StateFailed && r.sess.parent.live())
		h.short[0] = relabel(h.short[0], "pause/resume partition")
		return h
	}
	return r.env.keys.RunHelp(r.sess.live(), r.sess.resumable())
}

func (r runView) View() string {
	switch r.pane {
	case paneEvents:
		return r.log.View()
	case paneRecords:
		return r.records.View()
	case panePages:
		return r.pages.View()
	}
	if r.hasPart {
		return r.parts.View()
	}
	// The overview: what to do next, then the latest events.
	hint := "Recent events (e: full log · r: records · i: pages · esc: back, the run goes on)"
	switch {
	case r.sess.from != "":
		hint = "A past run, read from " + r.sess.from + " (r: last records · i: pages · e: events rebuilt from history · R: resume if it failed or stopped)"
	case r.sess.resumable():
		hint = "The run has ended (R: resume · esc: back · r: records · i: pages · e: full log)"
	case r.sess.ended:
		hint = "The run has ended (esc: back · r: records · i: pages · e: full log)"
	}
	return r.env.styles.Subtle.Render(cut(hint, r.width)) + "\n" + r.log.View()
}
