// Package tui is siphon's console. It supervises many runs at once: from
// the profile picker any number are started, they go on in the background,
// the runs list shows them all, and each has its view (state, counters,
// progress, partitions, event log, records preview, page inspector,
// history), drawn with Bubble Tea from the runs' events and snapshots.
//
// Two editors help write profiles: the selector playground (s on a page in
// the inspector) tries records and pagination expressions on the page's
// archived body and saves them into the profile's file; the new-profile
// form (a in the picker) probes an endpoint through Options.Probe, opens
// the same editor on the first page, and saves a new profile. Both
// evaluate in commands, so a slow expression never blocks the screen.
package tui

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"siphon/ingest"
	"siphon/ingest/budget"
	"siphon/ingest/spec"
)

// Runner is what the console needs of a run; *ingest.Run satisfies it.
type Runner interface {
	Events() <-chan ingest.Event
	Snapshot() ingest.Snapshot
	Pause()
	Resume()
	Cancel()
	Done() <-chan struct{}
	Wait() error
}

// Profile is one line of the picker.
type Profile struct {
	Name, Description, Pagination, Auth string
	URL                                 string // redacted endpoint
	Out                                 string // its output folder
	Err                                 error  // the profile cannot be run, and why

	// For the selector playground: the file it came from ("" for built-in
	// profiles, which cannot be saved), its records expression and its
	// pagination.
	Path             string
	Records          string
	PaginationConfig spec.PaginationConfig
	// Format is the profile's format key ("": from the Content-Type):
	// the playground reads a saved XML or CSV page as a run does.
	Format string

	// PrimaryKey is the record fields that identify a record: the records
	// table shows them first.
	PrimaryKey []string

	// NeedsLogin marks an OAuth2 sign-in profile with no refresh token
	// yet: enter runs Options.Login instead of the profile.
	NeedsLogin bool

	// Approval lists what the profile would read, run, write and send
	// where, when it waits for the user's approval (a stranger's profile
	// that reaches outside its folder): enter shows the list and y
	// approves through Options.Approve. ApprovalHash is the content the
	// list was made from: approval is for that content only.
	Approval     []string
	ApprovalHash string

	// References is where its page requests show the profile's ${VAR}
	// references (RequestReferences): the only text a copied curl
	// command leaves for the shell to expand. nil: none is expanded.
	References map[string]string
}

// Starter starts a run of p; fresh discards the checkpoint (the old output
// is moved aside).
type Starter func(p Profile, fresh bool) (Runner, error)

// Options configure the console.
type Options struct {
	Title    string // shown at the top, e.g. "siphon demo"
	Profiles []Profile
	Start    Starter
	Now      func() time.Time // nil: time.Now; tests inject a clock
	Keys     *KeyMap          // nil: DefaultKeyMap()
	Styles   *Styles          // nil: DefaultStyles(lipgloss.DefaultRenderer())

	// The picker's new-profile form (a): Probe sends its request,
	// ProfilesDir is where the profile is saved (either unset turns the
	// form off), OutDir names a new profile's output folder (nil:
	// siphon-data/NAME).
	Probe       Prober
	ProfilesDir string
	OutDir      func(spec.Config) string

	// Import reads API descriptions for the picker's import screen (o) and
	// probes the proposal chosen; nil (or no ProfilesDir) turns it off.
	Import Importer

	// Budgets is the registry of rate budgets the runs share by API
	// origin; the run view shows how its budget is split. nil: none shown.
	Budgets *budget.Registry

	// CacheDir is siphon's cache folder, where a page's request copied as
	// curl is also saved. "": the user's cache folder's siphon.
	CacheDir string

	// About is a few lines the profile picker shows under its list, such
	// as where the demo API serves; each is cut to the width with "…".
	About []string

	// NoBell keeps the terminal's bell quiet when a run in the background
	// ends or fails.
	NoBell bool

	// Login returns the command that signs in to a profile (siphon auth
	// login); the console hands it the terminal and takes it back after.
	Login func(p Profile) *exec.Cmd

	// Approve records the user's approval of a profile's content
	// (Profile.ApprovalHash) and returns the profile loaded again, ready to
	// start. It runs as a command, never inside Update.
	Approve func(p Profile) (Profile, error)
}

// Run opens the console full-screen on the terminal and returns when the
// user quits. Runs still live then (a signal ended the program) are
// cancelled and waited for, so every checkpoint is saved.
func Run(opts Options) error {
	return run(opts, os.Stdin, os.Stdout)
}

func run(opts Options, in io.Reader, out io.Writer) error {
	if opts.Styles == nil {
		// The renderer follows the output's colour support and NO_COLOR.
		s := DefaultStyles(lipgloss.NewRenderer(out))
		opts.Styles = &s
	}
	m := New(opts)
	m.env.term = out // the clipboard's OSC 52 goes where the frames go
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithInput(in), tea.WithOutput(out))
	final, err := p.Run()
	if m, ok := final.(Model); ok {
		m.stopRuns()
	}
	if err != nil && err != tea.ErrProgramKilled {
		return fmt.Errorf("console: %w", err)
	}
	return nil
}
