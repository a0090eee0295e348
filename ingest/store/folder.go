package store

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"siphon/ingest/atomicfile"
	"siphon/ingest/remedy"
)

// folder is an output folder (or its pages subfolder) as one run holds it:
// a handle on the folder itself, through which every file is opened (see
// openAt), and for the output folder its lock. The output folder is a
// Dir's Store.
type folder struct {
	path    string
	dir     *os.File
	root    bool // the output folder, not a subfolder: it is held (locked)
	created bool // made by this holder, empty
	// partition: a partition's folder, whose walk's empty start is staged
	// (see folderWriter.Commit)
	partition bool
	lock      *os.File // the lock file, when the folder has one (see holdFolder)

	mu    sync.Mutex
	notes *[]string // what was changed on the way in, shared with subfolders

	logMu    sync.Mutex
	stateLog *os.File // the run state log, open for appending once appended to
}

// How a folder is held. Every holder locks the folder's own handle
// (flock on the folder): that lock is what keeps two holders out of one
// folder. A run's folder also has a lock file, which names the holder
// for the message of one refused, and which older versions of siphon
// lock; a partition's folder has none (one file fewer for each of a
// run's thousands), and a holder refused there is named from its run's
// folder's lock file. Older versions left a lock file in partition
// folders: it is one of siphon's names (ownName) and nothing trusts it
// unless it is locked.
const (
	withLockFile = true  // a run's folder, or any folder given by its path
	dirLockOnly  = false // a partition's folder, claimed by its run
)

// holdFolder opens and locks one folder; created says it was made just
// now (empty, 0700), and needs no making or tightening.
func holdFolder(path string, lockFile, created bool) (*folder, error) {
	if !created {
		if err := os.MkdirAll(path, 0o700); err != nil {
			return nil, fmt.Errorf("creating output folder: %w", err)
		}
	}
	dir, err := openDirNoFollow(path)
	if err != nil {
		return nil, fmt.Errorf("opening output folder: %w", err)
	}
	f := &folder{path: path, dir: dir, root: true, created: created, notes: new([]string)}
	ok, err := tryLock(dir)
	if !ok {
		who := holderOf(dir, path)
		dir.Close()
		if err != nil {
			return nil, fmt.Errorf("locking output folder %s: %w", path, err)
		}
		return nil, folderInUse(path, who)
	}
	if lockFile {
		lock, err := openAt(dir, LockFile, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			unlock(dir)
			dir.Close()
			return nil, fmt.Errorf("locking output folder: %w", err)
		}
		if ok, _ := tryLock(lock); !ok {
			// An older siphon holds it by the file alone.
			who := cmp.Or(holderIn(lock), "another siphon run")
			lock.Close()
			unlock(dir)
			dir.Close()
			return nil, folderInUse(path, who)
		}
		f.lock = lock
		if err := lock.Truncate(0); err == nil {
			_, _ = lock.WriteAt([]byte(fmt.Sprintf("siphon run, pid %d, since %s\n", os.Getpid(), time.Now().Format(time.RFC3339))), 0)
		}
	}
	if !created {
		f.tighten(dir, 0o700)
	}
	return f, nil
}

// folderInUse refuses a folder another run holds, naming it.
func folderInUse(path, who string) error {
	return remedy.New(fmt.Errorf("%w: %s is held by %s", ErrFolderInUse, path, who), remedy.WaitForHolder, remedy.OtherFolder)
}

// holderOf names whoever holds the folder dir at path: the lock file's
// holder when it is held too, else (a partition's folder) its run
// folder's, which holds it or holds the run that does.
func holderOf(dir *os.File, path string) string {
	if lock, err := openAt(dir, LockFile, readFlags, 0); err == nil {
		ok, _ := tryLock(lock)
		who := ""
		if !ok {
			who = holderIn(lock)
		}
		lock.Close() // and the lock taken to test it with it
		if who != "" {
			return who
		}
	}
	parts := filepath.Dir(path)
	if filepath.Base(parts) == PartitionsDir {
		if run, err := openDirNoFollow(filepath.Dir(parts)); err == nil {
			defer run.Close()
			if lock, err := openAt(run, LockFile, readFlags, 0); err == nil {
				defer lock.Close()
				if who := holderIn(lock); who != "" {
					return who
				}
			}
		}
	}
	return "another siphon run"
}

// holderIn is what a lock file says of its holder ("" when nothing).
func holderIn(lock *os.File) string {
	b := make([]byte, 200)
	n, _ := lock.ReadAt(b, 0)
	return strings.TrimSpace(string(b[:n]))
}

