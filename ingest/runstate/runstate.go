// Package runstate reads and writes a partitioned run's own state in its
// output: run.json says what the run is (profile, kind of partitions,
// shard, how many), and partitions.jsonl holds a line per partition state
// change, appended as partitions start and end and compacted to one line a
// partition when a run starts. A change costs one appended line however
// many partitions the run has. Version 1 of run.json held every
// partition's line itself and was rewritten at each change; it still
// reads. The partitions' own checkpoints are what a resume trusts: this
// state lists the set, to notice when it changes, and says how far the
// run got.
package runstate

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"siphon/ingest/partition"
	"siphon/ingest/remedy"
	"siphon/ingest/store"
)

// Version is run.json's version this package writes: 2, the header of a
// state log. Version 1 (or none) lists the partitions in run.json itself.
const Version = 2

// Header is run.json.
type Header struct {
	Version   int       `json:"version"`
	Profile   string    `json:"profile"`
	Kind      string    `json:"kind"`
	Shard     string    `json:"shard,omitempty"`
	Total     int       `json:"total"` // partitions in the log (version 2)
	UpdatedAt time.Time `json:"updated_at"`
	// Partitions is version 1's list; empty from version 2 on.
	Partitions []Line `json:"partitions,omitempty"`
}

// Line is one partition's state: in a compacted log (and a version 1
// run.json) with its definition, in an appended change its key only.
type Line struct {
	partition.Partition
	State string `json:"state"` // STARTING (not yet run), RUNNING, DONE, FAILED, PAUSED
	Error string `json:"error,omitempty"`
}

// change is an appended line: a partition's key and its new state.
type change struct {
	Key   string `json:"key"`
	State string `json:"state"`
	Error string `json:"error,omitempty"`
}

// State is a run's state as read: its header and every partition's latest
// line, in declaration order.
type State struct {
	Header
	Partitions []Line
}

// maxLine bounds one line of the log read back: siphon writes lines of a
// few KiB at most (a key, a value and an error, all bounded).
const maxLine = 1 << 20

// Read reads the run state at out; (nil, nil) when there is none.
func Read(out store.Location) (*State, error) {
	var lines []Line
	at := map[string]int{}
	h, err := Scan(out, func(l Line) error {
		if i, ok := at[l.Key]; ok {
			lines[i].State, lines[i].Error = l.State, l.Error
			return nil
		}
		at[l.Key] = len(lines)
		lines = append(lines, l)
		return nil
	})
	if h == nil || err != nil {
		return nil, err
	}
	if h.Version >= Version {
		slices.SortStableFunc(lines, func(a, b Line) int { return a.Index - b.Index })
	}
	st := &State{Header: *h, Partitions: lines}
	st.Total = len(lines)
	if h.Version >= Version {
		st.Total = h.Total
	}
	return st, nil
}

// Scan reads the run state at out a line at a time: fn gets each line of
// the log in order (a partition's first line defines it, later ones
// change its state), or each of a version 1 run.json's lines. It returns
// the header, without version 1's lines; (nil, nil) when there is none.
// A run of 50,000 partitions reads its state this way, holding none of
// the lines.
func Scan(out store.Location, fn func(Line) error) (*Header, error) {
	b, err := out.ReadRunState()
	if b == nil || err != nil {
		return nil, err
	}
	var h Header
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, damaged(out, store.RunStateFile, err)
	}
	if h.Version < Version {
		lines := h.Partitions
		h.Partitions = nil
		for _, l := range lines {
			if err := fn(l); err != nil {
				return nil, err
			}
		}
		return &h, nil
	}
	if h.Version > Version {
		return nil, remedy.New(fmt.Errorf("%w: %s has version %d, this siphon reads up to %d", store.ErrCheckpointDamaged, filepath.Join(out.String(), store.RunStateFile), h.Version, Version), remedy.StartOver)
	}
	if err := scanLog(out, fn); err != nil {
		return nil, err
	}
	return &h, nil
}

