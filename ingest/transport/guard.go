// Package transport is how a profile's requests reach its API and what
// they may carry: the TLS-configured HTTP transport, each request built
// with the profile's headers and credentials (request.go), the rules on which destination may see
// which secret (base_url's origin only; allowed_hosts, plain http and
// redirects), the OAuth2 token manager, and the redactor that hides every
// secret, tokens included, in what siphon shows and keeps. What siphon
// keeps or shows of a request holds a secret as its ${VAR} reference
// (refs.go: the checkpoint's cursor and next URL, the profile identity a
// checkpoint is bound to; shown.go: the request in the page inspector),
// and an error before or while reading a response is classified here
// (failure.go: retried, failed, or refused for its size).
package transport

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"

	"siphon/ingest/redact"
	"siphon/ingest/spec"
)

// Guard applies a profile's credential rules to its requests: where a
// request may go, what it may carry there, and the credentials it is
// dressed with. A partition's client has its own Guard (its endpoint and
// secrets filled in), sharing the redactor and the tokens.
type Guard struct {
	cfg      *spec.Config
	endpoint *url.URL // base_url joined with path
	red      *Redactor
	tokens   *Tokens  // oauth2 only
	session  *Session // login only
	secrets  secretSet
	shown    shownRefs
	home     string      // hostPort(endpoint), asked of every request
	public   http.Header // publicHeaders: every request's to begin with
}

// NewGuard builds the rules for cfg's requests to endpoint; tokens is nil
// unless auth is oauth2, session nil unless it is login.
func NewGuard(cfg *spec.Config, endpoint *url.URL, red *Redactor, tokens *Tokens, session *Session) *Guard {
	g := &Guard{cfg: cfg, endpoint: endpoint, red: red, tokens: tokens, session: session, secrets: newSecretSet(cfg), home: hostPort(endpoint)}
	g.public = g.publicHeaders()
	return g
}

// SecretBody reports whether the profile's request body holds a secret
// (it goes only to base_url's origin).
func (g *Guard) SecretBody() bool { return g.secrets.body }

// sameOrigin reports whether u is base_url's scheme, host and port: the only
// place credentials are sent.
func (g *Guard) sameOrigin(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, g.endpoint.Scheme) && g.atHome(u)
}

// atHome reports whether u's host and port are base_url's: hostPort(u) ==
// g.home, without building hostPort(u) for an ASCII host (every page asks).
func (g *Guard) atHome(u *url.URL) bool {
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = defaultPort(u.Scheme)
	}
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			return hostPort(u) == g.home
		}
	}
	h := g.home
	return len(h) == len(host)+1+len(port) && strings.EqualFold(h[:len(host)], host) && h[len(host)] == ':' && h[len(host)+1:] == port
}

// hostAllowed reports whether a next page or redirect may go to u: base_url's
// host and port, or an allowed_hosts entry ("host" for any port, "host:port",
// or an origin "scheme://host:port").
func (g *Guard) hostAllowed(u *url.URL) bool {
	if g.atHome(u) {
		return true
	}
	for _, h := range g.cfg.AllowedHosts {
		if strings.Contains(h, "://") {
			if a, err := url.Parse(strings.TrimSuffix(h, "/")); err == nil && a.Host != "" && origin(a) == origin(u) {
				return true
			}
			continue
		}
		if strings.EqualFold(h, u.Hostname()) || strings.EqualFold(h, hostPort(u)) || strings.EqualFold(h, u.Host) {
			return true
		}
	}
	return false
}

// plainAllowed reports whether the profile allows this exact plain-http
// origin although base_url is https: allowed_hosts names it with its scheme
// ("http://host:port"), which cannot be written by accident.
func (g *Guard) plainAllowed(u *url.URL) bool {
	for _, h := range g.cfg.AllowedHosts {
		if a, err := url.Parse(strings.TrimSuffix(h, "/")); err == nil && strings.EqualFold(a.Scheme, "http") && a.Host != "" && origin(a) == origin(u) {
			return true
		}
	}
	return false
}

// origin is "scheme://host:port" with the default port filled in.
func origin(u *url.URL) string { return strings.ToLower(u.Scheme) + "://" + hostPort(u) }

// hostPort is "host:port" with the scheme's default port filled in.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = defaultPort(u.Scheme)
	}
	return strings.ToLower(u.Hostname()) + ":" + port
}

// defaultPort is the port a URL of scheme goes to when it names none.
func defaultPort(scheme string) string {
	switch {
	case strings.EqualFold(scheme, "http"):
		return "80"
	case strings.EqualFold(scheme, "https"):
		return "443"
	}
	return ""
}

// secretSet is everything a request may carry only to base_url's origin:
// credential headers, headers and query parameters whose values hold a
// reference (or a secret value), and a body that holds one.
type secretSet struct {
	headers map[string]bool // canonical names
	params  map[string]bool
	body    bool
	values  []string // the secret values themselves, to catch them anywhere
}

