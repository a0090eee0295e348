// Package spec is a profile's configuration as plain data: what a run
// needs to know about an API, with no behaviour beyond filling defaults.
// It sits below every other part of ingest, so each of them can read it.
package spec

import (
	"encoding/json"
	"time"
)

// Config is one API profile after loading and validation: everything a run
// needs to know about the API. The profiles package builds it from YAML; tests
// and benchmarks may build it directly.
type Config struct {
	Name        string
	Description string
	BaseURL     string
	Path        string
	Method      string            // GET or POST
	Params      map[string]string // query parameters on every request
	Headers     map[string]string
	Body        json.RawMessage // JSON body for POST; nil for none
	Auth        AuthConfig
	TLS         TLSConfig
	Records     string // jq expression yielding the record array or a stream of records
	// Format is how bodies are written: json, ndjson, xml, csv or tsv;
	// "" takes it from each response's Content-Type.
	Format     string
	PrimaryKey []string // record fields that identify a record
	Pagination PaginationConfig
	RateLimit  RateLimitConfig
	Retry      RetryConfig
	Timeout    time.Duration // per request; 0 means the default
	// MaxBody caps a response body that must be held whole (for a jq
	// expression that is not a plain path): a size such as "64MiB"; ""
	// means the default. Bodies read in one pass stream, up to MaxBodyUnpacked.
	MaxBody      string
	AllowedHosts []string // hosts next_url/link_header may lead to besides base_url's
	Schema       SchemaConfig
	Output       OutputConfig
	Partitions   PartitionsConfig // none by default: one walk
	Concurrency  int              // partitions in flight at once; 0 means 1

	// MaxRecord caps one record ("64MiB"; "" means the default): a larger
	// one fails its page. MaxBodyUnpacked caps any response body as read,
	// after decompression ("4GiB"; "" means the default).
	MaxRecord       string
	MaxBodyUnpacked string

	// ErrorWhen is a jq expression over a 2xx page: truthy means the API
	// answered with an error in the body. Empty: the common error shapes
	// (ok: false, a non-empty errors array, an error or fault field) on a
	// page without records. ErrorMessage is jq to the API's message.
	ErrorWhen    string
	ErrorMessage string
	// Anomalies says, per named anomaly (AnomalyTotalMismatch, ...), what a
	// run does when it finds it: "fail" (the default) or "warn".
	Anomalies map[string]string

	// Secrets are further secret values (resolved into sensitive headers or
	// query parameters) that must be redacted wherever text is shown.
	Secrets []Secret

	// SecretHeaders and SecretParams name the headers and query parameters
	// whose values hold a ${VAR} or file: reference, and SecretBody says the
	// body holds one. Like the credentials, they go only to base_url's
	// scheme, host and port.
	SecretHeaders []string
	SecretParams  []string
	SecretBody    bool

	// ShownAs keeps, by field path ("headers.X-Auth", "params.team"), the
	// text as written of values that came from a ${VAR} or file:
	// reference. It is what a request shown to the user (a curl command)
	// carries in their place; it is never sent.
	ShownAs map[string]string
}

// Pagination styles.
const (
	PageNone       = "none"
	PageOffset     = "offset"
	PagePage       = "page"
	PageCursor     = "cursor"
	PageNextURL    = "next_url"
	PageLinkHeader = "link_header"
	PageKeyset     = "keyset"
	PageTimestamp  = "timestamp"
)

