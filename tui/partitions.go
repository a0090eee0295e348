package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"siphon/ingest"
	"siphon/ingest/termsafe"
)

// PartitionRunner is a run of a partitioned profile: its partitions run
// concurrently under one budget and each can be paused, resumed and, once
// failed, retried. *ingest.Run satisfies it; the console shows the table
// of partitions for a Runner that also is one.
type PartitionRunner interface {
	Runner
	// PartitionsPage is n of the partitions keep accepts (nil: all) from
	// the from-th on, and how many it accepts: the table asks only for the
	// rows on screen, however many partitions the run has.
	PartitionsPage(keep func(key string, state ingest.State) bool, from, n int) ([]ingest.PartitionSnapshot, int)
	Partition(key string) (ingest.PartitionSnapshot, bool)
	PausePartition(key string) error
	ResumePartition(key string) error
	RetryPartition(key string) error
}

// maxPartSessions bounds the partitions whose events the console keeps
// apart (log, records, pages): the running ones, and the latest others.
const maxPartSessions = 32

// stateWaiting is the word of a partition not started yet.
const stateWaiting = "WAITING"

// partWord is a partition's state word: WAITING before it starts.
func partWord(s ingest.Snapshot) string {
	if s.State == ingest.StateStarting || s.State == "" {
		return stateWaiting
	}
	return string(s.State)
}

// partRunner is one partition of a run as a Runner, so that a partition
// opens in the same run view as a run: pause and resume act on it alone.
type partRunner struct {
	run PartitionRunner
	key string
}

func (p partRunner) Events() <-chan ingest.Event { return nil } // its parent reads them
func (p partRunner) Snapshot() ingest.Snapshot {
	ps, _ := p.run.Partition(p.key)
	return ps.Snapshot
}
func (p partRunner) Pause()                { _ = p.run.PausePartition(p.key) }
func (p partRunner) Resume()               { _ = p.run.ResumePartition(p.key) }
func (p partRunner) Cancel()               {} // a partition stops with its run
func (p partRunner) Done() <-chan struct{} { return p.run.Done() }
func (p partRunner) Wait() error           { return p.run.Wait() }

// partitioned is the run's PartitionRunner, if it is one.
func (s *runSession) partitioned() (PartitionRunner, bool) {
	// A run without partitions has the methods too: its snapshot says.
	if s == nil || s.parent != nil || s.snap.Partitions == nil {
		return nil, false
	}
	pr, ok := s.runner.(PartitionRunner)
	return pr, ok
}

// partSession is the session of one partition, made when its first event
// comes or when the user opens it. Past maxPartSessions the one idle the
// longest (and not on screen) is dropped: memory stays bounded however many
// partitions the run has.
func (s *runSession) partSession(k string) *runSession {
	if sub, ok := s.parts[k]; ok {
		return sub
	}
	pr, _ := s.partitioned()
	if len(s.parts) >= maxPartSessions {
		var victim string
		oldest := -1
		for key, sub := range s.parts {
			if !sub.onScreen && (oldest < 0 || sub.seq < oldest) {
				victim, oldest = key, sub.seq
			}
		}
		delete(s.parts, victim)
	}
	p := s.profile
	p.Name = s.profile.Name + " › " + k
	sub := newRunSession(p, nil, s.gen)
	sub.runner = partRunner{run: pr, key: k}
	sub.parent, sub.partKey, sub.startedAt = s, k, s.startedAt
	sub.out = ""
	sub.show(false)
	if ps, ok := pr.Partition(k); ok {
		sub.snap = ps.Snapshot
	}
	s.parts[k] = sub
	return sub
}

// budgetLine is the shared budget at a glance: requests per second out of
// the limit, as a gauge, and the sleeps the limit cost.
func budgetLine(s *runSession, width int) string {
	sum := s.snap.Partitions
	if sum == nil {
		return ""
	}
	rate := s.reqTP.rate()
	text := fmt.Sprintf("budget %s req/s", formatRate(rate))
	limit := 0.0
	rl := s.snap.RateLimit
	switch {
	case sum.Rate > 0:
		// The window's count can catch a burst the limiter evens out:
		// the line never reads above the limit the run keeps to.
		limit = sum.Rate
		rate = min(rate, limit)
		text = fmt.Sprintf("budget %s req/s of %s/s", formatRate(rate), formatRate(limit))
	case sum.ServerLimit >= 0 && s.snap.HasRateLimit && rl.Remaining >= 0 && rl.Limit > 0:
		// The server counts per window, not per second: say it its way.
		text = fmt.Sprintf("budget %d of %d used this window (server's limit)", max(rl.Limit-rl.Remaining, 0), rl.Limit)
	case sum.ServerLimit >= 0:
		text = fmt.Sprintf("budget: server allows %d requests per window", sum.ServerLimit)
	default:
		text += " (no limit set)"
	}
	text += fmt.Sprintf(" · %s · %s · %s", counted(sum.Requests, "request", "requests"), counted(s.snap.Throttles, "sleep", "sleeps"), counted(s.snap.Retries, "retry", "retries"))
	if limit > 0 {
		return gauge(int64(rate*10+0.5), int64(limit*10+0.5), 10) + " " + cut(text, width-11)
	}
	return cut(text, width)
}

