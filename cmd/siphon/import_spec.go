package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"siphon/ingest"
	"siphon/ingest/page"
	"siphon/ingest/probe"
	"siphon/ingest/spec"
	"siphon/ingest/termsafe"
	"siphon/profiles"
	"siphon/profiles/specimport"
	"siphon/profiles/specimport/har"
	"siphon/profiles/specimport/openapi"
	"siphon/profiles/specimport/postman"
	"siphon/profiles/specimport/recorded"
)

// importSpec is siphon import openapi|postman|har: proposals from a
// description, checked with the probe when the API answers, then printed
// or saved.
func importSpec(kind string, args []string, stdout, stderr io.Writer) error {
	fset := newFlags("import "+kind, stderr)
	var sets, only multiFlag
	fset.Var(&sets, "set", "a path, query or header parameter's value, NAME=VALUE (repeatable)")
	fset.Var(&only, "only", "propose only this operation: its operationId or proposal name (repeatable)")
	baseURL := fset.String("base-url", "", "the API's base URL (default: the description's)")
	bearerEnv := fset.String("bearer-env", "", "send a bearer token from this environment variable")
	keyEnv := fset.String("api-key-env", "", "send an API key from this environment variable")
	keyName := fset.String("api-key-name", "", "the API key's header or query parameter name (default: the description's, else X-API-Key)")
	basicUser := fset.String("basic-user", "", "basic auth user name")
	basicEnv := fset.String("basic-password-env", "", "basic auth password from this environment variable")
	envFile := fset.String("environment", "", "postman: a Postman environment file whose values fill the collection's {{variables}}")
	save := fset.Bool("save", false, "save each proposal into the first profiles folder instead of printing it")
	dir := fset.String("profiles", "", "folder of saved profiles")
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("import %s takes one %s", kind, map[string]string{"openapi": "SPEC (a file or URL)", "postman": "FILE", "har": "FILE"}[kind])
	}
	set := map[string]string{}
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usagef("--set %q: want NAME=VALUE", kv)
		}
		set[k] = v
	}
	auth, vars, err := authFromFlags(*bearerEnv, *keyEnv, *keyName, *basicUser, *basicEnv)
	if err != nil {
		return usagef("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	out, err := proposeFrom(ctx, importInput{kind: kind, source: pos[0], envFile: *envFile, baseURL: *baseURL, set: set, auth: auth, vars: vars})
	if out != nil {
		fmt.Fprintln(stdout, out.headline())
		if len(out.proposals) == 0 {
			for i, sk := range out.skipped {
				if i == 5 {
					fmt.Fprintf(stdout, "  and %d more\n", len(out.skipped)-i)
					break
				}
				fmt.Fprintf(stdout, "  %s\n", termsafe.Line(sk))
			}
		}
	}
	if err != nil {
		return err
	}
	proposals := out.proposals
	if proposals, err = selectProposals(proposals, only); err != nil {
		return usagef("%v", err)
	}
	checker := newProposalChecker(ctx, proposals)
	for i := range proposals {
		p := &proposals[i]
		verdict := checker.check(p)
		fmt.Fprintf(stdout, "\n%s %s  %s\n  records %s · pagination %s\n  %s\n", p.Method, termsafe.Line(p.Path), termsafe.Line(orDash(p.Summary)),
			termsafe.Line(p.Config.Records), termsafe.Line(p.Paging()), verdict)
		if len(p.Needs) > 0 {
			fmt.Fprintf(stdout, "  needs: %s (give --set NAME=VALUE)\n", strings.Join(p.Needs, ", "))
		}
		for _, n := range p.Notes {
			fmt.Fprintf(stdout, "  note: %s\n", termsafe.Line(n))
		}
	}
	printVars(stderr, proposals)
	if !*save {
		for i := range proposals {
			fmt.Fprintf(stdout, "\n--- %s.yaml\n%s", proposals[i].Name, termsafe.Text(string(proposals[i].YAML())))
		}
		return nil
	}
	return saveProposals(stdout, proposals, *dir)
}

// importInput is what an import reads: the kind of description, where it
// is, and what the user gives beside it.
type importInput struct {
	kind, source, envFile, baseURL string
	set                            map[string]string
	auth                           spec.AuthConfig // replaces the description's when its Type is set
	vars                           []specimport.Var
}

// importOutcome is what a description proposes.
type importOutcome struct {
	title     string // the source and what it is: "petstore.yaml (OpenAPI 3.0.3)"
	unit      string // operations or requests
	proposals []specimport.Proposal
	skipped   []string // "GET /x: why", one per operation not proposed
}

func (o *importOutcome) headline() string {
	h := fmt.Sprintf("%s: %d %s list records", termsafe.Line(o.title), len(o.proposals), o.unit)
	if len(o.skipped) > 0 {
		h += fmt.Sprintf("; %d others do not", len(o.skipped))
	}
	return h
}

// proposeFrom reads a description and proposes profiles, unconfirmed.
// The outcome comes back with the error when there is something to show
// (what was read, why nothing lists records).
func proposeFrom(ctx context.Context, in importInput) (*importOutcome, error) {
	switch in.kind {
	case "openapi":
		s, err := openapi.Load(ctx, in.source)
		if err != nil {
			return nil, usagef("import openapi: %v", err)
		}
		res, err := openapi.Propose(s, openapi.Options{BaseURL: in.baseURL, Set: in.set, Auth: in.auth, AuthVars: in.vars})
		out := &importOutcome{title: fmt.Sprintf("%s (OpenAPI %s)", in.source, s.Version), unit: "operations"}
		if res != nil {
			out.proposals = res.Proposals
			for _, sk := range res.Skipped {
				out.skipped = append(out.skipped, sk.Method+" "+sk.Path+": "+sk.Why)
			}
		}
		if err != nil {
			return out, usagef("import openapi %s: %v", in.source, err)
		}
		return out, nil
	case "postman", "har":
		res, err := importRecorded(in.kind, in.source, in.envFile, in.baseURL, in.set)
		if err != nil {
			return nil, err
		}
		out := &importOutcome{title: in.source + " (" + map[string]string{"postman": "Postman collection", "har": "HAR"}[in.kind] + ")", unit: "requests", proposals: res.Proposals}
		for _, sk := range res.Skipped {
			out.skipped = append(out.skipped, sk.Method+" "+sk.URL+": "+sk.Why)
		}
		if len(res.Proposals) == 0 {
			return out, usagef("import %s %s: no request lists records", in.kind, in.source)
		}
		if in.auth.Type != "" {
			for i := range out.proposals {
				out.proposals[i].Config.Auth = in.auth
				out.proposals[i].Vars = append(out.proposals[i].Vars, in.vars...)
			}
		}
		return out, nil
	}
	return nil, usagef("import %s: unknown kind", in.kind)
}

// importRecorded reads a Postman collection or a HAR file into proposals.
func importRecorded(kind, path, envFile, baseURL string, set map[string]string) (*recorded.Result, error) {
	data, err := recorded.ReadFile(path)
	if err != nil {
		return nil, usagef("import %s: %v", kind, err)
	}
	var reqs []recorded.Request
	opts := recorded.Options{BaseURL: baseURL}
	switch kind {
	case "postman":
		var env []byte
		if envFile != "" {
			if env, err = recorded.ReadFile(envFile); err != nil {
				return nil, usagef("import postman --environment: %v", err)
			}
		}
		reqs, err = postman.Parse(data, filepath.Base(path), postman.Options{Environment: env, Set: set})
	case "har":
		if envFile != "" {
			return nil, usagef("--environment is for import postman")
		}
		reqs, err = har.Parse(data, filepath.Base(path))
		opts.NeedsResponse = true
	}
	if err != nil {
		return nil, usagef("import %s: %v", kind, err)
	}
	return recorded.Propose(reqs, opts), nil
}

// selectProposals keeps the ones --only names (all without it).
func selectProposals(all []specimport.Proposal, only []string) ([]specimport.Proposal, error) {
	if len(only) == 0 {
		return all, nil
	}
	var out []specimport.Proposal
	for _, want := range only {
		found := false
		for _, p := range all {
			if p.Name == want || p.Name == specimport.Slug(want) {
				out, found = append(out, p), true
			}
		}
		if !found {
			return nil, fmt.Errorf("--only %s: no such proposal", want)
		}
	}
	return out, nil
}

// authFromFlags is the auth the flags give, with its secrets as
// references to the variables named.
func authFromFlags(bearerEnv, keyEnv, keyName, basicUser, basicEnv string) (spec.AuthConfig, []specimport.Var, error) {
	ref := func(v string) spec.Secret { return spec.NewSecret("${"+v+"}", "") }
	switch {
	case bearerEnv != "":
		return spec.AuthConfig{Type: spec.AuthBearer, Token: ref(bearerEnv)}, []specimport.Var{{Name: bearerEnv, Why: "the bearer token"}}, nil
	case keyEnv != "":
		if keyName == "" {
			keyName = "X-API-Key"
		}
		return spec.AuthConfig{Type: spec.AuthAPIKey, Name: keyName, In: "header", Value: ref(keyEnv)}, []specimport.Var{{Name: keyEnv, Why: "the API key"}}, nil
	case basicUser != "":
		if basicEnv == "" {
			return spec.AuthConfig{}, nil, errors.New("--basic-user needs --basic-password-env")
		}
		return spec.AuthConfig{Type: spec.AuthBasic, Username: basicUser, Password: ref(basicEnv)}, []specimport.Var{{Name: basicEnv, Why: "the password"}}, nil
	}
	return spec.AuthConfig{}, nil, nil
}

// printVars says, once, which variables the proposals read.
func printVars(w io.Writer, proposals []specimport.Proposal) {
	seen := map[string]bool{}
	var lines []string
	for _, p := range proposals {
		for _, v := range p.Vars {
			if !seen[v.Name] {
				seen[v.Name] = true
				lines = append(lines, fmt.Sprintf("  export %s=...   # %s", v.Name, v.Why))
			}
		}
	}
	if len(lines) > 0 {
		fmt.Fprintf(w, "The profiles read their secrets from the environment; before running, set:\n%s\n", strings.Join(lines, "\n"))
	}
}

// saveProposals writes each runnable proposal as NAME.yaml.
func saveProposals(stdout io.Writer, proposals []specimport.Proposal, dir string) error {
	dirs := profiles.Dirs(dir)
	if len(dirs) == 0 {
		return usagef("no profiles folder: give --profiles DIR")
	}
	var failed []string
	fmt.Fprintln(stdout)
	for i := range proposals {
		p := &proposals[i]
		path := filepath.Join(dirs[0], p.Name+".yaml")
		switch {
		case len(p.Needs) > 0:
			fmt.Fprintf(stdout, "Not saved %s: it needs %s (give --set NAME=VALUE)\n", p.Name, strings.Join(p.Needs, ", "))
			continue
		case pathExists(path):
			fmt.Fprintf(stdout, "Not saved %s: %s exists\n", p.Name, path)
			failed = append(failed, p.Name)
			continue
		}
		if err := profiles.WriteNew(path, p.YAML()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Saved %s\n", path)
	}
	if len(failed) > 0 {
		return fmt.Errorf("not saved, the files exist: %s (remove them, or pick others with --only)", strings.Join(failed, ", "))
	}
	return nil
}

// proposalChecker confirms proposals with the probe, when the API answers.
type proposalChecker struct {
	ctx         context.Context
	unreachable map[string]bool // base URLs that did not answer
}

func newProposalChecker(ctx context.Context, _ []specimport.Proposal) *proposalChecker {
	return &proposalChecker{ctx: ctx, unreachable: map[string]bool{}}
}

// check probes the proposal and takes in what the probe corrects (where
// the records are, how it pages). It says in one line what happened.
func (c *proposalChecker) check(p *specimport.Proposal) string {
	if len(p.Needs) > 0 {
		return "not confirmed: needs " + strings.Join(p.Needs, ", ")
	}
	base := p.Config.BaseURL
	if c.unreachable[base] || !c.answers(base) {
		c.unreachable[base] = true
		return "not confirmed (unreachable)"
	}
	loaded, err := profiles.Loader{CheckExpr: page.Check, Trusted: true, LookupEnv: lookupWith(p.Vars)}.LoadBytes(p.Name+".yaml", p.YAML())
	if err != nil {
		return "not confirmed: " + oneLineErr(err)
	}
	client, err := ingest.New(loaded.Config)
	if err != nil {
		return "not confirmed: " + oneLineErr(err)
	}
	ctx, cancel := context.WithTimeout(c.ctx, 2*time.Minute)
	defer cancel()
	rep, err := probe.Run(ctx, client)
	if err != nil {
		// The base URL answered: this is the operation's own failure
		// (a status, a body the probe cannot read).
		return "not confirmed: " + oneLineErr(err)
	}
	return correct(p, loaded.Config, rep)
}

// lookupWith reads the environment, then the values the source held for
// the proposal's variables (a recorded token), so the probe can confirm a
// proposal before the user has exported anything.
func lookupWith(vars []specimport.Var) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if v, ok := os.LookupEnv(name); ok {
			return v, true
		}
		for _, v := range vars {
			if v.Name == name && v.Value != "" {
				return v.Value, true
			}
		}
		return "", false
	}
}