// PaginationConfig holds the fields of every pagination style; each style
// reads the ones it needs. Defaults are applied by ApplyDefaults.
type PaginationConfig struct {
	Type       string
	Limit      int    // page size sent in LimitParam; 0 sends none
	LimitParam string // default "limit"
	MaxPages   int    // 0: no limit
	// In says where the pagination parameters go: "query" (the default) or
	// "body", merged into the top level of a POST's JSON body (Notion,
	// Elasticsearch-style search APIs).
	In string

	// cursor
	CursorParam string // default "cursor"
	CursorPath  string // jq into the body for the next cursor

	// offset
	OffsetParam string // default "offset"
	TotalPath   string // offset and page: optional jq to the total record count

	// EndOn says how an offset or page walk ends when no declared total
	// says: EndOnEmptyPage (the default) or EndOnShortPage.
	EndOn string
	// Restart gets past an API's deep-paging cap (offset and page): the
	// walk starts again from the first page, filtered past the last
	// record written.
	Restart Restart

	// page
	PageParam      string // default "page"
	StartPage      int    // default 1
	TotalPagesPath string // optional jq to the total page count

	// next_url
	NextURLPath string // jq to the next URL, absolute or relative

	// link_header
	Rel string // default "next"

	// keyset and timestamp
	Param     string // keyset: since_id; timestamp: updated_after
	Field     string // keyset: id; timestamp: updated_at
	Inclusive bool   // timestamp: the API returns field >= param

	// StopWhen is jq over a page: truthy means it is the last one. It
	// applies to every style.
	StopWhen string
	// CursorHeader (cursor) and NextURLHeader (next_url) read the next
	// cursor or URL from a response header instead of the body.
	CursorHeader  string
	NextURLHeader string
	// CursorRepeats declares a cursor that stays the same from page to
	// page (an Elasticsearch scroll id): it is not a loop, and the walk
	// ends on a page without records.
	CursorRepeats bool
	// Next, when set, is what every request after the first is.
	Next NextRequest

	// Start is the first position: offset (a number, default 0), keyset
	// (optional value), timestamp (RFC 3339, optional). Kept as text so each
	// style can parse it its own way.
	Start string
}

// pagination.end_on: what ends an offset or page walk before a declared
// total does. An empty page costs one request more but loses nothing when
// the API hides records on some pages (permission filters, deleted rows);
// a short page saves that request for APIs known to fill every page.
const (
	EndOnEmptyPage = "empty_page"
	EndOnShortPage = "short_page"
)

// Restart is pagination.restart. After counts records: a request whose
// records would reach past it (offset + limit > after) is not sent; the
// walk starts again from its first page with Params added, each
// ${last.FIELD} the field of the last record written. OnError is the cap
// error that restarts a walk too (zero: the common ones).
type Restart struct {
	After   int
	Params  map[string]string
	OnError RestartError
}

// IsSet reports whether the profile asks for restarts.
func (r Restart) IsSet() bool { return r.After != 0 || len(r.Params) > 0 || r.OnError.IsSet() }

// RestartError names the answer by which an API says its pagination cap is
// reached: the status, and text the body holds (case-insensitive).
type RestartError struct {
	Status  int
	Message string
}

// IsSet reports whether the profile names the error.
func (e RestartError) IsSet() bool { return e.Status != 0 || e.Message != "" }

// NextRequest is what follow-up requests are, when they differ from the
// first (two-phase pagination: Elasticsearch scroll, export/continue). Empty
// fields keep the first request's.
type NextRequest struct {
	Path    string            // joined to base_url
	Method  string            // GET or POST
	Params  map[string]string // replace the profile's params when set
	Headers map[string]string // added to the profile's headers
	Body    json.RawMessage   // replaces the profile's body when set
	// In says where the cursor goes: query, body or header; default the
	// pagination block's in.
	In          string
	CursorParam string // the name it goes under; default pagination.cursor_param
}

// IsSet reports whether the profile has a pagination.next block.
func (n *NextRequest) IsSet() bool {
	return n.Path != "" || n.Method != "" || n.Params != nil || n.Headers != nil || n.Body != nil || n.In != "" || n.CursorParam != ""
}

// Named anomalies a profile may downgrade to a warning (anomalies: {NAME: warn}).
const (
	// AnomalyTotalMismatch: the run ended with fewer records than the API's
	// own declared total.
	AnomalyTotalMismatch = "total_mismatch"
	// AnomalyRecordsElsewhere: page 1 had no records at the records path but
	// arrays of objects elsewhere in its body.
	AnomalyRecordsElsewhere = "records_elsewhere"
)

