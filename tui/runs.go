package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
	"siphon/ingest/termsafe"
)

// runSet is every run of this console session, oldest first, live and
// ended. The root model and the screens share it: runs live beside the
// screens and go on whatever is shown.
type runSet struct {
	list []*runSession
	gen  int
	// starting is the profiles whose start is on its way (in a command):
	// a second enter meanwhile starts nothing more.
	starting map[string]bool
}

// add files a new run under the next generation.
func (rs *runSet) add(p Profile, r Runner, now time.Time) *runSession {
	rs.gen++
	s := newRunSession(p, r, rs.gen)
	s.startedAt = now
	rs.list = append(rs.list, s)
	return s
}

func (rs *runSet) byGen(gen int) *runSession {
	for _, s := range rs.list {
		if s.gen == gen {
			return s
		}
	}
	return nil
}

// liveFor is the live run of a profile, if any.
func (rs *runSet) liveFor(name string) *runSession {
	for _, s := range rs.list {
		if s.live() && s.profile.Name == name {
			return s
		}
	}
	return nil
}

// lastFor is a profile's newest run in this console, live or ended.
func (rs *runSet) lastFor(name string) *runSession {
	for i := len(rs.list) - 1; i >= 0; i-- {
		if rs.list[i].profile.Name == name {
			return rs.list[i]
		}
	}
	return nil
}

// latest is the newest run, if any.
func (rs *runSet) latest() *runSession {
	if len(rs.list) == 0 {
		return nil
	}
	return rs.list[len(rs.list)-1]
}

// counts are the live runs and the failed ones not since run again: a
// failure counts until a later run of its profile (a resume, a retry)
// takes its place.
func (rs *runSet) counts() (live, failed int) {
	for i, s := range rs.list {
		switch {
		case s.live():
			live++
		case s.failed() && !rs.rerun(i):
			failed++
		}
	}
	return live, failed
}

// rerun says a later run of the same profile followed run i.
func (rs *runSet) rerun(i int) bool {
	for _, later := range rs.list[i+1:] {
		if later.profile.Name == rs.list[i].profile.Name {
			return true
		}
	}
	return false
}

// anyLive says whether a run is still going.
func (rs *runSet) anyLive() bool {
	live, _ := rs.counts()
	return live > 0
}

// countsText is the title's tally: "2 live · 1 failed"; "" before any run.
func (rs *runSet) countsText() string {
	if len(rs.list) == 0 {
		return ""
	}
	live, failed := rs.counts()
	text := fmt.Sprintf("%d live", live)
	if failed > 0 {
		text += fmt.Sprintf(" · %d failed", failed)
	}
	return text
}

// runsList is every run of the session: state, progress, ETA, rate,
// retries, last error and output folder; a filter by state (or name).
type runsList struct {
	plain
	env    *env
	list   scrollList[*runSession]
	filter filterLine
	width  int
	height int
}

const runsItemHeight = 2

func newRunsList(e *env, selected *runSession) runsList {
	l := runsList{env: e, filter: newFilterLine(e, "state: ", "running, sleeping, retrying, paused, stopped, done, failed (or a name)")}
	l.list = newScrollList[*runSession](sliceRows[*runSession](nil), false, false)
	l = l.refilter()
	if selected != nil {
		l = l.selectRun(selected)
	}
	return l
}

// shown is the runs the filter keeps, newest first.
func (l runsList) shown() sliceRows[*runSession] {
	needle := l.filter.needle()
	var out sliceRows[*runSession]
	list := l.env.runs.list
	for i := len(list) - 1; i >= 0; i-- {
		s := list[i]
		hay := strings.ToLower(s.word() + " " + s.profile.Name)
		if needle == "" || strings.Contains(hay, needle) {
			out = append(out, s)
		}
	}
	return out
}

// refilter takes the runs again (states change, runs start) and keeps the
// cursor on the same run while it shows.
func (l runsList) refilter() runsList {
	cur, ok := l.list.Selected()
	l.list = l.list.SetRows(l.shown(), false)
	if ok {
		return l.selectRun(cur)
	}
	return l
}

func (l runsList) selectRun(s *runSession) runsList {
	rows := l.list.rows.(sliceRows[*runSession])
	for i, r := range rows {
		if r == s {
			l.list = l.list.Select(i)
		}
	}
	return l
}

func (l runsList) Update(msg tea.Msg, c *ctx) (runsList, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return l, nil
	}
	k := l.env.keys
	if l.filter.typing {
		var cmd tea.Cmd
		l.filter, cmd = l.filter.key(km, k)
		return l.refilter().sized(), cmd
	}
	s, have := l.list.Selected()
	var cmd tea.Cmd
	switch {
	case key.Matches(km, k.Filter):
		var cmd tea.Cmd
		l.filter, cmd = l.filter.start()
		return l.sized(), cmd
	case key.Matches(km, k.Back) && l.filter.text() != "":
		l.filter = l.filter.clear()
		return l.refilter().sized(), nil
	case key.Matches(km, k.Back), key.Matches(km, k.Runs):
		cmd = ask(toPickerMsg{})
	case !have:
		l.list, _ = l.list.Update(km, k)
	case key.Matches(km, k.Enter):
		cmd = openRunAsk(s, paneOverview)
	case key.Matches(km, k.Events):
		cmd = openRunAsk(s, paneEvents)
	case key.Matches(km, k.Records):
		cmd = openRunAsk(s, paneRecords)
	case key.Matches(km, k.Pages):
		cmd = openRunAsk(s, panePages)
	case key.Matches(km, k.Pause):
		cmd = pauseRun(c, s)
	case key.Matches(km, k.Stop):
		cmd = askStop(c, s)
	case key.Matches(km, k.Restart):
		cmd = resumeRun(c, s)
	case key.Matches(km, k.History):
		h := newHistoryScreen(l.env, s.profile)
		cmd = then(push(h), h.load())
	default:
		l.list, _ = l.list.Update(km, k)
	}
	return l, cmd
}

