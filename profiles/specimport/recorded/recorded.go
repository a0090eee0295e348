package recorded

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"siphon/ingest/spec"
	"siphon/profiles"
	"siphon/profiles/curlimport"
	"siphon/profiles/specimport"
)

// Header is one header of a recorded request or response.
type Header struct{ Name, Value string }

// Request is one recorded request. Its texts may hold references to
// variables (VarRef pieces) that the source left for the user to fill.
type Request struct {
	Name    string // the source's name for it (a Postman item's name), "" when none
	Method  string
	URL     Text
	Headers []HeaderText
	Body    Text // a JSON body (POST), empty when none
	Auth    Auth // the source's own auth setting, when it has one
	Notes   []string
	// Needs names the variables the source left without a value: the
	// proposal cannot run until they are given (--set NAME=VALUE).
	Needs []string
	From  string // where it came from, for the profile's head comment
	// Response is the response the source recorded (a HAR entry's, a
	// Postman example's); nil when none was recorded.
	Response *Response
}

// HeaderText is a header whose value may hold variable references.
type HeaderText struct {
	Name  string
	Value Text
}

// Auth is a request's auth as the source states it.
type Auth struct {
	Type     string // "" (none said), bearer, basic, apikey
	Token    Text   // bearer
	Username Text   // basic
	Password Text   // basic
	Key      string // apikey: the header or parameter name
	Value    Text   // apikey
	In       string // apikey: header or query
}

// Response is a recorded response.
type Response struct {
	Status  int
	Headers []Header
	Body    []byte // as sent, decoded from the source's encoding
}

// Text is a value of the source: literal text and references to variables.
type Text []Piece

// Piece is literal text, or (Var set) a reference to a variable.
type Piece struct {
	Lit string
	Var string // an environment variable's name: the user gives its value
}

// Lit is literal text.
func Lit(s string) Text { return Text{{Lit: s}} }

// String is the text with its references as ${NAME}, for messages.
func (t Text) String() string {
	var b strings.Builder
	for _, p := range t {
		if p.Var != "" {
			b.WriteString("${" + p.Var + "}")
		} else {
			b.WriteString(p.Lit)
		}
	}
	return b.String()
}

// Vars lists the variables t refers to.
func (t Text) Vars() []string {
	var out []string
	for _, p := range t {
		if p.Var != "" {
			out = append(out, p.Var)
		}
	}
	return out
}

// shell writes t as one bash word: literal text single-quoted, references
// as "$NAME", so that the curl importer sees what the source left open as
// variables the command reads.
func (t Text) shell() string {
	if len(t) == 0 {
		return "''"
	}
	var b strings.Builder
	for _, p := range t {
		if p.Var != "" {
			b.WriteString(`"${` + p.Var + `}"`)
			continue
		}
		b.WriteString("'" + strings.ReplaceAll(p.Lit, "'", `'\''`) + "'")
	}
	return b.String()
}

// Skipped is a request that was not proposed, and why.
type Skipped struct{ Method, URL, Why string }

// Result is what the requests propose.
type Result struct {
	Proposals []specimport.Proposal
	Skipped   []Skipped
}

// Options say what the source leaves to the user.
type Options struct {
	BaseURL string // replaces the scheme and host (and any path prefix) of every request
	// NeedsResponse: propose only requests whose recorded response holds
	// records (a HAR file records every request a page made; most are not
	// lists).
	NeedsResponse bool
}

// Propose makes one proposal per request that lists records: requests
// whose recorded response holds an array of objects, and (without
// NeedsResponse) GET requests with no recorded response, which the probe
// then has to confirm. Requests to the same method and path are proposed
// once: the first one recorded with a list in its response.
func Propose(reqs []Request, opts Options) *Result {
	res := &Result{}
	names := &specimport.Namer{}
	seen := map[string]bool{}
	for i := range reqs {
		r := &reqs[i]
		key := r.Method + " " + pathKey(r.URL)
		if seen[key] {
			continue
		}
		p, why := propose(r, opts)
		if why != "" {
			res.Skipped = append(res.Skipped, Skipped{r.Method, r.URL.String(), why})
			continue
		}
		seen[key] = true
		p.Name = names.Name(r.Name, r.Method, p.Path)
		p.Config.Name = p.Name
		res.Proposals = append(res.Proposals, *p)
	}
	return res
}

// pathKey is a request's URL without its query, for grouping requests to
// the same list.
func pathKey(u Text) string {
	s := u.String()
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimRight(s, "/")
}

