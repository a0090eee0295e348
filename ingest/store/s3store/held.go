package s3store

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"siphon/ingest/store"
)

// held is a prefix one run holds under its lease: the Store.
type held struct {
	loc   Location
	b     bucket
	lease *lease

	mu     sync.Mutex
	notes  []string
	cpTag  string // the checkpoint's ETag as last read or written
	cpRead bool
	// What Claim found on the way in: cpPre for the first ReadCheckpoint,
	// the rest for the first Open; each clears what it takes.
	cpPre      *cpFetched // the checkpoint as read; nil once taken
	abortedPre bool       // killed runs' uploads were aborted
	// empty: the prefix held nothing before this run created its lease,
	// so neither a checkpoint nor a segment (see Location.hold).
	empty bool

	logMu      sync.Mutex
	logGen     string // the state log's generation being appended to
	logSeq     int    // its last chunk
	logBuf     []byte
	logFlushed time.Time
}

var _ store.Store = (*held)(nil)

func (h *held) String() string { return h.loc.String() }

func (h *held) note(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.notes = append(h.notes, s)
}

func (h *held) Notes() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := h.notes
	h.notes = nil
	return n
}

// cpFetched is the checkpoint as Claim read it: its bytes (nil: none)
// and ETag.
type cpFetched struct {
	data []byte
	tag  string
}

// ReadCheckpoint reads the checkpoint and remembers its ETag, which the
// next checkpoint write must match. The first takes what Claim read.
func (h *held) ReadCheckpoint() (*store.Checkpoint, error) {
	h.mu.Lock()
	pre := h.cpPre
	h.cpPre = nil
	h.mu.Unlock()
	var data []byte
	var tag string
	if pre != nil {
		data, tag = pre.data, pre.tag
	} else {
		var err error
		if data, tag, err = h.b.get(h.loc.key(store.CheckpointFile)); err != nil {
			return nil, err
		}
	}
	h.mu.Lock()
	h.cpTag, h.cpRead = tag, true
	h.mu.Unlock()
	if data == nil {
		return nil, nil
	}
	return store.ParseCheckpoint(h.b.url(h.loc.key(store.CheckpointFile)), data)
}

// writeCheckpoint advances the checkpoint: If-Match its last ETag (or
// If-None-Match: * for the first), so a run that lost its prefix to
// another can never overwrite the other's checkpoint.
func (h *held) writeCheckpoint(data []byte) error {
	if err := h.lease.valid(); err != nil {
		return err
	}
	h.mu.Lock()
	tag := h.cpTag
	h.mu.Unlock()
	cond := replace
	if tag == "" {
		cond = create
	}
	newTag, err := h.b.put(h.loc.key(store.CheckpointFile), data, cond, tag)
	if isConflictErr(err) {
		return fmt.Errorf("%w: %v; this run stops without writing more", ErrLeaseLost, err)
	}
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.cpTag = newTag
	h.mu.Unlock()
	return nil
}

// putNew creates an object under the lease; an object of that name
// already there is another writer's, and stops the run.
func (h *held) putNew(name string, data []byte) error {
	if err := h.lease.valid(); err != nil {
		return err
	}
	return h.putNewBody(name, bytes.NewReader(data), int64(len(data)))
}

// putNewBody creates an object under the lease from a segment's bytes;
// an object of that name already there is another writer's, and stops
// the run.
func (h *held) putNewBody(name string, body io.ReadSeeker, size int64) error {
	_, err := h.b.putBody(h.loc.key(name), body, size, create, "")
	if isConflictErr(err) {
		return fmt.Errorf("%w: %v", ErrLeaseLost, err)
	}
	return err
}

func (h *held) WriteRunState(b []byte) error {
	if err := h.lease.valid(); err != nil {
		return err
	}
	_, err := h.b.put(h.loc.key(store.RunStateFile), b, anyway, "")
	return err
}

// logChunk bounds the state log kept in memory before it is uploaded.
const (
	logChunk = 256 << 10
	logAge   = 2 * time.Second
)

