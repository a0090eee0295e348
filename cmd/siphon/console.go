package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/mattn/go-isatty"

	"siphon/ingest"
	"siphon/ingest/budget"
	"siphon/ingest/page"
	"siphon/ingest/probe"
	"siphon/ingest/spec"
	"siphon/ingest/store"
	"siphon/ingest/termsafe"
	"siphon/ingest/transport"
	"siphon/profiles"
	"siphon/tui"
)

// cmdConsole opens the console on the saved profiles; when stdout is not a
// terminal it lists them instead.
func cmdConsole(args []string, stdout, stderr io.Writer) error {
	fset := newFlags("", stderr)
	dir := fset.String("profiles", "", "folder of saved profiles")
	noBell := fset.Bool("no-bell", false, "no terminal bell when a run in the background ends or fails")
	env := fset.String("env", "", "named environment: values from PROFILE_DIR/env/NAME.env override ${VAR}s (shown in the header)")
	if _, err := parseFlags(fset, args); err != nil {
		return err
	}
	dirs := profiles.Dirs(*dir)
	if !isTerminal(stdout) {
		fmt.Fprintln(stdout, "Saved profiles (the console opens when stdout is a terminal):")
		if err := profilesList(stdout, dirs); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "\nRun one with: siphon run NAME    (or see everything work: siphon demo)")
		return nil
	}
	var profs []*profiles.Profile
	var broken []tui.Profile
	for _, e := range (profiles.Loader{CheckExpr: page.Check}).Discover(dirs) {
		if e.Err != nil {
			broken = append(broken, tui.Profile{Name: e.Name, Description: e.Description, Pagination: e.Pagination, Auth: e.Auth, Err: e.Err})
			continue
		}
		p, err := profiles.Loader{CheckExpr: page.Check, Env: *env}.LoadFile(e.Path)
		var approval *profiles.ApprovalError
		if errors.As(err, &approval) {
			broken = append(broken, waitingForApproval(e, approval.Profile))
			continue
		}
		if err != nil {
			// Most often a secret's variable is not set: say so in the list.
			broken = append(broken, tui.Profile{Name: e.Name, Description: e.Description, Pagination: e.Pagination, Auth: e.Auth, Err: err})
			continue
		}
		profs = append(profs, p)
	}
	title := "siphon"
	if *env != "" {
		title += " · env " + termsafe.Line(*env)
	}
	return consoleOn(title, *env, nil, profs, broken, firstDir(dirs), *noBell, func(cfg spec.Config) string { return outputDir("", cfg) })
}

// firstDir is where the console saves new profiles: the first profiles
// folder.
func firstDir(dirs []string) string {
	if len(dirs) == 0 {
		return ""
	}
	return dirs[0]
}

// runConsole opens the console on the given profiles; `siphon demo` calls
// it. outRoot "" puts each profile's output in ./siphon-data/NAME, else in
// outRoot/NAME.
func runConsole(title string, about []string, profs []*profiles.Profile, outRoot string, noBell bool) error {
	dirOf := func(cfg spec.Config) string {
		if outRoot == "" {
			return store.DefaultDir(cfg.Name)
		}
		return filepath.Join(outRoot, cfg.Name)
	}
	linkBuiltinParents(profs, dirOf)
	return consoleOn(title, "", about, profs, nil, firstDir(profiles.Dirs("")), noBell, dirOf)
}

// consoleOn opens the console; env is the named environment profiles are
// loaded with ("": none).
func consoleOn(title, env string, about []string, profs []*profiles.Profile, broken []tui.Profile, profilesDir string, noBell bool, outDir func(spec.Config) string) error {
	configs := map[string]spec.Config{}
	var items []tui.Profile
	for _, p := range profs {
		configs[p.Config.Name] = p.Config
		items = append(items, consoleItem(p, outDir))
	}
	items = append(items, broken...)
	// Runs on one API origin share one rate budget, with each other and
	// with other siphon processes on this machine.
	budgets := budget.NewRegistry(budget.DefaultDir())
	start := func(p tui.Profile, fresh bool) (tui.Runner, error) {
		cfg, ok := configs[p.Name]
		if p.Path != "" {
			// Read it again: the console may have saved it (selectors, a
			// new profile) since it opened.
			loaded, err := profiles.Loader{CheckExpr: page.Check, Env: env}.LoadFile(p.Path)
			if err != nil {
				return nil, err
			}
			cfg, ok = loaded.Config, true
		}
		if !ok {
			return nil, fmt.Errorf("profile %s is not loaded", p.Name)
		}
		client, err := ingest.New(cfg, ingest.WithBudgets(budgets))
		if err != nil {
			return nil, err
		}
		// The run ends by Cancel (quit, back) or on its own; never by a
		// context the console forgets.
		return client.Start(context.Background(), ingest.Job{Out: p.Out, Fresh: fresh}), nil
	}
	approve := func(p tui.Profile) (tui.Profile, error) {
		if err := profiles.DefaultApprovals().Approve(p.ApprovalHash, p.Path); err != nil {
			return p, err
		}
		loaded, err := profiles.Loader{CheckExpr: page.Check, Env: env}.LoadFile(p.Path)
		var approval *profiles.ApprovalError
		if errors.As(err, &approval) { // changed since it was listed
			return waitingForApproval(profiles.Entry{Name: p.Name, Description: p.Description, Pagination: p.Pagination, Auth: p.Auth, Path: p.Path}, approval.Profile), nil
		}
		if err != nil {
			return p, err
		}
		return consoleItem(loaded, outDir), nil
	}
	return tui.Run(tui.Options{Title: title, About: about, Profiles: items, Start: start, Probe: probeForConsole, Import: importForConsole, ProfilesDir: profilesDir, OutDir: outDir, Login: loginCommand, NoBell: noBell, Budgets: budgets, Approve: approve})
}

