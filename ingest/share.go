package ingest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"siphon/ingest/httphdr"
)

// Budgets shares one rate budget per API origin (scheme, host and port)
// among the runs of a process, and, through a small state file per origin,
// with other siphon processes on the machine: a second process starts from
// what the first learned (the server's remaining requests and reset, the
// client-side pace) instead of a full bucket.
//
// A run takes a place before each request. While the server's window is
// known (rate-limit headers), no more requests go out than its last
// Remaining allows, counting those sent since by anyone sharing the
// budget; when it is spent, every run waits for the reset. The client-side
// rate is the strictest requests_per_second among the runs sharing it.
type Budgets struct {
	dir string // state files; "": this process only
	id  string // pid and a random tag: two registries are two sharers

	mu sync.Mutex
	m  map[string]*SharedBudget
}

// NewBudgets makes a registry of budgets; dir holds the state files
// shared with other processes ("" shares within this process only).
func NewBudgets(dir string) *Budgets {
	var tag [4]byte
	_, _ = rand.Read(tag[:])
	return &Budgets{dir: dir, id: fmt.Sprintf("%d-%x", os.Getpid(), tag), m: map[string]*SharedBudget{}}
}

// DefaultBudgetDir is where processes of this user meet: the user cache
// folder's siphon/budget ("" when there is none).
func DefaultBudgetDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "siphon", "budget")
}

// WithBudgets makes the client's runs take their requests from the
// budget of its base URL's origin.
func WithBudgets(b *Budgets) Option { return func(c *Client) { c.budgets = b } }

// Origin is a URL's scheme://host:port, the unit of a shared budget.
func Origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + hostPort(u)
}

// For returns the origin's budget, made on first use.
func (b *Budgets) For(origin string) *SharedBudget {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.m[origin]
	if !ok {
		s = &SharedBudget{origin: origin, changed: make(chan struct{}), tickets: map[*runner]uint64{}, runs: map[*runner]string{},
			sent: map[string]int64{}, id: b.id}
		if b.dir != "" {
			s.file = filepath.Join(b.dir, stateFileName(origin))
			s.st.Origin = origin
			if _, err := os.Lstat(s.file); err == nil {
				s.active = true
				_ = s.syncFile(nil) // start from what others learned; a refusal is the first request's error
			}
		}
		b.m[origin] = s
	}
	return s
}

// Share is how an origin's budget stands, for a display.
func (b *Budgets) Share(origin string) (BudgetShare, bool) {
	b.mu.Lock()
	s, ok := b.m[origin]
	b.mu.Unlock()
	if !ok {
		return BudgetShare{}, false
	}
	return s.Share(), true
}

// BudgetShare describes a shared budget: who spends it and what is left.
type BudgetShare struct {
	Origin    string
	Members   []BudgetMember // profiles of this process that sent requests, by name
	Others    int            // other processes seen spending it in the last few seconds
	Limit     int64          // the server's window; -1: unknown
	Remaining int64          // left in the window as counted here; -1: unknown
	Reset     time.Time
	Rate      float64 // the client-side rate in force; 0: none
}

// BudgetMember is one profile's part of a shared budget.
type BudgetMember struct {
	Profile string
	Sent    int64 // requests it sent through the budget
	Live    bool  // a run of it is going on
}

// budgetState is what the state file holds, and what a process keeps of
// it between reads.
type budgetState struct {
	Origin  string               `json:"origin"`
	Known   bool                 `json:"known"`     // Avail means something
	Limit   int64                `json:"limit"`     // -1: unknown
	Avail   int64                `json:"available"` // left in the window, requests sent since subtracted
	Reset   time.Time            `json:"reset"`     // the window's end; zero: unknown
	Over    time.Time            `json:"over"`      // the end of the last window that rolled over: older answers are stale
	Seq     uint64               `json:"seq"`       // requests sent so far by everyone sharing it
	Next    time.Time            `json:"next"`      // client-side pace: when the next request is due
	Procs   map[string]time.Time `json:"processes"` // process → its last request, to tell others share it
	Dialect string               `json:"dialect,omitempty"`
	Hold    *budgetHold          `json:"hold,omitempty"` // no request goes out until it ends or is cleared
}

// budgetHold is a wait the server asked for that is too long to obey
// silently (a reset more than holdBound away): kept in the state file so
// that every run on the origin obeys it, shows it and names the command
// that clears it.
type budgetHold struct {
	Until time.Time `json:"until"`
	Since time.Time `json:"since"` // when it was set
	Why   string    `json:"why"`
}

