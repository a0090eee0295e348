package profiles

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"siphon/ingest"
)

// Format prints the effective profile (defaults filled in) as canonical
// YAML that loads back to an equal Config. Secrets show as their ${VAR} or
// file: references, never their values.
func Format(p *Profile) []byte {
	c := p.Config // a copy: defaults for display must not change p
	c.ApplyDefaults()
	f := formatter{p: p}
	root := mapping()
	root.add("name", f.str(c.Name))
	root.addIf(c.Description != "", "description", f.str(c.Description))
	root.addIf(c.BaseURL != "", "base_url", f.str(c.BaseURL))
	root.addIf(c.Path != "", "path", f.str(c.Path))
	root.add("method", f.str(c.Method))
	root.addIf(len(c.Params) > 0, "params", f.values("params.", c.Params))
	root.addIf(len(c.Headers) > 0, "headers", f.values("headers.", c.Headers))
	root.addIf(c.Body != nil, "body", f.body(c.Body))
	root.add("auth", f.auth(c.Auth).node)
	root.add("tls", f.tls(c.TLS).node)
	root.add("records", f.str(c.Records))
	switch len(c.PrimaryKey) {
	case 0:
	case 1:
		root.add("primary_key", f.str(c.PrimaryKey[0]))
	default:
		root.add("primary_key", f.strs(c.PrimaryKey))
	}
	root.add("pagination", f.pagination(c.Pagination).node)
	rl := mapping()
	rl.add("requests_per_second", floatNode(c.RateLimit.RequestsPerSecond))
	rl.add("burst", intNode(c.RateLimit.Burst))
	rl.add("respect_headers", boolNode(!c.RateLimit.IgnoreHeaders))
	root.add("rate_limit", rl.node)
	rt := mapping()
	rt.add("max_attempts", intNode(c.Retry.MaxAttempts))
	rt.add("initial_backoff", durationNode(c.Retry.InitialBackoff))
	rt.add("max_backoff", durationNode(c.Retry.MaxBackoff))
	statuses := flowList()
	for _, s := range c.Retry.OnStatus {
		statuses.Content = append(statuses.Content, intNode(s))
	}
	rt.add("on_status", statuses)
	rt.add("max_retry_after", durationNode(c.Retry.MaxRetryAfter))
	root.add("retry", rt.node)
	root.add("timeout", durationNode(c.Timeout))
	root.addIf(len(c.AllowedHosts) > 0, "allowed_hosts", f.strs(c.AllowedHosts))
	sc := mapping()
	sc.add("on_drift", f.str(c.Schema.OnDrift))
	sc.addIf(c.Schema.File != "", "file", f.str(c.Schema.File))
	sc.add("on_invalid", f.str(c.Schema.OnInvalid))
	root.add("schema", sc.node)
	out := mapping()
	out.addIf(c.Output.Dir != "", "dir", f.str(c.Output.Dir))
	out.add("raw_pages", boolNode(c.Output.RawPages))
	root.add("output", out.node)

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	_ = enc.Encode(root.node) // encoding a tree of plain nodes into memory cannot fail
	_ = enc.Close()
	return buf.Bytes()
}

// formatter builds the nodes of one profile.
type formatter struct{ p *Profile }

// str is a string that loads back to s: $ escaped where expansion would
// change it.
func (f formatter) str(s string) *yaml.Node { return scalar("!!str", f.escapeExceptSecrets(s)) }

// escapeExceptSecrets escapes the dollars of s and writes every known
// secret value in it as its reference, so no value is printed and the text
// loads back to the same string.
func (f formatter) escapeExceptSecrets(s string) string {
	for _, sec := range f.p.Config.Secrets {
		if v := sec.Reveal(); v != "" && sec.Ref() != "" && strings.Contains(s, v) {
			parts := strings.Split(s, v)
			for i := range parts {
				parts[i] = f.escapeExceptSecrets(parts[i])
			}
			return strings.Join(parts, sec.Ref())
		}
	}
	return escapeDollars(s)
}

