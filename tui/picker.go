package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"siphon/ingest"
	"siphon/ingest/store"
	"siphon/ingest/termsafe"
)

// pickerItem is a profile with its checkpoint and its last run, as the
// picker shows it.
type pickerItem struct {
	profile Profile
	cp      *store.Checkpoint
	cpErr   error
	last    *store.HistoryEntry // the last run's line in history.jsonl
	// runState is a partitioned profile's: how many of its partitions are
	// done (a partitioned run keeps no checkpoint of its own).
	runState *partsDone
}

// partsDone is what the picker shows of a partitioned run's state: counts,
// not its 50,000 lines.
type partsDone struct {
	done, total int
	updatedAt   time.Time
}

// summarize counts st's partitions done; nil for no state.
func summarize(st *ingest.RunState) *partsDone {
	if st == nil {
		return nil
	}
	s := &partsDone{total: len(st.Partitions), updatedAt: st.UpdatedAt}
	for _, ps := range st.Partitions {
		if ingest.State(ps.State) == ingest.StateDone {
			s.done++
		}
	}
	return s
}

// started says the profile has something to start over from: a
// checkpoint (readable or not) or a partitioned run's state.
func (it pickerItem) started() bool { return it.cp != nil || it.cpErr != nil || it.runState != nil }

// complete says its last run fetched everything: starting it again would
// fetch nothing (unless its pagination fetches what is new).
func (it pickerItem) complete() bool {
	if it.cp != nil {
		return it.cp.Done
	}
	done, total := it.partsDone()
	return total > 0 && done == total
}

// partsDone is how many of a partitioned profile's partitions are done.
func (it pickerItem) partsDone() (done, total int) {
	if it.runState == nil {
		return 0, 0
	}
	return it.runState.done, it.runState.total
}

// stateText is the profile's checkpoint in the picker; a partitioned
// profile's says how many partitions are done.
func (it pickerItem) stateText(now time.Time) string {
	if it.cp != nil || it.cpErr != nil || it.runState == nil {
		return checkpointText(it.cp, it.cpErr, now)
	}
	done, total := it.partsDone()
	if done == total {
		return fmt.Sprintf("done · %d %s · %s", total, plural(total, "partition", "partitions"), ago(it.runState.updatedAt, now))
	}
	return fmt.Sprintf("resumable · %d/%d partitions done · %s", done, total, ago(it.runState.updatedAt, now))
}

// picker is the filterable list of profiles: the bottom of the stack.
type picker struct {
	plain
	env    *env
	items  []pickerItem
	list   scrollList[int] // over the indexes of the items the filter keeps
	filter filterLine
	width  int
	height int
}

const pickerItemHeight = 2

func newPicker(e *env, profiles []Profile) picker {
	p := picker{env: e, filter: newFilterLine(e, "filter: ", "name, description, pagination or auth")}
	for _, prof := range profiles {
		p.items = append(p.items, pickerItem{profile: prof})
	}
	p.list = newScrollList[int](sliceRows[int](nil), false, false)
	return p.applyFilter()
}

// reloadCheckpointsMsg asks the picker to read its checkpoints again (on
// start, and back from a run).
type reloadCheckpointsMsg struct{}

// checkpointsMsg is what the checkpoints said, by output folder.
type checkpointsMsg map[string]checkpointRead

type checkpointRead struct {
	cp       *store.Checkpoint
	err      error
	last     *store.HistoryEntry
	runState *partsDone
}

// readCheckpoints reads every profile's checkpoint and last run, in a
// command: files per profile are disk I/O, kept out of Update.
func (p picker) readCheckpoints() tea.Cmd {
	var outs []string
	for _, it := range p.items {
		if it.profile.Out != "" {
			outs = append(outs, it.profile.Out)
		}
	}
	return func() tea.Msg {
		got := checkpointsMsg{}
		for _, out := range outs {
			cp, err := store.At(out).ReadCheckpoint()
			read := checkpointRead{cp: cp, err: err}
			if cp == nil && err == nil {
				var st *ingest.RunState
				st, read.err = ingest.ReadRunState(out)
				read.runState = summarize(st)
			}
			if h, _ := store.At(out).ReadHistory(1); len(h) == 1 {
				read.last = &h[0]
			}
			got[out] = read
		}
		return got
	}
}