// SharedBudget is one origin's budget.
type SharedBudget struct {
	origin string
	file   string
	id     string // this process (and registry) in the state file
	// active: the file is used: there is a client-side rate, or a server
	// has announced its window (here or in another process). Until then a
	// request costs no file I/O and the cache folder gets no file.
	active bool

	mu      sync.Mutex
	changed chan struct{} // closed and replaced when a waiter may go on
	st      budgetState
	rate    float64
	burst   int
	tickets map[*runner]uint64 // each run's request in flight, by its place in Seq
	runs    map[*runner]string // runs sharing it → profile
	sent    map[string]int64
	notes   []string // warnings about the state file, for the next run that asks
}

// procFresh is how long another process counts as sharing after its last
// request.
const procFresh = 5 * time.Second

// syncFile reads the state file, lets op change the state, and writes it
// back, under the file's lock; without a file op runs alone. Call with mu
// held. A file siphon refuses (a link, a FIFO, another user's: see
// openStateFile) is an error, op not run; a file that cannot be used
// otherwise (e.g. a read-only cache folder) leaves the budget to this
// process, with a warning. What the file held that could not be believed
// is dropped, said in s.notes, and the file rewritten.
func (s *SharedBudget) syncFile(op func(now time.Time)) error {
	now := time.Now()
	if s.file == "" || !s.active {
		if op != nil {
			op(now)
		}
		return nil
	}
	unlock, f, notes, err := lockStateFile(s.file, stateOpen{create: true, write: true})
	s.notes = append(s.notes, notes...)
	var refused *StateFileError
	switch {
	case errors.As(err, &refused):
		return err
	case err != nil:
		if !errors.Is(err, errNoFileLocks) {
			s.notes = append(s.notes, fmt.Sprintf("rate budget state file %s cannot be used (%v): the budget of %s is shared within this process only", s.file, err, s.origin))
		}
		s.file = ""
		if op != nil {
			op(now)
		}
		return nil
	}
	defer unlock()
	rewrite := false
	if data, err := readAllFrom(f); err != nil {
		s.notes = append(s.notes, fmt.Sprintf("rate budget state file %s cannot be read (%v): siphon rewrites it", s.file, err))
		rewrite = true
	} else if len(data) > 0 {
		st, notes, ok := decodeState(data, s.file, now)
		s.notes = append(s.notes, notes...)
		switch {
		case !ok:
			s.st, rewrite = budgetState{Origin: s.origin}, true
		default:
			s.st = st
			rewrite = len(notes) > 0
		}
	}
	if op == nil && !rewrite {
		return nil
	}
	if op != nil {
		op(now)
		if s.st.Procs == nil {
			s.st.Procs = map[string]time.Time{}
		}
		s.st.Procs[s.id] = now
	}
	for pid, seen := range s.st.Procs {
		if now.Sub(seen) > procFresh {
			delete(s.st.Procs, pid)
		}
	}
	if data, err := json.Marshal(s.st); err == nil {
		_ = writeAllTo(f, data)
	}
	return nil
}

// holdBound is the longest wait the server can ask for (a rate-limit
// reset) that every run on its origin obeys as a matter of course. A
// longer one (a daily quota spent, or a wrong header) becomes a hold: kept
// in the state file, shown by 'siphon budget show', named in each run's
// message with the command that clears it. A window reset further away
// than this in the state file itself is not believed.
const holdBound = time.Hour

// holdMax bounds a hold read from a state file: no server reset is
// believed further away than httphdr.MaxResetAhead.
const holdMax = httphdr.MaxResetAhead + time.Minute

