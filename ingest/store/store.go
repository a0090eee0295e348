// Package store keeps a run's output: the records, the raw page archive,
// the checkpoint that vouches for them, the history of runs and a
// partitioned run's state. The run loop sees it only through Location,
// Store and Writer, chosen by the address (At): a local folder (Dir), or
// scheme://... for a store that registered its scheme (RegisterScheme);
// any other scheme:// is refused. The local folder holds the rules that
// keep a folder siphon's own: one run at a time (a lock), links never
// followed, files 0600 and folders 0700, foreign folders refused, bytes
// nobody vouches for moved aside rather than cut.
package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
)

// Location is an output store named by its address, not yet held by a run:
// what can be read or decided about it without owning it.
type Location interface {
	// String is the address, for messages and to hand to At again.
	String() string
	// Claim takes the store for one run (its lock), creating it, before
	// anything in it is read, moved or cut. With fresh, siphon's own files
	// of an earlier output are moved aside first. A store that is not
	// siphon's, or one another live run holds, is refused.
	Claim(fresh bool) (Store, error)
	// CheckShards refuses a partitioned run whose shard count (n ≤ 1: not
	// sharded) differs from the one the store was started with, and
	// records n when it is the first.
	CheckShards(n int) error
	// Shard is shard k of n's own location under this one (this one when
	// n ≤ 1).
	Shard(k, n int) Location
	// Partition is the location of partition key's own output under this one.
	Partition(key string) Location
	// ReadCheckpoint reads the checkpoint, checked; (nil, nil) when none.
	ReadCheckpoint() (*Checkpoint, error)
	// ReadRunState reads a partitioned run's state; (nil, nil) when none.
	ReadRunState() ([]byte, error)
	// ReadRunStateLog opens a partitioned run's state log, the lines of
	// its partitions' state changes in the order they were appended;
	// (nil, nil) when there is none. Its last line may be torn.
	ReadRunStateLog() (io.ReadCloser, error)
	// AppendHistory adds one run to the history, whole or not at all. A
	// store that was never made gets none.
	AppendHistory(HistoryEntry) error
	// ReadHistory returns the last keep runs of the history (0: all),
	// oldest first; damaged lines are skipped.
	ReadHistory(keep int) ([]HistoryEntry, error)
	// MoveAside moves siphon's own files of the output out of the way
	// (under the lock) and says where; "" when there was nothing.
	MoveAside() (string, error)
	// ResetPartition moves partition key's output out of partitions/ into
	// aside/ (under its lock), so the next run walks it from the start and
	// readers of partitions/*/records.jsonl see it no more; it says where.
	ResetPartition(key string) (string, error)
	// ReadFS is a read-only view of the output, not holding it: what its
	// readers (replay, state rewind, the console) read it through, with
	// OpenJoined, FindPage and OpenPageBody, never by an OS path. Its
	// files are io.ReaderAt and io.Seeker, so that a page's body is read
	// at its offset without reading the segment it lies in.
	ReadFS() (fs.FS, error)
}

// Cutter is a Store kept in segments that cannot be cut in place (an
// object store): before a checkpoint that vouches for less than the one
// before it is committed (state rewind), CutBack makes the output end
// where next says. next.PagesFile names the page segment the cut falls
// in, and CutBack fills in next.Segments. A local folder needs none:
// its Open cuts files back to the checkpoint it is given.
type Cutter interface {
	CutBack(cur, next *Checkpoint) error
}

// Warner is a Location whose store can keep a call waiting for long (an
// object store failing, its requests retried for minutes): WarnTo
// returns the location telling warn, while such a call waits, what the
// user should know meanwhile, so that a run waiting for its output does
// not look hung. warn is called on the goroutine of a call on the
// location or on the Store it claims (a background one included), before
// that call returns.
type Warner interface {
	WarnTo(warn func(string)) Location
}

// WithWarnings is loc telling warn what its store says while a call
// waits (Warner); loc itself when its store has nothing to say.
func WithWarnings(loc Location, warn func(string)) Location {
	if w, ok := loc.(Warner); ok {
		return w.WarnTo(warn)
	}
	return loc
}

// Store is a location one run holds. Release gives it up; a Writer opened
// on it must be closed first.
type Store interface {
	// String is the address, for messages.
	String() string
	// ReadCheckpoint reads the checkpoint, checked; (nil, nil) when none.
	ReadCheckpoint() (*Checkpoint, error)
	// Open prepares the output for a run. With cp (a resume), what lies
	// past what cp vouches for is moved aside and noted, and a file that
	// no longer matches cp is refused; without, data nobody vouches for
	// is refused.
	Open(cp *Checkpoint, opt Options) (Writer, error)
	// WriteRunState replaces a partitioned run's state atomically.
	WriteRunState([]byte) error
	// AppendRunStateLog appends whole lines to the run state log, in
	// order. It need not be durable at once (the partitions' checkpoints
	// are what a resume trusts) but must never leave part of a line in the
	// middle: a torn line may only be the last, and readers skip it.
	AppendRunStateLog(lines []byte) error
	// WriteRunStateLog replaces the run state log atomically: its
	// compaction, one line a partition, when a run starts.
	WriteRunStateLog(lines []byte) error
	// Notes returns, once, what was changed on the way in (bytes moved
	// aside, modes tightened), for the run to warn about.
	Notes() []string
	// Release unlocks the store.
	Release()
}