func propose(r *Request, opts Options) (*specimport.Proposal, string) {
	method := strings.ToUpper(r.Method)
	if method == "" {
		method = "GET"
	}
	list, why := listed(r, method, opts)
	if why != "" {
		return nil, why
	}
	if len(r.Needs) > 0 {
		// Its URL still holds {{placeholders}}: nothing to parse yet.
		return &specimport.Proposal{Method: method, Path: pathKey(r.URL), Summary: r.Name, From: r.From, Needs: r.Needs,
			Notes: r.Notes, Config: spec.Config{Method: method, Records: "."}}, ""
	}
	p, why := fromCurl(r, method, opts)
	if why != "" {
		return nil, why
	}
	if list == nil {
		p.Config.Records = "."
		p.Notes = append(p.Notes, "no response was recorded: the records path and the pagination are the probe's to find")
	} else {
		p.Config.Records = list.records
		if list.primaryKey != "" {
			p.Config.PrimaryKey = []string{list.primaryKey}
		}
	}
	guessPaging(p, list, r.Response)
	return p, ""
}

// listed says whether a request lists records: what its recorded response
// holds, or, with none recorded, whether it may (a GET). why says why not.
func listed(r *Request, method string, opts Options) (list *listing, why string) {
	switch {
	case method != "GET" && method != "POST":
		return nil, method + " does not list records"
	case r.Response != nil:
		if r.Response.Status >= 300 {
			return nil, fmt.Sprintf("its recorded response is status %d", r.Response.Status)
		}
		if list, why = findListing(r.Response.Body); list == nil {
			return nil, "its recorded response " + why
		}
		return list, ""
	case opts.NeedsResponse:
		return nil, "no response was recorded"
	case method != "GET":
		return nil, "a POST without a recorded response: nothing says it lists records"
	}
	return nil, ""
}

// fromCurl builds the proposal's profile by reading the request as the
// curl command it amounts to, so its credentials become references by the
// curl importer's rules.
func fromCurl(r *Request, method string, opts Options) (*specimport.Proposal, string) {
	cmd, err := curlCommand(r, opts)
	if err != nil {
		return nil, err.Error()
	}
	// The profile's tentative name names its variables (ORDERS_TOKEN).
	name := specimport.Slug(r.Name)
	if name == "" {
		name = specimport.Slug(r.Method + " " + urlPath(r.URL))
	}
	if name == "" {
		name = "imported"
	}
	imp, err := curlimport.Parse(cmd, name)
	if err != nil {
		return nil, "cannot be read as a request: " + err.Error()
	}
	loaded, err := profiles.Loader{SkipSecrets: true, Trusted: true, LookupEnv: func(string) (string, bool) { return "", false }}.LoadBytes(name+".yaml", imp.YAML)
	if err != nil {
		return nil, "does not make a valid profile: " + err.Error()
	}
	p := &specimport.Proposal{Method: method, Path: loaded.Config.Path, Summary: r.Name, From: r.From, Notes: append([]string(nil), r.Notes...), Config: loaded.Config}
	for _, n := range imp.Notes {
		// The curl importer's advice on records and pagination is what
		// this proposal does itself.
		if !strings.Contains(n, "placeholders") && !strings.Contains(n, "look like pagination") {
			p.Notes = append(p.Notes, n)
		}
	}
	for _, v := range imp.Vars {
		p.Vars = append(p.Vars, specimport.Var{Name: v.Name, Why: v.Why, Value: v.Value})
	}
	return p, ""
}

// guessPaging sets the proposal's pagination from the request's parameter
// names and what the recorded response holds, and takes out of its params
// those the paginator sends and those that say where the recording was.
func guessPaging(p *specimport.Proposal, list *listing, resp *Response) {
	cfg := &p.Config
	in := specimport.PagingInput{}
	for k := range cfg.Params {
		in.Params = append(in.Params, specimport.Param{Name: k, In: "query"})
	}
	sort.Slice(in.Params, func(i, j int) bool { return in.Params[i].Name < in.Params[j].Name })
	if list != nil {
		in.Records, in.PrimaryKey, in.Fields = list.records, list.primaryKey, list.fields
		for _, h := range resp.Headers {
			in.Headers = append(in.Headers, h.Name)
		}
	}
	g := specimport.GuessPaging(in)
	if list != nil && g.Pagination.Type == spec.PageLinkHeader && !hasLinkNext(resp.Headers) {
		g = specimport.GuessPaging(specimport.PagingInput{Params: in.Params, Fields: in.Fields, Records: in.Records, PrimaryKey: in.PrimaryKey})
	}
	pg := g.Pagination
	for _, used := range g.Uses {
		v, ok := cfg.Params[used]
		delete(cfg.Params, used)
		if used == pg.LimitParam && ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				pg.Limit = n // the page size the recording used
			}
		}
	}
	if pg.Type != spec.PageNone && pg.Type != "" {
		for k, v := range cfg.Params {
			if specimport.IsPositionParam(k) {
				delete(cfg.Params, k)
				p.Notes = append(p.Notes, fmt.Sprintf("left out %s=%s: it is where the recorded request was in the list; the walk starts at the first page", k, v))
			}
		}
	}
	if pg.Type == spec.PageOffset || pg.Type == spec.PagePage {
		// The recorded request may have been for a later page: the walk
		// starts at the first.
		pg.Start, pg.StartPage = "", 0
	}
	cfg.Pagination = pg
	if g.Evidence != "" {
		p.Notes = append(p.Notes, "pagination: "+g.Evidence)
	}
}