// strs is a list of strings, on one line.
func (f formatter) strs(ss []string) *yaml.Node {
	n := flowList()
	for _, s := range ss {
		n.Content = append(n.Content, f.str(s))
	}
	return n
}

// secret shows a secret as its reference; an unreferenced one is left out.
func (f formatter) secret(m mapNode, key string, s ingest.Secret) {
	m.addIf(s.Ref() != "", key, scalar("!!str", s.Ref()))
}

// values prints params or headers, sorted; sensitive ones as written, so
// their references show and their values do not.
func (f formatter) values(prefix string, vals map[string]string) *yaml.Node {
	m := mapping()
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		v := vals[k]
		switch {
		case !isSensitiveName(k):
			m.add(k, f.str(v))
		case f.p.sensitive[prefix+k] != "":
			m.add(k, scalar("!!str", f.p.sensitive[prefix+k]))
		default: // built without the loader: put references back over values
			m.add(k, scalar("!!str", f.unresolve(v)))
		}
	}
	return m.node
}

// unresolve replaces every known secret value in v by its reference.
func (f formatter) unresolve(v string) string {
	secrets := slices.Clone(f.p.Config.Secrets)
	slices.SortFunc(secrets, func(a, b ingest.Secret) int { return len(b.Reveal()) - len(a.Reveal()) })
	for _, s := range secrets {
		if s.Reveal() != "" && s.Ref() != "" {
			v = strings.ReplaceAll(v, s.Reveal(), s.Ref())
		}
	}
	return v
}

// auth prints the fields of the auth type only.
func (f formatter) auth(a ingest.AuthConfig) mapNode {
	m := mapping()
	m.add("type", f.str(a.Type))
	switch a.Type {
	case ingest.AuthAPIKey:
		m.add("name", f.str(a.Name))
		m.add("in", f.str(a.In))
		f.secret(m, "value", a.Value)
	case ingest.AuthBearer:
		f.secret(m, "token", a.Token)
	case ingest.AuthBasic:
		m.add("username", f.str(a.Username))
		f.secret(m, "password", a.Password)
	case ingest.AuthOAuth2:
		m.add("grant", f.str(a.Grant))
		m.add("token_url", f.str(a.TokenURL))
		m.addIf(a.AuthorizeURL != "", "authorize_url", f.str(a.AuthorizeURL))
		m.add("client_id", f.str(a.ClientID))
		f.secret(m, "client_secret", a.ClientSecret)
		m.addIf(len(a.Scopes) > 0, "scopes", f.strs(a.Scopes))
		f.secret(m, "refresh_token", a.RefreshToken)
		if len(a.Extra) > 0 {
			extra := mapping()
			for _, k := range slices.Sorted(maps.Keys(a.Extra)) {
				extra.add(k, f.str(a.Extra[k]))
			}
			m.add("extra_params", extra.node)
		}
	}
	return m
}

// tls prints the TLS settings.
func (f formatter) tls(t ingest.TLSConfig) mapNode {
	m := mapping()
	m.addIf(t.CAFile != "", "ca_file", f.str(t.CAFile))
	m.addIf(t.CertFile != "", "cert_file", f.str(t.CertFile))
	m.addIf(t.KeyFile != "", "key_file", f.str(t.KeyFile))
	m.add("insecure_skip_verify", boolNode(t.InsecureSkipVerify))
	return m
}