// AnomalyNames lists the anomalies a profile may name.
var AnomalyNames = []string{AnomalyTotalMismatch, AnomalyRecordsElsewhere}

// RateLimitConfig is the client-side request budget.
type RateLimitConfig struct {
	RequestsPerSecond float64 // 0: no client-side budget
	Burst             int
	// IgnoreHeaders turns off pacing by Retry-After and rate-limit response
	// headers (the profile's respect_headers: false). Respecting them is the
	// default, so a zero Config is polite.
	IgnoreHeaders bool
}

// RetryConfig says when and how a failed request is tried again.
type RetryConfig struct {
	// MaxElapsed bounds the time one page may spend retrying (waits
	// included); it is the limit that matters. MaxAttempts, 0 by default
	// (no count), stops sooner when a profile sets it.
	MaxElapsed     time.Duration
	MaxAttempts    int // attempts in all, including the first; 0: no count
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	OnStatus       []int
	MaxRetryAfter  time.Duration // a longer Retry-After stops the run instead
}

// SchemaConfig configures drift detection and optional validation.
type SchemaConfig struct {
	OnDrift   string // warn | fail
	File      string // optional JSON Schema file
	OnInvalid string // reject | fail
}

// OutputConfig says where and what a run writes.
type OutputConfig struct {
	Dir      string // default ./siphon-data/NAME
	RawPages bool   // archive every response body under pages/
}

// Auth types.
const (
	AuthNone   = "none"
	AuthAPIKey = "api_key"
	AuthBearer = "bearer"
	AuthBasic  = "basic"
	AuthOAuth2 = "oauth2"
	AuthSigV4  = "aws_sigv4"
	AuthLogin  = "login"
	AuthHMAC   = "hmac"
)

// AuthConfig is the profile's credentials. Secret fields hold resolved values
// that never print (see Secret).
type AuthConfig struct {
	Type string

	// api_key
	Name  string // header or query parameter name
	In    string // header | query
	Value Secret

	// bearer
	Token Secret

	// basic
	Username string
	Password Secret

	// oauth2
	Grant        string // client_credentials | refresh_token | authorization_code
	TokenURL     string
	AuthorizeURL string
	ClientID     string
	ClientSecret Secret
	Scopes       []string
	RefreshToken Secret
	Extra        map[string]string // extra token request parameters

	// aws_sigv4: the AWS SDK's signer. Without AccessKeyID and
	// SecretAccessKey the standard chain (environment, shared files,
	// roles) gives the credentials.
	Service         string // s3, execute-api, ...
	Region          string
	AccessKeyID     Secret
	SecretAccessKey Secret
	SessionToken    Secret

	// hmac: a signature over a template of the request.
	Key             Secret
	Algorithm       string // sha256 (default), sha512, sha1
	Sign            string // what is signed: {method} {path} {query} {target} {body} {timestamp}
	Encoding        string // hex (default) or base64
	TimestampHeader string // the header that carries {timestamp}; "": none
	TimestampFormat string // unix (default), unix_ms, rfc3339

	// login (and hmac's header): a request whose answer holds a session
	// token, sent on every request as Header: Prefix + token, or a cookie.
	Login         LoginRequest
	TokenPath     string // jq to the token in the login's JSON answer
	Cookie        string // or the name of the cookie the login sets
	ExpiresInPath string // jq to the token's lifetime in seconds; "": until a 401
	Header        string // login: default Authorization; hmac: the signature's header
	Prefix        string // before the token (login) or the signature (hmac)
}

// LoginRequest is the request that opens a session. Body is JSON (or a
// form when Headers say application/x-www-form-urlencoded); its
// secrets are in Secrets.
type LoginRequest struct {
	Method  string // POST (default) or GET
	Path    string // joined to base_url
	Headers map[string]string
	Body    json.RawMessage
	Secrets []Secret // values in Headers and Body that came from references
}

