// Package shapes emulates, on loopback, the documented response shapes and
// paging behaviour of seventeen public APIs, so that siphon's probe and runs
// (and profile recipes) can be tested against the APIs as they are.
//
// Each emulation is a plain net/http handler over a deterministic data set
// of Options.Records records (default 1,234), each with an id, timestamps,
// nested fields and some unicode. Paged the way the real API documents,
// every record comes exactly once; paged wrongly, the emulation fails the
// way the real API does (an error status, an error body in a 200, a silent
// cap). Every shape's doc comment (see the shape files) states its paging
// contract. Names lists the shapes; New builds one.
//
// The shapes: github (page + Link header), stripe (starting_after, has_more),
// shopify (page_info in Link), slack (cursor, ok:false in a 200), notion
// (POST body cursor), hubspot (paging.next.after), salesforce
// (nextRecordsUrl), jira (startAt, capped maxResults), zendesk
// (end_of_stream), twitter (next_token → pagination_token), airtable (offset,
// 429 lock-out), elasticsearch (two-phase scroll), msgraph (absolute
// @odata.nextLink), graphql (connection, errors in a 200), ndjson (one
// streamed export), csv (gzip-encoded CSV pages, Link header), s3
// (ListObjectsV2 XML, continuation tokens).
//
// The emulations are test fixtures, not the real services: only the paths,
// parameters, bodies, headers and errors that matter for paging are modelled.
package shapes

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultRecords is the data set size when Options.Records is 0.
const DefaultRecords = 1234

// MaxRecords bounds the data set of the shapes that index it in memory;
// the streaming NDJSON export takes up to MaxStreamRecords.
const (
	MaxRecords       = 5_000_000
	MaxStreamRecords = 1_000_000_000
)

// Options configure an emulation. The zero value is usable.
type Options struct {
	// Records is the data set size; 0 means DefaultRecords.
	Records int
	// Seed varies ids, timestamps and texts; the same seed gives the same
	// bytes.
	Seed int64
	// Token, when set, is the credential every request must carry (each
	// shape reads it where the real API does, usually a bearer token).
	// Empty: no authentication.
	Token string
	// RateLimit is the requests per second allowed before the shape's
	// throttling starts: Airtable defaults to 5 (per base, as documented),
	// Slack to none (its tiers are per minute; set one to test 429s). The
	// other shapes ignore it. Negative: no limit.
	RateLimit int
	// LockOut is how long Airtable refuses every request after its rate
	// limit was exceeded; 0 means 30 s as documented.
	LockOut time.Duration
	// Now is the clock for rate limits and lock-outs (default time.Now), so
	// tests can move time without sleeping.
	Now func() time.Time
}

// Request is one request as the emulation received it.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header // Authorization and other credentials removed
	Body   []byte
	Status int // the status the emulation answered
}

// API is one running emulation: an http.Handler that also records what it
// received.
type API struct {
	shape *shape
	opts  Options
	n     int

	mu       sync.Mutex
	log      []Request
	hits     []time.Time              // recent request times, for rate limits
	lockedTo time.Time                // Airtable: every request refused until then
	contexts map[string]*serverCursor // Elasticsearch scrolls, Salesforce query locators
	issued   int                      // server-side cursors made, for their ids

	indexOnce sync.Once
	index     map[string]int // record id → position, for id-based cursors

	// The records and their ids, made once on first use (not for streaming
	// shapes, which must not hold the data set).
	cacheOnce sync.Once
	items     []item
	ids       []string
}

// serverCursor is a cursor whose state lives on the server.
type serverCursor struct {
	pos, size int
}

// shape is one API's emulation.
type shape struct {
	name  string
	title string
	// id is record i's primary key as the API shows it.
	id func(a *API, i int) string
	// idField is where the primary key sits in an emitted record (dotted).
	idField string
	serve   func(a *API, w http.ResponseWriter, r *http.Request)
	stream  bool // may serve more than MaxRecords
}

var registry = map[string]*shape{}

func register(s *shape) { registry[s.name] = s }

// Names lists the emulated APIs, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// New builds the emulation called name (see Names).
func New(name string, opts Options) (*API, error) {
	s, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("shapes: unknown API %q; known: %s", name, strings.Join(Names(), ", "))
	}
	n := opts.Records
	switch {
	case n == 0:
		n = DefaultRecords
	case n < 0:
		return nil, fmt.Errorf("shapes: %s: Records is %d; it must be 0 (the default, %d) or more", name, n, DefaultRecords)
	case n > MaxRecords && !s.stream:
		return nil, fmt.Errorf("shapes: %s: Records is %d; at most %d (only ndjson streams more)", name, n, MaxRecords)
	case n > MaxStreamRecords:
		return nil, fmt.Errorf("shapes: %s: Records is %d; at most %d", name, n, MaxStreamRecords)
	}
	if opts.LockOut < 0 {
		return nil, fmt.Errorf("shapes: %s: LockOut is %s; it must not be negative", name, opts.LockOut)
	}
	if opts.LockOut == 0 {
		opts.LockOut = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &API{shape: s, opts: opts, n: n, contexts: map[string]*serverCursor{}}, nil
}

// Name is the emulated API's name.
func (a *API) Name() string { return a.shape.name }

// Title describes the emulated endpoint in a few words.
func (a *API) Title() string { return a.shape.title }

