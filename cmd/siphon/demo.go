package main

import (
	"context"
	"crypto/tls"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"siphon/ingest"
	"siphon/ingest/demoapi"
	"siphon/ingest/page"
	"siphon/ingest/spec"
	"siphon/profiles"
)

//go:embed demo/*.yaml
var demoFiles embed.FS

// demoServers are the demo API's instances: one well-behaved, one flaky,
// one rate-limited, one whose records drift. The built-in profiles find them
// through these variables.
type demoServers struct {
	servers []*demoapi.Server
	env     map[string]string
}

// startDemoServers starts the demo servers on port, port+1, ... when those
// are free (so that a demo's checkpoints stay valid from one session to the
// next: they name the base URL), else on free ports.
func startDemoServers(port int) *demoServers {
	d := &demoServers{env: map[string]string{}}
	add := func(env string, opts demoapi.Options) {
		var s *demoapi.Server
		if port > 0 {
			s, _ = demoapi.Listen(fmt.Sprintf("127.0.0.1:%d", port+len(d.servers)), opts)
		}
		if s == nil {
			s = demoapi.NewServer(opts)
		}
		d.servers = append(d.servers, s)
		d.env[env] = s.URL
	}
	add("SIPHON_DEMO_URL", demoapi.Options{Records: 1000, Latency: 5 * time.Millisecond})
	add("SIPHON_DEMO_FLAKY_URL", demoapi.Options{Records: 1000, Latency: 5 * time.Millisecond, Faults: demoapi.Faults{
		ServerErrorRate: 0.08, ResetRate: 0.03, TruncateRate: 0.03, HTMLRate: 0.03, SlowRate: 0.05, SlowDelay: 400 * time.Millisecond,
	}})
	add("SIPHON_DEMO_LIMITED_URL", demoapi.Options{Records: 1000, Faults: demoapi.Faults{RateLimit: 5, RateLimitHeaders: "x"}})
	add("SIPHON_DEMO_DRIFT_URL", demoapi.Options{Records: 1000, Latency: 5 * time.Millisecond, Faults: demoapi.Faults{DriftAfter: 500}})
	add("SIPHON_DEMO_BACKFILL_URL", demoapi.Options{Records: 6000, Latency: 40 * time.Millisecond, Faults: demoapi.Faults{RateLimit: 50, RateLimitHeaders: "x"}})
	return d
}

// demoServerRoles names the demo servers in the order startDemoServers
// starts them, by the variable the built-in profiles read.
var demoServerRoles = []struct{ env, role string }{
	{"SIPHON_DEMO_URL", "well-behaved"},
	{"SIPHON_DEMO_FLAKY_URL", "flaky"},
	{"SIPHON_DEMO_LIMITED_URL", "rate-limited"},
	{"SIPHON_DEMO_DRIFT_URL", "drifting"},
	{"SIPHON_DEMO_BACKFILL_URL", "backfill: 6,000 records, 50 requests a window"},
}

// summary is one line: every server's URL and role.
func (d *demoServers) summary() string {
	var parts []string
	for _, r := range demoServerRoles {
		parts = append(parts, fmt.Sprintf("%s (%s)", d.env[r.env], r.role))
	}
	return strings.Join(parts, ", ")
}

// about is what the demo console shows under its profiles, in lines of
// at most width: each server's role and URL (the console has the screen,
// so nothing printed before it would be seen), and where a profile added
// with a goes.
func (d *demoServers) about(profilesDir string, width int) []string {
	lines := []string{"demo API:"}
	for _, r := range demoServerRoles {
		role, _, _ := strings.Cut(r.role, ":")
		part := role + " " + d.env[r.env]
		last := &lines[len(lines)-1]
		switch {
		case strings.HasSuffix(*last, ":"):
			*last += " " + part
		case len(*last)+3+len(part) <= width:
			*last += " · " + part
		default:
			lines = append(lines, part)
		}
	}
	if profilesDir != "" {
		lines = append(lines, "a saves a new profile in "+profilesDir+": siphon console lists it there")
	}
	return lines
}

func (d *demoServers) Close() {
	for _, s := range d.servers {
		s.Close()
	}
}

// lookupEnv resolves the demo variables to the running servers.
func (d *demoServers) lookupEnv(name string) (string, bool) {
	if v, ok := d.env[name]; ok {
		return v, true
	}
	return os.LookupEnv(name)
}