// sub opens (creating it) a subfolder, links refused.
func (f *folder) sub(name string) (*folder, error) {
	d, err := openDirAt(f.dir, name)
	if err != nil {
		return nil, err
	}
	s := &folder{path: filepath.Join(f.path, name), dir: d, notes: f.notes}
	s.tighten(d, 0o700)
	return s, nil
}

// rel is a file's name relative to the output folder, for messages.
func (f *folder) rel(name string) string {
	if f.root {
		return name
	}
	return filepath.Join(filepath.Base(f.path), name)
}

// open opens a regular file of the folder, created 0600; a link is refused,
// and a file others may read is tightened to 0600.
func (f *folder) open(name string, flag int) (*os.File, error) {
	file, err := openAt(f.dir, name, flag, 0o600)
	if err != nil {
		return nil, err
	}
	if fi, err := file.Stat(); err == nil && !fi.Mode().IsRegular() {
		file.Close()
		return nil, fmt.Errorf("%s is not a regular file", file.Name())
	}
	f.tighten(file, 0o600)
	return file, nil
}

// tighten takes away what group and others may do with a file or folder
// siphon writes, and says so for a file (a folder's mode shows only names,
// and a fresh temporary folder is often 0755).
func (f *folder) tighten(file *os.File, perm os.FileMode) {
	fi, err := file.Stat()
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	if fi.IsDir() {
		if err := file.Chmod(perm); err != nil {
			f.note(fmt.Sprintf("%s is open to others (mode %04o) and could not be tightened: %v", file.Name(), fi.Mode().Perm(), err))
		}
		return
	}
	if err := file.Chmod(perm); err != nil {
		f.note(fmt.Sprintf("%s is readable by others (mode %04o) and could not be tightened: %v", file.Name(), fi.Mode().Perm(), err))
		return
	}
	f.note(fmt.Sprintf("%s was readable by others (mode %04o); tightened to %04o", file.Name(), fi.Mode().Perm(), perm))
}

func (f *folder) note(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	*f.notes = append(*f.notes, s)
}

// Notes returns and clears what was changed on the way in.
func (f *folder) Notes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := *f.notes
	*f.notes = nil
	return n
}

// readFile reads a file of the folder; (nil, nil) when there is none.
func (f *folder) readFile(name string) ([]byte, error) {
	file, err := openAt(f.dir, name, os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return io.ReadAll(file)
}

// replace writes a file of the folder atomically: temp file, fsync,
// rename, fsync of the folder.
func (f *folder) replace(name string, data []byte) error {
	return f.replaceFrom(name, bytesOf(data))
}

// bytesOf writes data: what replaceFrom and stage take, for bytes at hand.
func bytesOf(data []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}
}

// replaceFrom is replace with what write writes, streamed into the
// temporary file through a small buffer.
func (f *folder) replaceFrom(name string, write func(io.Writer) error) error {
	return f.swapIn(name, write, true)
}

// replaceUnsynced is replace without the syncs: for a file whose loss in
// a power cut loses no data (the folder's marker, a new run's empty
// checkpoint). A reader never sees it half written.
func (f *folder) replaceUnsynced(name string, data []byte) error {
	return f.swapIn(name, bytesOf(data), false)
}

// swapIn writes a temporary file and renames it over name; durable makes
// the file, then the rename, durable before it returns.
func (f *folder) swapIn(name string, write func(io.Writer) error, durable bool) error {
	tmp, err := f.stage(name, write, durable)
	if err != nil {
		return err
	}
	return f.swap(tmp, name, durable)
}

