package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// ErrUnknownScheme is an output address whose scheme:// no store serves.
var ErrUnknownScheme = errors.New("unknown output scheme")

// schemeRE matches an address that starts with a URL scheme and "://": such
// an address is never taken as a local path (asked for s3://lake/x, siphon
// once made a local folder named "s3:").
var schemeRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)

var (
	schemesMu sync.RWMutex
	schemes   = map[string]func(addr string) (Location, error){}
)

// RegisterScheme makes At serve addresses scheme://... with open. A store
// package registers itself from init, so that the store the run loop
// writes to is chosen by the address alone.
func RegisterScheme(scheme string, open func(addr string) (Location, error)) {
	schemesMu.Lock()
	defer schemesMu.Unlock()
	schemes[strings.ToLower(scheme)] = open
}

// Scheme is addr's scheme ("s3"), or "" for a local path.
func Scheme(addr string) string {
	m := schemeRE.FindStringSubmatch(addr)
	if m == nil {
		return ""
	}
	return strings.ToLower(m[1])
}

// Resolve is the store at addr: a local folder's path, or scheme://... for
// a registered scheme. Any other scheme:// is refused, naming the ones
// served.
func Resolve(addr string) (Location, error) {
	scheme := Scheme(addr)
	if scheme == "" {
		return Dir(addr), nil
	}
	schemesMu.RLock()
	open := schemes[scheme]
	var known []string
	for s := range schemes {
		known = append(known, s+"://")
	}
	schemesMu.RUnlock()
	if open == nil {
		sort.Strings(known)
		served := "only local folders"
		if len(known) > 0 {
			served = "local folders and " + strings.Join(known, ", ")
		}
		return nil, fmt.Errorf("%w: %s:// in %q; siphon writes to %s", ErrUnknownScheme, scheme, addr, served)
	}
	return open(addr)
}

// At is the store at addr (see Resolve). An address Resolve refuses is a
// Location that refuses everything with that error, so that no caller
// falls back to a local folder.
func At(addr string) Location {
	loc, err := Resolve(addr)
	if err != nil {
		return refused{addr: addr, err: err}
	}
	return loc
}

// refused is an address no store serves: every use fails with why.
type refused struct {
	addr string
	err  error
}

func (r refused) String() string                          { return r.addr }
func (r refused) Claim(bool) (Store, error)               { return nil, r.err }
func (r refused) CheckShards(int) error                   { return r.err }
func (r refused) Shard(int, int) Location                 { return r }
func (r refused) Partition(string) Location               { return r }
func (r refused) ReadCheckpoint() (*Checkpoint, error)    { return nil, r.err }
func (r refused) ReadRunState() ([]byte, error)           { return nil, r.err }
func (r refused) ReadRunStateLog() (io.ReadCloser, error) { return nil, r.err }
func (r refused) AppendHistory(HistoryEntry) error        { return r.err }
func (r refused) ReadHistory(int) ([]HistoryEntry, error) { return nil, r.err }
func (r refused) MoveAside() (string, error)              { return "", r.err }
func (r refused) ResetPartition(string) (string, error)   { return "", r.err }
func (r refused) ReadFS() (fs.FS, error)                  { return nil, r.err }