// pauseRun pauses a live run after its page, or resumes it; on a run
// that is over it says why p does nothing, and what does.
func pauseRun(c *ctx, s *runSession) tea.Cmd {
	if s.live() {
		s.togglePause()
		return nil
	}
	name, word := termsafe.Line(s.profile.Name), s.word()
	switch word {
	case stateStopped, string(ingest.StateFailed):
		return say(name+" is "+word+", not paused: R resumes it from its checkpoint", false)
	default:
		return say(name+" is "+word+": there is nothing to pause", false)
	}
}

// askStop asks before stopping a live run.
func askStop(c *ctx, s *runSession) tea.Cmd {
	if !s.live() {
		return say(s.profile.Name+" is not running", false)
	}
	d := newDialog(c.keys, askStopRun, pickerItem{profile: s.profile})
	d.sess = s
	return push(d)
}

// resumeRun starts a failed or stopped run's profile again from its
// checkpoint.
func resumeRun(c *ctx, s *runSession) tea.Cmd {
	if !s.resumable() {
		return say("only a failed or stopped run can be resumed", false)
	}
	return startAsk(pickerItem{profile: s.profile}, false)
}

func (l runsList) SetSize(width, height int) runsList {
	l.width, l.height = width, height
	l.filter = l.filter.setWidth(width)
	return l.refilter().sized()
}

func (l runsList) sized() runsList {
	h := l.height - l.filter.rows()
	l.list = l.list.SetHeight(h / runsItemHeight)
	return l
}

func (l runsList) update(msg tea.Msg, c *ctx) (screen, tea.Cmd) { return l.Update(msg, c) }
func (l runsList) resize(w, h int) screen                       { return l.SetSize(w, h) }
func (l runsList) typing() bool                                 { return l.filter.typing }
func (l runsList) crumbs([]string) []string                     { return []string{"runs"} }
func (l runsList) ShortHelp() []key.Binding                     { return l.help().ShortHelp() }
func (l runsList) FullHelp() [][]key.Binding                    { return l.help().FullHelp() }

func (l runsList) help() bindings {
	if l.filter.typing {
		return l.env.keys.FilterHelp()
	}
	return l.env.keys.RunsHelp()
}

func (l runsList) View() string {
	st, width := l.env.styles, l.width
	lines := l.filter.lines(width)
	if l.list.Len() == 0 {
		msg := l.filter.emptyText("run", "No runs yet in this console. Start one from the profiles (tab, then enter).")
		return strings.Join(append(lines, st.Subtle.Render(msg)), "\n")
	}
	top, end := l.list.Window()
	cur := l.list.Current()
	now := l.env.now()
	for pos := top; pos < end; pos++ {
		s, _ := l.list.rows.at(pos)
		lines = append(lines, l.itemLines(s, pos == cur, now)...)
	}
	return strings.Join(lines, "\n")
}

// itemLines draws a run on two lines: name, state and progress; then
// retries, the last error and where it writes.
func (l runsList) itemLines(s *runSession, selected bool, now time.Time) []string {
	st, width := l.env.styles, l.width
	marker := "  "
	if selected {
		marker = "› "
	}
	nameW := max(min(22, width/4), 8)
	name := fit(termsafe.Line(s.profile.Name), nameW)
	if selected {
		name = st.Selected.Render(name)
	} else {
		name = st.Title.Render(name)
	}
	word := s.word()
	line1 := marker + name + " " + st.stateStyle(word).Render(word) + " " + cut(runSummary(s, now), max(width-2-nameW-len(word)-2, 0))

	parts := []string{counted(s.snap.Retries, "retry", "retries") + " · " + counted(s.snap.Throttles, "sleep", "sleeps")}
	if s.lastErr != "" {
		parts = append(parts, "last error: "+oneLine(s.lastErr))
	}
	parts = append(parts, "→ "+termsafe.Line(s.out), "started "+s.startedAt.Format("15:04:05"))
	style := st.Subtle
	if s.failed() {
		style = st.Error
	}
	line2 := "  " + style.Render(cut(strings.Join(parts, " · "), width-2))
	return []string{line1, line2}
}

// runSummary is a run at a glance: the state's detail, counts, rate and,
// when the API gives a total, the share done and the time left. What came
// from the API (the detail, the stop reason) is cleaned.
func runSummary(s *runSession, now time.Time) string {
	snap := s.snap
	var parts []string
	if s.live() {
		switch snap.State {
		case ingest.StateSleeping, ingest.StateRetrying:
			// The time left first: the detail may be cut.
			parts = append(parts, oneLine(stateDetail(snap, now)))
		}
	}
	parts = append(parts, fmt.Sprintf("pages %d · records %s", snap.Pages, formatCount(snap.Records)))
	parts = append(parts, rateText(s, now))
	if p, ok := runProgress(snap, s.tp.rate(), s.pageTP.rate()); ok {
		pct := fmt.Sprintf("%d%%", int(p.fraction()*100))
		if d, ok := p.eta(); ok && s.live() && snap.State != ingest.StatePaused {
			pct += " · ETA " + etaText(d)
		}
		parts = append(parts, pct)
	}
	if s.ended && snap.State == ingest.StateDone && snap.StopReason != "" {
		parts = append(parts, termsafe.Line(snap.StopReason))
	}
	return strings.Join(parts, " · ")
}
