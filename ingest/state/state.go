// Package state shows and corrects a run's resumable state in its output:
// where the next run starts, how many pages and records it vouches for, a
// partitioned run's partitions. Every change is made under the output's
// lock (a live run's folder is refused), keeps every record exactly once
// (what a rewind takes back goes to aside/, the next run fetches it again)
// and is written to the output's history with the state before it.
package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"time"

	"siphon/ingest/paginate"
	"siphon/ingest/paginate/styles"
	"siphon/ingest/remedy"
	"siphon/ingest/runstate"
	"siphon/ingest/spec"
	"siphon/ingest/store"
)

// View is what `siphon state show` prints.
type View struct {
	Profile    string            `json:"profile"`
	Out        string            `json:"out"`
	Pagination string            `json:"pagination,omitempty"`
	Position   paginate.Position `json:"position"`
	Pages      int               `json:"pages"`
	Records    int64             `json:"records"`
	Done       bool              `json:"done"`
	StopReason string            `json:"stop_reason,omitempty"`
	HighWater  string            `json:"high_water,omitempty"`
	UpdatedAt  time.Time         `json:"updated_at"`
	Partitions []Partition       `json:"partitions,omitempty"`
}

// Partition is one partition's state in a View.
type Partition struct {
	Key      string             `json:"key"`
	State    string             `json:"state,omitempty"` // as the run state says
	Pages    int                `json:"pages"`
	Records  int64              `json:"records"`
	Done     bool               `json:"done"`
	Position *paginate.Position `json:"position,omitempty"`
}

// ErrNoState is an output with no checkpoint and no partitions.
var ErrNoState = errors.New("no state")

// Show reads the state of the output at out.
func Show(out store.Location) (*View, error) {
	v := &View{Out: out.String()}
	cp, err := out.ReadCheckpoint()
	if err != nil {
		return nil, err
	}
	if cp != nil {
		v.Profile, v.Pagination, v.Position, v.Pages, v.Records = cp.Profile, cp.Pagination, cp.Position, cp.Pages, cp.Records
		v.Done, v.StopReason, v.HighWater, v.UpdatedAt = cp.Done, cp.StopReason, cp.Position.HighWater, cp.UpdatedAt
	}
	rs, err := readRunState(out)
	if err != nil {
		return nil, err
	}
	if rs != nil {
		v.Profile = rs.Profile
		for _, p := range rs.Partitions {
			pv := Partition{Key: p.Key, State: p.State}
			pcp, err := out.Partition(p.Key).ReadCheckpoint()
			if err != nil {
				return nil, fmt.Errorf("partition %s: %w", p.Key, err)
			}
			if pcp != nil {
				pos := pcp.Position
				pv.Pages, pv.Records, pv.Done, pv.Position = pcp.Pages, pcp.Records, pcp.Done, &pos
				v.Pages += pcp.Pages
				v.Records += pcp.Records
			}
			v.Partitions = append(v.Partitions, pv)
		}
	}
	if cp == nil && rs == nil {
		return nil, fmt.Errorf("%w in %s: it holds no checkpoint (the profile has not run there)", ErrNoState, out)
	}
	return v, nil
}

// readRunState reads a partitioned run's state (either version).
func readRunState(out store.Location) (*runstate.State, error) { return runstate.Read(out) }

// Change is what a correction did, in words, and where it put what it took.
type Change struct {
	Did   string
	Notes []string // what the store moved aside, where
}

// held claims out for a correction and reads its checkpoint, which must
// exist.
func held(out store.Location) (store.Store, *store.Checkpoint, error) {
	s, err := out.Claim(false)
	if err != nil {
		return nil, nil, err
	}
	cp, err := s.ReadCheckpoint()
	if err == nil && cp == nil {
		err = fmt.Errorf("%w in %s: it holds no checkpoint (for a partitioned run, name the partition's own folder, partitions/KEY)", ErrNoState, out)
	}
	if err != nil {
		s.Release()
		return nil, nil, err
	}
	return s, cp, nil
}

// commit writes next as the held store's checkpoint, after checking that the
// output still matches cur (what lies past cur is moved aside, as a resume
// does).
func commit(s store.Store, cur, next *store.Checkpoint) error {
	if err := settle(s, cur); err != nil {
		return err
	}
	return advance(s, cur, next)
}

