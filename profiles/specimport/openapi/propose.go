package openapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"siphon/ingest/spec"
	"siphon/profiles"
	"siphon/profiles/specimport"
)

// Options say what the description leaves to the user.
type Options struct {
	// BaseURL replaces the description's servers.
	BaseURL string
	// Set gives path, query and header parameters their values (--set).
	Set map[string]string
	// Auth, when its Type is set, replaces what the security schemes say
	// (its secrets as ${VAR} references).
	Auth spec.AuthConfig
	// AuthVars are the variables Auth reads, for the proposals' Vars.
	AuthVars []specimport.Var
}

// Skipped is an operation that was not proposed, and why.
type Skipped struct {
	Method, Path, Why string
}

// Result is what a description proposes.
type Result struct {
	Proposals []specimport.Proposal
	Skipped   []Skipped
}

// ErrNoListOperations is returned (wrapped, with the reasons) when no
// operation lists records.
var ErrNoListOperations = errors.New("no operation lists records")

// Propose makes one proposal per operation that lists records: a GET, or a
// POST that searches, whose response holds an array of objects.
func Propose(s *Spec, opts Options) (*Result, error) {
	res := &Result{}
	base, baseErr := baseURL(s, opts.BaseURL)
	names := &specimport.Namer{}
	title := ""
	if s.Doc.Info != nil {
		title = s.Doc.Info.Title
	}
	for _, path := range sortedKeys(s.Doc.Paths.Map()) {
		item := s.Doc.Paths.Value(path)
		if item == nil {
			continue
		}
		for _, method := range []string{"GET", "POST"} {
			op := item.GetOperation(method)
			if op == nil {
				continue
			}
			b := &builder{spec: s, opts: opts, title: title, path: path, method: method, item: item, op: op}
			p, why := b.build()
			if why != "" {
				res.Skipped = append(res.Skipped, Skipped{method, path, why})
				continue
			}
			p.Name = names.Name(op.OperationID, method, path)
			p.Config.Name = p.Name
			if baseErr != nil {
				p.Needs = append(p.Needs, "--base-url")
				p.Notes = append(p.Notes, baseErr.Error())
			}
			p.Config.BaseURL = base
			res.Proposals = append(res.Proposals, *p)
		}
	}
	if len(res.Proposals) == 0 {
		var reasons []string
		for i, sk := range res.Skipped {
			if i == 5 {
				reasons = append(reasons, fmt.Sprintf("and %d more", len(res.Skipped)-i))
				break
			}
			reasons = append(reasons, sk.Method+" "+sk.Path+": "+sk.Why)
		}
		if len(reasons) == 0 {
			reasons = []string{"the description has no GET or POST operations"}
		}
		return res, fmt.Errorf("%w: %s", ErrNoListOperations, strings.Join(reasons, "; "))
	}
	return res, nil
}

