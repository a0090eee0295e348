package budget

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The state files: where they are, what siphon refuses to use as one, and
// how 'siphon budget show|clear' reads and clears them.

// DefaultDir is where processes of this user meet: the user cache
// folder's siphon/budget ("" when there is none).
func DefaultDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "siphon", "budget")
}

// stateFileName is the name of an origin's state file.
func stateFileName(origin string) string {
	sum := sha256.Sum256([]byte(origin))
	return hex.EncodeToString(sum[:8]) + ".json"
}

// stateFileMax bounds a state file read: it holds a few numbers and a
// process list.
const stateFileMax = 64 << 10

func readAllFrom(f *os.File) ([]byte, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(f, stateFileMax))
}

// writeAllTo replaces the file's content; its lock is held.
func writeAllTo(f *os.File, data []byte) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt(data, 0)
	return err
}

// stateOpen is how a state file is opened: create makes it when missing
// (0600, its folder 0700); write takes the lock to change it, else a
// shared one to read it.
type stateOpen struct{ create, write bool }

// errNoFileLocks: this system has no flock; budgets stay in the process.
var errNoFileLocks = errors.New("no file locks on this system: rate budgets are shared within a process only")

// StateFileError is a rate budget state file (or its folder) that siphon
// refuses to use: what it is, what is wrong, how to fix it.
type StateFileError struct {
	Path    string
	Folder  bool   // Path is the state files' folder
	Problem string // e.g. "is a symbolic link"
	Fix     string
}

func (e *StateFileError) Error() string {
	what := "rate budget state file"
	if e.Folder {
		what = "rate budget folder"
	}
	return fmt.Sprintf("%s %s %s; %s", what, e.Path, e.Problem, e.Fix)
}

func removeFix(path string) string {
	return fmt.Sprintf("siphon does not use it: remove it (rm %s) and siphon makes a new one", shellWord(path))
}

// refuseKind refuses a state file that is not a regular file.
func refuseKind(path string, m fs.FileMode) error {
	what := "is not a regular file"
	switch {
	case m&fs.ModeSymlink != 0:
		what = "is a symbolic link (following it could make siphon write over the file it points to)"
	case m&fs.ModeNamedPipe != 0:
		what = "is a FIFO (named pipe), not a regular file"
	case m&fs.ModeSocket != 0:
		what = "is a socket, not a regular file"
	case m&fs.ModeDevice != 0:
		what = "is a device, not a regular file"
	case m.IsDir():
		what = "is a folder, not a regular file"
	}
	return &StateFileError{Path: path, Problem: what, Fix: removeFix(path)}
}

// shellWord quotes a path for a command line when it needs it.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:@,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// FilePath is the state file of an origin's shared budget in dir.
func FilePath(dir, origin string) string { return filepath.Join(dir, stateFileName(origin)) }

// FileState is one state file as 'siphon budget show' reports it.
type FileState struct {
	Path      string
	Origin    string // "": the file holds none siphon can read
	Limit     int64  // the server's window; -1: unknown
	Remaining int64  // left in it; -1: unknown
	Reset     time.Time
	Next      time.Time // client-side pace: the next request's time; zero: none waiting
	Sent      uint64    // requests counted through it
	Processes int       // processes that sent a request in the last few seconds
	Hold      *FileHold
	Notes     []string // what was not believed, or was tightened, each naming the file
	Err       error    // the file cannot be read: what and how to fix it
}

// FileHold is a wait the server asked for that runs obey until it ends
// or 'siphon budget clear' removes it.
type FileHold struct {
	Until, Since time.Time
	Why          string
}

// ReadFiles reads the state files in dir (only origin's when it is
// not ""), under their locks, without changing them beyond tightening a
// loose mode. A missing folder or file is no state.
func ReadFiles(dir, origin string) ([]FileState, error) {
	var paths []string
	if origin != "" {
		paths = []string{FilePath(dir, origin)}
	} else {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".json") {
				paths = append(paths, filepath.Join(dir, e.Name()))
			}
		}
	}
	dirNotes, err := prepareStateDir(dir, false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []FileState
	now := time.Now()
	for _, path := range paths {
		bs := FileState{Path: path, Limit: -1, Remaining: -1, Notes: dirNotes}
		dirNotes = nil
		unlock, f, notes, err := lockStateFile(path, stateOpen{})
		bs.Notes = append(bs.Notes, notes...)
		if errors.Is(err, fs.ErrNotExist) && origin != "" {
			continue
		}
		if err != nil {
			bs.Err = err
			out = append(out, bs)
			continue
		}
		data, err := readAllFrom(f)
		unlock()
		if err != nil {
			bs.Err = fmt.Errorf("rate budget state file %s cannot be read: %w", path, err)
			out = append(out, bs)
			continue
		}
		if len(data) > 0 {
			st, notes, ok := decodeState(data, path, now)
			bs.Notes = append(bs.Notes, notes...)
			if ok {
				describeState(&bs, st, now)
			}
		}
		out = append(out, bs)
	}
	return out, nil
}

// describeState fills what a display shows of a state.
func describeState(bs *FileState, st state, now time.Time) {
	bs.Origin, bs.Sent = st.Origin, st.Seq
	if st.Known && (st.Reset.IsZero() || now.Before(st.Reset)) {
		bs.Limit, bs.Remaining, bs.Reset = st.Limit, max(st.Avail, 0), st.Reset
	}
	if st.Next.After(now) {
		bs.Next = st.Next
	}
	for _, seen := range st.Procs {
		if now.Sub(seen) <= procFresh {
			bs.Processes++
		}
	}
	if h := st.Hold; h != nil {
		bs.Hold = &FileHold{Until: h.Until, Since: h.Since, Why: h.Why}
	}
}

// Clear removes an origin's hold and window state from its state
// file in dir, under the file's lock (runs on the origin read it before
// each request, so they go on at once). It returns the state as it was;
// no file is an fs.ErrNotExist error.
func Clear(dir, origin string) (FileState, error) {
	path := FilePath(dir, origin)
	was := FileState{Path: path, Origin: origin, Limit: -1, Remaining: -1}
	if _, err := os.Lstat(path); err != nil {
		return was, err
	}
	unlock, f, notes, err := lockStateFile(path, stateOpen{write: true})
	was.Notes = notes
	if err != nil {
		return was, err
	}
	defer unlock()
	data, err := readAllFrom(f)
	if err != nil {
		return was, fmt.Errorf("rate budget state file %s cannot be read: %w", path, err)
	}
	now := time.Now()
	cleared := emptyState(origin)
	if len(data) > 0 {
		st, notes, ok := decodeState(data, path, now)
		was.Notes = append(was.Notes, notes...)
		if ok {
			describeState(&was, st, now)
			cleared.Seq, cleared.Procs = st.Seq, st.Procs
		}
	}
	out, err := json.Marshal(cleared)
	if err == nil {
		err = writeAllTo(f, out)
	}
	if err != nil {
		return was, fmt.Errorf("rate budget state file %s cannot be written: %w", path, err)
	}
	return was, nil
}
