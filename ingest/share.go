package ingest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
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
			sum := sha256.Sum256([]byte(origin))
			s.file = filepath.Join(b.dir, hex.EncodeToString(sum[:8])+".json")
			s.st.Origin = origin
			if _, err := os.Stat(s.file); err == nil {
				s.active = true
				s.syncFile(nil) // start from what others learned
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
}

// procFresh is how long another process counts as sharing after its last
// request.
const procFresh = 5 * time.Second

// syncFile reads the state file, lets op change the state, and writes it
// back, under the file's lock; without a file op runs alone. Call with mu
// held. A file that cannot be used leaves the budget to this process.
func (s *SharedBudget) syncFile(op func(now time.Time)) {
	now := time.Now()
	if s.file == "" || !s.active {
		if op != nil {
			op(now)
		}
		return
	}
	unlock, f, err := lockStateFile(s.file)
	if err != nil {
		s.file = "" // e.g. a read-only cache folder: share within the process only
		if op != nil {
			op(now)
		}
		return
	}
	defer unlock()
	var onDisk budgetState
	if data, err := readAllFrom(f); err == nil && len(data) > 0 && json.Unmarshal(data, &onDisk) == nil && onDisk.Origin == s.origin {
		s.st = onDisk
	}
	if op == nil {
		return
	}
	op(now)
	if s.st.Procs == nil {
		s.st.Procs = map[string]time.Time{}
	}
	s.st.Procs[s.id] = now
	for pid, seen := range s.st.Procs {
		if now.Sub(seen) > procFresh {
			delete(s.st.Procs, pid)
		}
	}
	if data, err := json.Marshal(s.st); err == nil {
		_ = writeAllTo(f, data)
	}
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
		waitForChange, went := false, false
		s.syncFile(func(now time.Time) {
			st := &s.st
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
				why = fmt.Sprintf("shared server rate limit for %s: 0 of %d left (%s headers), resets at %s", s.origin, st.Limit, orDash(st.Dialect), st.Reset.Format("15:04:05"))
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
		if went {
			s.mu.Unlock()
			return nil
		}
		changed := s.changed
		s.mu.Unlock()
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
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.wake()
	seq, ok := s.tickets[rn]
	delete(s.tickets, rn)
	s.active = true
	s.syncFile(func(time.Time) {
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
