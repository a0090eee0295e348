package budget

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"siphon/ingest/httphdr"
)

// store keeps one origin's state where its sharers meet: in this process
// (memStore) or in a locked state file other processes read too
// (fileStore). The caller serialises calls (Shared.mu).
type store interface {
	// update brings the state up to date with what other sharers did, lets
	// op change it (a nil op only reads) and keeps what op changed, all
	// under one lock. notes are warnings about the store, for a person.
	update(op func(st *state, now time.Time)) (notes []string, err error)
	// share says the state is worth sharing from now on: there is a pace,
	// a server window or a hold. Until then a store may keep it to itself.
	share()
	// last is the state as last read or written, without reading again.
	last() *state
	// where names the state file; "" when the state is in this process.
	where() string
}

// memStore shares the state within this process.
type memStore struct{ st state }

func (m *memStore) update(op func(*state, time.Time)) ([]string, error) {
	if op != nil {
		op(&m.st, time.Now())
	}
	return nil, nil
}
func (m *memStore) share()        {}
func (m *memStore) last() *state  { return &m.st }
func (m *memStore) where() string { return "" }

// fileStore shares the state with other processes through a state file
// (see openStateFile for what it refuses). Until the state is worth
// sharing (here or in another process: the file exists), a request costs
// no file lock and the folder gets no file.
type fileStore struct {
	path   string // "": given up on the file, the state stays in this process
	origin string
	id     string // this process (and registry) in the file's process list
	active bool
	st     state
}

func newFileStore(dir, origin, id string) *fileStore {
	f := &fileStore{path: FilePath(dir, origin), origin: origin, id: id, st: emptyState(origin)}
	return f
}

func (f *fileStore) share()        { f.active = true }
func (f *fileStore) last() *state  { return &f.st }
func (f *fileStore) where() string { return f.path }

// update reads the file, lets op change the state and writes it back,
// under the file's lock. A file siphon refuses (a link, a FIFO, another
// user's) is an error, op not run; a file that cannot be used otherwise
// (e.g. a read-only cache folder) leaves the state to this process, with a
// note. What the file held that could not be believed is dropped, noted,
// and the file rewritten.
func (f *fileStore) update(op func(*state, time.Time)) (notes []string, err error) {
	now := time.Now()
	if !f.active && f.path != "" {
		// Another process may have started sharing since: a hold it wrote
		// must stop this one too. A look costs no lock and makes no file.
		if _, err := os.Lstat(f.path); err == nil {
			f.active = true
		}
	}
	if f.path == "" || !f.active {
		if op != nil {
			op(&f.st, now)
		}
		return nil, nil
	}
	unlock, file, notes, err := lockStateFile(f.path, stateOpen{create: true, write: true})
	var refused *StateFileError
	switch {
	case errors.As(err, &refused):
		return notes, err
	case err != nil:
		if !errors.Is(err, errNoFileLocks) {
			notes = append(notes, fmt.Sprintf("rate budget state file %s cannot be used (%v): the budget of %s is shared within this process only", f.path, err, f.origin))
		}
		f.path = ""
		if op != nil {
			op(&f.st, now)
		}
		return notes, nil
	}
	defer unlock()
	rewrite := false
	if data, err := readAllFrom(file); err != nil {
		notes = append(notes, fmt.Sprintf("rate budget state file %s cannot be read (%v): siphon rewrites it", f.path, err))
		rewrite = true
	} else if len(data) > 0 {
		st, bad, ok := decodeState(data, f.path, now)
		notes = append(notes, bad...)
		if ok {
			f.st, rewrite = st, len(bad) > 0
		} else {
			f.st, rewrite = emptyState(f.origin), true
		}
	}
	if op == nil && !rewrite {
		return notes, nil
	}
	if op != nil {
		op(&f.st, now)
		if f.st.Procs == nil {
			f.st.Procs = map[string]time.Time{}
		}
		f.st.Procs[f.id] = now
	}
	for pid, seen := range f.st.Procs {
		if now.Sub(seen) > procFresh {
			delete(f.st.Procs, pid)
		}
	}
	if data, err := json.Marshal(f.st); err == nil {
		_ = writeAllTo(file, data)
	}
	return notes, nil
}

// decodeState reads a state file's content. ok is false when it is not a
// budget state (not JSON, the wrong shape, or another origin's than the
// file's name says); what it held that is not believed is dropped and
// said in notes, each naming the file.
func decodeState(data []byte, path string, now time.Time) (st state, notes []string, ok bool) {
	if err := json.Unmarshal(data, &st); err != nil {
		what := "not JSON"
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			what = "JSON of the wrong shape"
		}
		return state{}, []string{fmt.Sprintf("rate budget state file %s is not budget state siphon wrote (%s): siphon starts that origin's budget empty and rewrites the file", path, what)}, false
	}
	if st.Origin == "" || stateFileName(st.Origin) != filepath.Base(path) {
		return state{}, []string{fmt.Sprintf("rate budget state file %s names an origin that is not the one its file name is for: siphon starts that origin's budget empty and rewrites the file", path)}, false
	}
	if st.Limit < -1 {
		st.Limit = -1
	}
	if !st.Reset.IsZero() && st.Reset.Sub(now) > holdBound {
		notes = append(notes, fmt.Sprintf("rate budget state file %s: ignored a window reset at %s, more than %s away", path, st.Reset.UTC().Format(time.RFC3339), holdBound))
		st.Known, st.Reset = false, time.Time{}
	}
	if st.Over.After(now.Add(sameWindow)) {
		notes = append(notes, fmt.Sprintf("rate budget state file %s: ignored a past window's end at %s, which is in the future", path, st.Over.UTC().Format(time.RFC3339)))
		st.Over = time.Time{}
	}
	if st.Next.Sub(now) > holdBound {
		notes = append(notes, fmt.Sprintf("rate budget state file %s: ignored a next request due at %s, more than %s away", path, st.Next.UTC().Format(time.RFC3339), holdBound))
		st.Next = time.Time{}
	}
	if h := st.Hold; h != nil {
		switch {
		case !now.Before(h.Until):
			st.Hold = nil // over
		case h.Until.Sub(now) > holdMax:
			notes = append(notes, fmt.Sprintf("rate budget state file %s: ignored a hold until %s, more than %s away", path, h.Until.UTC().Format(time.RFC3339), httphdr.MaxResetAhead))
			st.Hold = nil
		}
	}
	for pid, seen := range st.Procs {
		if seen.After(now.Add(procFresh)) {
			delete(st.Procs, pid)
		}
	}
	return st, notes, true
}