// TLSConfig configures the transport's TLS.
type TLSConfig struct {
	CAFile             string
	CertFile           string
	KeyFile            string
	InsecureSkipVerify bool
}

// Defaults that apply when a profile leaves a field out.
const (
	DefaultTimeout        = 30 * time.Second
	DefaultMaxElapsed     = 5 * time.Minute
	DefaultInitialBackoff = time.Second
	DefaultMaxBackoff     = 60 * time.Second
	DefaultMaxRetryAfter  = 15 * time.Minute
)

// DefaultRetryStatuses are the statuses retried when a profile names none.
var DefaultRetryStatuses = []int{408, 425, 429, 500, 502, 503, 504}

// ApplyDefaults fills every field the profile left empty with its default.
// It is idempotent.
func (c *Config) ApplyDefaults() {
	if c.Method == "" {
		c.Method = "GET"
	}
	if c.Records == "" {
		c.Records = "."
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Auth.Type == "" {
		c.Auth.Type = AuthNone
	}
	if c.Auth.Type == AuthAPIKey && c.Auth.In == "" {
		c.Auth.In = "header"
	}
	c.Auth.applyDefaults()
	p := &c.Pagination
	if p.Type == "" {
		p.Type = PageNone
	}
	SetDefault(&p.LimitParam, "limit")
	SetDefault(&p.In, "query")
	SetDefault(&p.CursorParam, "cursor")
	SetDefault(&p.OffsetParam, "offset")
	SetDefault(&p.PageParam, "page")
	SetDefault(&p.Rel, "next")
	if n := &p.Next; n.IsSet() {
		SetDefault(&n.In, p.In)
		SetDefault(&n.CursorParam, p.CursorParam)
		if n.Method == "" {
			n.Method = c.Method
		}
	}
	if p.StartPage == 0 {
		p.StartPage = 1
	}
	if fill := styleDefaults[p.Type]; fill != nil {
		fill(p)
	}
	r := &c.Retry
	if r.MaxElapsed == 0 {
		r.MaxElapsed = DefaultMaxElapsed
	}
	if r.InitialBackoff == 0 {
		r.InitialBackoff = DefaultInitialBackoff
	}
	if r.MaxBackoff == 0 {
		r.MaxBackoff = DefaultMaxBackoff
	}
	if r.OnStatus == nil {
		r.OnStatus = append([]int(nil), DefaultRetryStatuses...)
	}
	if r.MaxRetryAfter == 0 {
		r.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if c.RateLimit.Burst == 0 {
		c.RateLimit.Burst = 1
	}
	SetDefault(&c.Schema.OnDrift, "warn")
	SetDefault(&c.Schema.OnInvalid, "reject")
}

// styleDefaults fill the fields that one pagination style defaults on its
// own (keyset's param since_id, ...). Package paginate registers them with
// the style: this package sits below it and cannot ask it.
var styleDefaults = map[string]func(*PaginationConfig){}

// RegisterStyleDefaults makes ApplyDefaults call fill for a pagination
// style. It is meant for package initialisation only.
func RegisterStyleDefaults(style string, fill func(*PaginationConfig)) {
	styleDefaults[style] = fill
}

// SetDefault sets *field to value when it is empty.
func SetDefault(field *string, value string) {
	if *field == "" {
		*field = value
	}
}

// applyDefaults fills the signing and login defaults of the auth type.
func (a *AuthConfig) applyDefaults() {
	switch a.Type {
	case AuthHMAC:
		SetDefault(&a.Algorithm, "sha256")
		SetDefault(&a.Encoding, "hex")
		SetDefault(&a.TimestampFormat, "unix")
		SetDefault(&a.Sign, DefaultHMACSign)
	case AuthLogin:
		SetDefault(&a.Login.Method, "POST")
		if a.Cookie == "" {
			SetDefault(&a.Header, "Authorization")
		}
	}
}

// DefaultHMACSign is what an hmac signature covers when the profile does
// not say: the timestamp, method, path with query, and body, joined.
const DefaultHMACSign = "{timestamp}{method}{target}{body}"
