package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"siphon/ingest/paginate"
	"siphon/ingest/remedy"
	"siphon/ingest/textbound"
)

// checkpointVersion changes when the file's meaning changes.
const checkpointVersion = 1

// Checkpoint is the resume state. It vouches for the first RecordsBytes bytes
// of records.jsonl (and IndexBytes of pages/index.jsonl): anything past them
// was written after it and is cut off on resume. It never holds a secret.
type Checkpoint struct {
	Version      int               `json:"version"`
	Profile      string            `json:"profile"`
	ProfileHash  string            `json:"profile_hash"`
	Pagination   string            `json:"pagination"`
	Position     paginate.Position `json:"position"`
	Pages        int               `json:"pages"`
	Records      int64             `json:"records"`
	RecordsBytes int64             `json:"records_bytes"`
	IndexBytes   int64             `json:"index_bytes"`
	// RecordsTail is the checksum of records.jsonl's last vouched bytes (at
	// most 64 KiB, and where they start): resume checks it, so a file edited
	// or replaced under the checkpoint is noticed without reading it all.
	RecordsTail string `json:"records_tail,omitempty"`
	// Segments is how many closed segments an object store's output holds
	// (records-000001.jsonl ... and their pages): the checkpoint vouches
	// for those and for nothing past them (absent for a local folder).
	Segments int `json:"segments,omitempty"`
	// PagesFile and PagesBytes are the page archive's segment being
	// written and its vouched length: later bytes and segments are moved
	// aside on resume (absent before segments, and without an archive).
	PagesFile  string `json:"pages_file,omitempty"`
	PagesBytes int64  `json:"pages_bytes,omitempty"`
	// RejectedBytes is rejected.jsonl's vouched length (JSON Schema only).
	RejectedBytes int64 `json:"rejected_bytes,omitempty"`
	Rejected      int64 `json:"rejected,omitempty"`
	// Bytes and ElapsedMS are the response bytes and the time fetching of
	// every run so far, so a resumed run's counts go on (absent in older
	// checkpoints: counted from the resume).
	Bytes      int64     `json:"bytes,omitempty"`
	ElapsedMS  int64     `json:"elapsed_ms,omitempty"`
	Done       bool      `json:"done"`
	StopReason string    `json:"stop_reason,omitempty"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Identity holds the profile fields that give the position its meaning
	// (redacted), so a changed profile can be explained, not just refused.
	Identity map[string]string `json:"identity"`
	Checksum string            `json:"checksum"`
}

func (c *Checkpoint) sum() (string, error) {
	copy := *c
	copy.Checksum = ""
	b, err := json.Marshal(&copy)
	if err != nil {
		return "", err
	}
	return checksumOf(b), nil
}

// checksumOf is the checksum of a checkpoint's compact encoding with an
// empty checksum field.
func checksumOf(compact []byte) string {
	h := sha256.Sum256(compact)
	return "sha256:" + hex.EncodeToString(h[:])
}

// parseCheckpoint reads a checkpoint's bytes and checks its version and
// checksum; name says where it came from, for messages.
func parseCheckpoint(name string, b []byte) (*Checkpoint, error) {
	var c Checkpoint
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, remedy.New(fmt.Errorf("%w: %s is not a siphon checkpoint (%v)", ErrCheckpointDamaged, name, err), remedy.StartOver)
	}
	if c.Version != checkpointVersion {
		return nil, remedy.New(fmt.Errorf("%w: %s has version %d, this siphon reads version %d", ErrCheckpointDamaged, name, c.Version, checkpointVersion), remedy.StartOver)
	}
	want, err := c.sum()
	if err != nil || want != c.Checksum {
		return nil, remedy.New(fmt.Errorf("%w: %s fails its checksum (edited or torn)", ErrCheckpointDamaged, name), remedy.StartOver)
	}
	return &c, nil
}

// encodeCheckpoint stamps c with its version and checksum and encodes it.
// It marshals once: the checksum is of the compact encoding with an empty
// checksum field, the last one, which is then filled in and indented (as
// MarshalIndent would: a run of many partitions encodes two a partition).
func encodeCheckpoint(c *Checkpoint) ([]byte, error) {
	c.Version = checkpointVersion
	c.Checksum = ""
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	const empty = `"checksum":""}`
	if !bytes.HasSuffix(b, []byte(empty)) {
		return nil, fmt.Errorf("encoding checkpoint: checksum is not its last field")
	}
	c.Checksum = checksumOf(b)
	filled := append(b[:len(b)-len(empty)+len(`"checksum":"`)], c.Checksum...)
	filled = append(filled, `"}`...)
	var out bytes.Buffer
	out.Grow(len(filled) + len(filled)/4)
	if err := json.Indent(&out, filled, "", "  "); err != nil {
		return nil, err
	}
	return append(textbound.EscapeControls(out.Bytes()), '\n'), nil
}
