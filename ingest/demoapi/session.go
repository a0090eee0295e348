package demoapi

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LoginPath is where a session login is posted (Options.Session).
const LoginPath = "/auth/login"

// SessionCookie is the cookie a login sets, holding the session token.
const SessionCookie = "demo_session"

// Session makes the API want a session token from a login: POST LoginPath
// with {"username", "password"} (JSON or a form) answers
// {"token", "expires_in"} and sets the cookie SessionCookie; data requests
// then send Authorization: Bearer TOKEN or the cookie. A token serves Uses
// data requests and is then refused (401), as a session that expired.
type Session struct {
	Username, Password string
	Uses               int // data requests a token serves; default 3
	// ExpiresIn is what the answer says of the token's life, in seconds;
	// 0: the answer leaves expires_in out.
	ExpiresIn int
}

// HMAC makes the API check a signature on every data request: Header holds
// hex(HMAC-SHA256(Key, timestamp + method + path?query + body)) and
// TimestampHeader the Unix time it was made at, at most MaxSkew from the
// API's clock.
type HMAC struct {
	Key             string
	Header          string        // default X-Signature
	TimestampHeader string        // default X-Timestamp
	MaxSkew         time.Duration // default 5 minutes
}

// sessions are the tokens a login handed out, with their uses left.
type sessions struct {
	mu     sync.Mutex
	left   map[string]int
	logins int
}

func (s *sessions) issue(uses int) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	tok := "sess-" + hex.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	s.left[tok] = uses
	s.logins++
	return tok
}

// use spends one use of tok; false when it is unknown or used up.
func (s *sessions) use(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.left[tok]
	if !ok || n <= 0 {
		delete(s.left, tok)
		return false
	}
	s.left[tok] = n - 1
	return true
}

// Logins is how many logins the API accepted.
func (a *API) Logins() int {
	if a.sessions == nil {
		return 0
	}
	a.sessions.mu.Lock()
	defer a.sessions.mu.Unlock()
	return a.sessions.logins
}

// serveLogin answers a login: a token for the right user and password.
func (a *API) serveLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeError(w, http.StatusMethodNotAllowed, "log in with POST", "")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		writeError(w, http.StatusBadRequest, "cannot read the body", "")
		return
	}
	var cred struct{ Username, Password string }
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		if err := r.ParseForm(); err == nil {
			cred.Username, cred.Password = r.PostForm.Get("username"), r.PostForm.Get("password")
		}
	} else {
		_ = json.Unmarshal(body, &cred)
	}
	s := a.opts.Session
	if !same(cred.Username, s.Username) || !same(cred.Password, s.Password) {
		writeError(w, http.StatusUnauthorized, "wrong username or password", "")
		return
	}
	tok := a.sessions.issue(s.Uses)
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: tok, Path: "/", HttpOnly: true})
	out := map[string]any{"token": tok, "token_type": "Bearer"}
	if s.ExpiresIn > 0 {
		out["expires_in"] = s.ExpiresIn
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// sessionAuthorized spends a use of the session token r carries.
func (a *API) sessionAuthorized(r *http.Request) bool {
	tok := bearerToken(r)
	if tok == "" {
		if c, err := r.Cookie(SessionCookie); err == nil {
			tok = c.Value
		}
	}
	return tok != "" && a.sessions.use(tok)
}

// hmacAuthorized checks r's signature and timestamp.
func (a *API) hmacAuthorized(r *http.Request) (ok bool, skewed bool) {
	h := a.opts.HMAC
	ts := r.Header.Get(h.TimestampHeader)
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false, false
	}
	if d := a.now().Sub(time.Unix(secs, 0)); d > h.MaxSkew || d < -h.MaxSkew {
		return false, true
	}
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(r.Body, 1<<20))
	}
	target := r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	m := hmac.New(sha256.New, []byte(h.Key))
	m.Write([]byte(ts + r.Method + target + string(body)))
	want := hex.EncodeToString(m.Sum(nil))
	return same(strings.ToLower(r.Header.Get(h.Header)), want), false
}
