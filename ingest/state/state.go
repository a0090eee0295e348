// Package state shows and corrects a run's resumable state in its output:
// where the next run starts, how many pages and records it vouches for, a
// partitioned run's partitions. Every change is made under the output's
// lock (a live run's folder is refused), keeps every record exactly once
// (what a rewind takes back goes to aside/, the next run fetches it again)
// and is written to the output's history with the state before it.
package state

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
// does). With cut, the records and index past next's lengths are moved
// aside too.
func commit(s store.Store, cur, next *store.Checkpoint) error {
	w, err := s.Open(cur, store.Options{RawPages: true})
	if err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if next.RecordsBytes != cur.RecordsBytes {
		next.RecordsTail = "" // checked above against cur; the new tail is computed on commit
	}
	w, err = s.Open(next, store.Options{RawPages: true})
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

// Rewind goes back n pages: the records those pages wrote move to aside/,
// and the next run fetches them again from the position before them, so
// every record still appears once.
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
	index, err := readIndex(out.String(), cp.IndexBytes)
	if err != nil {
		return Change{}, err
	}
	if len(index) < cp.Pages {
		return Change{}, fmt.Errorf("cannot rewind: %s lists %d pages, the checkpoint %d (pages of an earlier run kept no archive?)", filepath.Join(out.String(), store.PagesDir, store.IndexFile), len(index), cp.Pages)
	}
	keep := cp.Pages - n
	first := index[keep] // the first page taken back
	var pos paginate.Position
	switch {
	case first.Position != nil:
		pos = *first.Position
	case keep > 0:
		return Change{}, remedy.New(fmt.Errorf("cannot rewind to page %d: this archive predates positions in pages/index.jsonl; rewind all %d pages", keep+1, cp.Pages), remedy.StartOver)
	}
	var records int64
	for _, e := range index[:keep] {
		records += int64(e.Records)
	}
	recBytes, err := lineOffset(filepath.Join(out.String(), store.RecordsFile), records, cp.RecordsBytes)
	if err != nil {
		return Change{}, err
	}
	next := *cp
	next.Pages, next.Records, next.RecordsBytes, next.IndexBytes = keep, records, recBytes, first.offset
	next.Position, next.Done, next.StopReason = pos, false, ""
	// The bodies of the pages taken back go aside too: the segment is cut
	// where the first one began. An older archive's first page taken back
	// has a file of its own: every segment, written after it, goes aside.
	next.PagesFile, next.PagesBytes = "", 0
	if first.Offset != nil {
		next.PagesFile, next.PagesBytes = first.File, *first.Offset
	}
	if err := commit(s, cp, &next); err != nil {
		return Change{}, err
	}
	did := fmt.Sprintf("state rewind %d pages: the next run starts at page %d (%d records kept, %d moved aside)", n, keep+1, records, cp.Records-records)
	if err := remember(out, cp, did); err != nil {
		return Change{}, err
	}
	return Change{Did: did, Notes: s.Notes()}, nil
}

// indexLine is what a rewind reads of a line of pages/index.jsonl.
type indexLine struct {
	Records  int                `json:"records"`
	File     string             `json:"file"`
	Offset   *int64             `json:"offset"` // within File, a segment of the archive
	Position *paginate.Position `json:"position"`
	offset   int64              // where the line starts
}

// readIndex reads the index's lines within the first vouched bytes.
func readIndex(dir string, vouched int64) ([]indexLine, error) {
	path := filepath.Join(dir, store.PagesDir, store.IndexFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, remedy.New(fmt.Errorf("cannot rewind: %s has no page archive (output.raw_pages was off), so siphon cannot tell which records each page wrote", dir), remedy.StartOver)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(io.LimitReader(f, vouched))
	var out []indexLine
	var at int64
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			var l indexLine
			if jerr := json.Unmarshal(line, &l); jerr != nil {
				return nil, fmt.Errorf("%s, line %d: %v", path, len(out)+1, jerr)
			}
			l.offset = at
			out = append(out, l)
		}
		at += int64(len(line))
		if err != nil {
			break
		}
	}
	return out, nil
}

// lineOffset is the byte offset just past the first n lines of the file at
// path, within its first limit bytes.
func lineOffset(path string, n, limit int64) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(io.LimitReader(f, limit), 64<<10)
	var at, lines int64
	for {
		chunk, err := r.ReadSlice('\n')
		at += int64(len(chunk))
		if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
			if lines++; lines == n {
				return at, nil
			}
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return 0, fmt.Errorf("%s holds %d records within what the checkpoint vouches for, fewer than the index's %d", path, lines, n)
		}
	}
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
