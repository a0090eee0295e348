package ingest

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

// identity lists the profile fields a saved position depends on, as the
// checkpoint keeps them: secret values in them show as their references
// (${VAR}), never as values. Rate limit, retry, timeout and auth may change
// between runs; these may not. The hash covers the resolved values, so a
// changed ${VAR} in the path or body is noticed all the same (the file
// holds only a short hash of them, mixed with the rest of the identity).
func (c *Client) identity() (id map[string]string, hash string) {
	resolved := identityOf(&c.cfg, func(s string) string { return s })
	id = identityOf(&c.cfg, func(s string) string { return c.redact().URL(c.toRefs(s)) })
	id["path"], id["body"] = c.redact().Values(c.toRefs(c.cfg.Path)), c.redact().Values(c.toRefs(string(c.cfg.Body)))
	if maps.Equal(resolved, identityOf(&c.cfg, c.toRefs)) {
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
	keys := make([]string, 0, len(cfg.Params))
	for k := range cfg.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var params []string
	for _, k := range keys {
		params = append(params, k+"="+cfg.Params[k])
	}
	id["params"] = show("?" + strings.Join(params, "&"))
	if more := positionExtras(cfg, show); more != "" {
		id["pagination_more"] = more // only when set: older checkpoints keep their hash
	}
	return id
}

// refPair is a secret value and its reference, in one spelling.
type refPair struct{ value, ref string }

// refPairs are the profile's secrets that have a reference, in every
// spelling they travel in (raw, query- and path-escaped, in JSON), longest
// value first.
func (c *Client) refPairs() []refPair {
	var out []refPair
	for _, s := range append([]spec.Secret{c.cfg.Auth.Value, c.cfg.Auth.Token, c.cfg.Auth.Password, c.cfg.Auth.ClientSecret, c.cfg.Auth.RefreshToken}, c.cfg.Secrets...) {
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

// toRefs writes every secret value in s as its reference, so that state
// kept on disk (a cursor or next URL that carries a token, the identity)
// holds no secret yet can be made whole again by fromRefs.
func (c *Client) toRefs(s string) string {
	for _, p := range c.refPairs() {
		s = strings.ReplaceAll(s, p.value, p.ref)
	}
	return s
}

// fromRefs puts the secret values back where toRefs left references.
func (c *Client) fromRefs(s string) string {
	if !strings.Contains(s, "$") && !strings.Contains(s, "%24") && !strings.Contains(s, "file:") && !strings.Contains(s, "file%3A") {
		return s
	}
	for _, p := range c.refPairs() {
		s = strings.ReplaceAll(s, p.ref, p.value)
	}
	return s
}

// checkpointText is a cursor or position as the checkpoint keeps it:
// secrets with a reference as that reference, any other (a token learned
// during the run) hidden.
func (c *Client) checkpointText(s string) string { return c.redact().Values(c.toRefs(s)) }

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

// identityChanges says in words how a saved identity differs from now.
func identityChanges(saved, now map[string]string) []string {
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
		keys := make([]string, 0, len(n.Params))
		for k := range n.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var params []string
		for _, k := range keys {
			params = append(params, k+"="+n.Params[k])
		}
		parts = append(parts, fmt.Sprintf("next: path=%s method=%s in=%s cursor_param=%s body=%s params=%s", n.Path, n.Method, n.In, n.CursorParam, n.Body, redactURL("?"+strings.Join(params, "&"))))
	}
	return strings.Join(parts, "; ")
}