func newSecretSet(cfg *spec.Config) secretSet {
	s := secretSet{headers: map[string]bool{}, params: map[string]bool{}, values: configSecrets(cfg)}
	holds := func(v string) bool {
		for _, sec := range s.values {
			if strings.Contains(v, sec) {
				return true
			}
		}
		return false
	}
	for _, h := range []string{"Authorization", "Proxy-Authorization", "Cookie"} {
		s.headers[h] = true
	}
	for _, h := range authHeaders(cfg.Auth) {
		s.headers[http.CanonicalHeaderKey(h)] = true
	}
	for _, h := range cfg.SecretHeaders {
		s.headers[http.CanonicalHeaderKey(h)] = true
	}
	for k, v := range cfg.Headers {
		if redact.IsCredentialName(k) || holds(v) {
			s.headers[http.CanonicalHeaderKey(k)] = true
		}
	}
	for _, p := range cfg.SecretParams {
		s.params[p] = true
	}
	for k, v := range cfg.Params {
		if redact.IsCredentialName(k) || holds(v) {
			s.params[k] = true
		}
	}
	if a := cfg.Auth; a.Type == spec.AuthAPIKey && a.Name != "" {
		if a.In == "query" {
			s.params[a.Name] = true
		} else {
			s.headers[http.CanonicalHeaderKey(a.Name)] = true
		}
	}
	body := string(cfg.Body)
	s.body = cfg.SecretBody || holds(body)
	for _, sec := range s.values {
		if q, _ := json.Marshal(sec); strings.Contains(body, string(q[1:len(q)-1])) {
			s.body = true
		}
	}
	return s
}

// authHeaders are the headers the auth type puts its credential or
// signature in, besides Authorization.
func authHeaders(a spec.AuthConfig) []string {
	switch a.Type {
	case spec.AuthSigV4:
		return []string{"X-Amz-Security-Token", "X-Amz-Date", "X-Amz-Content-Sha256"}
	case spec.AuthHMAC:
		return []string{a.Header}
	case spec.AuthLogin:
		if a.Header != "" {
			return []string{a.Header}
		}
	}
	return nil
}

// authSecrets are the auth type's resolved secrets.
func authSecrets(a spec.AuthConfig) []spec.Secret {
	out := []spec.Secret{a.Value, a.Token, a.Password, a.ClientSecret, a.RefreshToken,
		a.AccessKeyID, a.SecretAccessKey, a.SessionToken, a.Key}
	return append(out, a.Login.Secrets...)
}