func formatRate(r float64) string {
	if r >= 100 {
		return fmt.Sprintf("%.0f", r)
	}
	return fmt.Sprintf("%.1f", r)
}

// partsProgress is the partitions' progress: done of total, what runs and
// waits, records, and an ETA from the pace partitions finish at.
func partsProgress(s *runSession, now time.Time, width int) string {
	sum := s.snap.Partitions
	if sum == nil {
		return ""
	}
	parts := []string{fmt.Sprintf("partitions %d/%d done", sum.Done, sum.Total)}
	for _, c := range []struct {
		n    int
		word string
	}{{sum.Running, "running"}, {sum.Paused, "paused"}, {sum.Failed, "failed"}, {sum.Waiting, "waiting"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.word))
		}
	}
	parts = append(parts, "records "+formatCount(s.snap.Records))
	if eta, ok := partsETA(s, now); ok {
		parts = append(parts, "ETA "+etaText(eta))
	}
	bar := gauge(int64(sum.Done), int64(sum.Total), 10)
	if bar == "" {
		return cut(strings.Join(parts, " · "), width)
	}
	return bar + " " + cut(strings.Join(parts, " · "), width-11)
}

// partsETA guesses the time left from the pace of the partitions this run
// finished (not those a resumed run found already done); none before the
// first, nor while the run is paused or over.
func partsETA(s *runSession, now time.Time) (time.Duration, bool) {
	sum := s.snap.Partitions
	if sum == nil || !s.live() || s.pauseWanted || s.partsDone == 0 || s.snap.Started.IsZero() {
		return 0, false
	}
	left := sum.Total - sum.Done - sum.Failed
	if left <= 0 {
		return 0, false
	}
	per := now.Sub(s.snap.Started) / time.Duration(s.partsDone)
	return per * time.Duration(left), true
}

// partsPane is the table of a partitioned run's partitions: state, pages,
// records, rate, retries and last error of each, filtered by state. It
// holds only the rows on screen (a partPage): a run of 50,000 partitions
// costs a screenful of rows at each tick, not 50,000.
type partsPane struct {
	env    *env
	sess   *runSession
	list   scrollList[ingest.PartitionSnapshot]
	filter filterLine
	width  int
	height int
}

// partPage is the row source of the table: positions [0, total) of the
// partitions the filter keeps, of which only [first, first+len(rows)) are
// held.
type partPage struct {
	total, first int
	rows         []ingest.PartitionSnapshot
}

func (p partPage) span() (int, int) { return 0, p.total }

func (p partPage) at(pos int) (ingest.PartitionSnapshot, bool) {
	if pos < p.first || pos >= p.first+len(p.rows) {
		return ingest.PartitionSnapshot{}, false
	}
	return p.rows[pos-p.first], true
}

func newPartsPane(e *env, s *runSession) partsPane {
	p := partsPane{env: e, sess: s, filter: newFilterLine(e, "state: ", "running, paused, failed, done, waiting (or a key)")}
	p.list = newScrollList[ingest.PartitionSnapshot](partPage{}, false, false)
	return p.refilter()
}

// keep is the filter as the run applies it: the needle in a partition's
// state word or key; nil when there is no filter. It allocates nothing for
// most partitions: it runs over every one of them.
func (p partsPane) keep() func(key string, state ingest.State) bool {
	needle := p.filter.needle()
	if needle == "" {
		return nil
	}
	spaced := strings.Contains(needle, " ")
	return func(key string, state ingest.State) bool {
		word := lowerWord(state)
		if strings.Contains(word, needle) || strings.Contains(strings.ToLower(key), needle) {
			return true
		}
		return spaced && strings.Contains(word+" "+strings.ToLower(key), needle)
	}
}

// lowerWord is a state's word as the filter matches it, lower case.
func lowerWord(state ingest.State) string {
	switch state {
	case ingest.StateStarting, "":
		return "waiting"
	case ingest.StateRunning:
		return "running"
	case ingest.StateDone:
		return "done"
	case ingest.StateFailed:
		return "failed"
	case ingest.StatePaused:
		return "paused"
	}
	return strings.ToLower(string(state))
}