// demoProfiles loads the built-in profiles, pointed at the servers.
func demoProfiles(lookup func(string) (string, bool)) ([]*profiles.Profile, error) {
	names, err := fs.Glob(demoFiles, "demo/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	loader := profiles.Loader{CheckExpr: page.Check, LookupEnv: lookup}
	var out []*profiles.Profile
	for _, name := range names {
		data, err := demoFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		p, err := loader.LoadBytes("builtin:"+path.Base(name), data)
		if err != nil {
			return nil, fmt.Errorf("built-in demo profile: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// linkBuiltinParents points each built-in fan-out profile (partitions.from
// naming another built-in profile) at that profile's output folder, as
// `siphon run` does for saved profiles; dirOf is where a profile writes.
func linkBuiltinParents(profs []*profiles.Profile, dirOf func(spec.Config) string) {
	byName := map[string]*profiles.Profile{}
	for _, p := range profs {
		byName[p.Config.Name] = p
	}
	for _, p := range profs {
		from := &p.Config.Partitions.From
		if parent, ok := byName[from.Profile]; ok && from.Dir == "" {
			from.Dir = dirOf(parent.Config)
		}
	}
}

// demoShowcase is what `siphon demo` runs headless: a plain run, retries,
// a rate limit and a caught loop.
var demoShowcase = []string{"demo-cursor", "demo-flaky", "demo-rate-limited", "demo-loop"}

func cmdDemo(args []string, stdout, stderr io.Writer) error {
	fset := newFlags("demo", stderr)
	out := fset.String("out", "", "output folder for the demo runs (default: ./siphon-data/NAME in the console, a new temporary folder headless)")
	logFormat := fset.String("log", "text", "event log format on stderr: text or json")
	port := fset.Int("port", 8089, "first of the five ports the demo API uses when free (0: any free ports)")
	headless := fset.Bool("headless", false, "run the showcase profiles headless even on a terminal")
	noBell := fset.Bool("no-bell", false, "in the console: no terminal bell when a run in the background ends or fails")
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	servers := startDemoServers(*port)
	defer servers.Close()
	profs, err := demoProfiles(servers.lookupEnv)
	if err != nil {
		return err
	}
	byName := map[string]*profiles.Profile{}
	for _, p := range profs {
		byName[p.Config.Name] = p
	}
	if !*headless && len(pos) == 0 && isTerminal(stdout) {
		return runConsole("siphon demo", servers.about(firstDir(profiles.Dirs("")), 80), profs, *out, *noBell)
	}
	chosen := demoShowcase
	if len(pos) > 0 {
		chosen = pos
	}
	if *out == "" {
		if *out, err = os.MkdirTemp("", "siphon-demo-"); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "siphon demo: the demo API is serving on %s\n", servers.summary())
	fmt.Fprintf(stderr, "siphon demo: running %d demo profiles headless into %s\n\n", len(chosen), *out)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var failures []string
	for _, name := range chosen {
		p, ok := byName[name]
		if !ok {
			return usagef("no demo profile %q; the demo profiles are: %s", name, demoNames(profs))
		}
		client, err := ingest.New(p.Config)
		if err != nil {
			return err
		}
		dir := path.Join(*out, name)
		run := client.Start(ctx, ingest.Job{Out: dir})
		var rep reporter = newTextReporter(stderr, name)
		if *logFormat == "json" {
			rep = newJSONReporter(stderr)
		}
		watch(run, rep, time.Second)
		err = run.Wait()
		if errors.Is(err, ingest.ErrCanceled) {
			return &interruptedError{"demo interrupted"}
		}
		if err != nil {
			fmt.Fprintf(stderr, "siphon: %s stopped: %s\n", name, cliRemedies.Error(err))
			failures = append(failures, name)
		}
		fmt.Fprintln(stderr)
	}
	fmt.Fprintf(stdout, "Output is in %s (records.jsonl, checkpoint.json and pages/ per profile).\n", *out)
	if len(failures) > 0 && !(len(failures) == 1 && failures[0] == "demo-loop") {
		return fmt.Errorf("demo profiles failed: %v", failures)
	}
	return nil
}

func demoNames(profs []*profiles.Profile) string {
	s := ""
	for i, p := range profs {
		if i > 0 {
			s += ", "
		}
		s += p.Config.Name
	}
	return s
}

func cmdDemoServer(args []string, stdout, stderr io.Writer) error {
	fset := newFlags("demo-server", stderr)
	addr := fset.String("addr", "127.0.0.1:8089", "address to listen on")
	all := fset.Bool("all", false, "serve every built-in demo profile's API: five servers on the ports from --addr's on (8089-8093), as siphon demo does; fault flags do not apply")
	tlsDir := fset.String("tls-dir", "", "serve HTTPS with a fresh CA, server and client certificates written to this folder")
	mtls := fset.Bool("mtls", false, "with --tls-dir: require a client certificate signed by that CA")
	var opts demoapi.Options
	opts.RegisterFlags(fset)
	if _, err := parseFlags(fset, args); err != nil {
		return err
	}
	if err := opts.Validate(); err != nil {
		return usagef("%v", err)
	}
	if *mtls && *tlsDir == "" {
		return usagef("--mtls needs --tls-dir")
	}
	if *all {
		return serveAllDemos(*addr, stdout)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", *addr, err)
	}
	api := demoapi.New(opts)
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	if *tlsDir != "" {
		files, err := demoapi.WriteTLSFiles(*tlsDir)
		if err != nil {
			return err
		}
		if srv.TLSConfig, err = demoapi.ServerTLSConfig(files, *mtls); err != nil {
			return err
		}
		ln = tls.NewListener(ln, srv.TLSConfig)
		base = "https://" + ln.Addr().String()
		fmt.Fprintf(stdout, "TLS: CA %s; client certificate %s and key %s (a wrong one: %s)\n", files.CAFile, files.ClientCertFile, files.ClientKeyFile, files.WrongClientCertFile)
	}
	fmt.Fprintf(stdout, "siphon demo API on %s (%d records)\n", base, api.Len())
	for _, e := range demoapi.Endpoints() {
		fmt.Fprintf(stdout, "  %-12s %s%s?%s  %s\n", e.Pagination, base, e.Path, e.Query, e.Description)
	}
	fmt.Fprintln(stdout, "Ctrl-C stops it.")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serveAllDemos serves the five demo APIs the built-in profiles point at by
// default, until a signal: with them, every profile in cmd/siphon/demo runs
// as it is (or with the variables it prints, when a port was taken).
func serveAllDemos(addr string, stdout io.Writer) error {
	_, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("--addr %q: %v", addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return usagef("--addr %q: the port must be a number", addr)
	}
	servers := startDemoServers(port)
	defer servers.Close()
	fmt.Fprintln(stdout, "siphon demo APIs, one per built-in profile's base_url:")
	for _, r := range demoServerRoles {
		fmt.Fprintf(stdout, "  export %s=%s   # %s\n", r.env, servers.env[r.env], r.role)
	}
	fmt.Fprintln(stdout, "The built-in profiles use these ports by default; export the variables if one differs. Ctrl-C stops them.")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}