// applyFilter keeps the profiles whose words contain the filter's, in any
// case; the cursor stays on the same profile when it still shows.
func (p picker) applyFilter() picker {
	current, hadOne := p.list.Selected()
	var shown sliceRows[int]
	at := 0
	needle := p.filter.needle()
	for i, it := range p.items {
		hay := strings.ToLower(strings.Join([]string{it.profile.Name, it.profile.Description, it.profile.Pagination, it.profile.Auth}, " "))
		if needle == "" || strings.Contains(hay, needle) {
			if hadOne && i == current {
				at = len(shown)
			}
			shown = append(shown, i)
		}
	}
	p.list = p.list.SetRows(shown, false).Select(at)
	return p.sized()
}

// selected is the profile under the cursor.
func (p picker) selected() (pickerItem, bool) {
	i, ok := p.list.Selected()
	if !ok {
		return pickerItem{}, false
	}
	return p.items[i], true
}

func (p picker) Update(msg tea.Msg, c *ctx) (picker, tea.Cmd) {
	switch msg := msg.(type) {
	case reloadCheckpointsMsg:
		return p, p.readCheckpoints()
	case checkpointsMsg:
		for i, it := range p.items {
			if r, ok := msg[it.profile.Out]; ok {
				p.items[i].cp, p.items[i].cpErr, p.items[i].last, p.items[i].runState = r.cp, r.err, r.last, r.runState
			}
		}
		return p, nil
	case pastRunMsg:
		// The "reading…" line is answered.
		return p, then(openRunAsk(pastSession(msg.profile, msg.run), msg.pane), say("", false))
	case loginDoneMsg:
		return p.onLoginDone(msg, c)
	case approvedMsg:
		return p.onApproved(msg, c)
	case profileSavedMsg:
		if msg.err != nil {
			return p, nil
		}
		p = p.add(msg.profile)
		return p, p.readCheckpoints()
	case selectorsSavedMsg:
		if msg.err == nil {
			p = p.replace(msg.profile)
		}
		return p, nil
	case tea.KeyMsg:
		return p.onKey(msg, c)
	}
	return p, nil
}

func (p picker) onKey(msg tea.KeyMsg, c *ctx) (picker, tea.Cmd) {
	k := p.env.keys
	if p.filter.typing {
		var cmd tea.Cmd
		p.filter, cmd = p.filter.key(msg, k)
		return p.applyFilter(), cmd
	}
	it, ok := p.selected()
	var live *runSession
	if ok {
		live = p.env.runs.liveFor(it.profile.Name)
	}
	switch {
	case key.Matches(msg, k.Runs):
		return p, ask(toRunsMsg{})
	case key.Matches(msg, k.Pause) && live != nil:
		live.togglePause()
	case key.Matches(msg, k.Pause) && ok:
		return p, say(termsafe.Line(it.profile.Name)+" is not running: enter starts it", false)
	case key.Matches(msg, k.Stop) && ok:
		if live == nil {
			return p, say(it.profile.Name+" is not running", false)
		}
		return p, askStop(c, live)
	case key.Matches(msg, k.State) && ok:
		s, read := newStateScreen(p.env, it.profile.Name, it.profile.Out)
		return p, then(push(s), read)
	case key.Matches(msg, k.History) && ok:
		h := newHistoryScreen(p.env, it.profile)
		return p, then(push(h), h.load())
	case key.Matches(msg, k.Enter) && live != nil:
		return p, openRunAsk(live, paneOverview)
	case key.Matches(msg, k.Enter) && ok && len(it.profile.Approval) > 0:
		return p, push(newApprovalScreen(p.env, it))
	case key.Matches(msg, k.Enter) && ok && it.profile.NeedsLogin && p.env.opts.Login != nil:
		name := it.profile.Name
		return p, tea.ExecProcess(p.env.opts.Login(it.profile), func(err error) tea.Msg { return loginDoneMsg{name: name, err: err} })
	case key.Matches(msg, k.Enter) && ok:
		if it.complete() && !incremental(it.profile.Pagination) && it.profile.Err == nil {
			return p, push(newDialog(k, askFresh, it))
		}
		return p, startAsk(it, false)
	case key.Matches(msg, k.Add):
		return p, p.openForm(c)
	case key.Matches(msg, k.Import):
		return p, p.openImport()
	case key.Matches(msg, k.Fresh) && ok:
		if !it.started() {
			return p, startAsk(it, false) // nothing to start over from
		}
		return p, push(newDialog(k, askFresh, it))
	case ok && (key.Matches(msg, k.Records) || key.Matches(msg, k.Pages) || key.Matches(msg, k.Events)):
		return p, openPast(c, it.profile, paneOf(msg, k))
	case key.Matches(msg, k.Filter):
		var cmd tea.Cmd
		p.filter, cmd = p.filter.start()
		return p.sized(), cmd
	case key.Matches(msg, k.Back) && p.filter.text() != "":
		p.filter = p.filter.clear()
		return p.applyFilter(), nil
	default:
		p.list, _ = p.list.Update(msg, k)
	}
	return p, nil
}