// refilter takes the partitions' latest counters for the rows on screen
// and keeps the cursor on the same partition when it is still among them.
func (p partsPane) refilter() partsPane {
	cur, had := p.list.Selected()
	pos := p.list.Current()
	run, ok := p.sess.partitioned()
	if !ok {
		p.list = p.list.SetRows(partPage{}, false)
		return p.sized(0)
	}
	keep := p.keep()
	_, total := run.PartitionsPage(keep, 0, 0)
	top := p.list.top
	p.list = p.list.SetRows(partPage{total: total}, false)
	p.list.top = top // the window stays where it was while the cursor shows
	p = p.sized(pos).fetch(run, keep)
	if had {
		rows := p.list.rows.(partPage)
		for i, ps := range rows.rows {
			if ps.Key == cur.Key && rows.first+i != pos {
				return p.sized(rows.first+i).fetch(run, keep)
			}
		}
	}
	return p
}

// fetch reads the rows the list shows now.
func (p partsPane) fetch(run PartitionRunner, keep func(key string, state ingest.State) bool) partsPane {
	top, end := p.list.Window()
	rows, total := run.PartitionsPage(keep, top, end-top)
	cursor := p.list.Current()
	p.list = p.list.SetRows(partPage{total: total, first: top, rows: rows}, false)
	p.list.top = top
	return p.sized(cursor)
}

func (p partsPane) sized(pos int) partsPane {
	h := p.height - 3 - p.filter.rows() // the budget, the progress and the column heads
	p.list = p.list.SetHeight(h).Select(pos)
	return p
}

// Update answers the table's keys; the run view has taken the run's own.
func (p partsPane) Update(km tea.KeyMsg, c *ctx) (partsPane, tea.Cmd) {
	k := p.env.keys
	if p.filter.typing {
		var cmd tea.Cmd
		p.filter, cmd = p.filter.key(km, k)
		return p.refilter(), cmd
	}
	run, _ := p.sess.partitioned()
	sel, have := p.list.Selected()
	var cmd tea.Cmd
	switch {
	case key.Matches(km, k.Filter):
		var cmd tea.Cmd
		p.filter, cmd = p.filter.start()
		return p.refilter(), cmd
	case !have:
		p.list, _ = p.list.Update(km, k)
	case key.Matches(km, k.Enter):
		cmd = push(newRunView(p.env, p.sess.partSession(sel.Key)))
	case key.Matches(km, k.Pause):
		if !p.sess.live() {
			cmd = pauseRun(c, p.sess)
			break
		}
		var err error
		if sel.State == ingest.StatePaused || p.sess.partSession(sel.Key).pauseWanted {
			err = run.ResumePartition(sel.Key)
			p.sess.partSession(sel.Key).pauseWanted = false
			cmd = say("resuming "+sel.Key, false)
		} else {
			err = run.PausePartition(sel.Key)
			p.sess.partSession(sel.Key).pauseWanted = true
			cmd = say("pausing "+sel.Key+" after its page", false)
		}
		if err != nil {
			cmd = say(oneLine(err.Error()), true)
		}
	case key.Matches(km, k.Restart):
		cmd = retryPartition(c, p.sess, sel)
	case key.Matches(km, k.ResetPartition):
		s, read := resetAsk(p.env, p.sess.profile.Name, p.sess.out, sel.Key)
		cmd = then(push(s), read)
	default:
		p.list, _ = p.list.Update(km, k)
	}
	return p, cmd
}

// retryPartition queues a failed partition again; on an ended run R
// resumes the whole run, which runs its failed partitions again.
func retryPartition(c *ctx, s *runSession, sel ingest.PartitionSnapshot) tea.Cmd {
	if !s.live() {
		return resumeRun(c, s)
	}
	if sel.State != ingest.StateFailed {
		return say("only a failed partition can be retried", false)
	}
	run, _ := s.partitioned()
	if err := run.RetryPartition(sel.Key); err != nil {
		return say(oneLine(err.Error()), true)
	}
	return say("retrying "+sel.Key+" from its checkpoint", false)
}

func (p partsPane) clearFilter() partsPane {
	p.filter = p.filter.clear()
	return p.refilter()
}

func (p partsPane) SetSize(width, height int) partsPane {
	p.width, p.height = width, height
	p.filter = p.filter.setWidth(width)
	return p.refilter()
}

func (p partsPane) help() bindings {
	if p.filter.typing {
		return p.env.keys.FilterHelp()
	}
	return p.env.keys.PartitionsHelp(p.sess.live(), p.sess.resumable())
}

// Column widths of the table; the key and the last error take the rest.
const (
	colState   = 8
	colPages   = 6
	colRecords = 9
	colRate    = 7
	colRetries = 7
)

