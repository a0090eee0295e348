package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"siphon/ingest/atomicfile"
	"siphon/ingest/remedy"
)

// Whose folder an output folder is. siphon writes, moves and tightens only
// in folders that are its own: ones it created (they hold MarkerFile from
// the start), ones made by older versions (they hold a checkpoint.json or
// run.json, or only names siphon writes), and empty folders it adopts. Any
// other existing folder is refused before anything in it is touched.

// folderMarker is the content of MarkerFile.
type folderMarker struct {
	Siphon  string    `json:"siphon"` // always "output folder"
	Created time.Time `json:"created"`
	Shards  int       `json:"shards,omitempty"` // N of --shard K/N this folder was started with
}

const markerWhat = "output folder"

// shardDirName matches the shard folders of a sharded run: shard-K-of-N.
var shardDirName = regexp.MustCompile(`^shard-([0-9]+)-of-([0-9]+)$`)

// ownName reports whether name is one siphon writes in an output folder.
func ownName(name string) bool {
	switch name {
	case MarkerFile, LockFile, CheckpointFile, RunStateFile, RunStateLogFile, RejectedFile, HistoryFile, PagesDir, PartitionsDir, asideDir:
		return true
	}
	if strings.HasPrefix(name, "records") && strings.HasSuffix(name, ".jsonl") {
		return true // records.jsonl and its segments
	}
	if strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".tmp") {
		return true // a temp file of an atomic write cut short
	}
	return shardDirName.MatchString(name)
}

// isOwnFolder decides from a folder's names whether it is siphon's: its
// marker, a checkpoint or run state (older versions), or nothing but names
// siphon writes (an empty folder is adopted).
func isOwnFolder(names []string) bool {
	for _, n := range names {
		if n == MarkerFile || n == CheckpointFile || n == RunStateFile {
			return true
		}
	}
	for _, n := range names {
		if !ownName(n) {
			return false
		}
	}
	return true
}

// checkOutputFolder refuses, without changing anything, an output folder
// siphon must not write in: the current folder, the home folder, the root
// folder, or an existing folder that is not siphon's. A folder that does
// not exist yet is fine.
func checkOutputFolder(path string) error {
	if err := checkOutPath(path); err != nil {
		return err
	}
	return checkOwnFolder(path)
}

// checkOwnFolder refuses, without changing anything, an existing folder
// that is not siphon's. A folder that does not exist yet is fine.
func checkOwnFolder(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil || !fi.IsDir() {
		return nil // holdFolder says what is wrong (a file, a link)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return fmt.Errorf("reading output folder %s: %w", path, err)
	}
	names := make([]string, len(entries))
	var foreign []string
	for i, e := range entries {
		names[i] = e.Name()
		if !ownName(e.Name()) {
			foreign = append(foreign, e.Name())
		}
	}
	if isOwnFolder(names) {
		return nil
	}
	return remedy.New(fmt.Errorf("%w: %s already exists and is not a siphon output folder (it holds %s, and no %s or %s); siphon will not write, move or change anything in it",
		ErrFolderRefused, path, someNames(foreign), CheckpointFile, MarkerFile), remedy.OtherFolder)
}

// someNames lists a few names for a message.
func someNames(names []string) string {
	const most = 3
	quoted := make([]string, 0, most)
	for i, n := range names {
		if i == most {
			break
		}
		quoted = append(quoted, strconv.Quote(n))
	}
	s := strings.Join(quoted, ", ")
	if len(names) > most {
		s += fmt.Sprintf(" and %d more", len(names)-most)
	}
	return s
}

// checkOutPath refuses the current folder, the home folder and the root
// folder as an output folder: siphon keeps a run's files in a folder of
// their own, and starting over moves them aside.
func checkOutPath(path string) error {
	abs, err := realPath(path)
	if err != nil {
		return nil // a path that cannot be resolved is created or refused by holdFolder
	}
	what := ""
	if abs == filepath.Dir(abs) {
		what = "the root folder"
	} else if home, err := os.UserHomeDir(); err == nil && home != "" && sameRealPath(abs, home) {
		what = "your home folder"
	} else if wd, err := os.Getwd(); err == nil && sameRealPath(abs, wd) {
		what = "the current folder"
	}
	if what == "" {
		return nil
	}
	return remedy.New(fmt.Errorf("%w: the output folder %s is %s; siphon keeps a run's files in a folder of their own (and starting over moves them aside)", ErrFolderRefused, path, what), remedy.OtherFolder)
}

// realPath is path made absolute, links resolved as far as it exists.
func realPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r, nil
	}
	return abs, nil
}

func sameRealPath(abs, other string) bool {
	o, err := realPath(other)
	return err == nil && o == abs
}

// readMarker reads a folder's marker; nil when there is none or it cannot
// be read as one.
func readMarker(dir *os.File) *folderMarker {
	f, err := openAt(dir, MarkerFile, os.O_RDONLY, 0)
	if err != nil {
		return nil
	}
	defer f.Close()
	var m folderMarker
	if err := json.NewDecoder(f).Decode(&m); err != nil || m.Siphon != markerWhat {
		return nil
	}
	return &m
}