// openForm opens the new-profile form over the picker.
func (p picker) openForm(c *ctx) tea.Cmd {
	switch {
	case p.env.opts.Probe == nil:
		return say("this console cannot probe endpoints", true)
	case p.env.opts.ProfilesDir == "":
		return say("no profiles folder to save into: give --profiles DIR or set $SIPHON_PROFILES", true)
	}
	var taken []string
	for _, it := range p.items {
		taken = append(taken, it.profile.Name)
	}
	return push(newProfileForm(p.env, taken))
}

// openImport opens the import screen over the picker.
func (p picker) openImport() tea.Cmd {
	switch {
	case p.env.opts.Import == nil:
		return say("this console cannot import descriptions", true)
	case p.env.opts.ProfilesDir == "":
		return say("no profiles folder to save into: give --profiles DIR or set $SIPHON_PROFILES", true)
	}
	var taken []string
	for _, it := range p.items {
		taken = append(taken, it.profile.Name)
	}
	return push(newImportScreen(p.env, taken))
}

func (p picker) onLoginDone(msg loginDoneMsg, c *ctx) (picker, tea.Cmd) {
	if msg.err != nil {
		return p, say("sign-in to "+msg.name+" failed: "+oneLine(msg.err.Error()), true)
	}
	for i := range p.items {
		if p.items[i].profile.Name == msg.name {
			p.items[i].profile.NeedsLogin = false
		}
	}
	return p.applyFilter(), say("signed in to "+msg.name+"; enter starts it", false)
}

// onApproved puts an approved profile, loaded again, in place of the one
// that waited.
func (p picker) onApproved(msg approvedMsg, c *ctx) (picker, tea.Cmd) {
	if msg.err != nil {
		return p, say("not approved: "+oneLine(msg.err.Error()), true)
	}
	for i := range p.items {
		if p.items[i].profile.Name == msg.name {
			p.items[i].profile = msg.profile
		}
	}
	if len(msg.profile.Approval) > 0 {
		return p.applyFilter(), say(termsafe.Line(msg.name)+" changed since it was listed: look again before approving", true)
	}
	return p.applyFilter(), say("approved "+termsafe.Line(msg.name)+"; enter starts it", false)
}

// add puts a new profile in the list, under the cursor.
func (p picker) add(prof Profile) picker {
	p.items = append(p.items, pickerItem{profile: prof})
	p.filter = p.filter.clear()
	p = p.applyFilter()
	p.list = p.list.Select(p.list.Len() - 1)
	return p
}

// replace swaps a profile for its edited self, by name.
func (p picker) replace(prof Profile) picker {
	for i := range p.items {
		if p.items[i].profile.Name == prof.Name {
			p.items[i].profile = prof
		}
	}
	return p
}

func (p picker) SetSize(width, height int) picker {
	p.width, p.height = width, height
	p.filter = p.filter.setWidth(width)
	return p.sized()
}

// about is the lines under the list (Options.About): all of them while
// the list keeps room for two profiles, else the first alone.
func (p picker) about() []string {
	about := p.env.opts.About
	if len(about) > 1 && p.height-p.filter.rows()-len(about) < 2*pickerItemHeight {
		about = about[:1]
	}
	return about
}

// sized fits the list to the rows left under the filter line and above
// the about lines.
func (p picker) sized() picker {
	h := p.height - p.filter.rows() - len(p.about())
	p.list = p.list.SetHeight(h / pickerItemHeight)
	return p
}

func (p picker) update(msg tea.Msg, c *ctx) (screen, tea.Cmd) { return p.Update(msg, c) }
func (p picker) resize(w, h int) screen                       { return p.SetSize(w, h) }
func (p picker) typing() bool                                 { return p.filter.typing }
func (p picker) crumbs([]string) []string                     { return []string{"profiles"} }

