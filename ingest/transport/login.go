package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/itchyny/gojq"

	"siphon/ingest/spec"
)

// Session keeps the session token of auth type login: it sends the
// profile's login request, takes the token from the answer (a jq path or a
// cookie), logs in again when the token expires or the API answers 401,
// and hides every token it gets. Logins counts them all, the first
// included.
type Session struct {
	cfg      *spec.Config
	red      *Redactor
	loginURL *url.URL
	hc       *http.Client
	tokenJQ  *gojq.Code // nil with cookie
	expireJQ *gojq.Code // nil: the token lasts until a 401

	mu     sync.Mutex
	token  string
	expiry time.Time // zero: until refused
	got    time.Time // when token came
	logins int
}

// maxLoginBody bounds the login's answer: a token, not an export.
const maxLoginBody = 1 << 20

// NewSession readies cfg's login over rt; it logs in on the first Token.
func NewSession(cfg *spec.Config, rt http.RoundTripper, red *Redactor) (*Session, error) {
	a := cfg.Auth
	if a.TokenPath == "" && a.Cookie == "" {
		return nil, errors.New("auth: login needs token_path or cookie")
	}
	u, err := JoinURL(cfg.BaseURL, a.Login.Path)
	if err != nil {
		return nil, fmt.Errorf("auth.login.path: %w", err)
	}
	base, _ := url.Parse(cfg.BaseURL)
	// The login carries the password: never to another origin, nor from
	// https to http.
	stayHome := func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 || origin(req.URL) != origin(base) {
			return fmt.Errorf("login redirect to %s refused: the login goes only to base_url's origin", red.Load().URL(req.URL.String()))
		}
		return nil
	}
	s := &Session{cfg: cfg, red: red, loginURL: u, hc: &http.Client{Transport: rt, Timeout: cfg.Timeout, CheckRedirect: stayHome}}
	if a.TokenPath != "" {
		if s.tokenJQ, err = compileJQ(a.TokenPath); err != nil {
			return nil, fmt.Errorf("auth.token_path: %w", err)
		}
	}
	if a.ExpiresInPath != "" {
		if s.expireJQ, err = compileJQ(a.ExpiresInPath); err != nil {
			return nil, fmt.Errorf("auth.expires_in_path: %w", err)
		}
	}
	return s, nil
}

func compileJQ(expr string) (*gojq.Code, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, err
	}
	return gojq.Compile(q)
}

// Logins is how many times the session logged in.
func (s *Session) Logins() int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// Token returns the session token, logging in when there is none, it is
// about to expire, or force is set (the API refused it).
func (s *Session) Token(ctx context.Context, force bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !force && s.token != "" && (s.expiry.IsZero() || time.Now().Before(s.expiry)) {
		return s.token, nil
	}
	return s.login(ctx)
}

// RefreshSince logs in again after the API refused the token sent at
// sent, unless another request already got a newer one: partitions
// refused at once log in once.
func (s *Session) RefreshSince(ctx context.Context, sent time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && s.got.After(sent) {
		return s.token, nil
	}
	return s.login(ctx)
}

// login sends the login request and keeps its token; s.mu is held.
func (s *Session) login(ctx context.Context) (string, error) {
	s.token, s.expiry = "", time.Time{}
	req, err := s.request(ctx)
	if err != nil {
		return "", err
	}
	shown := s.red.Load().URL(s.loginURL.String())
	resp, err := s.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("login request to %s: %s", shown, s.red.Load().String(RootCause(err)))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxLoginBody+1))
	if err != nil {
		return "", fmt.Errorf("login request to %s: reading the answer: %s", shown, s.red.Load().String(RootCause(err)))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := fmt.Sprintf("the login request to %s was refused (HTTP %d); check auth.login (its secrets: %s)", shown, resp.StatusCode, s.refs())
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			return "", errors.New(msg) // may pass: the page retries
		}
		return "", &CredentialError{Msg: msg}
	}
	if len(body) > maxLoginBody {
		return "", &CredentialError{Msg: fmt.Sprintf("the login answer from %s is larger than %d KiB; a login answers a token", shown, maxLoginBody>>10)}
	}
	tok, expiresIn, err := s.extract(ctx, resp, body)
	if err != nil {
		return "", &CredentialError{Msg: fmt.Sprintf("login at %s: %v", shown, err)}
	}
	s.red.HideAlso(tok)
	now := time.Now()
	s.token, s.got = tok, now
	s.logins++
	if expiresIn > 0 {
		// Log in again a little early: a token must not expire in flight.
		s.expiry = now.Add(expiresIn - min(expiresIn/10, 30*time.Second))
	}
	return tok, nil
}