// decodeState reads a state file's content. ok is false when it is not a
// budget state (not JSON, the wrong shape, or another origin's than the
// file's name says); what it held that is not believed is dropped and
// said in notes, each naming the file.
func decodeState(data []byte, path string, now time.Time) (st budgetState, notes []string, ok bool) {
	if err := json.Unmarshal(data, &st); err != nil {
		what := "not JSON"
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			what = "JSON of the wrong shape"
		}
		return budgetState{}, []string{fmt.Sprintf("rate budget state file %s is not budget state siphon wrote (%s): siphon starts that origin's budget empty and rewrites the file", path, what)}, false
	}
	if st.Origin == "" || stateFileName(st.Origin) != filepath.Base(path) {
		return budgetState{}, []string{fmt.Sprintf("rate budget state file %s names an origin that is not the one its file name is for: siphon starts that origin's budget empty and rewrites the file", path)}, false
	}
	if st.Limit < -1 {
		st.Limit = -1
	}
	if !st.Reset.IsZero() && st.Reset.Sub(now) > holdBound {
		notes = append(notes, fmt.Sprintf("rate budget state file %s: ignored a window reset at %s, more than %s away", path, st.Reset.UTC().Format(time.RFC3339), holdBound))
		st.Known, st.Reset = false, time.Time{}
	}
	if st.Over.After(now.Add(resetSlack)) {
		notes = append(notes, fmt.Sprintf("rate budget state file %s: ignored a past window's end at %s, which is in the future", path, st.Over.UTC().Format(time.RFC3339)))
		st.Over = time.Time{}
	}
	if st.Next.Sub(now) > holdBound {
		notes = append(notes, fmt.Sprintf("rate budget state file %s: ignored a next request due at %s, more than %s away", path, st.Next.UTC().Format(time.RFC3339), holdBound))
		st.Next = time.Time{}
	}
	if h := st.Hold; h != nil {
		switch {
		case !now.Before(h.Until):
			st.Hold = nil // over
		case h.Until.Sub(now) > holdMax:
			notes = append(notes, fmt.Sprintf("rate budget state file %s: ignored a hold until %s, more than %s away", path, h.Until.UTC().Format(time.RFC3339), httphdr.MaxResetAhead))
			st.Hold = nil
		}
	}
	for pid, seen := range st.Procs {
		if seen.After(now.Add(procFresh)) {
			delete(st.Procs, pid)
		}
	}
	return st, notes, true
}

// stateFileName is the name of an origin's state file.
func stateFileName(origin string) string {
	sum := sha256.Sum256([]byte(origin))
	return hex.EncodeToString(sum[:8]) + ".json"
}

func (s *SharedBudget) wake() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// join counts a run as sharing the budget and tightens the client-side
// rate to its profile's when that is stricter.
func (s *SharedBudget) join(rn *runner) {
	if _, ok := s.runs[rn]; ok {
		return
	}
	s.runs[rn] = rn.c.cfg.Name
	rl := rn.c.cfg.RateLimit
	if rl.RequestsPerSecond > 0 && (s.rate == 0 || rl.RequestsPerSecond < s.rate) {
		s.rate, s.burst = rl.RequestsPerSecond, max(rl.Burst, 1)
		s.active = true
	}
}

