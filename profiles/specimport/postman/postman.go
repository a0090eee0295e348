// Package postman reads a Postman collection (format v2.1, with v2.0's
// shapes where they agree) and an optional environment into recorded
// requests. {{variables}} take the values the collection, the environment
// or --set give; a variable that holds a credential (by its name, or an
// environment value of type secret) is never written out: it becomes a
// ${VAR} reference the profile reads from the environment.
package postman

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"siphon/ingest/redact"
	"siphon/profiles/specimport/recorded"
)

type collection struct {
	Info *struct {
		Name   string `json:"name"`
		Schema string `json:"schema"`
	} `json:"info"`
	Item     []item     `json:"item"`
	Variable []variable `json:"variable"`
	Auth     *auth      `json:"auth"`
}

type item struct {
	Name     string          `json:"name"`
	Item     []item          `json:"item"` // a folder
	Request  json.RawMessage `json:"request"`
	Response []example       `json:"response"`
	Auth     *auth           `json:"auth"` // a folder's
}

type request struct {
	Method string          `json:"method"`
	Header []keyValue      `json:"header"`
	URL    json.RawMessage `json:"url"`
	Body   *struct {
		Mode    string `json:"mode"`
		Raw     string `json:"raw"`
		Options *struct {
			Raw *struct {
				Language string `json:"language"`
			} `json:"raw"`
		} `json:"options"`
	} `json:"body"`
	Auth *auth `json:"auth"`
}

type urlObject struct {
	Raw      string     `json:"raw"`
	Query    []keyValue `json:"query"`
	Variable []keyValue `json:"variable"`
}

type keyValue struct {
	Key      string `json:"key"`
	Value    any    `json:"value"`
	Disabled bool   `json:"disabled"`
	Type     string `json:"type"`
}

func (kv keyValue) text() string {
	switch v := kv.Value.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

type variable = keyValue

type auth struct {
	Type   string     `json:"type"`
	Bearer []keyValue `json:"bearer"`
	Basic  []keyValue `json:"basic"`
	APIKey []keyValue `json:"apikey"`
}

func (a *auth) get(list []keyValue, key string) string {
	for _, kv := range list {
		if kv.Key == key {
			return kv.text()
		}
	}
	return ""
}

type example struct {
	Code   int        `json:"code"`
	Header []keyValue `json:"header"`
	Body   string     `json:"body"`
}

type environment struct {
	Name   string `json:"name"`
	Values []struct {
		Key     string `json:"key"`
		Value   any    `json:"value"`
		Type    string `json:"type"`
		Enabled *bool  `json:"enabled"`
	} `json:"values"`
}

// Options are the values the user gives.
type Options struct {
	Environment []byte            // a Postman environment file's content, nil when none
	Set         map[string]string // --set NAME=VALUE: variable values
}

// Parse reads the collection; source names it in messages. A request's
// Needs lists the variables that have no value: its proposal cannot run
// until they are given with --set.
func Parse(data []byte, source string, opts Options) ([]recorded.Request, error) {
	var c collection
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&c); err != nil {
		return nil, fmt.Errorf("%s is not a Postman collection: %v", source, err)
	}
	if c.Info == nil || (c.Info.Schema != "" && !strings.Contains(c.Info.Schema, "v2.")) {
		return nil, fmt.Errorf("%s is not a Postman collection v2.1 (export it from Postman as Collection v2.1)", source)
	}
	v := &vars{values: map[string]string{}, secret: map[string]bool{}, set: opts.Set}
	for _, kv := range c.Variable {
		if !kv.Disabled {
			v.values[kv.Key] = kv.text()
			if kv.Type == "secret" {
				v.secret[kv.Key] = true
			}
		}
	}
	if opts.Environment != nil {
		var env environment
		if err := json.Unmarshal(opts.Environment, &env); err != nil {
			return nil, fmt.Errorf("the environment is not a Postman environment file: %v", err)
		}
		for _, e := range env.Values {
			if e.Enabled != nil && !*e.Enabled {
				continue
			}
			v.values[e.Key] = keyValue{Value: e.Value}.text()
			if e.Type == "secret" {
				v.secret[e.Key] = true
			}
		}
	}
	p := &parser{vars: v, source: source}
	p.walk(c.Item, c.Auth, nil)
	if len(p.out) == 0 {
		return nil, fmt.Errorf("%s holds no requests", source)
	}
	return p.out, nil
}