// answers reports whether anything answers HTTP at base.
func (c *proposalChecker) answers(base string) bool {
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, base, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

// correct compares the probe's findings with the proposal: what agrees is
// confirmed; records the probe found elsewhere, and a pagination it
// confirmed with a second request, replace the description's guess.
func correct(p *specimport.Proposal, loaded spec.Config, rep *probe.Report) string {
	cfg := &p.Config
	var said []string
	recordsFound := rep.Records == cfg.Records
	for _, a := range rep.Arrays {
		if a.Path == cfg.Records && a.Objects {
			recordsFound = true
		}
	}
	switch {
	case recordsFound:
		said = append(said, fmt.Sprintf("records %s (%d on the first page)", cfg.Records, rep.RecordCount))
	case rep.RecordCount > 0:
		said = append(said, fmt.Sprintf("records corrected: %s → %s", cfg.Records, rep.Records))
		cfg.Records = rep.Records
	default:
		said = append(said, "no records on the first page")
	}
	if len(cfg.PrimaryKey) == 0 && rep.PrimaryKey != "" {
		cfg.PrimaryKey = []string{rep.PrimaryKey}
	}
	switch probed := rep.Pagination.Type; {
	case probed == cfg.Pagination.Type:
		said = append(said, "pagination "+probed)
	case probed == spec.PageNone || probed == "":
		said = append(said, "pagination not seen (one page?): kept "+cfg.Pagination.Type)
	default:
		loaded.Records = cfg.Records
		applied := rep.Apply(loaded)
		said = append(said, fmt.Sprintf("pagination corrected: %s → %s", cfg.Pagination.Type, specimport.PagingText(applied.Pagination)))
		cfg.Pagination = applied.Pagination
		cfg.Params = applied.Params
	}
	return "confirmed by the probe: " + strings.Join(said, "; ")
}

// oneLineErr is an error's first line, safe to print.
func oneLineErr(err error) string { return termsafe.Line(firstLine(err.Error())) }

// pathExists reports anything at path, a link included.
func pathExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
