package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"siphon/ingest"
	"siphon/ingest/atomicfile"
	"siphon/ingest/bodyformat"
	"siphon/ingest/probe"
	"siphon/ingest/redact"
	"siphon/ingest/spec"
	"siphon/profiles"
)

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func cmdProbe(args []string, stdout, stderr io.Writer) error {
	fset := newFlags("probe", stderr)
	var headers, params multiFlag
	fset.Var(&headers, "header", "request header 'Name: value' (repeatable; for secrets use the auth flags)")
	fset.Var(&params, "param", "query parameter name=value (repeatable)")
	bearerEnv := fset.String("bearer-env", "", "send a bearer token from this environment variable")
	keyEnv := fset.String("api-key-env", "", "send an API key from this environment variable")
	keyName := fset.String("api-key-name", "X-API-Key", "the API key's header or query parameter name")
	keyIn := fset.String("api-key-in", "header", "where the API key goes: header or query")
	basicUser := fset.String("basic-user", "", "basic auth user name")
	basicEnv := fset.String("basic-password-env", "", "basic auth password from this environment variable")
	method := fset.String("method", "", "GET or POST (default: the profile's, else GET)")
	data := fset.String("data", "", "JSON body of a POST (implies --method POST)")
	dataFile := fset.String("data-file", "", "read the JSON body of a POST from this file")
	tokenURL := fset.String("token-url", "", "OAuth2 client credentials: the token endpoint")
	clientID := fset.String("client-id", "", "OAuth2 client credentials: the client ID")
	clientSecretEnv := fset.String("client-secret-env", "", "OAuth2 client credentials: the client secret from this environment variable")
	var scopes multiFlag
	fset.Var(&scopes, "scope", "OAuth2 scope to ask for (repeatable)")
	name := fset.String("name", "", "name for the written profile (default: from the URL's path)")
	save := fset.Bool("save", false, "save the profile into the first profiles folder instead of printing it")
	dir := fset.String("profiles", "", "folder of saved profiles")
	baseURL := fset.String("base-url", "", "override the profile's base_url")
	format := fset.String("format", "", "read the body as json, ndjson, xml, csv or tsv (default: the profile's, else from the Content-Type)")
	envName := fset.String("env", "", "named environment: values from PROFILE_DIR/env/NAME.env override ${VAR}s")
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("probe takes one PROFILE or URL")
	}
	var cfg spec.Config
	var source string            // the profile file probed, written back by --save
	saved := &profiles.Profile{} // as loaded: writing it back keeps its references
	fromURL := strings.HasPrefix(pos[0], "http://") || strings.HasPrefix(pos[0], "https://")
	if fromURL {
		if cfg, err = configFromURL(pos[0], *name); err != nil {
			return usagef("%v", err)
		}
	} else {
		p, err := loadProfile(pos[0], *dir, *envName)
		if err != nil {
			return err
		}
		cfg, source, saved = p.Config, p.Path, p
	}
	if *baseURL != "" {
		cfg.BaseURL = *baseURL
	}
	if *format != "" {
		if !slices.Contains(bodyformat.Names(), strings.ToLower(*format)) {
			return usagef("--format %q: it is one of %s", *format, strings.Join(bodyformat.Names(), ", "))
		}
		cfg.Format = strings.ToLower(*format)
	}
	if err := applyProbeFlags(&cfg, headers, params, *bearerEnv, *keyEnv, *keyName, *keyIn, *basicUser, *basicEnv); err != nil {
		return usagef("%v", err)
	}
	if err := applyRequestFlags(&cfg, *method, *data, *dataFile); err != nil {
		return usagef("%v", err)
	}
	if *tokenURL != "" || *clientID != "" || *clientSecretEnv != "" {
		if err := applyOAuthFlags(&cfg, *tokenURL, *clientID, *clientSecretEnv, scopes); err != nil {
			return usagef("%v", err)
		}
	}
	client, err := ingest.New(cfg)
	if err != nil {
		return usagef("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := probe.Run(ctx, client)
	printProbe(stdout, rep)
	if err != nil {
		return fmt.Errorf("probe %s: %v", cfg.Name, err)
	}
	cfg = rep.Apply(cfg)
	saved.Config = cfg
	out := profiles.Compact(saved)
	if fromURL {
		defer printExports(stdout, cfg)
	}
	if !*save {
		fmt.Fprintf(stdout, "\nProfile (save it with --save):\n---\n%s", out)
		return nil
	}
	if source != "" {
		// Probing a saved profile: update it, keeping the old text aside.
		old, err := os.ReadFile(source)
		if err != nil {
			return err
		}
		if err := atomicfile.Write(source+".bak", old, 0o600); err != nil {
			return err
		}
		if err := profiles.Replace(source, old, out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nUpdated %s (the old version is in %s.bak). Run it with: siphon run %s\n", source, source, cfg.Name)
		return nil
	}
	dirs := profiles.Dirs(*dir)
	if len(dirs) == 0 {
		return errors.New("no profiles folder: give --profiles DIR")
	}
	path := filepath.Join(dirs[0], cfg.Name+".yaml")
	if _, err := os.Stat(path); err == nil {
		return usagef("%s exists; choose another --name or remove it", path)
	}
	if err := profiles.WriteNew(path, out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nSaved %s. Run it with: siphon run %s\n", path, cfg.Name)
	return nil
}

var nameChars = regexp.MustCompile(`[^a-z0-9._-]+`)

// configFromURL starts a profile from a bare URL.
func configFromURL(raw, name string) (spec.Config, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return spec.Config{}, fmt.Errorf("%q is not an absolute URL", raw)
	}
	if name == "" {
		segs := strings.Split(strings.Trim(u.Path, "/"), "/")
		name = strings.Trim(nameChars.ReplaceAllString(strings.ToLower(segs[len(segs)-1]), "-"), "-")
		if name == "" {
			name = strings.Trim(nameChars.ReplaceAllString(strings.ToLower(u.Hostname()), "-"), "-")
		}
	}
	// A proposed profile keeps the default page archive: raw pages are
	// what one reads when a run goes wrong.
	cfg := spec.Config{Name: name, BaseURL: u.Scheme + "://" + u.Host, Path: u.Path, Params: map[string]string{}, Output: spec.OutputConfig{RawPages: true}}
	for k, vs := range u.Query() {
		cfg.Params[k] = vs[0]
		if redact.IsCredentialName(k) && vs[0] != "" {
			// A key in the URL is used for this probe, and written into the
			// profile only as a reference named after the parameter.
			v := profiles.EnvName(k)
			cfg.Secrets = append(cfg.Secrets, spec.NewSecret("${"+v+"}", vs[0]))
			cfg.SecretParams = append(cfg.SecretParams, k)
		}
	}
	return cfg, nil
}

// applyRequestFlags sets the method and JSON body of a probed request.
func applyRequestFlags(cfg *spec.Config, method, data, dataFile string) error {
	if data != "" && dataFile != "" {
		return errors.New("give --data or --data-file, not both")
	}
	if dataFile != "" {
		b, err := os.ReadFile(dataFile)
		if err != nil {
			return fmt.Errorf("--data-file: %w", err)
		}
		data = string(b)
	}
	if data != "" {
		if !json.Valid([]byte(data)) {
			return errors.New("--data: the body must be JSON")
		}
		cfg.Body = json.RawMessage(data)
		if method == "" {
			method = "POST"
		}
	}
	if method != "" {
		m := strings.ToUpper(method)
		if m != "GET" && m != "POST" {
			return fmt.Errorf("--method %q: GET or POST", method)
		}
		cfg.Method = m
	}
	return nil
}

// applyOAuthFlags sets OAuth2 client credentials.
func applyOAuthFlags(cfg *spec.Config, tokenURL, clientID, secretEnv string, scopes []string) error {
	if tokenURL == "" || clientID == "" || secretEnv == "" {
		return errors.New("OAuth2 client credentials need --token-url, --client-id and --client-secret-env")
	}
	v := os.Getenv(secretEnv)
	if v == "" {
		return fmt.Errorf("environment variable %s is not set", secretEnv)
	}
	cfg.Auth = spec.AuthConfig{Type: spec.AuthOAuth2, Grant: "client_credentials", TokenURL: tokenURL, ClientID: clientID,
		ClientSecret: spec.NewSecret("${"+secretEnv+"}", v), Scopes: scopes}
	return nil
}

// printExports tells which environment variables a profile made from a URL
// reads its query secrets from, without repeating their values.
func printExports(w io.Writer, cfg spec.Config) {
	for _, k := range cfg.SecretParams {
		for _, s := range cfg.Secrets {
			if s.Ref() == "${"+profiles.EnvName(k)+"}" {
				fmt.Fprintf(w, "The query parameter %s holds a secret: the profile reads it from %s. Before running it:\n  export %s=...   # the value you gave in the URL\n", k, s.Ref(), profiles.EnvName(k))
			}
		}
	}
}

func applyProbeFlags(cfg *spec.Config, headers, params multiFlag, bearerEnv, keyEnv, keyName, keyIn, basicUser, basicEnv string) error {
	if cfg.Headers == nil {
		cfg.Headers = map[string]string{}
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	for _, h := range headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			return fmt.Errorf("--header %q: want 'Name: value'", h)
		}
		cfg.Headers[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	for _, p := range params {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return fmt.Errorf("--param %q: want name=value", p)
		}
		cfg.Params[k] = v
	}
	env := func(name string) (spec.Secret, error) {
		v := os.Getenv(name)
		if v == "" {
			return spec.Secret{}, fmt.Errorf("environment variable %s is not set", name)
		}
		return spec.NewSecret("${"+name+"}", v), nil
	}
	var err error
	switch {
	case bearerEnv != "":
		cfg.Auth = spec.AuthConfig{Type: spec.AuthBearer}
		cfg.Auth.Token, err = env(bearerEnv)
	case keyEnv != "":
		cfg.Auth = spec.AuthConfig{Type: spec.AuthAPIKey, Name: keyName, In: keyIn}
		cfg.Auth.Value, err = env(keyEnv)
	case basicUser != "":
		cfg.Auth = spec.AuthConfig{Type: spec.AuthBasic, Username: basicUser}
		if basicEnv != "" {
			cfg.Auth.Password, err = env(basicEnv)
		}
	}
	return err
}

func printProbe(w io.Writer, r *probe.Report) {
	if r == nil {
		return
	}
	fmt.Fprintf(w, "%s %s\n", r.Method, r.URL)
	if r.Status == 0 {
		return
	}
	fmt.Fprintf(w, "HTTP %d in %s · %s · %s", r.Status, r.Duration.Round(time.Millisecond), orDash(r.ContentType), bytesText(int64(r.Bytes)))
	if r.Format != "" && r.Format != bodyformat.FormatJSON {
		fmt.Fprintf(w, " · read as %s", r.Format)
	}
	fmt.Fprintln(w)
	printHeaders(w, "Request headers", r.RequestHeaders)
	printHeaders(w, "Response headers", r.ResponseHeaders)
	if rl := r.RateLimit; rl != nil {
		fmt.Fprintf(w, "Rate limit (%s headers): %d of %d left", rl.Dialect, rl.Remaining, rl.Limit)
		if !rl.Reset.IsZero() {
			fmt.Fprintf(w, ", resets in %s", time.Until(rl.Reset).Round(100*time.Millisecond))
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "Rate limit: no rate-limit headers")
	}
	fmt.Fprintf(w, "Records: %s (%d)\n", r.Records, r.RecordCount)
	for i, a := range r.Arrays {
		if i >= 6 {
			fmt.Fprintf(w, "  ... %d more arrays\n", len(r.Arrays)-i)
			break
		}
		kind := "values"
		if a.Objects {
			kind = "objects"
		}
		fields := strings.Join(a.Fields, ", ")
		if len(fields) > 80 {
			fields = fields[:80] + "…"
		}
		fmt.Fprintf(w, "  %-24s %4d %s  %s\n", a.Path, a.Count, kind, fields)
	}
	fmt.Fprintf(w, "Primary key: %s\n", orDash(r.PrimaryKey))
	if r.Unknown != "" {
		fmt.Fprintf(w, "Pagination: unknown (%s)\n", r.Unknown)
	} else {
		fmt.Fprintf(w, "Pagination: %s\n", r.Pagination.Type)
	}
	for _, e := range r.Evidence {
		fmt.Fprintf(w, "  evidence: %s\n", e)
	}
	if r.Confirmed != "" {
		fmt.Fprintf(w, "  checked: %s\n", r.Confirmed)
	}
	if p := r.Pagination; p.StopWhen != "" {
		fmt.Fprintf(w, "  stop_when: %s\n", p.StopWhen)
	}
	if r.ErrorWhen != "" {
		fmt.Fprintf(w, "Errors in 200s: error_when %s, error_message %s\n", r.ErrorWhen, r.ErrorMessage)
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "WARNING: %s\n", warn)
	}
}

func printHeaders(w io.Writer, title string, h map[string]string) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "%s:\n", title)
	for _, k := range keys {
		fmt.Fprintf(w, "  %s: %s\n", k, h[k])
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