// scanLog reads the log's lines to fn. A line that does not parse is
// skipped when it is the last (torn by a crash), and refused anywhere
// else.
func scanLog(out store.Location, fn func(Line) error) error {
	rc, err := out.ReadRunStateLog()
	if rc == nil || err != nil {
		return err
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var bad error
	for n := 1; sc.Scan(); n++ {
		if bad != nil {
			return bad // a bad line that was not the last
		}
		var l Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.Key == "" {
			if err == nil {
				err = errors.New("no key")
			}
			bad = damaged(out, store.RunStateLogFile, fmt.Errorf("line %d: %v", n, err))
			continue
		}
		if err := fn(l); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return damaged(out, store.RunStateLogFile, err)
	}
	return nil
}

func damaged(out store.Location, name string, err error) error {
	return remedy.New(fmt.Errorf("%w: %s is not a siphon run state (%v)", store.ErrCheckpointDamaged, filepath.Join(out.String(), name), err), remedy.StartOver)
}

// AppendLine appends one partition's line of a compacted log, with its
// definition, to buf.
func AppendLine(buf []byte, l Line) ([]byte, error) {
	b, err := json.Marshal(&l)
	if err != nil {
		return buf, err
	}
	return append(append(buf, b...), '\n'), nil
}

// AppendChange appends one partition's state change, as a line, to buf.
func AppendChange(buf []byte, key, state, errText string) []byte {
	b, err := json.Marshal(change{Key: key, State: state, Error: errText})
	if err != nil { // strings always marshal
		return buf
	}
	return append(append(buf, b...), '\n')
}

// EncodeHeader is run.json's content for h, at Version.
func EncodeHeader(h Header) ([]byte, error) {
	h.Version, h.Partitions = Version, nil
	b, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// A Comparer says, a saved line at a time, how the partitions now differ
// from a saved set (new partitions are no change: they are simply run),
// and where each saved partition is among them. It holds a bit a
// partition now, and the lines of partitions gone.
type Comparer struct {
	now     *partition.Set
	kindWas string
	kind    string
	seen    []uint64        // partitions now whose first saved line was compared
	gone    map[string]bool // keys saved that are not among now
	changes []indexedChange // in the saved lines' order
}

type indexedChange struct {
	index int // the saved partition's
	what  string
}

// NewComparer compares a saved set of partitions of kind kindWas with
// now, of kind.
func NewComparer(kindWas, kind string, now *partition.Set) *Comparer {
	return &Comparer{now: now, kindWas: kindWas, kind: kind, seen: make([]uint64, (now.Len()+63)/64), gone: map[string]bool{}}
}

// Line takes the next saved line (a partition's first line is its
// definition) and returns its partition's place among now; false when it
// is not among them.
func (c *Comparer) Line(l Line) (int, bool) {
	i, ok := c.now.Find(l.Key)
	if !ok {
		if c.kindWas == c.kind && !c.gone[l.Key] {
			c.gone[l.Key] = true
			c.changes = append(c.changes, indexedChange{l.Index, fmt.Sprintf("partition %s (%s) is gone", l.Key, l.Partition.Describe())})
		}
		return 0, false
	}
	if w, bit := i/64, uint64(1)<<(i%64); c.seen[w]&bit == 0 {
		c.seen[w] |= bit
		if p := c.now.At(i); c.kindWas == c.kind && (p.Start != l.Start || p.End != l.End || p.Value != l.Value) {
			c.changes = append(c.changes, indexedChange{l.Index, fmt.Sprintf("partition %s was %s, is now %s", l.Key, l.Partition.Describe(), p.Describe())})
		}
	}
	return i, true
}

// Changes lists the differences, in the saved partitions' order.
func (c *Comparer) Changes() []string {
	if c.kindWas != c.kind {
		return []string{fmt.Sprintf("partitions were %s, are now %s", orDash(c.kindWas), orDash(c.kind))}
	}
	slices.SortStableFunc(c.changes, func(a, b indexedChange) int { return a.index - b.index })
	var out []string
	for _, ch := range c.changes {
		out = append(out, ch.what)
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