// configSecrets lists every secret value the profile resolved.
func configSecrets(cfg *spec.Config) []string {
	var out []string
	for _, s := range append(authSecrets(cfg.Auth), cfg.Secrets...) {
		if v := s.Reveal(); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Destination is the one decision about where a request may go and what it
// may carry, for the first page, every next page and every redirect: it
// refuses a host that is neither base_url's nor allowed, and plain http
// reached from an https base_url (unless allowed_hosts names that exact
// origin, "http://host:port"); it says whether the request may carry the
// profile's secrets, which only base_url's scheme, host and port may see.
func (g *Guard) Destination(u *url.URL) (secrets bool, err error) {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return false, fmt.Errorf("%s is not an http(s) URL", g.red.Load().URL(u.String()))
	}
	if g.sameOrigin(u) {
		return true, nil
	}
	if scheme == "http" && strings.EqualFold(g.endpoint.Scheme, "https") && !g.plainAllowed(u) {
		return false, fmt.Errorf("%s is plain http while base_url is https: refused, it would travel unencrypted (to allow exactly this origin, add %q to allowed_hosts)", g.red.Load().URL(u.String()), origin(u))
	}
	if !g.hostAllowed(u) {
		return false, fmt.Errorf("%s leads to %s, which is neither base_url's host nor in allowed_hosts; add it to allowed_hosts to follow it (no credential is sent there)", g.red.Load().URL(u.String()), u.Host)
	}
	return false, nil
}

// Strip removes from a request bound for another origin everything secret
// that could still be on it: secret headers, secret query parameters and
// any parameter whose value holds a secret. A secret left in the URL's path
// cannot be removed, and refuses the request.
func (g *Guard) Strip(h http.Header, u *url.URL) error {
	for name := range h {
		if g.secrets.headers[http.CanonicalHeaderKey(name)] || redact.IsCredentialName(name) {
			h.Del(name)
		}
	}
	h.Del("Referer") // Go sets it to the previous URL, query (and API key) included
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for name, vs := range q {
			drop := g.secrets.params[name]
			for _, v := range vs {
				drop = drop || g.HoldsSecret(v)
			}
			if drop {
				q.Del(name)
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	if g.HoldsSecret(u.String()) || g.HoldsSecret(u.Path) {
		return fmt.Errorf("%s carries a secret of the profile to another origin: refused", g.red.Load().URL(u.String()))
	}
	return nil
}

// HoldsSecret reports whether s holds one of the profile's secret values.
func (g *Guard) HoldsSecret(s string) bool {
	for _, v := range g.secrets.values {
		if strings.Contains(s, v) {
			return true
		}
	}
	return false
}

// CheckRedirect applies destination to every redirect; one that leaves
// base_url's origin loses every secret (Go keeps custom headers on
// redirects, and credential headers within a domain), and one that would
// re-send a body holding a secret is refused.
func (g *Guard) CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	secrets, err := g.Destination(req.URL)
	if err != nil {
		return fmt.Errorf("redirect refused: %w", err)
	}
	if secrets {
		return nil
	}
	if g.secrets.body && (req.GetBody != nil || (req.Body != nil && req.Body != http.NoBody)) {
		return fmt.Errorf("redirect to %s refused: the request body holds a secret and goes only to base_url's origin", g.red.Load().URL(req.URL.String()))
	}
	if err := g.Strip(req.Header, req.URL); err != nil {
		return fmt.Errorf("redirect refused: %w", err)
	}
	return nil
}

// Exposures lists the ways the profile exposes its credentials, for the
// warnings a run starts with: TLS verification off, credentials over plain
// http beyond this machine, key and token files others can read.
func (g *Guard) Exposures() []string {
	var out []string
	tlsOff := g.cfg.TLS.InsecureSkipVerify
	if tlsOff && strings.EqualFold(g.endpoint.Scheme, "https") {
		out = append(out, "TLS certificate verification is OFF (tls.insecure_skip_verify): anyone on the network path can read and change this traffic, credentials included")
	}
	if tlsOff && strings.EqualFold(g.endpoint.Scheme, "http") {
		out = append(out, "tls.insecure_skip_verify is set but base_url is plain http: there is no TLS to verify, and the traffic is not encrypted at all")
	}
	if strings.EqualFold(g.endpoint.Scheme, "http") && g.hasCredentials() && !loopback(g.endpoint.Hostname()) {
		out = append(out, fmt.Sprintf("credentials are sent over plain http to %s: anyone on the network path can read them; use https", g.endpoint.Host))
	}
	files := map[string]string{} // path → what it holds
	for _, s := range append(authSecrets(g.cfg.Auth), g.cfg.Secrets...) {
		if s.Ref() == g.cfg.Auth.RefreshToken.Ref() && s.Ref() != "" {
			continue
		}
		if p, ok := strings.CutPrefix(s.Ref(), "file:"); ok {
			files[p] = "the secret file"
		}
	}
	if p, ok := strings.CutPrefix(g.cfg.Auth.RefreshToken.Ref(), "file:"); ok {
		files[p] = "the refresh-token file"
	}
	if g.cfg.TLS.KeyFile != "" {
		files[g.cfg.TLS.KeyFile] = "the client key (tls.key_file)"
	}
	for _, path := range slices.Sorted(maps.Keys(files)) {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			out = append(out, fmt.Sprintf("%s %s is readable by others (mode %04o); restrict it: chmod 600 %s", files[path], path, fi.Mode().Perm(), path))
		}
	}
	return out
}

// hasCredentials reports whether requests carry anything secret.
func (g *Guard) hasCredentials() bool {
	return g.cfg.Auth.Type != spec.AuthNone || len(g.secrets.values) > 0 || len(g.cfg.SecretHeaders) > 0 || len(g.cfg.SecretParams) > 0
}

// loopback reports whether host is this machine.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// JoinURL is base_url joined with a profile's path (its query kept).
func JoinURL(base, path string) (*url.URL, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("base_url %q is not an absolute http(s) URL", base)
	}
	if path != "" {
		p, err := url.Parse(path)
		if err != nil {
			return nil, fmt.Errorf("path %q: %w", path, err)
		}
		u.Path = strings.TrimSuffix(u.Path, "/") + "/" + strings.TrimPrefix(p.Path, "/")
		if p.RawQuery != "" {
			q := u.Query()
			for k, vs := range p.Query() {
				q[k] = vs
			}
			u.RawQuery = q.Encode()
		}
	}
	return u, nil
}

// NextURL resolves a next page's URL the API gave against the endpoint
// and checks where it may go: a URL to another origin carries none of the
// profile's secrets, and a POST whose body holds one is refused.
func (g *Guard) NextURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("next page URL: %w", err)
	}
	if !u.IsAbs() {
		u = g.endpoint.ResolveReference(u)
	}
	secrets, err := g.Destination(u)
	if err != nil {
		return nil, fmt.Errorf("next page URL refused: %w", err)
	}
	if !secrets {
		if g.cfg.Method == http.MethodPost && g.SecretBody() {
			return nil, fmt.Errorf("next page URL %s is on another origin than base_url, and the POST body holds a secret that goes only to base_url's origin: refused", g.red.Load().URL(u.String()))
		}
		if err := g.Strip(http.Header{}, u); err != nil {
			return nil, fmt.Errorf("next page URL refused: %w", err)
		}
	}
	return u, nil
}