// refs lists the login's secrets as their references.
func (s *Session) refs() string {
	var out []string
	for _, sec := range s.cfg.Auth.Login.Secrets {
		out = append(out, sec.Ref())
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// request builds the login request: JSON body, or a form when the
// headers say so.
func (s *Session) request(ctx context.Context) (*http.Request, error) {
	l := s.cfg.Auth.Login
	var body io.Reader
	ctype := ""
	for k, v := range l.Headers {
		if strings.EqualFold(k, "Content-Type") {
			ctype = v
		}
	}
	if len(l.Body) > 0 {
		if strings.HasPrefix(strings.ToLower(ctype), "application/x-www-form-urlencoded") {
			form, err := formOf(l.Body)
			if err != nil {
				return nil, err
			}
			body = strings.NewReader(form)
		} else {
			body = bytes.NewReader(l.Body)
			if ctype == "" {
				ctype = "application/json"
			}
		}
	}
	req, err := http.NewRequestWithContext(ctx, l.Method, s.loginURL.String(), body)
	if err != nil {
		return nil, fmt.Errorf("auth.login: %v", s.red.Load().String(err.Error()))
	}
	for k, v := range l.Headers {
		req.Header.Set(k, v)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("User-Agent", "siphon")
	if ua, ok := s.cfg.Headers["User-Agent"]; ok {
		req.Header.Set("User-Agent", ua)
	}
	return req, nil
}

// formOf encodes a flat JSON object as a form.
func formOf(raw json.RawMessage) (string, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", errors.New("auth.login.body: a form body must be a mapping of names to values")
	}
	v := url.Values{}
	for k, x := range m {
		switch x := x.(type) {
		case string:
			v.Set(k, x)
		case float64, bool:
			v.Set(k, fmt.Sprint(x))
		default:
			return "", fmt.Errorf("auth.login.body: form field %s must be a string, number or boolean", k)
		}
	}
	return v.Encode(), nil
}

// extract takes the token and its lifetime from the login's answer.
func (s *Session) extract(ctx context.Context, resp *http.Response, body []byte) (string, time.Duration, error) {
	a := s.cfg.Auth
	var doc any
	parsed := false
	parse := func() error {
		if parsed {
			return nil
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return fmt.Errorf("the answer is not JSON (%s)", strings.TrimSpace(resp.Header.Get("Content-Type")))
		}
		parsed = true
		return nil
	}
	var tok string
	if a.Cookie != "" {
		for _, c := range resp.Cookies() {
			if c.Name == a.Cookie && c.Value != "" {
				tok = c.Value
			}
		}
		if tok == "" {
			return "", 0, fmt.Errorf("the answer sets no cookie %s", a.Cookie)
		}
	} else {
		if err := parse(); err != nil {
			return "", 0, err
		}
		v, err := firstValue(ctx, s.tokenJQ, normalize(doc))
		if err != nil {
			return "", 0, fmt.Errorf("auth.token_path %s: %v", a.TokenPath, err)
		}
		str, ok := v.(string)
		if !ok || str == "" {
			return "", 0, fmt.Errorf("the answer holds no token at auth.token_path %s", a.TokenPath)
		}
		tok = str
	}
	if strings.ContainsAny(tok, "\r\n\x00") {
		return "", 0, errors.New("the token holds a line break")
	}
	if s.expireJQ == nil {
		return tok, 0, nil
	}
	if err := parse(); err != nil {
		return "", 0, err
	}
	v, err := firstValue(ctx, s.expireJQ, normalize(doc))
	if err != nil {
		return "", 0, fmt.Errorf("auth.expires_in_path %s: %v", a.ExpiresInPath, err)
	}
	var secs float64
	switch v := v.(type) {
	case int:
		secs = float64(v)
	case float64:
		secs = v
	case nil:
		return tok, 0, nil // this answer does not say
	default:
		return "", 0, fmt.Errorf("auth.expires_in_path %s is %T, not a number of seconds", a.ExpiresInPath, v)
	}
	if secs <= 0 || math.IsNaN(secs) || secs > 366*24*3600 {
		return tok, 0, nil
	}
	return tok, time.Duration(secs * float64(time.Second)), nil
}

// normalize turns json.Number into what gojq reads.
func normalize(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil && i >= math.MinInt && i <= math.MaxInt {
			return int(i)
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, x := range v {
			v[k] = normalize(x)
		}
	case []any:
		for i, x := range v {
			v[i] = normalize(x)
		}
	}
	return v
}

// firstValue is the first value code yields over doc, nil for none.
func firstValue(ctx context.Context, code *gojq.Code, doc any) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	it := code.RunWithContext(ctx, doc)
	v, ok := it.Next()
	if !ok {
		return nil, nil
	}
	if err, isErr := v.(error); isErr {
		return nil, err
	}
	return v, nil
}
