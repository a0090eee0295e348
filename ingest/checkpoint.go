package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
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
	// RecordsTail is the checksum of records.jsonl's last vouched bytes (at
	// most 64 KiB, and where they start): resume checks it, so a file edited
	// or replaced under the checkpoint is noticed without reading it all.
	RecordsTail string `json:"records_tail,omitempty"`
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
	return parseCheckpoint(path, b)
}

// readCheckpointIn is ReadCheckpoint within a held folder (links refused).
func readCheckpointIn(f *folder) (*Checkpoint, error) {
	b, err := f.readFile(CheckpointFile)
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	if b == nil {
		return nil, nil
	}
	return parseCheckpoint(filepath.Join(f.path, CheckpointFile), b)
}

func parseCheckpoint(path string, b []byte) (*Checkpoint, error) {
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
	return append(escapeControls(b), '\n'), nil
}

// writeCheckpointBytes replaces the checkpoint atomically (temp file,
// fsync, rename, fsync of the folder) with one encodeCheckpoint made.
func writeCheckpointBytes(f *folder, b []byte) error {
	if err := f.replace(CheckpointFile, b); err != nil {
		return fmt.Errorf("writing checkpoint: %w", err)
	}
	return nil
}

// identity lists the profile fields a saved position depends on, as the
// checkpoint keeps them: secret values in them show as their references
// (${VAR}), never as values. Rate limit, retry, timeout and auth may change
// between runs; these may not. The hash covers the resolved values, so a
// changed ${VAR} in the path or body is noticed all the same (the file
// holds only a short hash of them, mixed with the rest of the identity).
func (c *Client) identity() (id map[string]string, hash string) {
	resolved := identityOf(&c.cfg, func(s string) string { return s })
	id = identityOf(&c.cfg, func(s string) string { return c.redact().URL(c.toRefs(s)) })
	id["path"], id["body"] = c.redact().Values(c.toRefs(c.cfg.Path)), c.redact().Values(c.toRefs(string(c.cfg.Body)))
	if maps.Equal(resolved, identityOf(&c.cfg, c.toRefs)) {
		return id, identityHash(id) // no secret in it: the hash is what it always was
	}
	return id, identityHash(resolved)
}

// identityOf is the identity with every value passed through show.
func identityOf(cfg *Config, show func(string) string) map[string]string {
	p := cfg.Pagination
	id := map[string]string{
		"base_url":    show(cfg.BaseURL),
		"path":        show(cfg.Path),
		"method":      cfg.Method,
		"records":     cfg.Records,
		"body":        show(string(cfg.Body)),
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
	id["params"] = show("?" + strings.Join(params, "&"))
	if more := positionExtras(cfg, show); more != "" {
		id["pagination_more"] = more // only when set: older checkpoints keep their hash
	}
	return id
}

// refPair is a secret value and its reference, in one spelling.
type refPair struct{ value, ref string }

// refPairs are the profile's secrets that have a reference, in every
// spelling they travel in (raw, query- and path-escaped, in JSON), longest
// value first.
func (c *Client) refPairs() []refPair {
	var out []refPair
	for _, s := range append([]Secret{c.cfg.Auth.Value, c.cfg.Auth.Token, c.cfg.Auth.Password, c.cfg.Auth.ClientSecret, c.cfg.Auth.RefreshToken}, c.cfg.Secrets...) {
		v, ref := s.Reveal(), s.Ref()
		if v == "" || ref == "" || strings.Contains(v, ref) {
			continue
		}
		out = append(out, refPair{v, ref}, refPair{url.QueryEscape(v), url.QueryEscape(ref)}, refPair{url.PathEscape(v), url.PathEscape(ref)})
		if jv, err := json.Marshal(v); err == nil {
			jr, _ := json.Marshal(ref)
			out = append(out, refPair{string(jv[1 : len(jv)-1]), string(jr[1 : len(jr)-1])})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].value) > len(out[j].value) })
	return out
}

// toRefs writes every secret value in s as its reference, so that state
// kept on disk (a cursor or next URL that carries a token, the identity)
// holds no secret yet can be made whole again by fromRefs.
func (c *Client) toRefs(s string) string {
	for _, p := range c.refPairs() {
		s = strings.ReplaceAll(s, p.value, p.ref)
	}
	return s
}

// fromRefs puts the secret values back where toRefs left references.
func (c *Client) fromRefs(s string) string {
	if !strings.Contains(s, "$") && !strings.Contains(s, "%24") && !strings.Contains(s, "file:") && !strings.Contains(s, "file%3A") {
		return s
	}
	for _, p := range c.refPairs() {
		s = strings.ReplaceAll(s, p.ref, p.value)
	}
	return s
}

// checkpointText is a cursor or position as the checkpoint keeps it:
// secrets with a reference as that reference, any other (a token learned
// during the run) hidden.
func (c *Client) checkpointText(s string) string { return c.redact().Values(c.toRefs(s)) }

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
	if len(out) == 0 {
		out = append(out, "the value of a ${VAR} or file: reference in base_url, path, params or body changed")
	}
	return out
}