// urlPath is the path of a request's URL, for a name.
func urlPath(u Text) string {
	s := pathKey(u)
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
		if j := strings.IndexByte(s, '/'); j >= 0 {
			return s[j:]
		}
		return ""
	}
	return s
}

// hasLinkNext reports whether a Link header names a next page.
func hasLinkNext(hs []Header) bool {
	for _, h := range hs {
		if strings.EqualFold(h.Name, "Link") && strings.Contains(strings.ToLower(h.Value), `rel="next"`) || strings.Contains(strings.ToLower(h.Value), "rel=next") {
			return true
		}
	}
	return false
}

// curlCommand is the request as a curl command line.
func curlCommand(r *Request, opts Options) (string, error) {
	u := r.URL
	if opts.BaseURL != "" {
		var err error
		if u, err = rebase(u, opts.BaseURL); err != nil {
			return "", err
		}
	}
	words := []string{"curl", u.shell()}
	if m := strings.ToUpper(r.Method); m != "" && m != "GET" {
		words = append(words, "-X", Lit(m).shell())
	}
	for _, h := range r.Headers {
		if dropHeader(h.Name) {
			continue
		}
		words = append(words, "-H", append(Lit(h.Name+": "), h.Value...).shell())
	}
	switch strings.ToLower(r.Auth.Type) {
	case "bearer":
		words = append(words, "-H", append(Lit("Authorization: Bearer "), r.Auth.Token...).shell())
	case "basic":
		words = append(words, "-u", append(append(append(Text{}, r.Auth.Username...), Piece{Lit: ":"}), r.Auth.Password...).shell())
	case "apikey":
		if r.Auth.In == "query" {
			sep := "?"
			if strings.Contains(u.String(), "?") {
				sep = "&"
			}
			words[1] = append(append(append(Text{}, u...), Piece{Lit: sep + url.QueryEscape(r.Auth.Key) + "="}), r.Auth.Value...).shell()
		} else {
			words = append(words, "-H", append(Lit(r.Auth.Key+": "), r.Auth.Value...).shell())
		}
	}
	if len(r.Body) > 0 {
		words = append(words, "--data-raw", r.Body.shell())
	}
	return strings.Join(words, " "), nil
}

// rebase puts base in place of u's scheme and host.
func rebase(u Text, base string) (Text, error) {
	s := u.String()
	if len(u) == 0 || u[0].Var != "" {
		// {{baseUrl}}/path: the variable is the base.
		rest := Text(nil)
		if len(u) > 0 {
			rest = u[1:]
		}
		return append(Lit(strings.TrimRight(base, "/")), rest...), nil
	}
	first := u[0].Lit
	pu, err := url.Parse(first)
	if err != nil || pu.Host == "" {
		return nil, fmt.Errorf("the URL %q has no host to replace with --base-url", s)
	}
	tail := strings.TrimPrefix(first, pu.Scheme+"://"+pu.Host)
	return append(Lit(strings.TrimRight(base, "/")+tail), u[1:]...), nil
}

// dropHeader reports whether a recorded header is the client's own rather
// than the request's: what a browser or HTTP library adds by itself
// (HTTP/2 pseudo-headers, encodings, the browser's hints), which a profile
// should not pin.
func dropHeader(name string) bool {
	n := strings.ToLower(name)
	if strings.HasPrefix(n, ":") || strings.HasPrefix(n, "sec-") || strings.HasPrefix(n, "proxy-") {
		return true
	}
	switch n {
	case "host", "content-length", "accept-encoding", "connection", "keep-alive", "user-agent", "referer", "origin",
		"accept-language", "cache-control", "pragma", "dnt", "upgrade-insecure-requests", "te", "priority",
		"if-none-match", "if-modified-since", "postman-token", "transfer-encoding":
		return true
	}
	return false
}
