package transport

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"sort"
	"strings"

	"siphon/ingest/spec"
)

// What siphon keeps on disk about a run (a cursor or next URL that carries
// a token, the profile identity a checkpoint is bound to) holds a secret
// that has a reference as that reference (${VAR}), and any other secret
// hidden: it can be made whole again, and it leaks nothing.

// refPair is a secret value and its reference, in one spelling.
type refPair struct{ value, ref string }

// refPairs are the profile's secrets that have a reference, in every
// spelling they travel in (raw, query- and path-escaped, in JSON), longest
// value first.
func (g *Guard) refPairs() []refPair {
	var out []refPair
	a := g.cfg.Auth
	for _, s := range append([]spec.Secret{a.Value, a.Token, a.Password, a.ClientSecret, a.RefreshToken}, g.cfg.Secrets...) {
		v, ref := s.Reveal(), s.Ref()
		if v == "" || ref == "" || strings.Contains(v, ref) {
			continue
		}
		out = append(out, refPair{v, ref}, refPair{url.QueryEscape(v), url.QueryEscape(ref)}, refPair{url.PathEscape(v), url.PathEscape(ref)})
		if jv, err := json.Marshal(v); err == nil {
			jr, _ := json.Marshal(ref)
			out = append(out, refPair{string(jv[1 : len(jv)-1]), string(jr[1 : len(jr)-1])})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].value) > len(out[j].value) })
	return out
}

// ToRefs writes every secret value in s as its reference, so that state
// kept on disk holds no secret yet can be made whole again by FromRefs.
func (g *Guard) ToRefs(s string) string {
	for _, p := range g.refPairs() {
		s = strings.ReplaceAll(s, p.value, p.ref)
	}
	return s
}

// FromRefs puts the secret values back where ToRefs left references.
func (g *Guard) FromRefs(s string) string {
	if !strings.Contains(s, "$") && !strings.Contains(s, "%24") && !strings.Contains(s, "file:") && !strings.Contains(s, "file%3A") {
		return s
	}
	for _, p := range g.refPairs() {
		s = strings.ReplaceAll(s, p.ref, p.value)
	}
	return s
}

// CheckpointText is a cursor or position as the checkpoint keeps it:
// secrets with a reference as that reference, any other (a token learned
// during the run) hidden.
func (g *Guard) CheckpointText(s string) string { return g.red.Load().Values(g.ToRefs(s)) }

// CheckpointURL is a next-page URL as the checkpoint keeps it: the query
// parameter that carries an API key is dropped (the request adds it
// again) and any other secret value hidden, while pagination tokens stay
// usable.
func (g *Guard) CheckpointURL(raw string) string {
	if raw == "" {
		return ""
	}
	if a := g.cfg.Auth; a.Type == spec.AuthAPIKey && a.In == "query" {
		if u, err := url.Parse(raw); err == nil {
			q := u.Query()
			if q.Has(a.Name) {
				q.Del(a.Name)
				u.RawQuery = q.Encode()
				raw = u.String()
			}
		}
	}
	return g.CheckpointText(raw)
}

// Archivable is a body as the page archive keeps it: as received, except
// that a secret the API echoes (a next link carrying the access token, as
// the Facebook Graph API does) is hidden.
func (g *Guard) Archivable(body []byte) []byte {
	red := g.red.Load()
	if !red.HidesValues() {
		return body
	}
	s := string(body)
	if hidden := red.Values(s); hidden != s {
		return []byte(hidden)
	}
	return body
}

// Identity lists the profile fields a saved position depends on, as the
// checkpoint keeps them: secret values in them show as their references
// (${VAR}), never as values. Rate limit, retry, timeout and auth may change
// between runs; these may not. The hash covers the resolved values, so a
// changed ${VAR} in the path or body is noticed all the same (the file
// holds only a short hash of them, mixed with the rest of the identity).
func (g *Guard) Identity() (id map[string]string, hash string) {
	red := g.red.Load()
	resolved := identityOf(g.cfg, func(s string) string { return s })
	id = identityOf(g.cfg, func(s string) string { return red.URL(g.ToRefs(s)) })
	id["path"], id["body"] = red.Values(g.ToRefs(g.cfg.Path)), red.Values(g.ToRefs(string(g.cfg.Body)))
	if maps.Equal(resolved, identityOf(g.cfg, g.ToRefs)) {
		return id, identityHash(id) // no secret in it: the hash is what it always was
	}
	return id, identityHash(resolved)
}

// identityOf is the identity with every value passed through show.
func identityOf(cfg *spec.Config, show func(string) string) map[string]string {
	p := cfg.Pagination
	id := map[string]string{
		"base_url":    show(cfg.BaseURL),
		"path":        show(cfg.Path),
		"method":      cfg.Method,
		"records":     cfg.Records,
		"body":        show(string(cfg.Body)),
		"pagination":  fmt.Sprintf("in=%s type=%s limit=%d limit_param=%s cursor_param=%s cursor_path=%s offset_param=%s total_path=%s page_param=%s start_page=%d total_pages_path=%s next_url_path=%s rel=%s param=%s field=%s inclusive=%t start=%s", p.In, p.Type, p.Limit, p.LimitParam, p.CursorParam, p.CursorPath, p.OffsetParam, p.TotalPath, p.PageParam, p.StartPage, p.TotalPagesPath, p.NextURLPath, p.Rel, p.Param, p.Field, p.Inclusive, p.Start),
		"primary_key": strings.Join(cfg.PrimaryKey, ","),
	}
	id["params"] = show("?" + sortedQuery(cfg.Params))
	if more := positionExtras(cfg, show); more != "" {
		id["pagination_more"] = more // only when set: older checkpoints keep their hash
	}
	return id
}

// sortedQuery is params as k=v joined by &, in key order, unescaped.
func sortedQuery(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, k+"="+params[k])
	}
	return strings.Join(out, "&")
}

func identityHash(id map[string]string) string {
	keys := make([]string, 0, len(id))
	for k := range id {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%q\n", k, id[k])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:16]
}

// IdentityChanges says in words how a saved identity differs from now.
func IdentityChanges(saved, now map[string]string) []string {
	var out []string
	keys := make([]string, 0, len(now))
	for k := range now {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if saved[k] != now[k] {
			out = append(out, fmt.Sprintf("%s was %q, is now %q", k, saved[k], now[k]))
		}
	}
	if len(out) == 0 {
		out = append(out, "the value of a ${VAR} or file: reference in base_url, path, params or body changed")
	}
	return out
}

// positionExtras is what a saved position also depends on among the
// pagination keys for APIs as they are (header cursors, a repeating
// cursor, pagination.next), for the checkpoint's identity; "" when none is
// set.
func positionExtras(cfg *spec.Config, redactURL func(string) string) string {
	p := cfg.Pagination
	var parts []string
	if p.CursorHeader != "" || p.NextURLHeader != "" || p.CursorRepeats {
		parts = append(parts, fmt.Sprintf("cursor_header=%s next_url_header=%s cursor_repeats=%t", p.CursorHeader, p.NextURLHeader, p.CursorRepeats))
	}
	if n := p.Next; n.IsSet() {
		parts = append(parts, fmt.Sprintf("next: path=%s method=%s in=%s cursor_param=%s body=%s params=%s", n.Path, n.Method, n.In, n.CursorParam, n.Body, redactURL("?"+sortedQuery(n.Params))))
	}
	return strings.Join(parts, "; ")
}
