package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"siphon/ingest/atomicfile"
	"sort"
	"strings"
	"time"
)

// CheckpointFile is the resume state's file name in the output folder.
const CheckpointFile = "checkpoint.json"

// checkpointVersion changes when the file's meaning changes.
const checkpointVersion = 1

// Checkpoint is the resume state. It vouches for the first RecordsBytes bytes
// of records.jsonl (and IndexBytes of pages/index.jsonl): anything past them
// was written after it and is cut off on resume. It never holds a secret.
type Checkpoint struct {
	Version      int      `json:"version"`
	Profile      string   `json:"profile"`
	ProfileHash  string   `json:"profile_hash"`
	Pagination   string   `json:"pagination"`
	Position     Position `json:"position"`
	Pages        int      `json:"pages"`
	Records      int64    `json:"records"`
	RecordsBytes int64    `json:"records_bytes"`
	IndexBytes   int64    `json:"index_bytes"`
	// RejectedBytes is rejected.jsonl's vouched length (JSON Schema only).
	RejectedBytes int64     `json:"rejected_bytes,omitempty"`
	Rejected      int64     `json:"rejected,omitempty"`
	Done          bool      `json:"done"`
	StopReason    string    `json:"stop_reason,omitempty"`
	UpdatedAt     time.Time `json:"updated_at"`
	// Identity holds the profile fields that give the position its meaning
	// (redacted), so a changed profile can be explained, not just refused.
	Identity map[string]string `json:"identity"`
	Checksum string            `json:"checksum"`
}

// ErrCheckpointDamaged marks a checkpoint that cannot be trusted.
var ErrCheckpointDamaged = errors.New("checkpoint damaged")

func (c *Checkpoint) sum() (string, error) {
	copy := *c
	copy.Checksum = ""
	b, err := json.Marshal(&copy)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:]), nil
}

// ReadCheckpoint loads a checkpoint and checks its version and checksum. It
// returns (nil, nil) when there is none.
func ReadCheckpoint(dir string) (*Checkpoint, error) {
	path := filepath.Join(dir, CheckpointFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var c Checkpoint
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%w: %s is not a siphon checkpoint (%v); move it away to start over, or run with --fresh", ErrCheckpointDamaged, path, err)
	}
	if c.Version != checkpointVersion {
		return nil, fmt.Errorf("%w: %s has version %d, this siphon reads version %d; run with --fresh to start over", ErrCheckpointDamaged, path, c.Version, checkpointVersion)
	}
	want, err := c.sum()
	if err != nil || want != c.Checksum {
		return nil, fmt.Errorf("%w: %s fails its checksum (edited or torn); run with --fresh to start over (the old output is kept aside)", ErrCheckpointDamaged, path)
	}
	return &c, nil
}

// writeCheckpoint replaces the checkpoint atomically: temp file, fsync,
// rename, fsync of the folder.
func writeCheckpoint(dir string, c *Checkpoint) error {
	b, err := encodeCheckpoint(c)
	if err != nil {
		return err
	}
	return writeCheckpointBytes(dir, b)
}

// encodeCheckpoint stamps c with its version and checksum and encodes it.
func encodeCheckpoint(c *Checkpoint) ([]byte, error) {
	c.Version = checkpointVersion
	sum, err := c.sum()
	if err != nil {
		return nil, err
	}
	c.Checksum = sum
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func writeCheckpointBytes(dir string, b []byte) error {
	if err := atomicfile.Write(filepath.Join(dir, CheckpointFile), b, 0o600); err != nil {
		return fmt.Errorf("writing checkpoint: %w", err)
	}
	return nil
}

// identity lists the profile fields a saved position depends on. Rate limit,
// retry, timeout and auth may change between runs; these may not.
func identity(cfg *Config, redactURL func(string) string) map[string]string {
	p := cfg.Pagination
	id := map[string]string{
		"base_url":    redactURL(cfg.BaseURL),
		"path":        cfg.Path,
		"method":      cfg.Method,
		"records":     cfg.Records,
		"body":        string(cfg.Body),
		"pagination":  fmt.Sprintf("in=%s type=%s limit=%d limit_param=%s cursor_param=%s cursor_path=%s offset_param=%s total_path=%s page_param=%s start_page=%d total_pages_path=%s next_url_path=%s rel=%s param=%s field=%s inclusive=%t start=%s", p.In, p.Type, p.Limit, p.LimitParam, p.CursorParam, p.CursorPath, p.OffsetParam, p.TotalPath, p.PageParam, p.StartPage, p.TotalPagesPath, p.NextURLPath, p.Rel, p.Param, p.Field, p.Inclusive, p.Start),
		"primary_key": strings.Join(cfg.PrimaryKey, ","),
	}
	keys := make([]string, 0, len(cfg.Params))
	for k := range cfg.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var params []string
	for _, k := range keys {
		params = append(params, k+"="+cfg.Params[k])
	}
	id["params"] = redactURL("?" + strings.Join(params, "&"))
	return id
}

func identityHash(id map[string]string) string {
	keys := make([]string, 0, len(id))
	for k := range id {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%q\n", k, id[k])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:16]
}

// identityChanges says in words how a saved identity differs from now.
func identityChanges(saved, now map[string]string) []string {
	var out []string
	keys := make([]string, 0, len(now))
	for k := range now {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if saved[k] != now[k] {
			out = append(out, fmt.Sprintf("%s was %q, is now %q", k, saved[k], now[k]))
		}
	}
	return out
}