// IDField is where a record's primary key sits (dotted for nested fields).
func (a *API) IDField() string { return a.shape.idField }

// Len is the number of records.
func (a *API) Len() int { return a.n }

// ExpectedIDs are every record's primary key, in the API's order.
func (a *API) ExpectedIDs() []string {
	ids := make([]string, a.n)
	for i := range ids {
		ids[i] = a.idOf(i)
	}
	return ids
}

// Requests returns a copy of the requests received so far.
func (a *API) Requests() []Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.log)
}

// maxLogged bounds the request log; later requests are not recorded.
const maxLogged = 100_000

// maxBody bounds the request bodies read.
const maxBody = 1 << 20

// ServeHTTP serves the emulated API and records the request.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "reading the request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sw := &statusWriter{ResponseWriter: w}
	a.shape.serve(a, sw, r)
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	h := r.Header.Clone()
	for _, k := range []string{"Authorization", "Cookie", "X-Shopify-Access-Token"} {
		h.Del(k)
	}
	a.mu.Lock()
	if len(a.log) < maxLogged {
		a.log = append(a.log, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: h, Body: body, Status: sw.status})
	}
	a.mu.Unlock()
}

// statusWriter remembers the status written, and still flushes.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client hung up: nothing left to tell it
}

// authorized says whether r carries the configured token as a bearer token
// (or, for APIs that take it, in basic auth's password or a named header).
func (a *API) authorized(r *http.Request, header string) bool {
	if a.opts.Token == "" {
		return true
	}
	if header != "" && r.Header.Get(header) == a.opts.Token {
		return true
	}
	auth := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(auth, "Bearer "); ok && tok == a.opts.Token {
		return true
	}
	if _, pass, ok := r.BasicAuth(); ok && pass == a.opts.Token {
		return true
	}
	return false
}

// cached makes the records once, and says whether they are cached.
func (a *API) cached() bool {
	if a.shape.stream {
		return false
	}
	a.cacheOnce.Do(func() {
		a.items = make([]item, a.n)
		a.ids = make([]string, a.n)
		for i := range a.n {
			a.items[i] = a.makeItem(i)
			a.ids[i] = a.shape.id(a, i)
		}
	})
	return true
}

// item is record i.
func (a *API) item(i int) item {
	if a.cached() {
		return a.items[i]
	}
	return a.makeItem(i)
}

// idOf is record i's primary key.
func (a *API) idOf(i int) string {
	if a.cached() {
		return a.ids[i]
	}
	return a.shape.id(a, i)
}

// pageBounds is records [from, to) of a page of size at from.
func (a *API) pageBounds(from, size int) (int, int) {
	from = min(max(from, 0), a.n)
	return from, min(from+size, a.n)
}

// token makes an opaque cursor for position pos; kind keeps one shape's
// cursors from being accepted by another parameter.
func (a *API) token(kind string, pos int) string {
	raw := kind + ":" + strconv.Itoa(pos) + ":" + a.mac(kind, pos)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// untoken reads a cursor made by token; ok is false for anything else.
func (a *API) untoken(kind, tok string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 3 || parts[0] != kind {
		return 0, false
	}
	pos, err := strconv.Atoi(parts[1])
	if err != nil || pos < 0 || pos > a.n || parts[2] != a.mac(kind, pos) {
		return 0, false
	}
	return pos, true
}

func (a *API) mac(kind string, pos int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d|%s|%s|%d", a.opts.Seed, a.shape.name, kind, pos))
	return hex.EncodeToString(sum[:6])
}

// indexOf finds the position of the record with primary key id.
func (a *API) indexOf(id string) (int, bool) {
	a.indexOnce.Do(func() {
		a.index = make(map[string]int, a.n)
		for i := range a.n {
			a.index[a.idOf(i)] = i
		}
	})
	i, ok := a.index[id]
	return i, ok
}

// baseURL is the scheme and host the client used, for absolute links.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// intParam reads an integer query parameter: def when absent, ok false
// when present but not an integer.
func intParam(q url.Values, name string, def int) (int, bool) {
	s := q.Get(name)
	if s == "" && !q.Has(name) {
		return def, true
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, false
	}
	return n, true
}

// unknownParams lists the query parameters not in allowed, sorted.
func unknownParams(q url.Values, allowed ...string) []string {
	var bad []string
	for k := range q {
		if !slices.Contains(allowed, k) {
			bad = append(bad, k)
		}
	}
	sort.Strings(bad)
	return bad
}

// allow answers 405 unless r's method is one of methods.
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	if slices.Contains(methods, r.Method) {
		return true
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"message": "method not allowed"})
	return false
}

// throttle counts r against a sliding one-second window of limit requests
// and says whether it is over. limit <= 0: never.
func (a *API) throttle(limit int) (over bool, retryAfter time.Duration) {
	if limit <= 0 {
		return false, 0
	}
	now := a.opts.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	cut := 0
	for cut < len(a.hits) && now.Sub(a.hits[cut]) >= time.Second {
		cut++
	}
	a.hits = a.hits[cut:]
	if len(a.hits) >= limit {
		return true, time.Second - now.Sub(a.hits[0])
	}
	a.hits = append(a.hits, now)
	return false, 0
}

// readBody returns the request body ServeHTTP already read.
func readBody(r *http.Request) ([]byte, error) { return io.ReadAll(r.Body) }