type parser struct {
	vars   *vars
	source string
	out    []recorded.Request
}

func (p *parser) walk(items []item, inherited *auth, folders []string) {
	for _, it := range items {
		a := inherited
		if it.Auth != nil && it.Auth.Type != "inherit" {
			a = it.Auth
		}
		if len(it.Item) > 0 || len(it.Request) == 0 {
			p.walk(it.Item, a, append(folders, it.Name))
			continue
		}
		p.add(it, a, folders)
	}
}

func (p *parser) add(it item, inherited *auth, folders []string) {
	var req request
	if len(it.Request) > 0 && it.Request[0] == '"' { // a request given as its URL
		var raw string
		_ = json.Unmarshal(it.Request, &raw)
		req.URL, _ = json.Marshal(raw)
	} else if err := json.Unmarshal(it.Request, &req); err != nil {
		return
	}
	p.vars.missing = nil
	r := recorded.Request{Name: it.Name, Method: strings.ToUpper(req.Method), From: fmt.Sprintf("imported from %s: %s", p.source, strings.Join(append(folders, it.Name), " / "))}
	if r.Method == "" {
		r.Method = "GET"
	}
	r.URL = p.url(req.URL)
	for _, h := range req.Header {
		if !h.Disabled {
			r.Headers = append(r.Headers, recorded.HeaderText{Name: h.Key, Value: p.vars.expand(h.text(), redact.IsCredentialName(h.Key))})
		}
	}
	if b := req.Body; b != nil && b.Mode == "raw" && strings.TrimSpace(b.Raw) != "" {
		if json.Valid([]byte(b.Raw)) || strings.Contains(b.Raw, "{{") {
			r.Body = p.vars.expand(b.Raw, false)
		} else {
			r.Notes = append(r.Notes, "the body is not JSON: left out")
		}
	} else if b != nil && b.Mode != "" && b.Mode != "raw" {
		r.Notes = append(r.Notes, "a "+b.Mode+" body cannot be imported: left out")
	}
	a := inherited
	if req.Auth != nil && req.Auth.Type != "inherit" {
		a = req.Auth
	}
	r.Auth = p.auth(a)
	for _, ex := range it.Response {
		if ex.Code >= 200 && ex.Code < 300 && strings.TrimSpace(ex.Body) != "" {
			resp := &recorded.Response{Status: ex.Code, Body: []byte(ex.Body)}
			for _, h := range ex.Header {
				resp.Headers = append(resp.Headers, recorded.Header{Name: h.Key, Value: h.text()})
			}
			r.Response = resp
			break
		}
	}
	r.Needs = unique(p.vars.missing)
	p.out = append(p.out, r)
}

func (p *parser) url(raw json.RawMessage) recorded.Text {
	if len(raw) == 0 {
		return nil
	}
	if raw[0] == '"' {
		var s string
		_ = json.Unmarshal(raw, &s)
		return p.vars.expand(s, false)
	}
	var u urlObject
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil
	}
	s := u.Raw
	// The raw URL holds the query as Postman shows it; disabled parameters
	// are left out of it only in the query list.
	base, _, _ := strings.Cut(s, "?")
	for _, pv := range u.Variable { // path variables, :name
		if val := pv.text(); val != "" || p.vars.set[pv.Key] != "" {
			if sv, ok := p.vars.set[pv.Key]; ok {
				val = sv
			}
			base = replaceSegment(base, ":"+pv.Key, val)
		}
	}
	if strings.Contains(base, "/:") {
		for _, seg := range strings.Split(base, "/") {
			if strings.HasPrefix(seg, ":") && len(seg) > 1 {
				if sv, ok := p.vars.set[seg[1:]]; ok {
					base = replaceSegment(base, seg, sv)
				} else {
					p.vars.missing = append(p.vars.missing, seg[1:])
				}
			}
		}
	}
	var q []string
	for _, kv := range u.Query {
		if !kv.Disabled {
			q = append(q, kv.Key+"="+kv.text())
		}
	}
	if len(q) > 0 {
		base += "?" + strings.Join(q, "&")
	} else if _, rawQuery, ok := strings.Cut(s, "?"); ok && u.Query == nil {
		base += "?" + rawQuery
	}
	return p.vars.expand(base, false)
}

