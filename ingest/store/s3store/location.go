package s3store

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"siphon/ingest/remedy"
	"siphon/ingest/store"
)

// Location is a prefix of a bucket, named s3://BUCKET/PREFIX.
type Location struct {
	Bucket string
	Prefix string // "" (the bucket's root) or a/b, no slash at either end

	warn *warner // told while a call is retried (WarnTo); nil: nobody
}

var (
	_ store.Location = Location{}
	_ store.Warner   = Location{}
)

// isBucketName is what S3 allows as a bucket's name (and a little more,
// for compatible stores): checked before anything is sent. The length is
// counted apart: a regexp with {1,254} compiles into 254 copies of its
// class, which cost every siphon command about 5 ms at its start.
func isBucketName(b string) bool {
	return len(b) >= 2 && len(b) <= 255 && bucketChars.MatchString(b)
}

var bucketChars = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]+$`)

// Parse reads s3://BUCKET/PREFIX. The prefix is a path of plain segments:
// no empty, "." or ".." segment and no control character.
func Parse(addr string) (store.Location, error) {
	rest, ok := strings.CutPrefix(addr, "s3://")
	if !ok {
		if len(addr) > 5 && strings.EqualFold(addr[:5], "s3://") {
			rest = addr[5:]
		} else {
			return nil, fmt.Errorf("%q is not an s3:// address", addr)
		}
	}
	b, prefix, _ := strings.Cut(rest, "/")
	if !isBucketName(b) {
		return nil, fmt.Errorf("%q: %q is not a bucket name (s3://BUCKET/PREFIX)", addr, b)
	}
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix != "" {
		for _, seg := range strings.Split(prefix, "/") {
			if seg == "" || seg == "." || seg == ".." || strings.ContainsFunc(seg, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				return nil, fmt.Errorf("%q: the prefix has an empty, \".\" or \"..\" segment or a control character", addr)
			}
		}
	}
	return Location{Bucket: b, Prefix: prefix}, nil
}

func (l Location) String() string {
	if l.Prefix == "" {
		return "s3://" + l.Bucket
	}
	return "s3://" + l.Bucket + "/" + l.Prefix
}

// key is an object's key under the prefix.
func (l Location) key(name string) string {
	if l.Prefix == "" {
		return name
	}
	return l.Prefix + "/" + name
}

func (l Location) dir() string { return l.key("") }

func (l Location) bucket() (bucket, error) {
	_, b, err := l.connBucket()
	return b, err
}

// connBucket is the process's client and l's bucket through it, for a
// call that also needs the client (a claim's lease, what it claimed).
func (l Location) connBucket() (*conn, bucket, error) {
	c, err := s3Client()
	if err != nil {
		return nil, bucket{}, err
	}
	return c, c.bucket(l.Bucket, l.warn, nil), nil
}

// WarnTo is l telling warn, while a call on it or on the prefix it
// claims is retried, that the store is failing (and when it answers
// again): a run waiting for the store then does not look hung. warn is
// called on the goroutine of that call, before it returns.
func (l Location) WarnTo(warn func(string)) store.Location {
	l.warn = &warner{fn: warn}
	return l
}

// hold takes l's lease (reading and writing it through b) and returns
// the prefix held: its writes go only while the lease holds. v is what
// a listing of the prefix saw before, if any.
func (l Location) hold(c *conn, b bucket, v prefixView) (*held, error) {
	ls, err := takeLease(b, l, c.leaseBucket(l.Bucket, leaseTime()), v.absent(lockKey))
	if err != nil {
		return nil, err
	}
	// Every object siphon writes under the prefix is written under its
	// lease, and .lock, once there, stays. So a prefix that held nothing
	// before the lease was created (not taken over) holds nothing but
	// .lock still: no checkpoint, no segment.
	return &held{loc: l, b: c.bucket(l.Bucket, l.warn, ls), lease: ls, empty: v.empty() && ls.created}, nil
}

// Shard is shard-K-of-N under the prefix.
func (l Location) Shard(k, n int) store.Location {
	if n <= 1 {
		return l
	}
	return Location{Bucket: l.Bucket, Prefix: strings.TrimPrefix(l.key(fmt.Sprintf("shard-%d-of-%d", k, n)), "/"), warn: l.warn}
}

// Partition is partitions/KEY under the prefix; key is a checked path segment.
func (l Location) Partition(key string) store.Location {
	return Location{Bucket: l.Bucket, Prefix: l.key(store.PartitionsDir + "/" + key), warn: l.warn}
}

// Names under a prefix.
const (
	markerKey   = ".siphon-output"
	lockKey     = ".lock"
	historyDir  = "history/"
	runStateDir = "runstate/"
	asideDir    = "aside/"
)

type marker struct {
	Siphon  string    `json:"siphon"`
	Created time.Time `json:"created"`
	Shards  int       `json:"shards,omitempty"`
}

// ownName reports whether a name directly under a prefix is one siphon writes.
func ownName(name string) bool {
	switch name {
	case markerKey, lockKey, store.CheckpointFile, store.RunStateFile, store.HistoryFile, "partitions.jsonl",
		historyDir, runStateDir, asideDir, store.PagesDir + "/", store.PartitionsDir + "/":
		return true
	}
	if strings.HasPrefix(name, "records") && strings.HasSuffix(name, ".jsonl") || strings.HasPrefix(name, "rejected") && strings.HasSuffix(name, ".jsonl") {
		return true
	}
	if strings.HasPrefix(name, ".siphon-probe-") {
		return true
	}
	return shardName.MatchString(strings.TrimSuffix(name, "/"))
}

var shardName = regexp.MustCompile(`^shard-[0-9]+-of-[0-9]+$`)

// prefixView is what a listing of the names directly under a prefix saw.
type prefixView struct {
	names map[string]bool
	whole bool // every name is there: the listing was not cut short
}

// absent reports whether the listing shows that name was not there.
func (v prefixView) absent(name string) bool { return v.whole && !v.names[name] }

// empty reports whether the prefix held nothing at all.
func (v prefixView) empty() bool { return v.whole && len(v.names) == 0 }

// checkOwn refuses a prefix that holds objects siphon did not write and
// no marker, before anything in it is touched. It returns what it saw.
func (l Location) checkOwn(b bucket) (prefixView, error) {
	names, whole, err := b.childrenWhole(l.dir(), 1000)
	if err != nil {
		return prefixView{}, err
	}
	v := prefixView{names: make(map[string]bool, len(names)), whole: whole}
	for _, n := range names {
		v.names[n] = true
	}
	if v.names[markerKey] || v.names[store.CheckpointFile] || v.names[store.RunStateFile] {
		return v, nil
	}
	for _, n := range names {
		if !ownName(n) {
			return v, fmt.Errorf("%w: %s holds objects siphon did not write (%q); pick an empty or new prefix", store.ErrFolderRefused, l, n)
		}
	}
	return v, nil
}

var (
	probedMu sync.Mutex
	probed   = map[string]error{}
)

// checkConditional makes sure, once per bucket and process, that the
// store honours If-None-Match: * (AWS S3 since 2024, MinIO, the Versity
// gateway...): without it no lease holds and two runs could write one
// prefix, so siphon refuses to run.
func (l Location) checkConditional(b bucket) error {
	probedMu.Lock()
	defer probedMu.Unlock()
	if err, ok := probed[l.Bucket]; ok {
		return err
	}
	key := l.key(".siphon-probe-" + randomID())
	body := []byte("siphon checks that this store honours conditional writes; safe to delete\n")
	if _, err := b.put(key, body, create, ""); err != nil {
		return err // not remembered: credentials or a missing bucket may be fixed
	}
	_, err := b.put(key, append(body, '.'), create, "")
	var lost errConflict
	switch {
	case errors.As(err, &lost):
		err = nil
	case err == nil:
		err = fmt.Errorf("%w: %s accepted a write with If-None-Match: * over an existing object, so siphon cannot hold a lock there and will not run (use a store with conditional writes: AWS S3, MinIO, Ceph RGW, the Versity gateway...)", ErrNoConditionalWrites, l)
	}
	_ = b.delete(key)
	if err == nil || errors.Is(err, ErrNoConditionalWrites) {
		probed[l.Bucket] = err
	}
	return err
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Claim takes the prefix for one run: the store must honour conditional
// writes, the prefix must be siphon's (or empty), and its lease free (or
// expired). With fresh, siphon's objects are then moved aside.
func (l Location) Claim(fresh bool) (store.Store, error) {
	c, b, err := l.connBucket()
	if err != nil {
		return nil, err
	}
	if err := l.checkConditional(b); err != nil {
		return nil, err
	}
	v, err := l.checkOwn(b)
	if err != nil {
		return nil, err
	}
	h, err := l.hold(c, b, v)
	if err != nil {
		return nil, err
	}
	if fresh {
		err = h.startOver(!v.names[markerKey])
	} else {
		err = h.settleIn(!v.names[markerKey])
	}
	if err != nil {
		h.Release()
		return nil, err
	}
	rememberMarked(c, l)
	return h, nil
}

// markedLately remembers the prefixes this process claimed in the last
// lease's time, marked: the history a run appends as it ends, once it
// gave the prefix up, need not read the marker again. Bounded: a
// partitioned run claims many prefixes, but appends history to one.
var markedLately struct {
	sync.Mutex
	at map[string]time.Time
}

const markedKept = 64

func markedKey(c *conn, l Location) string { return c.key + "\x00" + l.Bucket + "\x00" + l.Prefix }

func rememberMarked(c *conn, l Location) {
	markedLately.Lock()
	defer markedLately.Unlock()
	if markedLately.at == nil {
		markedLately.at = map[string]time.Time{}
	}
	if len(markedLately.at) >= markedKept {
		oldest := ""
		for k, t := range markedLately.at {
			if oldest == "" || t.Before(markedLately.at[oldest]) {
				oldest = k
			}
		}
		delete(markedLately.at, oldest)
	}
	markedLately.at[markedKey(c, l)] = time.Now()
}

// wasMarked reports (once) whether this process claimed l lately.
func wasMarked(c *conn, l Location) bool {
	markedLately.Lock()
	defer markedLately.Unlock()
	k := markedKey(c, l)
	at, ok := markedLately.at[k]
	delete(markedLately.at, k)
	return ok && time.Since(at) < leaseTime()
}

// mark writes the marker that says the prefix is siphon's, unless one is
// there already.
func (h *held) mark() error {
	m, _ := json.Marshal(marker{Siphon: "output folder", Created: time.Now().UTC()})
	if _, err := h.b.put(h.loc.key(markerKey), append(m, '\n'), create, ""); err != nil && !isConflictErr(err) {
		return err
	}
	return nil
}

// startOver marks the prefix (unless its marker was seen) and moves
// siphon's objects aside.
func (h *held) startOver(mark bool) error {
	if mark {
		if err := h.mark(); err != nil {
			return err
		}
	}
	moved, err := h.moveAside()
	if err != nil {
		return err
	}
	if moved != "" {
		h.note("starting over: siphon's objects of the old output were moved to " + moved)
	}
	return nil
}

// settleIn does at once what a run needs before it reads or writes the
// prefix it now holds, each a request of its own: mark the prefix
// (unless its marker was seen), read the checkpoint (kept for
// ReadCheckpoint; none on a prefix that was empty), and abort the
// uploads a killed run left (Open need not).
func (h *held) settleIn(mark bool) error {
	var wg sync.WaitGroup
	var markErr, cpErr, abortErr error
	if mark {
		wg.Go(func() { markErr = h.mark() })
	}
	pre := &cpFetched{}
	if !h.empty {
		wg.Go(func() { pre.data, pre.tag, cpErr = h.b.get(h.loc.key(store.CheckpointFile)) })
	}
	var aborted int
	wg.Go(func() { aborted, abortErr = h.abortKilledUploads() })
	wg.Wait()
	if err := cmp.Or(markErr, cpErr, abortErr); err != nil {
		return err
	}
	h.mu.Lock()
	h.cpPre, h.abortedPre = pre, true
	h.mu.Unlock()
	h.noteAborted(aborted)
	return nil
}

func isConflictErr(err error) bool {
	var c errConflict
	return errors.As(err, &c)
}

// CheckShards refuses a shard count other than the one the prefix was
// started with, and records the first.
func (l Location) CheckShards(n int) error {
	if n <= 1 {
		return nil
	}
	b, err := l.bucket()
	if err != nil {
		return err
	}
	for range 5 {
		data, etag, err := b.get(l.key(markerKey))
		if err != nil {
			return err
		}
		var m marker
		if data != nil {
			if err := json.Unmarshal(data, &m); err != nil {
				return fmt.Errorf("%w: %s/%s is not siphon's marker", store.ErrFolderRefused, l, markerKey)
			}
		} else {
			m = marker{Siphon: "output folder", Created: time.Now().UTC()}
		}
		if m.Shards == n {
			return nil
		}
		if m.Shards != 0 {
			return remedy.New(fmt.Errorf("%s was started with %d shards; %d shards would split the partitions differently and fetch some twice or never", l, m.Shards, n), remedy.SameShards, remedy.OtherFolder)
		}
		m.Shards = n
		enc, _ := json.Marshal(m)
		cond := replace
		if data == nil {
			cond = create
		}
		if _, err = b.put(l.key(markerKey), append(enc, '\n'), cond, etag); err == nil {
			return nil
		} else if !isConflictErr(err) {
			return err
		}
		// another shard wrote it meanwhile: read it again
	}
	return fmt.Errorf("%s/%s keeps changing under siphon; try again", l, markerKey)
}

// ReadCheckpoint reads the checkpoint, not holding the prefix.
func (l Location) ReadCheckpoint() (*store.Checkpoint, error) {
	b, err := l.bucket()
	if err != nil {
		return nil, err
	}
	data, _, err := b.get(l.key(store.CheckpointFile))
	if err != nil || data == nil {
		return nil, err
	}
	return store.ParseCheckpoint(l.key(store.CheckpointFile), data)
}

func (l Location) ReadRunState() ([]byte, error) {
	b, err := l.bucket()
	if err != nil {
		return nil, err
	}
	data, _, err := b.get(l.key(store.RunStateFile))
	return data, err
}

// ReadRunStateLog reads the newest generation of the state log: its base
// and the chunks appended after it, in order.
func (l Location) ReadRunStateLog() (io.ReadCloser, error) {
	b, err := l.bucket()
	if err != nil {
		return nil, err
	}
	keys, err := l.stateLog(b)
	if err != nil || keys == nil {
		return nil, err
	}
	var buf bytes.Buffer
	for _, k := range keys {
		data, _, err := b.get(k)
		if err != nil {
			return nil, err
		}
		buf.Write(data)
		if len(data) > 0 && data[len(data)-1] != '\n' {
			buf.WriteByte('\n') // a torn chunk's last line stays its own
		}
	}
	return io.NopCloser(&buf), nil
}

// stateLog is the keys of the newest generation of the state log in
// order; nil when there is none. Generation G is runstate/G-000000.jsonl
// (the base) and runstate/G-NNNNNN.jsonl (appended chunks).
func (l Location) stateLog(b bucket) ([]string, error) {
	objs, err := b.list(l.key(runStateDir))
	if err != nil {
		return nil, err
	}
	gens := map[string][]string{}
	var newest string
	for _, o := range objs {
		name := strings.TrimPrefix(o.key, l.key(runStateDir))
		gen, _, ok := strings.Cut(name, "-")
		if !ok || len(gen) != 10 {
			continue
		}
		gens[gen] = append(gens[gen], o.key)
		if gen > newest {
			newest = gen
		}
	}
	if newest == "" {
		return nil, nil
	}
	keys := gens[newest]
	sort.Strings(keys)
	return keys, nil
}

// AppendHistory writes one run as an object of its own (S3 cannot
// append): history/STAMP-ID.json. A prefix siphon never made gets none.
func (l Location) AppendHistory(e store.HistoryEntry) error {
	c, b, err := l.connBucket()
	if err != nil {
		return err
	}
	if !wasMarked(c, l) {
		if m, _, err := b.get(l.key(markerKey)); err != nil || m == nil {
			return err
		}
	}
	line, err := store.HistoryLine(e)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%s%s-%s.json", historyDir, e.End.UTC().Format("20060102T150405.000000000Z"), randomID())
	_, err = b.put(l.key(name), line, create, "")
	return err
}

// ReadHistory reads the last keep runs (0: all), oldest first.
func (l Location) ReadHistory(keep int) ([]store.HistoryEntry, error) {
	b, err := l.bucket()
	if err != nil {
		return nil, err
	}
	objs, err := b.list(l.key(historyDir))
	if err != nil {
		return nil, err
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].key < objs[j].key })
	if keep > 0 && len(objs) > keep {
		objs = objs[len(objs)-keep:]
	}
	var all bytes.Buffer
	for _, o := range objs {
		data, _, err := b.get(o.key)
		if err != nil {
			return nil, err
		}
		all.Write(data)
		all.WriteByte('\n')
	}
	return store.ParseHistory(&all, keep)
}

// MoveAside moves siphon's objects under the prefix to a sibling prefix
// PREFIX.old-STAMP, holding the lease while it does.
func (l Location) MoveAside() (string, error) {
	c, b, err := l.connBucket()
	if err != nil {
		return "", err
	}
	if err := l.checkConditional(b); err != nil {
		return "", err
	}
	v, err := l.checkOwn(b)
	if err != nil {
		return "", err
	}
	h, err := l.hold(c, b, v)
	if err != nil {
		return "", err
	}
	defer h.Release()
	return h.moveAside()
}

// ResetPartition moves partitions/KEY/ to aside/partitions/KEY.STAMP/.
func (l Location) ResetPartition(key string) (string, error) {
	part := l.Partition(key).(Location)
	c, b, err := l.connBucket()
	if err != nil {
		return "", err
	}
	objs, err := b.list(part.dir())
	if err != nil || len(objs) == 0 {
		return "", err
	}
	h, err := part.hold(c, b, prefixView{})
	if err != nil {
		return "", err
	}
	defer h.Release()
	dst := l.key(asideDir + store.PartitionsDir + "/" + key + "." + stamp() + "/")
	if err := h.moveAll(part.dir(), dst); err != nil {
		return "", err
	}
	return "s3://" + l.Bucket + "/" + dst, nil
}

func stamp() string { return time.Now().UTC().Format("20060102T150405.000") }