func (p picker) ShortHelp() []key.Binding  { return p.help().ShortHelp() }
func (p picker) FullHelp() [][]key.Binding { return p.help().FullHelp() }

func (p picker) help() bindings {
	if p.filter.typing {
		return p.env.keys.FilterHelp()
	}
	return p.env.keys.PickerHelp()
}

func (p picker) View() string {
	st, width := p.env.styles, p.width
	lines := p.filter.lines(width)
	if p.list.Len() == 0 {
		none := "No profiles."
		if len(p.items) == 0 {
			none = "No saved profiles. Press a to add one from a URL, write one (see README.md), or try the built-in ones with: siphon demo"
		}
		msg := p.filter.emptyText("profile", none)
		return strings.Join(append(lines, st.Subtle.Render(msg)), "\n")
	}
	top, end := p.list.Window()
	cur := p.list.Current()
	now := p.env.now()
	for pos := top; pos < end; pos++ {
		i, _ := p.list.rows.at(pos)
		lines = append(lines, p.itemLines(p.items[i], pos == cur, now)...)
	}
	if about := p.about(); len(about) > 0 {
		// At the bottom of the body, under however many profiles show.
		for pad := p.height - len(lines) - len(about); pad > 0; pad-- {
			lines = append(lines, "")
		}
		for _, a := range about {
			lines = append(lines, st.Subtle.Render(cut(termsafe.Line(a), width)))
		}
	}
	return strings.Join(lines, "\n")
}

func (p picker) itemLines(it pickerItem, selected bool, now time.Time) []string {
	st, width := p.env.styles, p.width
	marker := "  "
	if selected {
		marker = "› "
	}
	prof := it.profile
	state := it.stateText(now)
	if it.last != nil {
		state += " · last run " + termsafe.Line(string(it.last.Outcome)) // a line of history.jsonl
	}
	stateStyle := st.Subtle
	live := p.env.runs.liveFor(prof.Name)
	switch {
	case live != nil:
		word := live.word()
		state, stateStyle = word+" · "+runSummary(live, now), st.stateStyle(word)
	case it.last != nil && it.last.Outcome == store.OutcomeFailed:
		stateStyle = st.Error
	case prof.Err != nil:
		state, stateStyle = "invalid", st.Error
	case len(prof.Approval) > 0:
		state, stateStyle = "needs your approval (enter)", st.Warn
	case prof.NeedsLogin:
		state, stateStyle = "needs sign-in (enter)", st.Warn
	case it.cpErr != nil:
		stateStyle = st.Error
	case it.started() && !it.complete():
		stateStyle = st.Warn
	}
	// The profile's own words: cleaned before they are measured.
	kind := termsafe.Line(prof.Pagination + " · " + prof.Auth)
	nameW := max(min(22, width/4), 8)
	kindW := 20
	stateW := max(width-2-nameW-kindW-2, 0)
	name := fit(termsafe.Line(prof.Name), nameW)
	if selected {
		name = st.Selected.Render(name)
	} else {
		name = st.Title.Render(name)
	}
	line1 := marker + name + " " + st.Faint.Render(fit(kind, kindW)) + " " + stateStyle.Render(cut(state, stateW))
	if prof.Err != nil {
		return []string{line1, "  " + st.Error.Render(cut("cannot run: "+oneLine(prof.Err.Error()), width-2))}
	}
	return []string{line1, "  " + st.Subtle.Render(cut(termsafe.Line(prof.Description), width-2))}
}

// openPast opens a profile's records, pages or events: its run in this
// console (live or ended) when it has one, else its last run as its
// output folder keeps it, read in a command.
func openPast(c *ctx, prof Profile, pn pane) tea.Cmd {
	if s := c.runs.lastFor(prof.Name); s != nil {
		return openRunAsk(s, pn)
	}
	if prof.Out == "" {
		return say(termsafe.Line(prof.Name)+" has no output folder to read", false)
	}
	return then(say("reading "+termsafe.Line(prof.Name)+"'s output folder…", false), readPastRun(prof, pn))
}

// paneOf is the run view's pane a key opens: r records, i pages, e events.
func paneOf(msg tea.KeyMsg, k KeyMap) pane {
	switch {
	case key.Matches(msg, k.Records):
		return paneRecords
	case key.Matches(msg, k.Pages):
		return panePages
	}
	return paneEvents
}
