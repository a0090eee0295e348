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
	b, err := out.ReadRunState()
	if b == nil || err != nil {
		return nil, err
	}
	var h Header
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, damaged(out, store.RunStateFile, err)
	}
	st := &State{Header: h}
	if h.Version < Version {
		st.Partitions, st.Header.Partitions = h.Partitions, nil
		st.Total = len(st.Partitions)
		return st, nil
	}
	if h.Version > Version {
		return nil, remedy.New(fmt.Errorf("%w: %s has version %d, this siphon reads up to %d", store.ErrCheckpointDamaged, filepath.Join(out.String(), store.RunStateFile), h.Version, Version), remedy.StartOver)
	}
	if st.Partitions, err = fold(out); err != nil {
		return nil, err
	}
	return st, nil
}

// fold reads the log and keeps each partition's latest state. A line that
// does not parse is skipped when it is the last (torn by a crash), and
// refused anywhere else.
func fold(out store.Location) ([]Line, error) {
	rc, err := out.ReadRunStateLog()
	if rc == nil || err != nil {
		return nil, err
	}
	defer rc.Close()
	var lines []Line
	at := map[string]int{}
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var bad error
	for n := 1; sc.Scan(); n++ {
		if bad != nil {
			return nil, bad // a bad line that was not the last
		}
		var l Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.Key == "" {
			if err == nil {
				err = errors.New("no key")
			}
			bad = damaged(out, store.RunStateLogFile, fmt.Errorf("line %d: %v", n, err))
			continue
		}
		if i, ok := at[l.Key]; ok {
			lines[i].State, lines[i].Error = l.State, l.Error
			continue
		}
		at[l.Key] = len(lines)
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		return nil, damaged(out, store.RunStateLogFile, err)
	}
	slices.SortStableFunc(lines, func(a, b Line) int { return a.Index - b.Index })
	return lines, nil
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

// Changes says how the partitions now, of the given kind, differ from the
// saved set. New partitions are no change: they are simply run.
func (s *State) Changes(kind string, now *partition.Set) []string {
	var out []string
	if s.Kind != kind {
		return []string{fmt.Sprintf("partitions were %s, are now %s", orDash(s.Kind), orDash(kind))}
	}
	for _, sp := range s.Partitions {
		i, ok := now.Find(sp.Key)
		if !ok {
			out = append(out, fmt.Sprintf("partition %s (%s) is gone", sp.Key, sp.Partition.Describe()))
			continue
		}
		if p := now.At(i); p.Start != sp.Start || p.End != sp.End || p.Value != sp.Value {
			out = append(out, fmt.Sprintf("partition %s was %s, is now %s", sp.Key, sp.Partition.Describe(), p.Describe()))
		}
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
