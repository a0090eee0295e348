// Command siphon pulls data out of HTTP APIs: a console to watch runs live
// and a headless runner for scripts and long backfills.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	_ "siphon/ingest/store/s3store" // serves --out s3://
	"siphon/ingest/termsafe"
)

// Exit codes (documented in docs/output.md).
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// quietError ends a command with an exit code and nothing more to say:
// what it had to say is on stdout (replay's "the walks differ").
type quietError struct{ code int }

func (e *quietError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// usageError is bad usage or an invalid profile: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

const usage = `siphon pulls data out of HTTP APIs.

Usage:
  siphon                         open the console on the saved profiles
  siphon demo                    start the built-in demo API and open the console on its profiles
  siphon run PROFILE             run one profile headless (resumes from its checkpoint)
  siphon probe PROFILE|URL       send one request: records, pagination, rate limits, and a profile
  siphon auth login PROFILE      OAuth2 sign-in (PKCE, loopback redirect); stores the refresh token
  siphon import curl 'CMD'       turn a curl command into a profile (secrets become ${VAR}s)
  siphon import openapi SPEC     propose profiles from an OpenAPI/Swagger description (also: postman, har)
  siphon profiles list           list the saved profiles
  siphon profiles show NAME      print one profile (secrets as references)
  siphon profiles check FILE...  validate profile files; say what each reads, runs, writes and sends where
  siphon profiles trust FILE...  approve a profile to read, run and write outside its folder
  siphon budget show [ORIGIN]    shared rate budgets per API origin: state files, holds
  siphon budget clear ORIGIN     remove an origin's hold (a server's wait of over an hour)
  siphon state show|rewind|set|reset PROFILE ...   see and correct a run's resumable state
  siphon replay PROFILE          walk the archived pages again with the profile as it is now, offline, and diff
  siphon demo-server             serve the demo API alone (flags inject faults)
  siphon version                 version and build info

PROFILE is a saved profile's name or a path to a .yaml file.
Run 'siphon COMMAND -h' for a command's flags.
`

func main() {
	tuneGC()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a command line and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	// Whatever siphon prints may hold text an API or a profile sent: it
	// reaches the terminal with every control shown, never acted on. (The
	// console draws its own screen, and cleans what it draws.)
	stdout, stderr = termsafe.NewWriter(stdout), termsafe.NewWriter(stderr)
	cmd, rest := "", args
	if len(args) > 0 && !isConsoleFlag(args[0]) {
		cmd, rest = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "", "console":
		err = cmdConsole(rest, stdout, stderr)
	case "run":
		err = cmdRun(rest, stdout, stderr)
	case "probe":
		err = cmdProbe(rest, stdout, stderr)
	case "demo":
		err = cmdDemo(rest, stdout, stderr)
	case "demo-server":
		err = cmdDemoServer(rest, stdout, stderr)
	case "profiles":
		err = cmdProfiles(rest, stdout, stderr)
	case "auth":
		err = cmdAuth(rest, stdout, stderr)
	case "import":
		err = cmdImport(rest, stdout, stderr)
	case "state":
		err = cmdState(rest, stdout, stderr)
	case "replay":
		err = cmdReplay(rest, stdout, stderr)
	case "budget":
		err = cmdBudget(rest, stdout, stderr)
	case "version", "--version":
		err = cmdVersion(stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = usagef("unknown command %q\n\n%s", cmd, usage)
	}
	return exitCode(err, stderr)
}

// isConsoleFlag tells whether a first argument is a flag of the bare
// "siphon" that opens the console ("siphon --profiles DIR"), rather than a
// command. Help flags stay the usage text's.
func isConsoleFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--help":
		return false
	}
	return strings.HasPrefix(arg, "-") && arg != "-" && arg != "--version"
}

// exitCode prints err (already redacted by whoever made it), its remedies
// as this command's flags, and maps it to the documented exit codes.
func exitCode(err error, stderr io.Writer) int {
	var ue *usageError
	var ie *interruptedError
	var qe *quietError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &qe):
		return qe.code
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "siphon: %s\n", cliRemedies.Error(err))
		return exitUsage
	case errors.As(err, &ie):
		fmt.Fprintf(stderr, "siphon: %s\n", cliRemedies.Error(err))
		return exitInterrupted
	default:
		fmt.Fprintf(stderr, "siphon: %s\n", cliRemedies.Error(err))
		return exitFailed
	}
}

// newFlags makes a flag set that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("siphon "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses flags that may follow positional arguments too
// ("siphon run orders --max-pages 3").
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