// stage writes what write writes into a new temporary file for name (made
// durable with sync), and returns its name: nothing is replaced yet.
func (f *folder) stage(name string, write func(io.Writer) error, sync bool) (string, error) {
	tmp := stagedName(name)
	file, err := openAt(f.dir, tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	bw := &fileBuf{f: file, limit: 32 << 10}
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && sync {
		err = file.Sync()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		removeAt(f.dir, tmp)
		return "", err
	}
	return tmp, nil
}

// stageOpen is stage without the sync, the file left open: the caller
// fills it again before it is swapped in (see folderWriter.Commit).
func (f *folder) stageOpen(name string, data []byte) (staged, error) {
	tmp := stagedName(name)
	file, err := openAt(f.dir, tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return staged{}, err
	}
	if _, err := file.Write(data); err != nil {
		file.Close()
		removeAt(f.dir, tmp)
		return staged{}, err
	}
	return staged{file, tmp}, nil
}

// stagedName is a new temporary file's name for name.
func stagedName(name string) string {
	return fmt.Sprintf(".%s.%d.%d.tmp", name, os.Getpid(), time.Now().UnixNano())
}

// stagedStarts lists the checkpoint's temporary files in the folder: with
// no checkpoint beside them, a new run's empty start (or its first
// commit) that a killed run left.
func (f *folder) stagedStarts() ([]string, error) {
	if f.created {
		return nil, nil // made by this run: empty
	}
	if _, err := f.dir.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("reading %s: %w", f.path, err)
	}
	names, err := f.dir.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", f.path, err)
	}
	var starts []string
	for _, n := range names {
		if strings.HasPrefix(n, "."+CheckpointFile+".") && strings.HasSuffix(n, ".tmp") {
			starts = append(starts, n)
		}
	}
	return starts, nil
}

// swap renames the staged file tmp over name, and with durable makes the
// rename durable (a sync of the folder).
func (f *folder) swap(tmp, name string, durable bool) error {
	if err := renameAt(f.dir, tmp, name); err != nil {
		removeAt(f.dir, tmp)
		return err
	}
	if !durable {
		return nil
	}
	return f.dir.Sync()
}

// keepAside copies file's bytes [from, to) into the folder's aside/
// subfolder and returns the copy's path.
func (f *folder) keepAside(file *os.File, name string, from, to int64) (string, error) {
	aside, err := f.sub(asideDir)
	if err != nil {
		return "", err
	}
	defer aside.Release()
	base := fmt.Sprintf("%s.%s.from-byte-%d", strings.ReplaceAll(name, string(filepath.Separator), "-"), time.Now().UTC().Format("20060102T150405.000"), from)
	out, err := aside.open(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(out, io.NewSectionReader(file, from, to-from))
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = aside.dir.Sync()
	}
	return out.Name(), err
}

// Release unlocks and closes the folder.
func (f *folder) Release() {
	if f == nil {
		return
	}
	f.logMu.Lock()
	if f.stateLog != nil {
		f.stateLog.Close()
		f.stateLog = nil
	}
	f.logMu.Unlock()
	if f.lock != nil {
		unlock(f.lock)
		f.lock.Close()
		f.lock = nil
	}
	if f.dir != nil {
		if f.root {
			unlock(f.dir)
		}
		f.dir.Close()
		f.dir = nil
	}
}

func (f *folder) String() string { return f.path }

// ReadCheckpoint reads the checkpoint within the held folder (links
// refused).
func (f *folder) ReadCheckpoint() (*Checkpoint, error) {
	b, err := f.readFile(CheckpointFile)
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	if b == nil {
		return nil, nil
	}
	return parseCheckpoint(filepath.Join(f.path, CheckpointFile), b)
}

// WriteRunState replaces run.json atomically.
func (f *folder) WriteRunState(b []byte) error {
	return atomicfile.Write(filepath.Join(f.path, RunStateFile), b, 0o600)
}

// AppendRunStateLog appends lines to partitions.jsonl with one write, on
// a handle kept open while the folder is held.
func (f *folder) AppendRunStateLog(lines []byte) error {
	f.logMu.Lock()
	defer f.logMu.Unlock()
	if f.stateLog == nil {
		file, err := openAt(f.dir, RunStateLogFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("opening %s: %w", f.rel(RunStateLogFile), err)
		}
		f.stateLog = file
	}
	if _, err := f.stateLog.Write(lines); err != nil {
		return fmt.Errorf("appending to %s: %w", f.rel(RunStateLogFile), err)
	}
	return nil
}

// WriteRunStateLog replaces partitions.jsonl atomically; the next append
// opens the new file.
func (f *folder) WriteRunStateLog(lines []byte) error {
	return f.WriteRunStateLogFrom(bytesOf(lines))
}

// WriteRunStateLogFrom is WriteRunStateLog with the lines write writes,
// streamed into the file: a log of 50,000 partitions is never whole in
// memory (see store.WriteRunStateLogFrom).
func (f *folder) WriteRunStateLogFrom(write func(io.Writer) error) error {
	f.logMu.Lock()
	defer f.logMu.Unlock()
	if f.stateLog != nil {
		f.stateLog.Close()
		f.stateLog = nil
	}
	if err := f.replaceFrom(RunStateLogFile, write); err != nil {
		return fmt.Errorf("writing %s: %w", f.rel(RunStateLogFile), err)
	}
	return nil
}