// markFolder writes the held folder's marker when it has none. It is not
// synced: a marker a power cut takes (or leaves empty, which reads as
// none) is written again by the next run, and until then the folder
// holds only names siphon writes, which makes it siphon's all the same
// (see isOwnFolder). A run of many partitions marks a folder for each.
func (f *folder) markFolder() error {
	if readMarker(f.dir) != nil {
		return nil
	}
	b, _ := json.MarshalIndent(folderMarker{Siphon: markerWhat, Created: time.Now().UTC()}, "", "  ")
	if err := f.replaceUnsynced(MarkerFile, append(b, '\n')); err != nil {
		return fmt.Errorf("marking %s as siphon's output folder: %w", f.path, err)
	}
	return nil
}

// freshen moves siphon's own files of the held folder aside, into a new
// sibling folder NAME.old-STAMP, and leaves everything else where it is.
// It returns the sibling's path ("" when there was nothing to move).
func (f *folder) freshen() (string, error) {
	names, err := f.dir.Readdirnames(-1)
	if _, serr := f.dir.Seek(0, 0); err == nil {
		err = serr
	}
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", f.path, err)
	}
	var move []string
	for _, n := range names {
		if ownName(n) && n != LockFile && n != MarkerFile {
			move = append(move, n)
		}
	}
	if len(move) == 0 {
		return "", nil
	}
	dst, err := newAsideFolder(f.path)
	if err != nil {
		return "", err
	}
	for _, n := range move {
		if err := os.Rename(filepath.Join(f.path, n), filepath.Join(dst, n)); err != nil {
			return dst, fmt.Errorf("starting over: moving %s to %s: %w", n, dst, err)
		}
	}
	if m := readMarker(f.dir); m != nil && m.Shards != 0 {
		// The shards went aside with the rest: the folder starts over.
		m.Shards = 0
		b, _ := json.MarshalIndent(m, "", "  ")
		if err := f.replace(MarkerFile, append(b, '\n')); err != nil {
			return dst, fmt.Errorf("starting over: updating %s: %w", MarkerFile, err)
		}
	}
	return dst, nil
}

// newAsideFolder creates (0700) a fresh sibling of dir, dir.old-STAMP.
func newAsideFolder(dir string) (string, error) {
	stamp := time.Now().UTC().Format("20060102T150405")
	for i := 0; ; i++ {
		dst := fmt.Sprintf("%s.old-%s", dir, stamp)
		if i > 0 {
			dst = fmt.Sprintf("%s.%d", dst, i)
		}
		err := os.Mkdir(dst, 0o700)
		if err == nil {
			return dst, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("starting over: making a folder for the old output: %w", err)
		}
	}
}

// checkShards refuses a sharded (or unsharded) partitioned run on an output
// folder started with another shard count: the partitions of the two
// counts are not the same sets, and every record would be fetched and
// written again. The count is recorded in the folder's marker; folders of
// older versions tell it by their shard-K-of-N folders, or by a run.json of
// an unsharded run.
func checkShards(out string, n int) error {
	if err := checkOutputFolder(out); err != nil {
		return err
	}
	want := max(n, 1)
	if err := os.MkdirAll(out, 0o700); err != nil {
		return fmt.Errorf("creating output folder: %w", err)
	}
	dir, err := openDirNoFollow(out)
	if err != nil {
		return fmt.Errorf("opening output folder: %w", err)
	}
	defer dir.Close()
	m := readMarker(dir)
	had := 0
	if m != nil {
		had = m.Shards
	}
	if had == 0 {
		names, err := dir.Readdirnames(-1)
		if err != nil {
			return fmt.Errorf("reading %s: %w", out, err)
		}
		for _, n := range names {
			if sm := shardDirName.FindStringSubmatch(n); sm != nil {
				had, _ = strconv.Atoi(sm[2])
				break
			}
		}
		if had == 0 && (contains(names, RunStateFile) || contains(names, CheckpointFile)) {
			had = 1
		}
	}
	if had != 0 && had != want {
		return remedy.New(fmt.Errorf("%w: %s was started with %s; this run has %s. Runs of different shard counts split the partitions differently, so records would be fetched and written again",
			ErrFolderRefused, out, shardText(had), shardText(want)), remedy.SameShards, remedy.OtherFolder)
	}
	if had == 0 && want > 1 {
		mk := folderMarker{Siphon: markerWhat, Created: time.Now().UTC(), Shards: want}
		if m != nil {
			mk.Created = m.Created
		}
		b, _ := json.MarshalIndent(mk, "", "  ")
		if err := atomicfile.Write(filepath.Join(out, MarkerFile), append(b, '\n'), 0o600); err != nil {
			return fmt.Errorf("recording the shard count in %s: %w", out, err)
		}
	}
	return nil
}

func shardText(n int) string {
	if n <= 1 {
		return "1 shard (unsharded)"
	}
	return fmt.Sprintf("%d shards", n)
}

func contains(names []string, n string) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}