// acquire waits until rn may send a request and takes its place.
func (s *SharedBudget) acquire(ctx context.Context, rn *runner) error {
	var told time.Time
	for {
		s.mu.Lock()
		s.join(rn)
		delete(s.tickets, rn) // its last request is over
		var until time.Time
		var why string
		var hold *budgetHold
		waitForChange, went := false, false
		err := s.syncFile(func(now time.Time) {
			st := &s.st
			if h := st.Hold; h != nil && now.Before(h.Until) {
				hold, until = h, h.Until
				return
			}
			st.Hold = nil
			if !st.Reset.IsZero() && !now.Before(st.Reset.Add(resetSlack)) {
				// A new window: what is in flight may still count against it.
				st.Known, st.Avail, st.Over, st.Reset = st.Limit >= 0, st.Limit-int64(len(s.tickets)), st.Reset, time.Time{}
			}
			switch {
			case st.Known && st.Avail <= 0 && st.Reset.IsZero():
				if len(s.tickets) > 0 {
					waitForChange = true // a response will say more
					return
				}
				st.Known = false
			case st.Known && st.Avail <= 0:
				until = st.Reset.Add(resetSlack)
				why = fmt.Sprintf("shared server rate limit for %s: 0 of %d left (%s headers), resets at %s%s", s.origin, st.Limit, orDash(st.Dialect), st.Reset.Format("15:04:05"), s.sharedThrough())
				return
			}
			if s.rate > 0 {
				interval := time.Duration(float64(time.Second) / s.rate)
				next := st.Next
				if next.Before(now) {
					next = now
				}
				if late := next.Sub(now) - time.Duration(s.burst-1)*interval; late > 0 {
					until = now.Add(late)
					why = fmt.Sprintf("client budget of %g requests/s, shared by every run on %s", s.rate, s.origin)
					return
				}
				st.Next = next.Add(interval)
			}
			st.Seq++
			s.tickets[rn] = st.Seq
			if st.Known {
				st.Avail--
			}
			s.sent[rn.c.cfg.Name]++
			went = true
		})
		notes := s.notes
		s.notes = nil
		var holdMsg string
		if hold != nil {
			holdMsg = s.holdText(hold, time.Now())
		}
		changed := s.changed
		s.mu.Unlock()
		for _, n := range notes {
			rn.emit(Warning{At: now(), What: n})
		}
		if err != nil {
			return err
		}
		if went {
			return nil
		}
		if hold != nil {
			wait := time.Until(until)
			if max := rn.c.cfg.Retry.MaxRetryAfter; max > 0 && wait > max {
				return fmt.Errorf("%s. That is more than retry.max_retry_after (%s), so this run stops; runs on %s go on by themselves after %s. To go on sooner (say the quota was raised), run: siphon budget clear %s",
					holdMsg, max, s.origin, until.Format(time.RFC3339), s.origin)
			}
			if wait <= 0 {
				continue
			}
			if !until.Equal(told) {
				rn.noteThrottle(until, wait, holdMsg+"; waiting for it ('siphon budget clear "+s.origin+"' ends it sooner)")
				told = until
			}
			// Look again now and then: 'siphon budget clear' may end it.
			if err := sleep(ctx, min(wait, holdPoll)); err != nil {
				return err
			}
			continue
		}
		if waitForChange {
			// Another process's responses do not wake this one: look again soon.
			t := time.NewTimer(50 * time.Millisecond)
			select {
			case <-changed:
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
			t.Stop()
			continue
		}
		wait := time.Until(until)
		if wait <= 0 {
			continue
		}
		if max := rn.c.cfg.Retry.MaxRetryAfter; max > 0 && wait > max {
			return fmt.Errorf("%s: the reset is %s away, more than retry.max_retry_after (%s)", why, wait.Round(time.Second), max)
		}
		if !until.Equal(told) && wait >= 100*time.Millisecond {
			rn.noteThrottle(until, wait, why)
			told = until
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// observe reconciles the budget with a response's rate-limit headers. The
// server counted rn's request when it came, so the requests sent after it
// (by anyone sharing) are not in its Remaining yet: they are subtracted.
func (s *SharedBudget) observe(rn *runner, rl httphdr.RateLimit) {
	if rn.c.cfg.RateLimit.IgnoreHeaders {
		return
	}
	var held string
	defer func() {
		if held != "" {
			rn.emit(Warning{At: now(), What: held})
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.wake()
	seq, ok := s.tickets[rn]
	delete(s.tickets, rn)
	s.active = true
	_ = s.syncFile(func(now time.Time) { // a refused file is the next acquire's error
		st := &s.st
		if rl.Limit >= 0 {
			st.Limit = rl.Limit
		}
		st.Dialect = rl.Dialect
		if rl.Remaining < 0 {
			return
		}
		if rl.Reset.IsZero() {
			st.Known, st.Reset = false, time.Time{} // no reset: a spent budget would stall
			return
		}
		var after int64
		if ok && st.Seq >= seq {
			after = int64(st.Seq - seq)
		}
		left := rl.Remaining - after
		if rl.Reset.Sub(now) > holdBound {
			// Not a window to pace by: a spent one is a hold, shown and
			// clearable, not a silent wait of hours.
			st.Known, st.Reset = false, time.Time{}
			if left <= 0 && (st.Hold == nil || !sameReset(st.Hold.Until, rl.Reset)) {
				st.Hold = &budgetHold{Until: rl.Reset, Since: now,
					Why: fmt.Sprintf("%s headers: %d of %s left", orDash(rl.Dialect), max(rl.Remaining, 0), limitText(rl.Limit))}
				held = s.holdText(st.Hold, now) + ". 'siphon budget show " + s.origin + "' shows it; 'siphon budget clear " + s.origin + "' removes it"
			}
			return
		}
		switch {
		case !rl.Reset.After(st.Over.Add(resetSlack)), st.Known && rl.Reset.Before(st.Reset.Add(-resetSlack)):
			return // from a window that is over
		case st.Known && sameReset(rl.Reset, st.Reset):
			st.Avail = min(st.Avail, left)
		default:
			st.Avail = left
		}
		st.Known, st.Reset = true, rl.Reset
	})
}

// resetSlack is how far apart two resets can be and name one window: a
// reset read from epoch seconds is off by float rounding (a few hundred
// nanoseconds), and a window is waited out a little past its end.
const resetSlack = 10 * time.Millisecond

// holdPoll is how often a run waiting out a hold reads the state file
// again, to see it cleared.
const holdPoll = time.Second

// holdText says what a hold is and where it is kept.
func (s *SharedBudget) holdText(h *budgetHold, now time.Time) string {
	where := "held in this process only (no state file)"
	if s.file != "" {
		where = fmt.Sprintf("siphon keeps it as a hold in %s, which every run on %s obeys", s.file, s.origin)
	}
	return fmt.Sprintf("the server at %s asked for no more requests until %s (%s from now; %s); %s",
		s.origin, h.Until.Format(time.RFC3339), h.Until.Sub(now).Round(time.Second), h.Why, where)
}

// sharedThrough names the state file in a message about the budget.
func (s *SharedBudget) sharedThrough() string {
	if s.file == "" {
		return ""
	}
	return " (shared through " + s.file + ")"
}

func limitText(n int64) string {
	if n < 0 {
		return "?"
	}
	return fmt.Sprint(n)
}

func sameReset(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -resetSlack && d < resetSlack
}

// leave ends a run's share: it has ended.
func (s *SharedBudget) leave(rn *runner) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tickets, rn)
	delete(s.runs, rn)
	s.wake()
}

// Share describes the budget as this process last saw it (no file is
// read: a display may call it often).
func (s *SharedBudget) Share() BudgetShare {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := BudgetShare{Origin: s.origin, Limit: -1, Remaining: -1, Rate: s.rate}
	if s.st.Known {
		out.Limit, out.Remaining, out.Reset = s.st.Limit, max(s.st.Avail, 0), s.st.Reset
	}
	live := map[string]bool{}
	for _, name := range s.runs {
		live[name] = true
	}
	for name, n := range s.sent {
		out.Members = append(out.Members, BudgetMember{Profile: name, Sent: n, Live: live[name]})
	}
	sort.Slice(out.Members, func(i, j int) bool { return out.Members[i].Profile < out.Members[j].Profile })
	now := time.Now()
	for pid, seen := range s.st.Procs {
		if pid != s.id && now.Sub(seen) <= procFresh {
			out.Others++
		}
	}
	return out
}

// shared is the budget the client's runs take their requests from; nil:
// the client's own limiter and the run's own gate.
func (c *Client) shared() *SharedBudget {
	if c.budgets == nil {
		return nil
	}
	return c.budgets.For(Origin(c.endpoint.String()))
}

// stateFileMax bounds a state file read: it holds a few numbers and a
// process list.
const stateFileMax = 64 << 10

func readAllFrom(f *os.File) ([]byte, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(f, stateFileMax))
}

// writeAllTo replaces the file's content; its lock is held.
func writeAllTo(f *os.File, data []byte) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt(data, 0)
	return err
}

// stateOpen is how a state file is opened: create makes it when missing
// (0600, its folder 0700); write takes the lock to change it, else a
// shared one to read it.
type stateOpen struct{ create, write bool }

// errNoFileLocks: this system has no flock; budgets stay in the process.
var errNoFileLocks = errors.New("no file locks on this system: rate budgets are shared within a process only")

// StateFileError is a rate budget state file (or its folder) that siphon
// refuses to use: what it is, what is wrong, how to fix it.
type StateFileError struct {
	Path    string
	Folder  bool   // Path is the state files' folder
	Problem string // e.g. "is a symbolic link"
	Fix     string
}

func (e *StateFileError) Error() string {
	what := "rate budget state file"
	if e.Folder {
		what = "rate budget folder"
	}
	return fmt.Sprintf("%s %s %s; %s", what, e.Path, e.Problem, e.Fix)
}

func removeFix(path string) string {
	return fmt.Sprintf("siphon does not use it: remove it (rm %s) and siphon makes a new one", shellWord(path))
}

// refuseKind refuses a state file that is not a regular file.
func refuseKind(path string, m fs.FileMode) error {
	what := "is not a regular file"
	switch {
	case m&fs.ModeSymlink != 0:
		what = "is a symbolic link (following it could make siphon write over the file it points to)"
	case m&fs.ModeNamedPipe != 0:
		what = "is a FIFO (named pipe), not a regular file"
	case m&fs.ModeSocket != 0:
		what = "is a socket, not a regular file"
	case m&fs.ModeDevice != 0:
		what = "is a device, not a regular file"
	case m.IsDir():
		what = "is a folder, not a regular file"
	}
	return &StateFileError{Path: path, Problem: what, Fix: removeFix(path)}
}

// shellWord quotes a path for a command line when it needs it.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:@,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// BudgetFile is the state file of an origin's shared budget in dir.
func BudgetFile(dir, origin string) string { return filepath.Join(dir, stateFileName(origin)) }

// BudgetFileState is one state file as 'siphon budget show' reports it.
type BudgetFileState struct {
	Path      string
	Origin    string // "": the file holds none siphon can read
	Limit     int64  // the server's window; -1: unknown
	Remaining int64  // left in it; -1: unknown
	Reset     time.Time
	Next      time.Time // client-side pace: the next request's time; zero: none waiting
	Sent      uint64    // requests counted through it
	Processes int       // processes that sent a request in the last few seconds
	Hold      *BudgetHold
	Notes     []string // what was not believed, or was tightened, each naming the file
	Err       error    // the file cannot be read: what and how to fix it
}

// BudgetHold is a wait the server asked for that runs obey until it ends
// or 'siphon budget clear' removes it.
type BudgetHold struct {
	Until, Since time.Time
	Why          string
}

// ReadBudgetStates reads the state files in dir (only origin's when it is
// not ""), under their locks, without changing them beyond tightening a
// loose mode. A missing folder or file is no state.
func ReadBudgetStates(dir, origin string) ([]BudgetFileState, error) {
	var paths []string
	if origin != "" {
		paths = []string{BudgetFile(dir, origin)}
	} else {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".json") {
				paths = append(paths, filepath.Join(dir, e.Name()))
			}
		}
	}
	dirNotes, err := prepareStateDir(dir, false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []BudgetFileState
	now := time.Now()
	for _, path := range paths {
		bs := BudgetFileState{Path: path, Limit: -1, Remaining: -1, Notes: dirNotes}
		dirNotes = nil
		unlock, f, notes, err := lockStateFile(path, stateOpen{})
		bs.Notes = append(bs.Notes, notes...)
		if errors.Is(err, fs.ErrNotExist) && origin != "" {
			continue
		}
		if err != nil {
			bs.Err = err
			out = append(out, bs)
			continue
		}
		data, err := readAllFrom(f)
		unlock()
		if err != nil {
			bs.Err = fmt.Errorf("rate budget state file %s cannot be read: %w", path, err)
			out = append(out, bs)
			continue
		}
		if len(data) > 0 {
			st, notes, ok := decodeState(data, path, now)
			bs.Notes = append(bs.Notes, notes...)
			if ok {
				describeState(&bs, st, now)
			}
		}
		out = append(out, bs)
	}
	return out, nil
}

// describeState fills what a display shows of a state.
func describeState(bs *BudgetFileState, st budgetState, now time.Time) {
	bs.Origin, bs.Sent = st.Origin, st.Seq
	if st.Known && (st.Reset.IsZero() || now.Before(st.Reset)) {
		bs.Limit, bs.Remaining, bs.Reset = st.Limit, max(st.Avail, 0), st.Reset
	}
	if st.Next.After(now) {
		bs.Next = st.Next
	}
	for _, seen := range st.Procs {
		if now.Sub(seen) <= procFresh {
			bs.Processes++
		}
	}
	if h := st.Hold; h != nil {
		bs.Hold = &BudgetHold{Until: h.Until, Since: h.Since, Why: h.Why}
	}
}

// ClearBudget removes an origin's hold and window state from its state
// file in dir, under the file's lock (runs on the origin read it before
// each request, so they go on at once). It returns the state as it was;
// no file is an fs.ErrNotExist error.
func ClearBudget(dir, origin string) (BudgetFileState, error) {
	path := BudgetFile(dir, origin)
	was := BudgetFileState{Path: path, Origin: origin, Limit: -1, Remaining: -1}
	if _, err := os.Lstat(path); err != nil {
		return was, err
	}
	unlock, f, notes, err := lockStateFile(path, stateOpen{write: true})
	was.Notes = notes
	if err != nil {
		return was, err
	}
	defer unlock()
	data, err := readAllFrom(f)
	if err != nil {
		return was, fmt.Errorf("rate budget state file %s cannot be read: %w", path, err)
	}
	now := time.Now()
	cleared := budgetState{Origin: origin}
	if len(data) > 0 {
		st, notes, ok := decodeState(data, path, now)
		was.Notes = append(was.Notes, notes...)
		if ok {
			describeState(&was, st, now)
			cleared.Seq, cleared.Procs = st.Seq, st.Procs
		}
	}
	out, err := json.Marshal(cleared)
	if err == nil {
		err = writeAllTo(f, out)
	}
	if err != nil {
		return was, fmt.Errorf("rate budget state file %s cannot be written: %w", path, err)
	}
	return was, nil
}