// consoleItem is a loaded profile as the console lists it.
func consoleItem(p *profiles.Profile, outDir func(spec.Config) string) tui.Profile {
	cfg := p.Config
	item := tui.Profile{Name: cfg.Name, Description: cfg.Description, Pagination: cfg.Pagination.Type, Auth: cfg.Auth.Type, Out: outDir(cfg),
		Path: p.Path, Records: cfg.Records, PaginationConfig: cfg.Pagination, Format: cfg.Format, PrimaryKey: cfg.PrimaryKey, References: tui.RequestReferences(cfg)}
	if client, err := ingest.New(cfg); needsLogin(cfg, err) {
		item.NeedsLogin = p.Path != ""
		item.Err = err // built-in profiles cannot sign in from here
		if item.NeedsLogin {
			item.Err = nil
		}
		item.URL = cfg.BaseURL + cfg.Path
	} else if err != nil {
		item.Err = err
	} else {
		item.URL = client.Endpoint() // redacted
	}
	return item
}

// waitingForApproval is a stranger's profile as the console lists it before
// the user approved it: what it would read, run, write and send where.
func waitingForApproval(e profiles.Entry, p *profiles.Profile) tui.Profile {
	item := tui.Profile{Name: e.Name, Description: e.Description, Pagination: e.Pagination, Auth: e.Auth, Path: e.Path, ApprovalHash: p.Hash}
	for _, a := range p.Accesses() {
		line := a.Describe()
		if a.Kind == profiles.Sends {
			line = fmt.Sprintf("sends %s (%s) to %s", a.What, a.Field, p.Origin(a.To))
		}
		if a.NeedsApproval() {
			line += ", outside its folder"
			if a.Kind == profiles.Runs {
				line = a.Describe() + ", a command"
			}
		}
		item.Approval = append(item.Approval, line)
	}
	return item
}

// needsLogin reports whether a profile cannot start only because nobody has
// signed in yet (authorization code grant, no refresh token stored).
func needsLogin(cfg spec.Config, err error) bool {
	var ce *transport.CredentialError
	return errors.As(err, &ce) && cfg.Auth.Type == spec.AuthOAuth2 && cfg.Auth.Grant == transport.GrantAuthorizationCode && cfg.Auth.RefreshToken.Reveal() == ""
}

// loginCommand is `siphon auth login PATH`, run with the console's terminal.
func loginCommand(p tui.Profile) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return exec.Command(exe, "auth", "login", p.Path)
}

// probeForConsole is the console's new-profile form: the profile `siphon
// probe URL` would write, and what the request showed.
func probeForConsole(ctx context.Context, req tui.ProbeRequest) (spec.Config, *probe.Report, error) {
	cfg, err := configFromURL(req.URL, req.Name)
	if err != nil {
		return cfg, nil, err
	}
	var bearerEnv, keyEnv, basicEnv string
	switch req.Auth {
	case spec.AuthBearer:
		bearerEnv = req.SecretEnv
	case spec.AuthAPIKey:
		keyEnv = req.SecretEnv
	case spec.AuthBasic:
		basicEnv = req.SecretEnv
	}
	if err := applyProbeFlags(&cfg, nil, nil, bearerEnv, keyEnv, req.KeyName, "header", req.Username, basicEnv); err != nil {
		return cfg, nil, err
	}
	client, err := ingest.New(cfg)
	if err != nil {
		return cfg, nil, err
	}
	rep, err := probe.Run(ctx, client)
	if err != nil {
		return cfg, rep, err
	}
	return rep.Apply(cfg), rep, nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := termsafe.Underlying(w).(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// importForConsole reads a description for the console's import screen;
// with Only, it probes that one proposal as `siphon import` does.
func importForConsole(ctx context.Context, req tui.ImportRequest) (tui.ImportResult, error) {
	auth, vars, err := authFromFlags(req.BearerEnv, "", "", "", "")
	if err != nil {
		return tui.ImportResult{}, err
	}
	out, err := proposeFrom(ctx, importInput{kind: describedKind(req.Source), source: req.Source, baseURL: req.BaseURL, set: req.Set, auth: auth, vars: vars})
	if out == nil {
		return tui.ImportResult{}, err
	}
	res := tui.ImportResult{Title: out.title, Skipped: len(out.skipped)}
	for i := range out.proposals {
		p := &out.proposals[i]
		if req.Only != "" && p.Name != req.Only {
			continue
		}
		verdict := ""
		if req.Only != "" {
			verdict = newProposalChecker(ctx, nil).check(p)
		}
		res.Proposals = append(res.Proposals, tui.ImportProposal{Name: p.Name, Method: p.Method, Path: p.Path, Summary: p.Summary, Tag: p.Tag,
			Records: p.Config.Records, Paging: p.Paging(), Needs: p.Needs, Notes: p.Notes, Verdict: verdict, YAML: p.YAML()})
	}
	return res, err
}

// describedKind tells an OpenAPI description from a Postman collection or
// a HAR file, by its name, else by its first bytes when it is a file.
func describedKind(source string) string {
	lower := strings.ToLower(source)
	switch {
	case strings.HasSuffix(lower, ".har"):
		return "har"
	case strings.Contains(lower, "postman_collection"):
		return "postman"
	case strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://"):
		return "openapi"
	}
	f, err := os.Open(source)
	if err != nil {
		return "openapi" // the import says what is wrong with it
	}
	defer f.Close()
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	text := string(head[:n])
	switch {
	case strings.Contains(text, "getpostman.com/json/collection") || strings.Contains(text, `"_postman_id"`):
		return "postman"
	case strings.Contains(text, `"log"`) && strings.Contains(text, `"entries"`):
		return "har"
	}
	return "openapi"
}
