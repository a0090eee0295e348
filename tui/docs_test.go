package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
)

// TestDocs checks that docs/console.md says what the KeyMap says.
// Regenerate it with: go test ./tui -run TestDocs -update
func TestDocs(t *testing.T) {
	path := filepath.Join("..", "docs", "console.md")
	want := consoleDoc(DefaultKeyMap())
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is stale: go test ./tui -run TestDocs -update", path)
	}
}

// docScreen is one screen of the console as the docs describe it.
type docScreen struct {
	name, shows string
	keys        bindings
}

func consoleDoc(k KeyMap) string {
	screens := []docScreen{
		{"Profiles (the picker)", "Every profile with its pagination, its auth, its checkpoint (never run, resumable at page N, done, or invalid and why) and how its last run ended. A profile whose run is live shows its state word, pages, records and rate instead; enter opens that run, p pauses it, x stops it. r, i and e open a profile's records, pages and events: its run in this console, or else its last run read back from its output, a folder or s3://BUCKET/PREFIX (the last 500 records, the last 300 pages with their archived bodies, and events rebuilt from history.jsonl and pages/index.jsonl, since retries, sleeps and checkpoints are not kept on disk). H lists its past runs, the one going on first; enter on one opens it. A profile whose OAuth2 sign-in is missing says so; enter then signs in. A profile that reads, runs or writes outside its own folder (a stranger's, see [security](security.md)) says `needs your approval`; enter lists what it would read, run, write and send where, and y approves it as it is now (`siphon profiles trust FILE` does the same from a shell).", k.PickerHelp()},
		{"Runs", "Every run of this console session, newest first, live and ended: state, pages, records, rate, share done and ETA when the API gives a total, retries, sleeps, the last error and the output folder. / filters by state word (or name). A failed or stopped run resumes from its checkpoint with R.", k.RunsHelp()},
		{"History", "H on a profile (or a run) lists its past runs from history.jsonl in its output folder, newest first: when, how long, outcome, stop reason or error (its cause first), pages, records, retries and sleeps. enter opens a run whole, its error wrapped, not cut.", k.HistoryHelp()},
		{"Filter (typing in the picker or the records)", "A line to type in: the picker keeps the profiles whose name, description, pagination or auth contain it; the records table runs it as a jq filter over the records held.", k.FilterHelp()},
		{"Run", "The run's header (its state word, progress when the API gives a total, counts, rate limit, last checkpoint, and badges for anomalies, drift, retries and sleeps) over the latest events. esc goes back and leaves the run going; x stops it (asks first; the checkpoint is saved); R resumes a failed or stopped run; tab opens the runs list.", k.RunHelp(true, true)},
		{"Partitioned run", "A profile with partitions runs them a few at a time under one shared budget. Its run view shows the budget (requests per second out of the limit as a gauge, requests sent, sleeps, retries), the partitions done of the total with what runs, waits, is paused or failed, the records and an ETA, and a table of the partitions: state word (WAITING before it starts), pages, records, records per second, retries and last error. / filters the table by state word (or key); enter opens a partition: its own header, event log, records and pages, over which p pauses or resumes it alone. p on the table pauses or resumes the selected partition, P every partition at once; R retries a failed partition from its checkpoint while the run goes on (once the run has ended, R resumes the run, which retries its failed partitions); Z starts the selected partition over (asks first; see State). e, r and i show the whole run's events (each line names its partition), records and pages.", k.PartitionsHelp(true, true)},
		{"Event log", "Every retry, sleep, anomaly, drift and checkpoint, newest last (the last 1000). The routine checkpoint lines are hidden until v shows them (the header says when the last was saved). It follows the tail until you scroll up; G follows again.", k.LogHelp(true)},
		{"Records", "The latest 500 records as a table, columns in the records' order with the primary key first; a jq filter narrows them. What the filter keeps of a record (select(…), .field, .items[]) shows as the API sent it: every digit of a big integer, 513.00 as 513.00, keys in their order; values the filter builds ({id, name}, .a + 1) are counted as built by jq, their keys in the record's order.", k.ListHelp(true, true, true, true)},
		{"Pages (the inspector)", "One line per page (the last 300): HTTP status, attempts, time, bytes, records, cursor in and out, and marks for anomalies and drift. w replays the walk (below).", k.PagesHelp(true)},
		{"Replay", "w in the pages view walks every archived page of the run's output (a folder or s3://BUCKET/PREFIX) again, offline (no request is sent), with the profile's records path and pagination, or with the ones last edited in the selector playground and not saved. Beside the original walk, a page a line: records found, first and last primary key, the cursor or next URL out, or why the walk stopped there; then whether the walks agree, or where they differ. A partitioned run replays each partition. A run that kept no pages (output.raw_pages: false), or an archive with pages missing or edited, is said in the pane.", k.ReplayHelp()},
		{"State", "S on a profile or a run shows its output folder's resumable state, as siphon state show does: where the next run starts, pages, records, the high-water mark, and each partition's. W rewinds N pages (the records they wrote move to aside/, the next run fetches them again), m sets the high-water mark (checked against the pagination style), and Z on the table of partitions starts one partition over (its files move to aside/, the others are left). Each asks first, naming what it will do; while a run holds the folder the change is refused with the reason. Every change keeps the state before it in history.jsonl.", k.StateHelp()},
		{"Record or page detail", "A record's pretty JSON, or a page's request and response: headers (secrets REDACTED) and the body. A big body shows its first 16 KiB, then what was skipped, then its last 16 KiB read from the archived page in the output folder (output.raw_pages), so G reaches the end of any page and its pagination block; without an archive it says so. c copies the page's request as a curl command three ways, since a terminal (or tmux under its default set-clipboard external) may drop the clipboard without a word: to the clipboard (OSC 52), onto a screen that shows the command to select, and into a file readable by you only in siphon's cache folder (curl/PROFILE-page-N.sh), whose path the screen gives, with the tmux setting that lets OSC 52 through (set -g set-clipboard on).", k.DetailHelp(true)},
		{"Selector playground", "On a page's detail, s tries the records expression and the pagination fields on the page's whole archived body (or its preview) as you type: the records found and where the run would go next. Enter saves the changed fields into the profile's file, keeping its comments.", k.EditorHelp("save to the profile")},
		{"New profile", "From the picker, a asks for a URL and how to sign in, sends one request, and opens the selector editor on the answer; enter saves the profile into the profiles folder.", k.EditorHelp("probe, then save the profile")},
		{"Question", "A yes/no in the status line: quitting while runs are live (asked once for all of them; every checkpoint is saved), stopping a run (its checkpoint is saved), or starting a profile over (the old output is moved aside, not deleted).", k.ConfirmHelp()},
	}
	var b strings.Builder
	b.WriteString(`# The console

` + "`siphon`" + ` opens the console on the saved profiles; ` + "`siphon demo`" + ` opens it on the built-in
demo profiles. It is a stack of screens: enter or a letter opens one over the
other, esc goes back. The keys of the screen on top show at the bottom; ` + "`?`" + `
shows all of them.

Runs live beside the screens: esc from a run goes back to the profiles and
the run goes on; start as many as you like. The title line counts the live
and failed runs; when a run in the background ends or fails, the status line
says so and the terminal bell rings (` + "`--no-bell`" + ` on ` + "`siphon`" + ` and ` + "`siphon demo`" + `
turns it off). A run not on screen keeps a smaller tail of its records, pages
and events, so memory stays bounded however many runs go on.

This file is generated from the console's key map:
` + "`go test ./tui -run TestDocs -update`" + ` rewrites it, and the test fails when it is stale.

## State words

The run's header always shows one of these words:

| word | meaning |
| --- | --- |
| RUNNING | fetching pages |
| SLEEPING | waiting out a rate limit, with the time left |
| RETRYING | a request failed and is tried again: attempt, cause and time left |
| PAUSED | paused between pages, after a checkpoint (p resumes) |
| DONE | the last page came; nothing left to fetch |
| FAILED | the run stopped on an error, which the header names |

## Screens and keys
`)
	for _, s := range screens {
		fmt.Fprintf(&b, "\n### %s\n\n%s\n\n| key | does |\n| --- | --- |\n", s.name, s.shows)
		seen := map[string]bool{}
		for _, col := range s.keys.FullHelp() {
			for _, kb := range col {
				if !kb.Enabled() || seen[kb.Help().Key] {
					continue
				}
				seen[kb.Help().Key] = true
				fmt.Fprintf(&b, "| `%s` | %s |\n", keysOf(kb), kb.Help().Desc)
			}
		}
	}
	return b.String()
}

// keysOf lists every key of a binding, as typed.
func keysOf(kb key.Binding) string {
	names := kb.Keys()
	for i, n := range names {
		if n == " " {
			names[i] = "space"
		}
	}
	return strings.Join(names, "` `")
}