// options are what a correction opens the output with: its archive, and
// its rejected records when it has some (so that a cut reaches them).
func options(cp *store.Checkpoint) store.Options {
	return store.Options{RawPages: true, Rejected: cp.RejectedBytes > 0}
}

// settle checks the held output against cur, and moves what lies past
// it aside, as a resume does: what is read after it is what cur vouches
// for.
func settle(s store.Store, cur *store.Checkpoint) error {
	w, err := s.Open(cur, options(cur))
	if err != nil {
		return err
	}
	return w.Close()
}

// advance writes next as the checkpoint of a settled output. A next that
// vouches for less than cur has the output cut back to it: a local
// folder's Open cuts its files (moving the rest aside), an object store
// cuts its segments first (store.Cutter).
func advance(s store.Store, cur, next *store.Checkpoint) error {
	if next.RecordsBytes != cur.RecordsBytes {
		next.RecordsTail = "" // checked against cur; the new tail is computed on commit
	}
	if c, ok := s.(store.Cutter); ok && next.Pages < cur.Pages {
		if err := c.CutBack(cur, next); err != nil {
			return err
		}
	}
	w, err := s.Open(next, options(cur))
	if err != nil {
		return err
	}
	if err := w.Commit(next); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// remember writes a correction into the output's history, with the state
// before it, so nothing about the old state is lost.
func remember(out store.Location, cp *store.Checkpoint, did string) error {
	before, _ := json.Marshal(struct {
		Position paginate.Position `json:"position"`
		Pages    int               `json:"pages"`
		Records  int64             `json:"records"`
		Done     bool              `json:"done"`
	}{cp.Position, cp.Pages, cp.Records, cp.Done})
	now := time.Now().UTC()
	return out.AppendHistory(store.HistoryEntry{Start: now, End: now, Profile: cp.Profile, Outcome: store.OutcomeState,
		StopReason: did + "; before: " + string(before), Pages: cp.Pages, Records: cp.Records})
}

// Rewind goes back n pages: the records those pages wrote (and those the
// JSON Schema rejected) move to aside/, and the next run fetches them again
// from the position before them, so every record still appears once. It
// reads only what it takes back, from the end of what the checkpoint
// vouches for: the pages' last n index lines, then the records they wrote.
func Rewind(out store.Location, n int) (Change, error) {
	if n < 1 {
		return Change{}, fmt.Errorf("rewind takes a number of pages of 1 or more, not %d", n)
	}
	s, cp, err := held(out)
	if err != nil {
		return Change{}, err
	}
	defer s.Release()
	if n > cp.Pages {
		return Change{}, remedy.New(fmt.Errorf("cannot rewind %d pages: %s holds %d (rewind %d to start from the first page)", n, out, cp.Pages, cp.Pages), remedy.StartOver)
	}
	if err := settle(s, cp); err != nil {
		return Change{}, err
	}
	fsys, err := out.ReadFS()
	if err != nil {
		return Change{}, err
	}
	keep := cp.Pages - n
	taken, err := readTaken(fsys, out, cp, keep)
	if err != nil {
		return Change{}, err
	}
	first := taken[0] // the first page taken back
	var pos paginate.Position
	switch {
	case first.Position != nil:
		pos = *first.Position
	case keep > 0:
		return Change{}, remedy.New(fmt.Errorf("cannot rewind to page %d: this archive predates positions in the page index; rewind all %d pages", keep+1, cp.Pages), remedy.StartOver)
	}
	var dropped int64
	for _, e := range taken {
		dropped += int64(e.Records)
	}
	if dropped > cp.Records {
		return Change{}, fmt.Errorf("cannot rewind: the last %d pages of %s's index wrote %d records, more than the checkpoint's %d", n, out, dropped, cp.Records)
	}
	recBytes, err := cutBefore(fsys, store.RecordsFile, cp.RecordsBytes, dropped)
	if err != nil {
		return Change{}, err
	}
	rejBytes, rejDropped, err := rejectedFrom(fsys, cp.RejectedBytes, first.Page)
	if err != nil {
		return Change{}, err
	}
	next := *cp
	next.Pages, next.Records, next.RecordsBytes, next.IndexBytes = keep, cp.Records-dropped, recBytes, first.offset
	next.RejectedBytes, next.Rejected = rejBytes, max(cp.Rejected-rejDropped, 0)
	next.Position, next.Done, next.StopReason = pos, false, ""
	// The bodies of the pages taken back go aside too: the segment is cut
	// where the first one began. An older archive's first page taken back
	// has a file of its own: every segment, written after it, goes aside.
	next.PagesFile, next.PagesBytes = "", 0
	if first.Offset != nil {
		next.PagesFile, next.PagesBytes = first.File, *first.Offset
	}
	if err := advance(s, cp, &next); err != nil {
		return Change{}, err
	}
	did := fmt.Sprintf("state rewind %d pages: the next run starts at page %d (%d records kept, %d moved aside)", n, keep+1, next.Records, dropped)
	if err := remember(out, cp, did); err != nil {
		return Change{}, err
	}
	return Change{Did: did, Notes: s.Notes()}, nil
}

// indexLine is what a rewind reads of a line of the page index.
type indexLine struct {
	Page     int                `json:"page"`
	Records  int                `json:"records"`
	File     string             `json:"file"`
	Offset   *int64             `json:"offset"` // within File, a segment of the archive
	Position *paginate.Position `json:"position"`
	offset   int64              // where the line starts in the index
}

// readTaken reads the index lines of the pages a rewind takes back, pages
// keep+1 to cp.Pages: the last lines of what cp vouches for.
func readTaken(fsys fs.FS, out store.Location, cp *store.Checkpoint, keep int) ([]indexLine, error) {
	idx, err := store.OpenJoined(fsys, path.Join(store.PagesDir, store.IndexFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, remedy.New(fmt.Errorf("cannot rewind: %s has no page archive (output.raw_pages was off), so siphon cannot tell which records each page wrote", out), remedy.StartOver)
	}
	if err != nil {
		return nil, err
	}
	defer idx.Close()
	n := cp.Pages - keep
	lines, at, err := idx.Tail(cp.IndexBytes, n, int64(n)*store.MaxIndexLine)
	if err != nil {
		return nil, err
	}
	taken := make([]indexLine, 0, n)
	for i, line := range lines {
		var l indexLine
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, fmt.Errorf("cannot rewind: %s, the line at byte %d: %v", idx.Where(at[i]), at[i], err)
		}
		l.offset = at[i]
		taken = append(taken, l)
	}
	if len(taken) < n {
		return nil, fmt.Errorf("cannot rewind: the page index of %s lists %d of the last %d pages the checkpoint vouches for (pages of an earlier run kept no archive?)", out, len(taken), n)
	}
	for i, l := range taken {
		if l.Page != keep+1+i {
			return nil, fmt.Errorf("cannot rewind: the page index of %s does not end with pages %d to %d, as the checkpoint says it should (pages of an earlier run kept no archive?)", out, keep+1, cp.Pages)
		}
	}
	return taken, nil
}

// cutBefore is where the last n lines of the output's file name begin,
// within its first limit bytes (which end with a whole line).
func cutBefore(fsys fs.FS, name string, limit, n int64) (int64, error) {
	if n == 0 {
		return limit, nil
	}
	j, err := store.OpenJoined(fsys, name)
	if err != nil {
		return 0, err
	}
	defer j.Close()
	return j.LineStartFromEnd(limit, n)
}

// rejectedFrom is where the rejected records of page first and after
// begin (rejected lines are in page order), within the first limit bytes,
// and how many lines there are from there.
func rejectedFrom(fsys fs.FS, limit int64, first int) (int64, int64, error) {
	if limit == 0 {
		return 0, 0, nil
	}
	j, err := store.OpenJoined(fsys, store.RejectedFile)
	if err != nil {
		return 0, 0, err
	}
	defer j.Close()
	cut, after := limit, int64(0)
	// Only each line's start is read: {"page":N,... comes first.
	lines := j.Lines(limit, 4<<10)
	for lines.Next() {
		if !lines.Whole() {
			break // the last line, torn: not vouched
		}
		var l struct {
			Page int `json:"page"`
		}
		line := lines.Line()
		if i := bytes.IndexByte(line, ','); i > 0 {
			line = append(line[:i:i], '}')
		}
		if err := json.Unmarshal(line, &l); err != nil {
			return 0, 0, fmt.Errorf("cannot rewind: %s: %v", lines.Where(), err)
		}
		if l.Page >= first && cut == limit {
			cut = lines.At()
		}
		if cut < limit {
			after++
		}
	}
	return cut, after, lines.Err()
}

// Set sets a resumable field of the position: high_water (keyset,
// timestamp), cursor (cursor), offset (offset), page (page) or next_url
// (next_url, link_header), checked against the pagination style.
func Set(out store.Location, key, value string) (Change, error) {
	s, cp, err := held(out)
	if err != nil {
		return Change{}, err
	}
	defer s.Release()
	next := *cp
	if err := setField(&next.Position, cp.Pagination, key, value); err != nil {
		return Change{}, err
	}
	if !styles.Incremental(cp.Pagination) {
		next.Done, next.StopReason = false, "" // the walk goes on from there
	}
	if err := commit(s, cp, &next); err != nil {
		return Change{}, err
	}
	did := fmt.Sprintf("state set %s %q", key, value)
	if err := remember(out, cp, did); err != nil {
		return Change{}, err
	}
	return Change{Did: did, Notes: s.Notes()}, nil
}

// setField checks value against the field and the style, and sets it.
func setField(pos *paginate.Position, style, key, value string) error {
	wrongStyle := func(want string) error {
		return fmt.Errorf("%s is a field of %s pagination; this run pages by %s", key, want, style)
	}
	switch key {
	case "high_water":
		if !styles.Incremental(style) {
			return wrongStyle("keyset or timestamp")
		}
		if style == spec.PageTimestamp {
			if _, err := time.Parse(time.RFC3339Nano, value); err != nil {
				return fmt.Errorf("high_water of timestamp pagination is an RFC 3339 time (2024-01-31T00:00:00Z), not %q", value)
			}
		}
		if value == "" {
			return errors.New("high_water must not be empty")
		}
		pos.HighWater, pos.BoundaryKeys = value, nil
	case "offset":
		if style != spec.PageOffset {
			return wrongStyle("offset")
		}
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("offset is a whole number of 0 or more, not %q", value)
		}
		pos.Offset = n
	case "page":
		if style != spec.PagePage {
			return wrongStyle("page")
		}
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 {
			return fmt.Errorf("page is a whole number of 1 or more, not %q", value)
		}
		pos.Page = n
	case "cursor":
		if style != spec.PageCursor {
			return wrongStyle("cursor")
		}
		pos.Cursor = value
	case "next_url":
		if style != spec.PageNextURL && style != spec.PageLinkHeader {
			return wrongStyle("next_url or link_header")
		}
		pos.NextURL = value
	default:
		return fmt.Errorf("%q is no resumable field; set one of high_water, cursor, offset, page, next_url", key)
	}
	return nil
}