// AppendRunStateLog keeps lines and uploads them as a chunk of the log's
// generation once enough have gathered (or on Release): the log need not
// be durable at once, the partitions' checkpoints are.
func (h *held) AppendRunStateLog(lines []byte) error {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	h.logBuf = append(h.logBuf, lines...)
	if len(h.logBuf) >= logChunk || time.Since(h.logFlushed) >= logAge {
		return h.flushLog()
	}
	return nil
}

func genName(n int) string { return fmt.Sprintf("%010d", n) }

// flushLog uploads the kept lines as the generation's next chunk.
func (h *held) flushLog() error {
	if len(h.logBuf) == 0 {
		return nil
	}
	if h.logGen == "" {
		keys, err := h.loc.stateLog(h.b)
		if err != nil {
			return err
		}
		h.logGen, h.logSeq = genName(1), 0
		if len(keys) > 0 {
			last := strings.TrimPrefix(keys[len(keys)-1], h.loc.key(runStateDir))
			gen, seq, _ := strings.Cut(strings.TrimSuffix(last, ".jsonl"), "-")
			h.logGen = gen
			fmt.Sscanf(seq, "%d", &h.logSeq)
		}
	}
	if err := h.putNew(fmt.Sprintf("%s%s-%06d.jsonl", runStateDir, h.logGen, h.logSeq+1), h.logBuf); err != nil {
		return err
	}
	h.logSeq++
	h.logBuf, h.logFlushed = h.logBuf[:0], time.Now()
	return nil
}

// WriteRunStateLog replaces the log: a new generation's base, after which
// the older generations are deleted (readers take the newest).
func (h *held) WriteRunStateLog(lines []byte) error {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	keys, err := h.loc.stateLog(h.b)
	if err != nil {
		return err
	}
	gen := 1
	if len(keys) > 0 {
		last := strings.TrimPrefix(keys[0], h.loc.key(runStateDir))
		fmt.Sscanf(last, "%d", &gen)
		gen++
	}
	if err := h.putNew(fmt.Sprintf("%s%s-%06d.jsonl", runStateDir, genName(gen), 0), lines); err != nil {
		return err
	}
	objs, err := h.b.list(h.loc.key(runStateDir))
	if err != nil {
		return err
	}
	keep := h.loc.key(runStateDir + genName(gen) + "-")
	for _, o := range objs {
		if !strings.HasPrefix(o.key, keep) {
			_ = h.b.delete(o.key)
		}
	}
	h.logGen, h.logSeq, h.logBuf, h.logFlushed = genName(gen), 0, h.logBuf[:0], time.Now()
	return nil
}

// Release uploads the state log's last lines and gives the lease up.
func (h *held) Release() {
	if h == nil || h.lease == nil {
		return
	}
	h.logMu.Lock()
	if h.lease.valid() == nil {
		_ = h.flushLog()
	}
	h.logMu.Unlock()
	h.lease.release()
}

// moveAside moves siphon's objects under the prefix (not its lease or
// marker, nor what is aside already) to aside/old-STAMP/ and says where.
func (h *held) moveAside() (string, error) {
	objs, err := h.b.list(h.loc.dir())
	if err != nil {
		return "", err
	}
	dst := h.loc.key(asideDir + "old-" + stamp() + "/")
	moved := false
	for _, o := range objs {
		name := strings.TrimPrefix(o.key, h.loc.dir())
		if name == lockKey || name == markerKey || strings.HasPrefix(name, asideDir) || strings.HasPrefix(name, ".siphon-probe-") {
			continue
		}
		if err := h.lease.valid(); err != nil {
			return "", err
		}
		if err := h.b.move(o.key, dst+name); err != nil {
			return "", err
		}
		moved = true
	}
	if !moved {
		return "", nil
	}
	return h.b.url(dst), nil
}

// moveAll moves every object under src to under dst.
func (h *held) moveAll(src, dst string) error {
	objs, err := h.b.list(src)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if strings.TrimPrefix(o.key, src) == lockKey {
			continue
		}
		if err := h.b.move(o.key, dst+strings.TrimPrefix(o.key, src)); err != nil {
			return err
		}
	}
	return nil
}