// pagination prints the common fields and the type's own.
func (f formatter) pagination(p ingest.PaginationConfig) mapNode {
	m := mapping()
	m.add("type", f.str(p.Type))
	m.add("limit", intNode(p.Limit))
	m.add("limit_param", f.str(p.LimitParam))
	m.addIf(p.In != "" && p.In != "query", "in", f.str(p.In))
	m.add("max_pages", intNode(p.MaxPages))
	switch p.Type {
	case ingest.PageOffset:
		m.add("offset_param", f.str(p.OffsetParam))
		if p.Start != "" {
			m.add("start", scalar("!!int", p.Start))
		}
		m.addIf(p.TotalPath != "", "total_path", f.str(p.TotalPath))
	case ingest.PagePage:
		m.add("page_param", f.str(p.PageParam))
		m.add("start_page", intNode(p.StartPage))
		m.addIf(p.TotalPagesPath != "", "total_pages_path", f.str(p.TotalPagesPath))
		m.addIf(p.TotalPath != "", "total_path", f.str(p.TotalPath))
	case ingest.PageCursor:
		m.add("cursor_param", f.str(p.CursorParam))
		m.add("cursor_path", f.str(p.CursorPath))
	case ingest.PageNextURL:
		m.add("next_url_path", f.str(p.NextURLPath))
	case ingest.PageLinkHeader:
		m.add("rel", f.str(p.Rel))
	case ingest.PageKeyset, ingest.PageTimestamp:
		m.add("param", f.str(p.Param))
		m.add("field", f.str(p.Field))
		m.addIf(p.Start != "", "start", f.str(p.Start))
		if p.Type == ingest.PageTimestamp {
			m.add("inclusive", boolNode(p.Inclusive))
		}
	}
	return m
}

// body prints a JSON body as YAML, keeping key order and exact numbers.
func (f formatter) body(raw json.RawMessage) *yaml.Node {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	n, err := f.jsonValue(dec)
	if err != nil { // not JSON: cannot come from the loader
		return f.str(string(raw))
	}
	return n
}

// jsonValue reads one JSON value from dec as a node.
func (f formatter) jsonValue(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if t == '{' {
			n = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		}
		for dec.More() {
			if t == '{' {
				key, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, scalar("!!str", fmt.Sprint(key)))
			}
			v, err := f.jsonValue(dec)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, v)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		if len(n.Content) == 0 {
			n.Style = yaml.FlowStyle
		}
		return n, nil
	case json.Number:
		if strings.ContainsAny(t.String(), ".eE") {
			return scalar("!!float", t.String()), nil
		}
		return scalar("!!int", t.String()), nil
	case string:
		return f.str(t), nil
	case bool:
		return boolNode(t), nil
	case nil:
		return scalar("!!null", "null"), nil
	}
	return nil, io.ErrUnexpectedEOF
}

// mapNode builds a mapping in insertion order.
type mapNode struct{ node *yaml.Node }

func mapping() mapNode { return mapNode{&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}} }

func (m mapNode) add(key string, v *yaml.Node) {
	m.node.Content = append(m.node.Content, scalar("!!str", key), v)
}

func (m mapNode) addIf(cond bool, key string, v *yaml.Node) {
	if cond {
		m.add(key, v)
	}
}

func scalar(tag, value string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
}

func flowList() *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
}

// floatNode writes f exactly (it loads back bit for bit), tagged so that
// the encoder needs no explicit tag.
func floatNode(f float64) *yaml.Node {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if strings.Contains(s, ".") {
		return scalar("!!float", s)
	}
	return scalar("!!int", s)
}

func intNode(i int) *yaml.Node   { return scalar("!!int", strconv.Itoa(i)) }
func boolNode(b bool) *yaml.Node { return scalar("!!bool", strconv.FormatBool(b)) }

// durationNode writes a duration the way people do.
func durationNode(d time.Duration) *yaml.Node { return scalar("!!str", shortDuration(d)) }

// ShortDuration writes a duration as people do: 15m rather than 15m0s.
func ShortDuration(d time.Duration) string { return shortDuration(d) }

func shortDuration(d time.Duration) string {
	units := []struct {
		size time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}}
	for _, u := range units {
		if d >= u.size && d%u.size == 0 {
			return strconv.FormatInt(int64(d/u.size), 10) + u.name
		}
	}
	return d.String()
}