// baseURL is --base-url, else the first server's URL with its variables'
// defaults, resolved against the description's own URL.
func baseURL(s *Spec, override string) (string, error) {
	if override != "" {
		return strings.TrimRight(override, "/"), nil
	}
	var raw string
	if len(s.Doc.Servers) > 0 && s.Doc.Servers[0] != nil {
		srv := s.Doc.Servers[0]
		raw = srv.URL
		for name, v := range srv.Variables {
			if v != nil {
				raw = strings.ReplaceAll(raw, "{"+name+"}", v.Default)
			}
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("the server URL %q does not parse: give --base-url", raw)
	}
	if !u.IsAbs() {
		if s.URL == nil {
			if raw == "" {
				return "", errors.New("the description names no server: give --base-url")
			}
			return "", fmt.Errorf("the server URL %q is relative to where the description is served: give --base-url", raw)
		}
		u = s.URL.ResolveReference(u)
		u.RawQuery, u.Fragment = "", ""
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("the server URL %q is not http(s): give --base-url", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// builder makes the proposal for one operation.
type builder struct {
	spec         *Spec
	opts         Options
	title        string
	path, method string
	item         *openapi3.PathItem
	op           *openapi3.Operation
	p            *specimport.Proposal
}

func (b *builder) build() (*specimport.Proposal, string) {
	resp, headers := b.response()
	if resp == nil {
		return nil, "no 2xx JSON response with a schema"
	}
	records, items := recordsIn(resp)
	if len(records) == 0 {
		return nil, "the response holds no array of objects"
	}
	rec, ok := chooseRecords(records, lastWord(b.path))
	if !ok {
		return nil, "the response holds several arrays of objects (" + strings.Join(records, ", ") + ")"
	}
	if b.method == "POST" && !b.searches() {
		return nil, "a POST that does not look like a search"
	}
	b.p = &specimport.Proposal{Method: b.method, Path: b.path, Summary: specimport.OneLine(b.op.Summary),
		From: "Proposed by siphon import openapi from " + b.method + " " + b.path + " of " + b.title}
	if b.p.Summary == "" {
		b.p.Summary = specimport.OneLine(b.op.Description)
	}
	if len(b.op.Tags) > 0 {
		b.p.Tag = b.op.Tags[0]
	}
	cfg := &b.p.Config
	cfg.Method, cfg.Records = b.method, rec
	cfg.Output.RawPages = true
	cfg.Description = b.p.Summary
	pk := primaryKey(items[rec])
	if pk != "" {
		cfg.PrimaryKey = []string{pk}
	}
	params := b.parameters()
	guess := specimport.GuessPaging(specimport.PagingInput{
		Params: pagingParams(params, b.bodyProps()), Fields: fieldsOf(resp, rec), Headers: headers, Records: rec, PrimaryKey: pk,
	})
	cfg.Pagination = guess.Pagination
	if guess.Evidence != "" {
		b.p.Notes = append(b.p.Notes, "pagination: "+guess.Evidence)
	}
	uses := map[string]bool{}
	for _, u := range guess.Uses {
		uses[u] = true
	}
	b.fillParams(params, uses)
	if b.method == "POST" {
		b.fillBody(uses)
	}
	b.auth()
	return b.p, ""
}

// response is the schema of the operation's success response (200, else
// the first 2xx, else 2XX, else default) and its headers.
func (b *builder) response() (*openapi3.Schema, []string) {
	if b.op.Responses == nil {
		return nil, nil
	}
	keys := b.op.Responses.Keys()
	sort.Strings(keys)
	var pick []string
	for _, k := range keys {
		if k == "200" {
			pick = append([]string{k}, pick...)
		} else if strings.HasPrefix(k, "2") {
			pick = append(pick, k)
		}
	}
	if len(pick) == 0 && b.op.Responses.Value("default") != nil {
		pick = []string{"default"}
	}
	for _, k := range pick {
		ref := b.op.Responses.Value(k)
		if ref == nil || ref.Value == nil {
			continue
		}
		if s := jsonSchema(ref.Value.Content); s != nil {
			var headers []string
			for h := range ref.Value.Headers {
				headers = append(headers, h)
			}
			return s, headers
		}
	}
	return nil, nil
}

// jsonSchema is the schema of the JSON media type of content.
func jsonSchema(content openapi3.Content) *openapi3.Schema {
	keys := make([]string, 0, len(content))
	for k := range content {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return rank(keys[i]) < rank(keys[j]) || rank(keys[i]) == rank(keys[j]) && keys[i] < keys[j]
	})
	for _, k := range keys {
		mt := content[k]
		if rank(k) < 3 && mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			return mt.Schema.Value
		}
	}
	return nil
}

// rank orders media types: JSON first, anything JSON-like next.
func rank(mediaType string) int {
	mt := strings.ToLower(strings.TrimSpace(strings.Split(mediaType, ";")[0]))
	switch {
	case mt == "application/json":
		return 0
	case strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "/json"):
		return 1
	case mt == "*/*" || mt == "":
		return 2
	}
	return 3
}

// searches reports a POST that reads: named or described as a search,
// query, list or find.
func (b *builder) searches() bool {
	text := strings.ToLower(b.op.OperationID + " " + b.path + " " + b.op.Summary)
	for _, w := range []string{"search", "query", "list", "find", "filter", "scroll", "lookup"} {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// param is one of the operation's parameters.
type param struct {
	name, in, desc string
	required       bool
	def            string
	max            int
}

// parameters are the path item's and the operation's (which override).
func (b *builder) parameters() []param {
	byKey := map[string]param{}
	var order []string
	for _, group := range []openapi3.Parameters{b.item.Parameters, b.op.Parameters} {
		for _, ref := range group {
			if ref == nil || ref.Value == nil {
				continue
			}
			v := ref.Value
			p := param{name: v.Name, in: v.In, desc: v.Description, required: v.Required || v.In == "path"}
			if v.Schema != nil && v.Schema.Value != nil {
				sv := v.Schema.Value
				if sv.Default != nil {
					p.def = fmt.Sprint(sv.Default)
				} else if len(sv.Enum) == 1 {
					p.def = fmt.Sprint(sv.Enum[0])
				}
				if sv.Max != nil && *sv.Max >= 1 && *sv.Max < 1e9 {
					p.max = int(*sv.Max)
				}
			}
			key := v.In + " " + v.Name
			if _, ok := byKey[key]; !ok {
				order = append(order, key)
			}
			byKey[key] = p
		}
	}
	out := make([]param, 0, len(order))
	for _, k := range order {
		out = append(out, byKey[k])
	}
	return out
}

// bodyProps are the top-level fields of a POST's JSON body.
func (b *builder) bodyProps() []param {
	if b.op.RequestBody == nil || b.op.RequestBody.Value == nil {
		return nil
	}
	s := jsonSchema(b.op.RequestBody.Value.Content)
	if s == nil {
		return nil
	}
	v := viewOf(s)
	var out []param
	for _, name := range v.order {
		pv := viewOf(v.props[name])
		p := param{name: name, in: "body", desc: pv.desc, required: v.required[name]}
		if m := v.props[name].Max; m != nil && *m >= 1 && *m < 1e9 {
			p.max = int(*m)
		}
		out = append(out, p)
	}
	return out
}

func pagingParams(query, body []param) []specimport.Param {
	var out []specimport.Param
	for _, group := range [][]param{query, body} {
		for _, p := range group {
			if p.in == "query" || p.in == "body" {
				out = append(out, specimport.Param{Name: p.name, In: p.in, Description: p.desc, Max: p.max})
			}
		}
	}
	return out
}

// fillParams puts the path parameters into the path and the query and
// header parameters that have values into the profile; a required one
// without a value is one the proposal needs.
func (b *builder) fillParams(params []param, uses map[string]bool) {
	cfg := &b.p.Config
	path := b.path
	for _, p := range params {
		val, given := b.opts.Set[p.name]
		if !given && p.required && p.def != "" && p.in != "path" {
			val, given = p.def, true
		}
		switch {
		case p.in == "path":
			if !given {
				b.p.Needs = append(b.p.Needs, p.name)
				continue
			}
			if val == "" || val == "." || val == ".." {
				b.p.Needs = append(b.p.Needs, p.name)
				b.p.Notes = append(b.p.Notes, fmt.Sprintf("path parameter %s: %q cannot name a path segment", p.name, val))
				continue
			}
			path = strings.ReplaceAll(path, "{"+p.name+"}", profiles.EscapeDollars(url.PathEscape(val)))
		case uses[p.name] || (p.in != "query" && p.in != "header"):
		case !given && p.required:
			b.p.Needs = append(b.p.Needs, p.name)
		case !given:
		case profiles.SensitiveName(p.name):
			b.p.Notes = append(b.p.Notes, fmt.Sprintf("%s looks like a credential: left out (give it with the auth flags)", p.name))
		case p.in == "query":
			if cfg.Params == nil {
				cfg.Params = map[string]string{}
			}
			cfg.Params[p.name] = val
		default:
			if cfg.Headers == nil {
				cfg.Headers = map[string]string{}
			}
			cfg.Headers[p.name] = val
		}
	}
	cfg.Path = path
}

// fillBody sends a POST's body: {} and the body fields given with --set.
func (b *builder) fillBody(uses map[string]bool) {
	body := map[string]string{}
	for _, p := range b.bodyProps() {
		if v, ok := b.opts.Set[p.name]; ok && !uses[p.name] {
			body[p.name] = v
		} else if p.required && !uses[p.name] {
			b.p.Needs = append(b.p.Needs, p.name)
		}
	}
	raw, _ := json.Marshal(body) // a map of strings always marshals, keys sorted
	b.p.Config.Body = raw
}

func lastWord(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	return segs[len(segs)-1]
}
