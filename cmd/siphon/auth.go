package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/oauth2"

	"siphon/ingest/page"
	"siphon/ingest/spec"
	"siphon/ingest/termsafe"
	"siphon/ingest/transport"
	"siphon/profiles"
)

// openBrowser opens a URL for the user; tests replace it with an HTTP
// client that follows the authorization redirect.
var openBrowser = func(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return errors.New("no display")
		}
		cmd = exec.Command("xdg-open", url)
	}
	return cmd.Start()
}

// loginTimeout bounds the wait for the browser to come back.
var loginTimeout = 5 * time.Minute

const authUsage = `Usage:
  siphon auth login PROFILE [--profiles DIR]   OAuth2 sign-in (authorization code with PKCE, loopback redirect);
                                               stores the refresh token where auth.refresh_token's file: points
`

func cmdAuth(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprint(stdout, authUsage)
		return nil
	}
	if len(args) == 0 || args[0] != "login" {
		return usagef("auth needs: login PROFILE\n\n%s", authUsage)
	}
	fset := newFlags("auth login", stderr)
	dir := fset.String("profiles", "", "folder of saved profiles")
	pos, err := parseFlags(fset, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("auth login takes one PROFILE")
	}
	found, err := profiles.ResolveFile(pos[0], profiles.Dirs(*dir))
	if err != nil {
		return usagef("%v", err)
	}
	p, err := profiles.Loader{CheckExpr: page.Check}.LoadFound(found)
	var approval *profiles.ApprovalError
	switch {
	case errors.As(err, &approval):
		return usagef("%v", err)
	case err != nil:
		return usagef("invalid profile:\n%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	runCmd := "siphon run " + shellQuote(pos[0]) // the profile as the user named it
	if *dir != "" {
		runCmd += " --profiles " + shellQuote(*dir)
	}
	return login(ctx, p.Config, stdout, runCmd)
}

// login runs the authorization-code flow with PKCE and a loopback redirect,
// and stores the refresh token where the profile's file: reference points.
func login(ctx context.Context, cfg spec.Config, stdout io.Writer, runCmd string) error {
	a := cfg.Auth
	if a.Type != spec.AuthOAuth2 || a.Grant != transport.GrantAuthorizationCode {
		return usagef("profile %s: auth login needs auth.type oauth2 with grant authorization_code", cfg.Name)
	}
	store, ok := strings.CutPrefix(a.RefreshToken.Ref(), "file:")
	if !ok {
		return usagef("profile %s: auth.refresh_token must be a file:PATH reference, where sign-in stores the token", cfg.Name)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("opening the loopback redirect: %w", err)
	}
	redirect := fmt.Sprintf("http://%s/callback", ln.Addr())
	oc := &oauth2.Config{ClientID: a.ClientID, ClientSecret: a.ClientSecret.Reveal(), Scopes: a.Scopes, RedirectURL: redirect,
		Endpoint: oauth2.Endpoint{AuthURL: a.AuthorizeURL, TokenURL: a.TokenURL}}
	verifier := oauth2.GenerateVerifier()
	state := randomState()
	authURL := oc.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))

	type result struct {
		code string
		err  error
	}
	got := make(chan result, 1)
	forged := make(chan struct{}, 1) // a forged or stale callback came and was ignored
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
			// Not the answer to this sign-in: another page or program calling
			// the loopback port, or a stale tab. Its code (or error) is not
			// looked at, and the sign-in goes on waiting for the right one.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, "<p>siphon: this sign-in answer's state did not match the sign-in siphon started, so it was ignored. siphon is still waiting for the right one; finish the sign-in in the tab siphon opened.</p>")
			select {
			case forged <- struct{}{}:
			default:
			}
			return
		}
		var res result
		switch {
		case q.Get("error") != "":
			res.err = fmt.Errorf("the authorization server said %s: %s", termsafe.Clip(q.Get("error"), 100), termsafe.Clip(q.Get("error_description"), 300))
		case q.Get("code") == "":
			res.err = errors.New("the sign-in answer carried no code")
		default:
			res.code = q.Get("code")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if res.err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "<p>siphon: sign-in failed: %s</p>", html.EscapeString(res.err.Error()))
		} else {
			fmt.Fprint(w, "<p>siphon: signed in. You can close this tab.</p>")
		}
		select {
		case got <- res:
		default: // an answer was taken already: the state is used once
		}
	})}
	go srv.Serve(ln)
	defer srv.Close()

	fmt.Fprintf(stdout, "Open this URL to sign in to %s:\n\n  %s\n\nWaiting for the browser to come back to %s ...\n", cfg.Name, termsafe.Line(authURL), redirect)
	if err := openBrowser(authURL); err == nil {
		fmt.Fprintln(stdout, "(opened it in your browser)")
	}
	ctx, cancel := context.WithTimeout(ctx, loginTimeout)
	defer cancel()
	var res result
	for waiting := true; waiting; {
		select {
		case res = <-got:
			waiting = false
		case <-forged:
			fmt.Fprintln(stdout, "An answer with a state that does not match came to the loopback port and was ignored; still waiting.")
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("no sign-in within %s", loginTimeout)
			}
			return errors.New("sign-in canceled before the browser came back")
		}
	}
	if res.err != nil {
		return res.err
	}
	tr, err := ingestTransport(cfg)
	if err != nil {
		return err
	}
	tctx := context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Transport: tr, Timeout: cfg.Timeout})
	tok, err := oc.Exchange(tctx, res.code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return fmt.Errorf("exchanging the sign-in code failed: %s (HTTP %d)", re.ErrorCode, re.Response.StatusCode)
		}
		return fmt.Errorf("exchanging the sign-in code failed: %v", err)
	}
	if tok.RefreshToken == "" {
		return errors.New("the token endpoint gave no refresh token; the API may need an offline-access scope (add it to auth.scopes)")
	}
	if err := transport.WriteSecretFile(store, tok.RefreshToken); err != nil {
		return fmt.Errorf("storing the refresh token in %s: %v", store, err)
	}
	fmt.Fprintf(stdout, "Signed in. The refresh token is stored in %s (mode 0600); run: %s\n", store, runCmd)
	return nil
}

func randomState() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ingestTransport is the profile's TLS-configured transport.
func ingestTransport(cfg spec.Config) (http.RoundTripper, error) {
	return transport.TLS(cfg.TLS)
}
