package s3store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"siphon/ingest/remedy"
	"siphon/ingest/store"
	"siphon/ingest/textbound"
)

// leaseBody is the content of .lock: who holds the prefix, until when.
type leaseBody struct {
	Siphon   string    `json:"siphon"` // "lease"
	Holder   string    `json:"holder"`
	Token    string    `json:"token"`
	Since    time.Time `json:"since"`
	Expires  time.Time `json:"expires"`
	Released bool      `json:"released,omitempty"`
}

// leaseTime is how long a lease lasts without renewal: a crashed owner's
// successor waits at most this long. SIPHON_S3_LEASE changes it (clocks
// of the machines sharing a prefix must agree to well within it).
func leaseTime() time.Duration { return envDuration("SIPHON_S3_LEASE", 30*time.Second) }

// lease is a held .lock, renewed in the background every fifth of its
// time with If-Match, so that a rival's takeover makes the renewal fail.
//
// Writes under it (rules.lease) go only while it is fresh: until safe, a
// quarter of its time before it expires in the eyes of others. A write
// that would go later first renews the lease itself, and waits (retried
// as any failed request) while the store will not renew it: a stalled
// owner, or one cut off from the store, pauses rather than fails, and
// goes on where it was once the renewal succeeds, or stops for good when
// the renewal finds that another run took the prefix over meanwhile. An
// attempt in flight when safe passes is cut (lease.hold), so that no
// write of this run reaches the store after another may own it.
type lease struct {
	b     bucket // the lease's own client: quick retries, not held back
	key   string
	where string
	d     time.Duration
	token string // this run's, in every body it writes
	// created: taken where there was no .lock (not over a released or
	// expired lease).
	created bool

	renewMu sync.Mutex // one renewal at a time

	mu      sync.Mutex
	etag    string
	body    leaseBody
	safe    time.Time // writes stop here unless renewed: before Expires, by a margin
	lost    error
	stop    chan struct{}
	stopped chan struct{}
}

// leasePolicy retries a renewal briefly (its ticker tries again soon):
// waits up to a tenth of the lease, for a fifth of it at most, each
// attempt cut after a fifth of it (a store that hangs would otherwise
// keep a renewal, and the writes waiting for it, for minutes).
func leasePolicy(d time.Duration) func() retryPolicy {
	return func() retryPolicy {
		return retryPolicy{initial: min(time.Second, d/20), max: d / 10, elapsed: d / 5, attempt: d / 5}
	}
}

func holderName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("siphon run, pid %d on %s", os.Getpid(), host)
}

// takeLease takes loc's lease through b: creating .lock, or replacing one
// that was released or expired. A live lease is refused, naming its
// holder. renew is the client that renews it, in the background from now.
//
// absent says a listing just now saw no .lock: it is created at once,
// without reading it first (if another run created it meanwhile, the
// create fails its condition, and .lock is read as it is then).
func takeLease(b bucket, loc Location, renew bucket, absent bool) (*lease, error) {
	l := &lease{b: renew, key: loc.key(lockKey), where: loc.String(), d: leaseTime(), stop: make(chan struct{}), stopped: make(chan struct{})}
	for try := range 5 {
		var data []byte
		var etag string
		if try > 0 || !absent { // after a race, .lock is there
			var err error
			if data, etag, err = b.get(l.key); err != nil {
				return nil, err
			}
		}
		cond := create
		if data != nil {
			var cur leaseBody
			if json.Unmarshal(data, &cur) != nil || cur.Siphon != "lease" {
				return nil, fmt.Errorf("%w: %s/%s is not a siphon lease; remove it if no siphon run uses %s", store.ErrFolderInUse, loc, lockKey, loc)
			}
			if !cur.Released && time.Now().Before(cur.Expires) {
				return nil, remedy.New(fmt.Errorf("%w: %s is held by %s (lease until %s, renewed while it runs; a crashed run's lease is taken over once it expires)",
					store.ErrFolderInUse, loc, textbound.Keep(cur.Holder), cur.Expires.UTC().Format(time.RFC3339)), remedy.WaitForHolder, remedy.OtherFolder)
			}
			cond = replace
		}
		now := time.Now()
		l.token = randomID()
		l.body = leaseBody{Siphon: "lease", Holder: holderName(), Token: l.token, Since: now.UTC(), Expires: now.Add(l.d).UTC()}
		enc, _ := json.Marshal(l.body)
		tag, err := b.put(l.key, append(enc, '\n'), cond, etag)
		if isConflictErr(err) {
			continue // raced with another taker: look again
		}
		if err != nil {
			return nil, err
		}
		l.etag, l.safe, l.created = tag, now.Add(l.d-l.d/4), cond == create
		go l.renew()
		return l, nil
	}
	return nil, fmt.Errorf("%w: %s: the lease keeps changing hands; another run is taking it", store.ErrFolderInUse, loc)
}

func (l *lease) renew() {
	defer close(l.stopped)
	t := time.NewTicker(l.d / 5)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		if err := l.renewNow(false); errors.Is(err, ErrLeaseLost) {
			return
		}
		// other errors: tried again at the next tick; writes wait
		// meanwhile once the lease is no longer fresh
	}
}

