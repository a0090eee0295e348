package s3test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Kind is what the fault proxy does to one request.
type Kind int

const (
	Pass Kind = iota // forwarded, answered as the store answers
	// Status answers Fault.Status (500, 503...) with an S3 XML error body;
	// the store never sees the request.
	Status
	// Reset closes the connection (RST) before reading the request's body;
	// the store never sees it.
	Reset
	// ResetAfterBody reads the request's body whole, then closes the
	// connection; the store never sees it.
	ResetAfterBody
	// LostReply forwards the request (the store does it) and closes the
	// connection instead of answering: the client cannot tell it from
	// ResetAfterBody.
	LostReply
	// Delay waits Fault.Delay, then forwards.
	Delay
	// Truncate forwards, then sends the store's answer cut in the middle
	// of its body (of its headers when it has none) and closes.
	Truncate
)

func (k Kind) String() string {
	switch k {
	case Pass:
		return "pass"
	case Status:
		return "status"
	case Reset:
		return "reset"
	case ResetAfterBody:
		return "reset-after-body"
	case LostReply:
		return "lost-reply"
	case Delay:
		return "delay"
	case Truncate:
		return "truncate"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Fault is one decision of the proxy.
type Fault struct {
	Kind   Kind
	Status int           // for Status
	Delay  time.Duration // for Delay
}

func (f Fault) String() string {
	switch f.Kind {
	case Status:
		return fmt.Sprintf("status %d", f.Status)
	case Delay:
		return "delay " + f.Delay.String()
	}
	return f.Kind.String()
}

// Faults worth naming.
var (
	Unavailable = Fault{Kind: Status, Status: http.StatusServiceUnavailable}
	Internal    = Fault{Kind: Status, Status: http.StatusInternalServerError}
	ResetNow    = Fault{Kind: Reset}
	ResetLate   = Fault{Kind: ResetAfterBody}
	ReplyLost   = Fault{Kind: LostReply}
	CutShort    = Fault{Kind: Truncate}
)

// Request is what a policy knows of a request.
type Request struct {
	N      int    // 1 for the proxy's first request
	Method string // GET, PUT, ...
	Op     string // get, head, put, copy, delete, list, post
	Bucket string
	Key    string // "" for a bucket's requests (listing)
	// Cond is the write's condition: "if-none-match" (create), "if-match"
	// (replace, as a lease renewal does), or "".
	Cond string
}

// Policy decides a fault per request. The proxy asks it one request at a
// time, in the order requests arrive.
type Policy func(Request) Fault

// Never passes everything.
func Never(Request) Fault { return Fault{} }

// Always gives every request f.
func Always(f Fault) Policy { return func(Request) Fault { return f } }

// Random gives a request one of faults (drawn evenly) with probability
// rate, from a generator seeded with seed.
func Random(seed uint64, rate float64, faults ...Fault) Policy {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	return func(Request) Fault {
		if len(faults) == 0 || rng.Float64() >= rate {
			return Fault{}
		}
		return faults[rng.IntN(len(faults))]
	}
}

// Schedule gives the i-th request it is asked about faults[i], and passes
// every request after the last.
func Schedule(faults ...Fault) Policy {
	i := 0
	return func(Request) Fault {
		if i >= len(faults) {
			return Fault{}
		}
		i++
		return faults[i-1]
	}
}

// When asks p about the requests match picks, and passes the others.
func When(match func(Request) bool, p Policy) Policy {
	return func(r Request) Fault {
		if !match(r) {
			return Fault{}
		}
		return p(r)
	}
}

// First asks each policy in turn and takes the first fault.
func First(ps ...Policy) Policy {
	return func(r Request) Fault {
		for _, p := range ps {
			if f := p(r); f.Kind != Pass {
				return f
			}
		}
		return Fault{}
	}
}

// Puts picks PUTs (not copies) of keys whose last segment starts with
// name ("records-", "checkpoint.json", ".lock").
func Puts(name string) func(Request) bool {
	return func(r Request) bool { return r.Op == "put" && strings.HasPrefix(base(r.Key), name) }
}

// numbered is what varies in a name: segment numbers, stamps, ids.
var numbered = regexp.MustCompile(`[0-9][0-9a-zA-Z.]{5,}`)

func base(key string) string { return key[strings.LastIndexByte(key, '/')+1:] }

// Entry is one request the proxy handled, as it ends.
type Entry struct {
	Request
	Fault  Fault
	Status int // what the client was answered; 0 when it got no answer
}

func (e Entry) String() string {
	return fmt.Sprintf("#%d %s %s/%s: %s (%d)", e.N, e.Op, e.Bucket, e.Key, e.Fault, e.Status)
}

// Proxy is a fault-injecting reverse proxy on loopback in front of a
// Server: it forwards each request unchanged (the Host header too, which
// the signature covers) or fails it as its policy says, and logs what it
// did.
type Proxy struct {
	URL string

	srv    *Server
	target *url.URL
	hs     *httptest.Server
	client *http.Client

	mu       sync.Mutex
	policy   Policy
	n        int
	log      []Entry
	waiters  []waiter
	inFlight map[int]Request
	settled  *sync.Cond    // on mu: a request in flight was logged
	closed   chan struct{} // the test ended: delays end
}

type waiter struct {
	match func(Entry) bool
	ch    chan struct{}
}

// Proxy starts a fault proxy in front of s with policy p (nil: Never),
// stopped when the test ends.
func (s *Server) Proxy(t testing.TB, p Policy) *Proxy {
	t.Helper()
	target, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	if p == nil {
		p = Never
	}
	px := &Proxy{srv: s, target: target, policy: p, inFlight: map[int]Request{}, closed: make(chan struct{}), client: &http.Client{
		Transport:     &http.Transport{MaxIdleConnsPerHost: 16},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	px.hs = httptest.NewServer(http.HandlerFunc(px.serve))
	px.URL = px.hs.URL
	t.Cleanup(func() {
		close(px.closed)
		px.hs.CloseClientConnections()
		px.hs.Close()
		px.client.CloseIdleConnections()
	})
	return px
}

// Server is the store as reached through the proxy: its Env, Setenv and
// Client go through the faults.
func (p *Proxy) Server() *Server {
	s := *p.srv
	s.URL, s.cmd, s.done = p.URL, nil, nil
	return &s
}

// SetPolicy replaces the policy, for the requests that arrive after.
func (p *Proxy) SetPolicy(pol Policy) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pol == nil {
		pol = Never
	}
	p.policy = pol
}

// Requests is how many requests have arrived so far: the N of the last.
func (p *Proxy) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// InFlight counts the requests match picks that arrived and are not
// answered yet.
func (p *Proxy) InFlight(match func(Request) bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, r := range p.inFlight {
		if match(r) {
			n++
		}
	}
	return n
}

// Settle waits until every request that arrived is logged: a client has
// its answer a moment before the proxy logs the request, so a test that
// counts what a call sent settles first.
func (p *Proxy) Settle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.settled == nil {
		p.settled = sync.NewCond(&p.mu)
	}
	for len(p.inFlight) > 0 {
		p.settled.Wait()
	}
}

// Log is every request handled so far, in the order they ended.
func (p *Proxy) Log() []Entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Entry(nil), p.log...)
}