func replaceSegment(path, seg, val string) string {
	parts := strings.Split(path, "/")
	for i := range parts {
		if parts[i] == seg {
			parts[i] = val
		}
	}
	return strings.Join(parts, "/")
}

func (p *parser) auth(a *auth) recorded.Auth {
	if a == nil {
		return recorded.Auth{}
	}
	switch a.Type {
	case "bearer":
		return recorded.Auth{Type: "bearer", Token: p.vars.expand(a.get(a.Bearer, "token"), true)}
	case "basic":
		return recorded.Auth{Type: "basic", Username: p.vars.expand(a.get(a.Basic, "username"), false), Password: p.vars.expand(a.get(a.Basic, "password"), true)}
	case "apikey":
		in := a.get(a.APIKey, "in")
		if in == "" {
			in = "header"
		}
		return recorded.Auth{Type: "apikey", Key: a.get(a.APIKey, "key"), Value: p.vars.expand(a.get(a.APIKey, "value"), true), In: in}
	}
	return recorded.Auth{}
}

// vars expands {{name}} references.
type vars struct {
	values  map[string]string
	secret  map[string]bool
	set     map[string]string
	missing []string
}

var reference = regexp.MustCompile(`\{\{\s*([^{}]+?)\s*\}\}`)

// expand turns s into text: literal where a variable has a value the
// profile may hold, a reference where the value is a credential (inSecret:
// s is itself a credential's place, so every variable in it is one).
func (v *vars) expand(s string, inSecret bool) recorded.Text {
	return v.expandDepth(s, inSecret, 0)
}

func (v *vars) expandDepth(s string, inSecret bool, depth int) recorded.Text {
	var out recorded.Text
	last := 0
	for _, m := range reference.FindAllStringSubmatchIndex(s, -1) {
		if m[0] > last {
			out = append(out, recorded.Piece{Lit: s[last:m[0]]})
		}
		last = m[1]
		name := s[m[2]:m[3]]
		if val, ok := v.set[name]; ok {
			out = append(out, recorded.Piece{Lit: val})
			continue
		}
		val, known := v.values[name]
		switch {
		case strings.HasPrefix(name, "$"): // Postman's dynamic variables ($guid, $timestamp)
			v.missing = append(v.missing, name)
			out = append(out, recorded.Piece{Lit: s[m[0]:m[1]]})
		case inSecret || v.secret[name] || redact.IsCredentialName(name):
			out = append(out, recorded.Piece{Var: envName(name)})
		case known && depth < 5:
			out = append(out, v.expandDepth(val, inSecret, depth+1)...)
		default:
			v.missing = append(v.missing, name)
			out = append(out, recorded.Piece{Lit: s[m[0]:m[1]]})
		}
	}
	if last < len(s) {
		out = append(out, recorded.Piece{Lit: s[last:]})
	}
	return out
}

// envName is a variable's name as an environment variable: apiKey and
// api-key give API_KEY.
func envName(name string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range name {
		switch {
		case unicode.IsUpper(r) && prevLower:
			b.WriteByte('_')
			b.WriteRune(r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToUpper(r))
		default:
			b.WriteByte('_')
		}
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	s := strings.Trim(b.String(), "_")
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		s = "V_" + s
	}
	return s
}

func unique(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