// WriteRunStateLogFrom replaces s's run state log with the lines write
// writes. A store that can streams them to its file as they are written
// (a folder does); another gets them gathered, with WriteRunStateLog.
func WriteRunStateLogFrom(s Store, write func(io.Writer) error) error {
	if st, ok := s.(interface {
		WriteRunStateLogFrom(func(io.Writer) error) error
	}); ok {
		return st.WriteRunStateLogFrom(write)
	}
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	return s.WriteRunStateLog(b.Bytes())
}

// Options says what a run writes besides its records.
type Options struct {
	RawPages bool // archive each page's body and index line
	Rejected bool // a JSON Schema sorts records: keep the rejected ones aside
	// Recycle takes back a body buffer ArchivePage was given as pooled,
	// once it is written; nil: dropped.
	Recycle func([]byte)
}

// Writer writes one run's output. Nothing it writes is vouched for until
// a commit makes it durable and then saves the checkpoint that says so:
// the checkpoint never runs ahead of the data. Only one goroutine calls it.
type Writer interface {
	// WriteRecord appends one record, compact JSON, and its newline.
	WriteRecord(rec []byte) error
	// WriteRecords appends records in order, compacting each.
	WriteRecords(recs []json.RawMessage) error
	// BeginPage marks where a page's records start.
	BeginPage()
	// EndPage accepts the records written since BeginPage.
	EndPage()
	// AbortPage takes back the records written since BeginPage.
	AbortPage() error
	// WriteRejected keeps a record the JSON Schema refused, with why.
	WriteRejected(page int, reason string, rec json.RawMessage) error

	// RawPages reports whether page bodies are archived.
	RawPages() bool
	// ArchivePage archives a page: its body (unless written already
	// streamed through PageBody) and its index entry, whose File it sets.
	// A pooled body is handed over and given to Options.Recycle after.
	ArchivePage(e *PageEntry, body []byte, written, pooled bool) error
	// PageBody creates page n's body in the archive, for a body written
	// while it streams in.
	PageBody(n int) (io.WriteCloser, error)
	// DropPageBody removes page n's body (an attempt that failed).
	DropPageBody(n int)

	// Commit makes everything written durable, then saves cp, filled
	// with what it now vouches for. A commit in flight is waited for.
	Commit(cp *Checkpoint) error
	// StartCommit is Commit with the syncs and the checkpoint write off
	// the caller's path; WaitCommit collects it. One is in flight at most.
	StartCommit(cp *Checkpoint) error
	// WaitCommit waits for the commit in flight, if any; its error.
	WaitCommit() error
	// Close closes the files without committing: what was not committed
	// is moved aside by the next resume. The store stays held.
	Close() error
}

// BusyCommitter is a Writer whose commit in flight may take longer than
// fetching the next pages (an upload to object storage): while
// CommitBusy says so, the walk goes on fetching instead of waiting for
// it, and asks again at the next page. The writer bounds what it holds
// meanwhile by answering false once it must not take more.
type BusyCommitter interface {
	CommitBusy() bool
}

// DefaultDir is a profile's output folder when nothing names one (no
// output.dir in the profile, none given to the run): ./siphon-data/NAME.
// Every part of siphon that needs it asks here.
func DefaultDir(profile string) string { return filepath.Join("siphon-data", profile) }

// Names siphon writes in an output.
const (
	RecordsFile    = "records.jsonl"
	RejectedFile   = "rejected.jsonl"
	PagesDir       = "pages"
	IndexFile      = "index.jsonl"
	CheckpointFile = "checkpoint.json"
	HistoryFile    = "history.jsonl"
	RunStateFile   = "run.json" // a partitioned run's state: its partitions and how far each got
	// RunStateLogFile is a partitioned run's state log: what changed for
	// which partition, a line each, appended as it happens.
	RunStateLogFile = "partitions.jsonl"
	PartitionsDir   = "partitions"
	// LockFile is the lock; while a run holds it, it names the run's
	// process and since when.
	LockFile = ".lock"
	// MarkerFile marks an output folder as siphon's. It is written when
	// siphon creates or adopts the folder, and records the shard count a
	// sharded run was started with.
	MarkerFile = ".siphon-output"
	asideDir   = "aside"
)

var (
	// ErrCheckpointDamaged marks a checkpoint (or run state, or vouched
	// file) that cannot be trusted.
	ErrCheckpointDamaged = errors.New("checkpoint damaged")
	// ErrFolderInUse is a run refused because another one holds the output.
	ErrFolderInUse = errors.New("output folder in use")
	// ErrFolderRefused is an output siphon will not write in: one that is
	// not its own, or the current, home or root folder.
	ErrFolderRefused = errors.New("output folder refused")
)

// The local folder is every part of a store.
var (
	_ Location = Dir("")
	_ Store    = (*folder)(nil)
	_ Writer   = (*folderWriter)(nil)
)