// Faulted is the entries that got a fault (a delay included).
func (p *Proxy) Faulted() []Entry {
	var out []Entry
	for _, e := range p.Log() {
		if e.Fault.Kind != Pass {
			out = append(out, e)
		}
	}
	return out
}

// Summary counts the entries by operation, object (its segment number
// left out) and fault, one line each, for a test's log.
func (p *Proxy) Summary() string {
	counts := map[string]int{}
	for _, e := range p.Log() {
		name := numbered.ReplaceAllString(base(e.Key), "N")
		counts[fmt.Sprintf("%-6s %-22s %s", e.Op, name, e.Fault)]++
	}
	lines := make([]string, 0, len(counts))
	for k, n := range counts {
		lines = append(lines, fmt.Sprintf("%5d  %s", n, k))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// Seen is closed once an entry match picks has been logged (at once when
// one was already). match is called with the proxy's lock held, once per
// entry in order: it must not call the proxy.
func (p *Proxy) Seen(match func(Entry) bool) <-chan struct{} {
	ch := make(chan struct{})
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.log {
		if match(e) {
			close(ch)
			return ch
		}
	}
	p.waiters = append(p.waiters, waiter{match, ch})
	return ch
}

func (p *Proxy) record(e Entry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.inFlight, e.N)
	p.log = append(p.log, e)
	if p.settled != nil {
		p.settled.Broadcast()
	}
	kept := p.waiters[:0]
	for _, w := range p.waiters {
		if w.match(e) {
			close(w.ch)
		} else {
			kept = append(kept, w)
		}
	}
	p.waiters = kept
}

// describe reads what a policy needs from a path-style S3 request.
func describe(r *http.Request) Request {
	path := strings.TrimPrefix(r.URL.Path, "/")
	b, key, _ := strings.Cut(path, "/")
	q := r.URL.Query()
	op := strings.ToLower(r.Method)
	switch {
	case r.Method == http.MethodGet && key == "":
		op = "list"
	case r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "":
		op = "copy"
	case r.Method == http.MethodPost && q.Has("delete"):
		op = "delete"
	}
	cond := ""
	switch {
	case r.Header.Get("If-None-Match") != "":
		cond = "if-none-match"
	case r.Header.Get("If-Match") != "":
		cond = "if-match"
	}
	return Request{Method: r.Method, Op: op, Bucket: b, Key: key, Cond: cond}
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	req := describe(r)
	p.mu.Lock()
	p.n++
	req.N = p.n
	f := p.policy(req)
	p.inFlight[req.N] = req
	p.mu.Unlock()
	e := Entry{Request: req, Fault: f}
	defer func() { p.record(e) }()
	switch f.Kind {
	case Status:
		_, _ = io.Copy(io.Discard, r.Body)
		code, msg := "InternalError", "We encountered an internal error. Please try again."
		if f.Status == http.StatusServiceUnavailable {
			code, msg = "ServiceUnavailable", "Please reduce your request rate."
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Error><Code>%s</Code><Message>%s</Message><Resource>%s</Resource><RequestId>fault-%d</RequestId></Error>`,
			code, msg, r.URL.Path, req.N)
		e.Status = f.Status
		return
	case Reset:
		drop(w, true)
		return
	case ResetAfterBody:
		_, _ = io.Copy(io.Discard, r.Body)
		drop(w, true)
		return
	case Delay:
		// The body is read first: only then does the server notice a
		// client that gave up waiting (its context ends).
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-p.closed:
			t.Stop()
			drop(w, false)
			return
		}
	}
	resp, err := p.forward(r)
	if err != nil {
		// The store did not answer: neither does the proxy.
		drop(w, false)
		return
	}
	defer resp.Body.Close()
	switch f.Kind {
	case LostReply:
		_, _ = io.Copy(io.Discard, resp.Body)
		drop(w, true)
		return
	case Truncate:
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			drop(w, false)
			return
		}
		cutReply(w, resp, body)
		return
	}
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
	e.Status = resp.StatusCode
}

// hopHeaders are a connection's own, not forwarded.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// forward sends r to the store as it came.
func (p *Proxy) forward(r *http.Request) (*http.Response, error) {
	u := *p.target
	u.Path, u.RawPath, u.RawQuery = r.URL.Path, r.URL.RawPath, r.URL.RawQuery
	out, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), r.Body)
	if err != nil {
		return nil, err
	}
	out.Header = r.Header.Clone()
	for _, h := range hopHeaders {
		out.Header.Del(h)
	}
	out.Host = r.Host // the signature covers it
	out.ContentLength = r.ContentLength
	if r.ContentLength == 0 {
		out.Body = http.NoBody
	}
	return p.client.Do(out)
}

// drop closes the client's connection without an answer: with RST, or
// with FIN when rst is false.
func drop(w http.ResponseWriter, rst bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // not hijackable: net/http's abort
	}
	if tcp, ok := conn.(*net.TCPConn); ok && rst {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// cutReply writes the store's answer by hand, announcing it whole and
// sending half of it (of the body, or of the headers when there is no
// body), then closes the connection.
func cutReply(w http.ResponseWriter, resp *http.Response, body []byte) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	var head bytes.Buffer
	fmt.Fprintf(&head, "HTTP/1.1 %s\r\n", resp.Status)
	h := resp.Header.Clone()
	for _, k := range hopHeaders {
		h.Del(k)
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	_ = h.Write(&head)
	head.WriteString("\r\n")
	if len(body) == 0 {
		_, _ = buf.Write(head.Bytes()[:head.Len()/2])
	} else {
		_, _ = buf.Write(head.Bytes())
		_, _ = buf.Write(body[:len(body)/2])
	}
	_ = buf.Flush()
}