// ResetPartition starts one partition over: its folder's siphon files move
// aside, and the next run walks it from the start; the others are left.
func ResetPartition(out store.Location, key string) (Change, error) {
	rs, err := readRunState(out)
	if err != nil {
		return Change{}, err
	}
	if rs == nil {
		return Change{}, fmt.Errorf("%s is no partitioned run's output (no %s)", out, store.RunStateFile)
	}
	found := false
	for _, p := range rs.Partitions {
		found = found || p.Key == key
	}
	if !found {
		return Change{}, fmt.Errorf("no partition %q in %s", key, out)
	}
	whole, err := out.Claim(false) // a live partitioned run holds this lock
	if err != nil {
		return Change{}, err
	}
	defer whole.Release()
	part := out.Partition(key)
	cp, err := part.ReadCheckpoint()
	if err != nil {
		return Change{}, err
	}
	moved, err := out.ResetPartition(key)
	if err != nil {
		return Change{}, err
	}
	did := fmt.Sprintf("state reset partition %s: it starts over on the next run", key)
	if cp != nil {
		if err := remember(out, cp, did); err != nil {
			return Change{}, err
		}
	}
	var notes []string
	if moved != "" {
		notes = append(notes, "its files were moved to "+moved)
	}
	return Change{Did: did, Notes: notes}, nil
}
