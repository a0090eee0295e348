package profiles

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"siphon/ingest/atomicfile"
)

// Approvals is the user's record of the profile contents they approved to
// read, run and write outside their folders: one JSON line per approval,
// keyed by the content's SHA-256, so a changed profile asks again.
type Approvals struct {
	Path string

	mu     sync.Mutex
	loaded bool
	hashes map[string]bool
}

// approval is one line of the file.
type approval struct {
	SHA256 string    `json:"sha256"`
	Path   string    `json:"path"` // where the profile was when approved (for the reader)
	At     time.Time `json:"at"`
}

// testApprovalsFile, when set, is where a test suite keeps its approvals
// instead of the user's config folder.
var testApprovalsFile string

// DefaultApprovals is the store in siphon's config folder
// ($XDG_CONFIG_HOME/siphon/approved.jsonl); nil Path when there is none.
func DefaultApprovals() *Approvals {
	if testApprovalsFile != "" {
		return &Approvals{Path: testApprovalsFile}
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return &Approvals{}
	}
	return &Approvals{Path: filepath.Join(dir, "siphon", "approved.jsonl")}
}

// maxApprovalsFile bounds the file a reader takes in.
const maxApprovalsFile = 16 << 20

// Approved reports whether content with this hash was approved. A store
// that cannot be read approves nothing.
func (a *Approvals) Approved(hash string) bool {
	if a == nil || a.Path == "" {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.loaded {
		a.hashes, _ = a.read()
		a.loaded = true
	}
	return a.hashes[hash]
}

// read takes in the file: a missing file is an empty store; a line that is
// not an approval is passed over.
func (a *Approvals) read() (map[string]bool, error) {
	out := map[string]bool{}
	info, err := os.Lstat(a.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	if !info.Mode().IsRegular() {
		return out, fmt.Errorf("%s is not a regular file; remove it", a.Path)
	}
	f, err := os.Open(a.Path)
	if err != nil {
		return out, err
	}
	defer f.Close()
	r := bufio.NewReader(io.LimitReader(f, maxApprovalsFile))
	for {
		line, err := r.ReadBytes('\n')
		var ap approval
		if len(line) > 0 && json.Unmarshal(line, &ap) == nil && len(ap.SHA256) == 64 {
			out[ap.SHA256] = true
		}
		if err != nil {
			break
		}
	}
	return out, nil
}

// Approve records the content of the profile at path (hash) as approved.
func (a *Approvals) Approve(hash, path string) error {
	if a == nil || a.Path == "" {
		return errors.New("no folder to keep approvals in (no user config folder)")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	hashes, err := a.read()
	if err != nil {
		return err
	}
	if hashes[hash] {
		a.hashes, a.loaded = hashes, true
		return nil
	}
	var old []byte
	if len(hashes) > 0 {
		old, _ = os.ReadFile(a.Path)
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	line, err := json.Marshal(approval{SHA256: hash, Path: path, At: time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(a.Path), 0o700); err != nil {
		return fmt.Errorf("cannot keep approvals in %s: %w", filepath.Dir(a.Path), err)
	}
	data := append(old, append(line, '\n')...)
	if err := atomicfile.Write(a.Path, data, 0o600); err != nil {
		return fmt.Errorf("cannot record the approval in %s: %w", a.Path, err)
	}
	hashes[hash] = true
	a.hashes, a.loaded = hashes, true
	return nil
}

// ApproveFile approves the profile file at path as it is now.
func (a *Approvals) ApproveFile(path string) error {
	data, err := readProfileFile(path)
	if err != nil {
		return err
	}
	return a.Approve(ContentHash(data), path)
}

// readProfileFile reads a profile file: a regular file of at most
// MaxProfileSize.
func readProfileFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if info.Size() > MaxProfileSize {
		return nil, fmt.Errorf("%s: the file is %.1f MiB; a profile is at most %d KiB", path, float64(info.Size())/(1<<20), MaxProfileSize>>10)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := bytes.NewBuffer(make([]byte, 0, info.Size()+bytes.MinRead)) // read once into its size, not grown
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxProfileSize+1)); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if len(data) > MaxProfileSize {
		return nil, fmt.Errorf("%s: the file is larger than %d KiB; a profile is at most that", path, MaxProfileSize>>10)
	}
	return data, nil
}