func (p partsPane) View() string {
	st, w, now := p.env.styles, p.width, p.env.now()
	lines := []string{budgetLine(p.sess, w), partsProgress(p.sess, now, w)}
	lines = append(lines, p.filter.lines(w)...)
	keyW := min(max(w/4, 8), 26)
	for _, ps := range p.list.rows.(partPage).rows { // the rows on screen
		keyW = max(keyW, min(ansi.StringWidth(termsafe.Line(ps.Key)), 26))
	}
	cols := partColumns(w - 2 - keyW - colState - 1)
	head := "  " + fit("PARTITION", keyW) + " " + fit("STATE", colState)
	for _, c := range cols {
		head += " " + pad(c.title, c.width)
	}
	head += " LAST ERROR"
	lines = append(lines, st.Subtle.Render(cut(head, w)))
	if p.list.Len() == 0 {
		msg := p.filter.emptyText("partition", "No partitions yet: they are listed once the run has read its profile.")
		return strings.Join(append(lines, st.Subtle.Render(cut(msg, w))), "\n")
	}
	top, end := p.list.Window()
	cur := p.list.Current()
	for pos := top; pos < end; pos++ {
		ps, _ := p.list.rows.at(pos)
		lines = append(lines, p.row(ps, pos == cur, keyW, now))
	}
	return strings.Join(lines, "\n")
}

// row is one partition's line of the table.
func (p partsPane) row(ps ingest.PartitionSnapshot, selected bool, keyW int, now time.Time) string {
	st, w := p.env.styles, p.width
	// The key is the profile's partition value: cleaned before it is measured.
	marker, name := "  ", fit(termsafe.Line(ps.Key), keyW)
	if selected {
		marker, name = "› ", st.Selected.Render(name)
	}
	word := partWord(ps.Snapshot)
	rate := "-"
	if r, ok := p.sess.partRate(ps, now); ok {
		rate = formatCount(int64(r + 0.5))
	}
	lastErr := ""
	if ps.Err != nil {
		lastErr = ps.Err.Error()
	} else if ps.State == ingest.StateRetrying || ps.State == ingest.StateFailed {
		lastErr = ps.Detail
	}
	rest := w - 2 - keyW - colState - 2
	cols := partColumns(w - 2 - keyW - colState - 1)
	cells := map[string]string{"PAGES": fmt.Sprint(ps.Pages), "RECORDS": formatCount(ps.Records), "REC/S": rate, "RETRIES": fmt.Sprint(ps.Retries)}
	var counts string
	for _, c := range cols {
		counts += " " + pad(cells[c.title], c.width)
		rest -= c.width + 1
	}
	errText := cut(oneLine(causeFirst(lastErr)), rest)
	if ps.State == ingest.StateFailed {
		errText = st.Error.Render(errText)
	}
	return marker + name + " " + st.stateStyle(word).Render(fit(word, colState)) + counts + " " + errText
}

// partRate is a partition's records per second as its own header shows
// it (its session's rate); for a partition whose session was let go, its
// average over this run's walk, without what its checkpoint had.
func (r *runSession) partRate(ps ingest.PartitionSnapshot, now time.Time) (float64, bool) {
	s := ps.Snapshot
	if s.Started.IsZero() || s.State == ingest.StateStarting {
		return 0, false
	}
	if sub, ok := r.parts[ps.Key]; ok {
		return sub.recordRate(now), true
	}
	end := now
	if s.State == ingest.StateDone || s.State == ingest.StateFailed {
		end = s.LastPage
	}
	d := end.Sub(s.Started).Seconds()
	if d <= 0 {
		return 0, false
	}
	return float64(max(s.Records-r.partBefore[ps.Key], 0)) / d, true
}

// partColumn is one of the table's count columns.
type partColumn struct {
	title string
	width int
}

// minErrorWidth is the least room the LAST ERROR column keeps: a narrow
// screen drops count columns (retries, then rate, then pages) before it
// cuts the cause to nothing.
const minErrorWidth = 16

// partColumns is the count columns that fit in room cells, keeping
// minErrorWidth for the last error.
func partColumns(room int) []partColumn {
	all := []partColumn{{"PAGES", colPages}, {"RECORDS", colRecords}, {"REC/S", colRate}, {"RETRIES", colRetries}}
	drop := []string{"RETRIES", "REC/S", "PAGES"}
	used := func(cs []partColumn) int {
		n := 0
		for _, c := range cs {
			n += c.width + 1
		}
		return n
	}
	for _, d := range drop {
		if room-used(all) >= minErrorWidth {
			break
		}
		all = slices.DeleteFunc(all, func(c partColumn) bool { return c.title == d })
	}
	return all
}

// pad right-aligns s in width cells.
func pad(s string, width int) string {
	if len(s) >= width {
		return s
	}
	return strings.Repeat(" ", width-len(s)) + s
}
