package s3store

import (
	"bytes"
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

// bucketName is what S3 allows as a bucket's name (and a little more, for
// compatible stores): checked before anything is sent.
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,254}$`)

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
	if !bucketName.MatchString(b) {
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
	c, err := s3Client()
	if err != nil {
		return bucket{}, err
	}
	return c.bucket(l.Bucket, l.warn, nil), nil
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
// the prefix held: its writes go only while the lease holds.
func (l Location) hold(c *conn, b bucket) (*held, error) {
	ls, err := takeLease(b, l, c.leaseBucket(l.Bucket, leaseTime()))
	if err != nil {
		return nil, err
	}
	return &held{loc: l, b: c.bucket(l.Bucket, l.warn, ls), lease: ls}, nil
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

// checkOwn refuses a prefix that holds objects siphon did not write and
// no marker, before anything in it is touched.
func (l Location) checkOwn(b bucket) error {
	names, err := b.children(l.dir(), 1000)
	if err != nil {
		return err
	}
	for _, n := range names {
		if n == markerKey || n == store.CheckpointFile || n == store.RunStateFile {
			return nil
		}
	}
	for _, n := range names {
		if !ownName(n) {
			return fmt.Errorf("%w: %s holds objects siphon did not write (%q); pick an empty or new prefix", store.ErrFolderRefused, l, n)
		}
	}
	return nil
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
	c, err := s3Client()
	if err != nil {
		return nil, err
	}
	b := c.bucket(l.Bucket, l.warn, nil)
	if err := l.checkConditional(b); err != nil {
		return nil, err
	}
	if err := l.checkOwn(b); err != nil {
		return nil, err
	}
	h, err := l.hold(c, b)
	if err != nil {
		return nil, err
	}
	m, _ := json.Marshal(marker{Siphon: "output folder", Created: time.Now().UTC()})
	if _, err := h.b.put(l.key(markerKey), append(m, '\n'), create, ""); err != nil && !isConflictErr(err) {
		h.Release()
		return nil, err
	}
	if fresh {
		moved, err := h.moveAside()
		if err != nil {
			h.Release()
			return nil, err
		}
		if moved != "" {
			h.note("starting over: siphon's objects of the old output were moved to " + moved)
		}
	}
	return h, nil
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
	b, err := l.bucket()
	if err != nil {
		return err
	}
	if m, _, err := b.get(l.key(markerKey)); err != nil || m == nil {
		return err
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
	c, err := s3Client()
	if err != nil {
		return "", err
	}
	b := c.bucket(l.Bucket, l.warn, nil)
	if err := l.checkConditional(b); err != nil {
		return "", err
	}
	if err := l.checkOwn(b); err != nil {
		return "", err
	}
	h, err := l.hold(c, b)
	if err != nil {
		return "", err
	}
	defer h.Release()
	return h.moveAside()
}

// ResetPartition moves partitions/KEY/ to aside/partitions/KEY.STAMP/.
func (l Location) ResetPartition(key string) (string, error) {
	part := l.Partition(key).(Location)
	c, err := s3Client()
	if err != nil {
		return "", err
	}
	b := c.bucket(l.Bucket, l.warn, nil)
	objs, err := b.list(part.dir())
	if err != nil || len(objs) == 0 {
		return "", err
	}
	h, err := part.hold(c, b)
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