// renewNow renews the lease with If-Match its ETag; with ifStale, only
// when it is no longer fresh (another caller may have renewed it while
// this one waited its turn). A conflict means another run took it over.
func (l *lease) renewNow(ifStale bool) error {
	l.renewMu.Lock()
	defer l.renewMu.Unlock()
	l.mu.Lock()
	if l.lost != nil || ifStale && time.Now().Before(l.safe) {
		defer l.mu.Unlock()
		return l.lost
	}
	now := time.Now()
	next := l.body
	next.Expires = now.Add(l.d).UTC()
	etag := l.etag
	l.mu.Unlock()
	enc, _ := json.Marshal(next)
	tag, err := l.b.put(l.key, append(enc, '\n'), replace, etag)
	if isConflictErr(err) {
		// Another run's lease, or this run's own renewal that the store
		// took although its answer never came (the ETag moved on): the
		// token tells them apart.
		var ours bool
		if ours, etag, err = l.stillOurs(); ours {
			tag, err = l.b.put(l.key, append(enc, '\n'), replace, etag)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case err == nil:
		l.etag, l.body, l.safe = tag, next, now.Add(l.d-l.d/4)
	case isConflictErr(err):
		l.lost = fmt.Errorf("%w: another run took over %s (this run's lease had expired: was it stalled, or cut off from the store?); this run stops without writing more", ErrLeaseLost, l.where)
		return l.lost
	}
	return err
}

// stillOurs reads .lock: whether it still holds this run's token (not
// released), and its ETag. Another run's is a conflict.
func (l *lease) stillOurs() (bool, string, error) {
	data, etag, err := l.b.get(l.key)
	if err != nil {
		return false, "", err
	}
	var cur leaseBody
	if data != nil && json.Unmarshal(data, &cur) == nil && cur.Siphon == "lease" && cur.Token == l.token && !cur.Released {
		return true, etag, nil
	}
	return false, "", errConflict{key: l.b.url(l.key), err: errors.New("it holds another run's lease")}
}

// fresh is until when writes may go without a renewal, or why never again.
func (l *lease) fresh() (time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.safe, l.lost
}

// valid is nil unless this run lost its lease: another run took the
// prefix over. (Whether it is fresh enough to write is up to hold.)
func (l *lease) valid() error {
	_, err := l.fresh()
	return err
}

// leaseStop is a write refused because the lease is lost: not retried.
type leaseStop struct{ err error }

func (e *leaseStop) Error() string        { return e.err.Error() }
func (e *leaseStop) Unwrap() error        { return e.err }
func (e *leaseStop) RetryableError() bool { return false }

// leasePause is a write held back because the lease could not be renewed
// in time: retried, by the policy of the write.
type leasePause struct{ err error }

func (e *leasePause) Error() string {
	return "the lease could not be renewed (" + e.err.Error() + "), so this run may not write for now"
}
func (e *leasePause) Unwrap() error        { return e.err }
func (e *leasePause) RetryableError() bool { return true }

// errRanOut is an attempt cut because the lease stopped being fresh
// while it was in flight, not renewed meanwhile.
var errRanOut = errors.New("the lease was not renewed in time")

// hold lets one attempt of a write go: at once while the lease is
// fresh, else once it is renewed. The attempt's context is cut where
// the lease stops being fresh, unless it is renewed before; done ends
// the watch. A lost lease stops the write (leaseStop); one the store
// would not renew holds it back (leasePause).
func (l *lease) hold(ctx context.Context) (context.Context, func(), error) {
	safe, err := l.fresh()
	if err == nil && !time.Now().Before(safe) {
		err = l.renewNow(true)
		safe, _ = l.fresh()
	}
	switch {
	case errors.Is(err, ErrLeaseLost):
		return nil, nil, &leaseStop{err}
	case err != nil:
		return nil, nil, &leasePause{err}
	}
	held, cut := context.WithCancelCause(ctx)
	end := make(chan struct{})
	go func() {
		for {
			t := time.NewTimer(time.Until(safe))
			select {
			case <-end:
				t.Stop()
				return
			case <-t.C:
			}
			next, err := l.fresh()
			switch {
			case err != nil:
				cut(&leaseStop{err})
				return
			case next.After(safe) && time.Now().Before(next):
				safe = next // renewed meanwhile
			default:
				cut(&leasePause{errRanOut})
				return
			}
		}
	}()
	return held, func() { close(end); cut(nil) }, nil
}

// release stops renewing and marks the lease released (If-Match: a lease
// another run took over is left alone).
func (l *lease) release() {
	select {
	case <-l.stop:
		return
	default:
	}
	close(l.stop)
	<-l.stopped
	l.renewMu.Lock()
	defer l.renewMu.Unlock()
	l.mu.Lock()
	next, etag, lost := l.body, l.etag, l.lost
	l.mu.Unlock()
	if lost != nil {
		return
	}
	next.Released, next.Expires = true, time.Now().UTC()
	enc, _ := json.Marshal(next)
	_, _ = l.b.put(l.key, append(enc, '\n'), replace, etag)
}
